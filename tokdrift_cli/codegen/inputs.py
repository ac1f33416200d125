"""Calls made from a signature, for cases with no tests: deterministic for a seed, simplest values first."""

from __future__ import annotations

import ast
import random
from collections.abc import Callable, Sequence
from typing import Any, Final

from tokdrift_cli.codegen.sandbox import FunctionCall
from tokdrift_cli.core.ir import Parameter
from tokdrift_cli.core.types import canonical_type

__all__ = ["generate_inputs"]

_INTS: Final = (0, 1, -1, 2, 3, 5, 7, 10, 42, 100, -7, 13)
_FLOATS: Final = (0.0, 1.0, -1.5, 0.5, 2.25, 3.14159, 100.0, -0.001)
_WORDS: Final = ("", "a", "abc", "hello world", "Racecar", "a1b2", "  padded ", "UPPER", "x,y,z", "héllo", "level")
_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz ABC"


def generate_inputs(parameters: Sequence[Parameter], count: int, seed: int) -> list[FunctionCall]:
    """``count`` calls with arguments drawn from the parameters' types; the same seed gives the same calls.

    Handles ``int``, ``float``, ``bool``, ``str``, ``bytes``, ``None``, lists,
    sets, dicts, tuples (fixed and variable length), unions and ``Optional``,
    and ``Literal``. Anything else gets small ints or short strings. The first
    call uses the simplest value of each type (0, "", []), where edge-case bugs
    live.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    nodes = [_type_node(parameter.type_hint) for parameter in parameters]
    calls = []
    for index in range(count):
        maker = _Maker(rng, simplest=index == 0)
        calls.append(FunctionCall(args=tuple(maker.make(node, 0) for node in nodes)))
    return calls


def _type_node(type_hint: str) -> ast.expr | None:
    try:
        return ast.parse(canonical_type(type_hint), mode="eval").body
    except SyntaxError:
        return None


class _Maker:
    """Makes one value of a parsed canonical type."""

    _MAX_DEPTH = 4

    def __init__(self, rng: random.Random, simplest: bool):
        self.rng = rng
        self.simplest = simplest

    def make(self, node: ast.expr | None, depth: int) -> Any:
        if node is None or depth > self._MAX_DEPTH:
            return self._unknown()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._union(_union_members(node), depth)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            return self._generic(node.value.id, _arguments(node), depth)
        if isinstance(node, ast.Constant) and node.value is None:
            return None
        if isinstance(node, ast.Name):
            maker = self._scalars().get(node.id)
            return maker() if maker else self._unknown()
        return self._unknown()

    def _scalars(self) -> dict[str, Callable[[], Any]]:
        return {
            "int": self._int,
            "float": self._float,
            "bool": lambda: False if self.simplest else self.rng.random() < 0.5,
            "str": self._str,
            "bytes": lambda: self._str().encode(),
            "None": lambda: None,
            "complex": lambda: complex(self._float(), self._float()),
        }

    def _int(self) -> int:
        if self.simplest:
            return 0
        return self.rng.choice(_INTS) if self.rng.random() < 0.6 else self.rng.randint(-1000, 1000)

    def _float(self) -> float:
        if self.simplest:
            return 0.0
        return self.rng.choice(_FLOATS) if self.rng.random() < 0.5 else round(self.rng.uniform(-100, 100), 3)

    def _str(self) -> str:
        if self.simplest:
            return ""
        if self.rng.random() < 0.6:
            return self.rng.choice(_WORDS)
        return "".join(self.rng.choice(_LETTERS) for _ in range(self.rng.randint(1, 10)))

    def _unknown(self) -> Any:
        return self._int() if self.rng.random() < 0.5 else self._str()

    def _length(self) -> int:
        return 0 if self.simplest else self.rng.randint(0, 5)

    def _union(self, members: list[ast.expr], depth: int) -> Any:
        concrete = [member for member in members if not (isinstance(member, ast.Constant) and member.value is None)]
        if concrete and (self.simplest or len(concrete) == len(members) or self.rng.random() < 0.75):
            return self.make(self.rng.choice(concrete) if not self.simplest else concrete[0], depth + 1)
        return None

    def _generic(self, base: str, args: list[ast.expr], depth: int) -> Any:
        first = args[0] if args else None
        if base == "list":
            return [self.make(first, depth + 1) for _ in range(self._length())]
        if base in ("set", "frozenset"):
            items = {_hashable(self.make(first, depth + 1)) for _ in range(self._length())}
            return items if base == "set" else frozenset(items)
        if base == "dict":
            value_node = args[1] if len(args) > 1 else None
            return {
                _hashable(self.make(first, depth + 1)): self.make(value_node, depth + 1) for _ in range(self._length())
            }
        if base == "tuple":
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
                return tuple(self.make(first, depth + 1) for _ in range(self._length()))
            return tuple(self.make(arg, depth + 1) for arg in args)
        if base == "Literal" and args:
            choice = args[0] if self.simplest else self.rng.choice(args)
            try:
                return ast.literal_eval(choice)
            except ValueError:
                return self._unknown()
        return self._unknown()


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    return [node]


def _arguments(node: ast.Subscript) -> list[ast.expr]:
    if isinstance(node.slice, ast.Tuple):
        return list(node.slice.elts)
    return [node.slice]


def _hashable(value: Any) -> Any:
    """A set element or dict key: lists become tuples, other unhashables their repr."""
    if isinstance(value, list):
        return tuple(_hashable(item) for item in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
