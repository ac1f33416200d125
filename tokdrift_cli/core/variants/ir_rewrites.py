"""How IR rewrites are done: predicate source edits, renaming, reordering, type re-spelling.

Each function here takes an IR and returns it rewritten (or ``None`` when it
does not apply); :mod:`tokdrift_cli.core.variants.ir_rules` names them as rules.
Predicate text is edited by source span, never re-printed, so numbers and
strings keep their exact spelling; each rewrite checks its own result and
leaves the IR alone rather than produce something that might mean otherwise.
"""

from __future__ import annotations

import ast
import keyword
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from tokdrift_cli.core.equivalence import canonical_predicate, identifier_words
from tokdrift_cli.core.ir import IR, Assertion
from tokdrift_cli.core.types import canonical_type

# --------------------------------------------------------------------------- predicate source edits

# One edit of a predicate: replace bytes [start, end) with text.
_Edit = tuple[int, int, str]


@dataclass(frozen=True)
class _Predicate:
    """A predicate split into a kept prefix/suffix and a parsed Python expression."""

    prefix: str
    body: bytes
    suffix: str
    tree: ast.Expression
    line_starts: tuple[int, ...]

    def offset(self, line: int, column: int) -> int:
        # ast columns count UTF-8 bytes, hence work on the encoded body.
        return self.line_starts[line - 1] + column

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def text(self, start: int, end: int) -> str:
        return self.body[start:end].decode("utf-8")

    def rebuild(self, body: str) -> str:
        return f"{self.prefix}{body}{self.suffix}"


_ASSERT_PREFIX: Final = re.compile(r"\s*(?:assert\s+)?")


def _parse_predicate(predicate: str) -> _Predicate | None:
    """Parse a predicate (an optional leading ``assert`` is kept aside), or ``None``."""
    prefix = _ASSERT_PREFIX.match(predicate)
    start = prefix.end() if prefix else 0
    stripped = predicate[start:].rstrip()
    if not stripped:
        return None
    try:
        tree = ast.parse(stripped, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    body = stripped.encode("utf-8")
    line_starts = [0]
    for index, byte in enumerate(body):
        if byte == ord("\n"):
            line_starts.append(index + 1)
    return _Predicate(predicate[:start], body, predicate[start + len(stripped) :], tree, tuple(line_starts))


def _splice(text: bytes, base: int, edits: Sequence[_Edit]) -> str:
    """``text`` (which starts at offset ``base``) with non-overlapping edits applied."""
    pieces: list[bytes] = []
    cursor = 0
    for start, end, replacement in sorted(edits):
        pieces.extend((text[cursor : start - base], replacement.encode("utf-8")))
        cursor = end - base
    pieces.append(text[cursor:])
    return b"".join(pieces).decode("utf-8")


# --------------------------------------------------------------------------- naming


class Style(StrEnum):
    SNAKE = "snake"
    CAMEL = "camel"
    PASCAL = "pascal"
    SNAKE_UPPER = "snake_upper"


def _join(words: tuple[str, ...], style: Style) -> str:
    capitalised = [word[:1].upper() + word[1:] for word in words]
    if style is Style.SNAKE:
        return "_".join(words)
    if style is Style.SNAKE_UPPER:
        return "_".join(word.upper() for word in words)
    if style is Style.CAMEL:
        return words[0] + "".join(capitalised[1:])
    return "".join(capitalised)


def _restyle(name: str, style: Style) -> str:
    """``name`` in ``style``; unchanged if that would not be a valid identifier of the same words.

    Leading underscores are kept: they carry a convention (private), not words.
    """
    words = identifier_words(name)
    if not words:
        return name
    underscores = name[: len(name) - len(name.lstrip("_"))]
    new = underscores + _join(words, style)
    if identifier_words(new) != words or not new.isidentifier() or keyword.iskeyword(new):
        return name
    return new


def _name_nodes(tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    """Every variable occurrence in an expression: names and lambda parameters."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node, node.id
        elif isinstance(node, ast.arg):
            yield node, node.arg


def _rename_predicate(predicate: str, mapping: Mapping[str, str]) -> str | None:
    """The predicate with mapped names renamed, or ``None`` if that cannot be done safely."""
    parsed = _parse_predicate(predicate)
    if parsed is None:
        # Not Python: refuse if it mentions a renamed name we cannot rename reliably.
        mentioned = any(re.search(rf"(?<!\w){re.escape(old)}(?!\w)", predicate) for old in mapping)
        return None if mentioned else predicate
    # The parser NFKC-normalises identifiers, so names are matched in that form.
    lookup = {unicodedata.normalize("NFKC", old): new for old, new in mapping.items()}
    edits: list[_Edit] = []
    others: set[str] = set()
    for node, name in _name_nodes(parsed.tree):
        if name in lookup:
            edits.append((*parsed.span(node), lookup[name]))
        else:
            others.add(name)
    if others & {unicodedata.normalize("NFKC", new) for new in mapping.values()}:
        return None  # the new name would capture another variable of the predicate
    if not edits:
        return predicate
    return parsed.rebuild(_splice(parsed.body, 0, edits))


def rename(ir: IR, style: Style) -> IR | None:
    signature = ir.signature
    old_params = [parameter.name for parameter in signature.parameters]
    new_params = [_restyle(name, style) for name in old_params]
    new_name = _restyle(signature.name, style)
    if len(set(new_params)) != len(set(old_params)):
        return None  # two parameters would merge into one
    mapping = {old: new for old, new in zip(old_params, new_params, strict=True) if old != new}
    if signature.name != new_name:
        mapping[signature.name] = new_name  # the same as a parameter's of the same name
    if not mapping:
        return None
    assertions = []
    for assertion in ir.assertions:
        renamed = _rename_predicate(assertion.predicate, mapping)
        if renamed is None:
            return None
        assertions.append(assertion.model_copy(update={"predicate": renamed}))
    parameters = [
        parameter.model_copy(update={"name": new})
        for parameter, new in zip(signature.parameters, new_params, strict=True)
    ]
    new_signature = signature.model_copy(update={"name": new_name, "parameters": parameters})
    return ir.model_copy(update={"signature": new_signature, "assertions": assertions})


# --------------------------------------------------------------------------- effect order


def _reorder_effects(ir: IR, order: Callable[[list], list]) -> IR | None:
    if len(ir.effects) < 2:
        return None
    return ir.model_copy(update={"effects": order(list(ir.effects))})


def reverse_effects(ir: IR) -> IR | None:
    return _reorder_effects(ir, lambda effects: effects[::-1])


def rotate_effects(ir: IR) -> IR | None:
    return _reorder_effects(ir, lambda effects: effects[1:] + effects[:1])


# --------------------------------------------------------------------------- assertions

_FLIPPED_OPERATOR: Final[Mapping[type[ast.cmpop], str]] = MappingProxyType(
    {ast.Lt: ">", ast.Gt: "<", ast.LtE: ">=", ast.GtE: "<=", ast.Eq: "==", ast.NotEq: "!="}
)
# Operands that bind looser than a comparison need parentheses once moved; their
# source span leaves the parentheses out. (A tuple or generator operand's span
# includes its own parentheses.)
_LOOSE_OPERANDS: Final = (ast.BoolOp, ast.Compare, ast.IfExp, ast.Lambda, ast.NamedExpr, ast.Yield, ast.YieldFrom)


def _flippable(node: ast.AST) -> bool:
    return isinstance(node, ast.Compare) and all(type(op) in _FLIPPED_OPERATOR for op in node.ops)


def _topmost_flippable(node: ast.AST) -> Iterator[ast.Compare]:
    for child in ast.iter_child_nodes(node):
        if _flippable(child):
            yield child  # type: ignore[misc]
        else:
            yield from _topmost_flippable(child)


def _flipped_source(parsed: _Predicate, node: ast.AST) -> str:
    """Source of ``node`` with every comparison inside it written the other way round."""
    if isinstance(node, ast.Compare) and _flippable(node):
        operands = [node.left, *node.comparators]
        parts = [_operand_source(parsed, operands[-1])]
        for op, operand in zip(reversed(node.ops), reversed(operands[:-1]), strict=True):
            parts.extend((_FLIPPED_OPERATOR[type(op)], _operand_source(parsed, operand)))
        return " ".join(parts)
    start, end = parsed.span(node)
    edits = [(*parsed.span(inner), _flipped_source(parsed, inner)) for inner in _topmost_flippable(node)]
    return _splice(parsed.body[start:end], start, edits)


def _operand_source(parsed: _Predicate, node: ast.expr) -> str:
    text = _flipped_source(parsed, node)
    loose = isinstance(node, _LOOSE_OPERANDS) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not))
    return f"({text})" if loose else text


def _flip_predicate(predicate: str) -> str:
    parsed = _parse_predicate(predicate)
    if parsed is None:
        return predicate
    # Splice into the whole text, so parentheses around the entire predicate stay.
    edits = [(*parsed.span(node), _flipped_source(parsed, node)) for node in _topmost_flippable(parsed.tree)]
    flipped = parsed.rebuild(_splice(parsed.body, 0, edits))
    if canonical_predicate(flipped) != canonical_predicate(predicate):
        return predicate
    return flipped


def flip_comparisons(ir: IR) -> IR | None:
    assertions = [a.model_copy(update={"predicate": _flip_predicate(a.predicate)}) for a in ir.assertions]
    return ir.model_copy(update={"assertions": assertions})


def _conjuncts(assertion: Assertion) -> list[Assertion]:
    parsed = _parse_predicate(assertion.predicate)
    if parsed is None or not (isinstance(parsed.tree.body, ast.BoolOp) and isinstance(parsed.tree.body.op, ast.And)):
        return [assertion]
    prefix = parsed.prefix.strip()
    prefix = f"{prefix} " if prefix else ""
    return [
        assertion.model_copy(update={"predicate": prefix + parsed.text(*parsed.span(value))})
        for value in parsed.tree.body.values
    ]


def split_conjunctions(ir: IR) -> IR | None:
    split: list[Assertion] = []
    for assertion in ir.assertions:
        parts = _conjuncts(assertion)
        rejoined = " and ".join(f"({_ASSERT_PREFIX.sub('', part.predicate, count=1)})" for part in parts)
        if len(parts) > 1 and canonical_predicate(rejoined) != canonical_predicate(assertion.predicate):
            parts = [assertion]  # pragma: no cover - splitting keeps the conjunction
        split.extend(parts)
    return ir.model_copy(update={"assertions": split})


def reverse_assertions(ir: IR) -> IR | None:
    if len(ir.assertions) < 2:
        return None
    return ir.model_copy(update={"assertions": ir.assertions[::-1]})


# --------------------------------------------------------------------------- type spelling

_TO_TYPING: Final[Mapping[str, str]] = MappingProxyType(
    {"list": "List", "dict": "Dict", "set": "Set", "frozenset": "FrozenSet", "tuple": "Tuple", "type": "Type"}
)
_TO_BUILTIN: Final[Mapping[str, str]] = MappingProxyType({typing: builtin for builtin, typing in _TO_TYPING.items()})
_TYPING_PREFIXES: Final = ("typing.", "typing_extensions.")


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _typing_name(node: ast.expr) -> str | None:
    """``Optional`` for ``Optional`` or ``typing.Optional``; ``None`` for other names."""
    dotted = _dotted(node)
    if dotted is None:
        return None
    for prefix in _TYPING_PREFIXES:
        if dotted.startswith(prefix):
            return dotted[len(prefix) :]
    return dotted


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    return [node]


def _subscript(base: str, args: list[ast.expr]) -> ast.Subscript:
    slice_ = args[0] if len(args) == 1 else ast.Tuple(elts=args, ctx=ast.Load())
    return ast.Subscript(value=ast.Name(id=base, ctx=ast.Load()), slice=slice_, ctx=ast.Load())


class ToTypingSpelling(ast.NodeTransformer):
    """``list[int]`` -> ``List[int]``, ``X | None`` -> ``Optional[X]``, ``A | B`` -> ``Union[A, B]``."""

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return ast.Name(id=_TO_TYPING.get(node.id, node.id), ctx=node.ctx)

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        if not isinstance(node.op, ast.BitOr):
            return node
        members = [self.visit(member) for member in _union_members(node)]
        others = [member for member in members if not _is_none(member)]
        if len(others) == 1 and len(members) == 2:
            return _subscript("Optional", others)
        return _subscript("Union", members)


class ToBuiltinSpelling(ast.NodeTransformer):
    """``List[int]`` -> ``list[int]``, ``Optional[X]`` -> ``X | None``, ``Union[A, B]`` -> ``A | B``."""

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return ast.Name(id=_TO_BUILTIN.get(node.id, node.id), ctx=node.ctx)

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        name = _typing_name(node)
        if name in _TO_BUILTIN:
            return ast.Name(id=_TO_BUILTIN[name], ctx=ast.Load())
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        name = _typing_name(node.value)
        if name not in ("Optional", "Union"):
            return self.generic_visit(node)
        args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        members = [self.visit(arg) for arg in args]
        if name == "Optional":
            members.append(ast.Constant(value=None))
        union = members[0]
        for member in members[1:]:
            union = ast.BinOp(left=union, op=ast.BitOr(), right=member)
        return union


def _respell(type_hint: str | None, transformer: type[ast.NodeTransformer]) -> str | None:
    """The hint re-spelled by ``transformer`` if it is the same type, else the hint unchanged."""
    if type_hint is None or not type_hint.strip():
        return type_hint
    try:
        tree = ast.parse(type_hint.strip(), mode="eval")
        if any(isinstance(node, ast.Constant) and isinstance(node.value, str) for node in ast.walk(tree)):
            return type_hint  # re-printing would re-quote the string: leave forward references alone
        rewritten = ast.unparse(ast.fix_missing_locations(transformer().visit(tree)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return type_hint
    if rewritten == type_hint.strip() or canonical_type(rewritten) != canonical_type(type_hint):
        return type_hint
    return rewritten


def respell_types(ir: IR, transformer: type[ast.NodeTransformer]) -> IR | None:
    signature = ir.signature
    parameters = [p.model_copy(update={"type_hint": _respell(p.type_hint, transformer)}) for p in signature.parameters]
    returns = _respell(signature.returns, transformer)
    new_signature = signature.model_copy(update={"parameters": parameters, "returns": returns})
    return ir.model_copy(update={"signature": new_signature})
