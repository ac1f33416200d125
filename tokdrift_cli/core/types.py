"""Canonical spelling of Python type hints, so that equal types compare equal as text.

Why this exists: a generator spells one type many ways. ``List[int]``,
``typing.List[int]`` and ``list[int]`` are the same type; so are
``Optional[str]``, ``str | None`` and ``Union[None, str]``. Comparing the raw
strings would report those as drift, which would make a robust generator look
fragile. :func:`canonical_type` maps every spelling of a type to one string and
keeps genuinely different types (``int`` vs ``float``, ``list[int]`` vs
``list[str]``) apart.

The hint is parsed with :mod:`ast` (it is Python syntax in the normal case) and
rebuilt bottom-up:

* ``typing.``/``typing_extensions.``/``collections.abc.``/``builtins.`` prefixes
  are dropped; ``List``/``Dict``/``Set``/``FrozenSet``/``Tuple``/``Type`` become
  the builtin generics, ``Text`` becomes ``str``;
* ``Optional[X]``, ``Union[...]`` and ``X | Y`` become one flat, de-duplicated,
  sorted union (``None`` last), so member order never matters;
* an unparameterised builtin container means "of anything": ``list`` is
  ``list[Any]``, ``dict`` is ``dict[Any, Any]``, ``tuple`` is ``tuple[Any, ...]``;
* ``None``, ``NoneType``, a missing hint and an empty hint are all ``None``
  (a function that returns nothing);
* a few words a language model writes for builtins (``string``, ``integer``,
  ``boolean``, ``void``) are read as those builtins.

Text that is not a type expression ("a list of ints") falls back to lowercase
text with collapsed whitespace: it then equals only the same words, and nothing
here ever raises on any input string.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["canonical_type"]

NONE: Final = "None"
ANY: Final = "Any"

# Deep nesting is junk from a model, not a type; refuse it before recursion does.
_MAX_DEPTH: Final = 64

_MODULE_PREFIXES: Final = ("typing_extensions.", "typing.", "collections.abc.", "builtins.")

# Exact (case-sensitive) spellings from ``typing`` and ``types``.
_TYPING_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "List": "list",
        "Dict": "dict",
        "Set": "set",
        "FrozenSet": "frozenset",
        "Tuple": "tuple",
        "Type": "type",
        "Text": "str",
        "NoneType": NONE,
        "None": NONE,
    }
)

# Words models use for builtins; matched case-insensitively because "String"
# and "string" are both common and neither is a real Python name for a type.
_LOOSE_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "string": "str",
        "integer": "int",
        "boolean": "bool",
        "nonetype": NONE,
        "none": NONE,
        "void": NONE,
        "any": ANY,
    }
)

# What a bare container means: a container of anything.
_BARE_GENERICS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "list": "list[Any]",
        "set": "set[Any]",
        "frozenset": "frozenset[Any]",
        "dict": "dict[Any, Any]",
        "tuple": "tuple[Any, ...]",
        "type": "type[Any]",
    }
)


class _NotAType(Exception):
    """The text parsed as Python but is not a type expression we understand."""


def canonical_type(type_hint: str | None) -> str:
    """Return one canonical spelling of ``type_hint`` (see the module docstring).

    Never raises: anything that is not a type expression comes back as
    normalised text, so two junk hints are equal only if their words are.
    """
    text = " ".join((type_hint or "").split())
    if not text:
        return NONE
    try:
        tree = ast.parse(text, mode="eval")
        return _render(tree.body, depth=0)
    except (SyntaxError, ValueError, RecursionError, MemoryError, _NotAType):
        return _fallback_text(text)


def _fallback_text(text: str) -> str:
    """Lowercase, whitespace-collapsed text without trailing punctuation."""
    return " ".join(text.casefold().split()).rstrip(".,;:!") or NONE


def _render(node: ast.expr, depth: int) -> str:
    """Render any type node, joining union members in a fixed order."""
    return _join_union(_union_members(node, depth))


def _join_union(members: frozenset[str]) -> str:
    if not members:
        raise _NotAType("empty union")
    ordered = sorted(members, key=lambda member: (member == NONE, member))
    return " | ".join(ordered)


def _union_members(node: ast.expr, depth: int) -> frozenset[str]:
    """The flat set of alternatives ``node`` stands for (one, unless a union)."""
    if depth > _MAX_DEPTH:
        raise _NotAType("nested too deeply")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left, depth + 1) | _union_members(node.right, depth + 1)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        # A quoted forward reference, e.g. Optional["User"].
        inner = " ".join(node.value.split())
        if not inner:
            raise _NotAType("empty forward reference")
        return _union_members(ast.parse(inner, mode="eval").body, depth + 1)
    if isinstance(node, ast.Subscript):
        base = _base_name(node.value)
        if base in ("Optional", "Union"):
            members = _members_of_all(_subscript_args(node), depth + 1)
            return members | {NONE} if base == "Optional" else members
    return frozenset({_render_single(node, depth + 1)})


def _members_of_all(nodes: Iterable[ast.expr], depth: int) -> frozenset[str]:
    members: frozenset[str] = frozenset()
    for node in nodes:
        members |= _union_members(node, depth)
    return members


def _render_single(node: ast.expr, depth: int) -> str:
    """Render one non-union type: a name, a constant, or a generic."""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return NONE
        if node.value is Ellipsis:
            return "..."
        raise _NotAType("a constant is not a type")
    if isinstance(node, ast.Name | ast.Attribute):
        name = _base_name(node)
        return _BARE_GENERICS.get(name, name)
    if isinstance(node, ast.Subscript):
        return _render_generic(node, depth)
    raise _NotAType(type(node).__name__)


def _render_generic(node: ast.Subscript, depth: int) -> str:
    base = _base_name(node.value)
    args = _subscript_args(node)
    if base == "Annotated" and args:
        # The metadata does not change the type a caller passes or receives.
        return _render(args[0], depth + 1)
    if base == "Literal":
        # Literal values are an unordered set of allowed values.
        values = sorted({ast.unparse(arg) for arg in args})
        return f"Literal[{', '.join(values)}]"
    rendered = [_render_argument(arg, depth + 1) for arg in args]
    return f"{base}[{', '.join(rendered)}]"


def _render_argument(node: ast.expr, depth: int) -> str:
    """Render a generic argument; ``Callable[[A, B], R]`` has a list argument."""
    if isinstance(node, ast.List):
        return "[" + ", ".join(_render(item, depth + 1) for item in node.elts) + "]"
    if isinstance(node, ast.Tuple) and not node.elts:
        return "()"
    return _render(node, depth)


def _subscript_args(node: ast.Subscript) -> list[ast.expr]:
    if isinstance(node.slice, ast.Tuple):
        return list(node.slice.elts) or [node.slice]
    return [node.slice]


def _base_name(node: ast.expr) -> str:
    """The canonical name of a (possibly dotted) type name, without generics expanded."""
    dotted = _dotted_name(node)
    for prefix in _MODULE_PREFIXES:
        if dotted.startswith(prefix) and len(dotted) > len(prefix):
            dotted = dotted[len(prefix) :]
            break
    if dotted in _TYPING_NAMES:
        return _TYPING_NAMES[dotted]
    return _LOOSE_NAMES.get(dotted.casefold(), dotted)


def _dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted_name(node.value)}.{node.attr}"
    raise _NotAType("not a name")
