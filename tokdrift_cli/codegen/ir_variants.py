"""Meaning-preserving rewrites of an IR: the IR-side counterpart of prompt variants.

A code generator that reads an IR should not care how the IR spells things.
These rules re-spell an IR without changing the function it specifies, so a
generator can be checked for robustness to them (the templated generator is
robust by construction; an LM-backed one has to earn it).

Rules have stable ids (results cite them) and come in four families:

``naming``
    The function name and every parameter name in one casing style
    (``ir.name.snake``, ``ir.name.camel``, ``ir.name.pascal``,
    ``ir.name.snake_upper``). Names inside parseable assertion predicates are
    renamed with them, through the predicate's syntax tree, so a predicate
    keeps pointing at the same parameter. A rule that would merge two names,
    capture another name of a predicate or leave a stale name in a predicate
    that is not Python does not apply. Note: :func:`compare_irs` compares
    predicates as text, so it reports a predicate whose parameter was
    consistently renamed as different (a false drift of the checker, not of
    the variant).
``effect_order``
    Effects in another order (``ir.effects.reverse``, ``ir.effects.rotate``).
    Effects are treated as a set, which is how :func:`compare_irs` compares
    them; an IR that needs a sequence has to say so inside one effect.
``assertion``
    Comparisons written the other way round (``ir.assert.flip_comparison``:
    ``x > 0`` -> ``0 < x``, ``a == b`` -> ``b == a``), a conjunction split into
    separate assertions (``ir.assert.split_conjunction``) and assertions in
    reverse order (``ir.assert.reverse``): assertions together form one
    conjunction, so neither order nor grouping matters.
``type_spelling``
    ``typing`` spellings (``ir.types.typing_alias``: ``list[int]`` ->
    ``List[int]``, ``X | None`` -> ``Optional[X]``) and back
    (``ir.types.builtin``).

Rewrites of predicate text move or rename source segments and never
re-print a literal, so numbers and strings keep their exact spelling. Every
rule checks its own result (same identifier words, same canonical type, same
canonical predicate) and counts as not applicable rather than emit a variant
that might mean something else.
"""

from __future__ import annotations

import ast
import keyword
import random
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.equivalence import canonical_predicate, identifier_words
from tokdrift_cli.core.ir import IR, Assertion
from tokdrift_cli.core.types import canonical_type
from tokdrift_cli.core.variants.generate import stable_seed
from tokdrift_cli.core.variants.registry import UnknownRuleError

__all__ = [
    "IR_RULES",
    "IRFamily",
    "IRRule",
    "IRVariant",
    "generate_ir_variants",
    "get_ir_rule",
]


class IRFamily(StrEnum):
    """Kinds of IR rewrite; variants are spread over them."""

    NAMING = "naming"
    EFFECT_ORDER = "effect_order"
    ASSERTION = "assertion"
    TYPE_SPELLING = "type_spelling"


IRTransform = Callable[[IR], IR | None]

_ID: Final = re.compile(r"ir\.[a-z_]+\.[a-z0-9_]+")


@dataclass(frozen=True)
class IRRule:
    """One meaning-preserving IR rewrite; the id is stable because results cite it."""

    id: str
    family: IRFamily
    description: str
    transform: IRTransform = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _ID.fullmatch(self.id):
            raise ValueError(f"IR rule id {self.id!r} must read 'ir.<part>.<name>'")

    def apply(self, ir: IR) -> IR | None:
        """The rewritten IR, or ``None`` when the rule does not apply or changes nothing."""
        result = self.transform(ir)
        if result is None or result == ir:
            return None
        return result


class IRVariant(BaseModel):
    """A rewritten IR and the rules (in order of application) that produced it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_ids: list[str]
    ir: IR


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


class _Style(StrEnum):
    SNAKE = "snake"
    CAMEL = "camel"
    PASCAL = "pascal"
    SNAKE_UPPER = "snake_upper"


def _join(words: tuple[str, ...], style: _Style) -> str:
    capitalised = [word[:1].upper() + word[1:] for word in words]
    if style is _Style.SNAKE:
        return "_".join(words)
    if style is _Style.SNAKE_UPPER:
        return "_".join(word.upper() for word in words)
    if style is _Style.CAMEL:
        return words[0] + "".join(capitalised[1:])
    return "".join(capitalised)


def _restyle(name: str, style: _Style) -> str:
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


def _rename(ir: IR, style: _Style) -> IR | None:
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


def _naming_rule(style: _Style, example: str) -> IRRule:
    def transform(ir: IR) -> IR | None:
        return _rename(ir, style)

    return IRRule(
        id=f"ir.name.{style}",
        family=IRFamily.NAMING,
        description=f"function and parameter names in {style} style, also inside predicates ({example})",
        transform=transform,
    )


# --------------------------------------------------------------------------- effect order


def _reorder_effects(ir: IR, order: Callable[[list], list]) -> IR | None:
    if len(ir.effects) < 2:
        return None
    return ir.model_copy(update={"effects": order(list(ir.effects))})


def _reverse_effects(ir: IR) -> IR | None:
    return _reorder_effects(ir, lambda effects: effects[::-1])


def _rotate_effects(ir: IR) -> IR | None:
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


def _flip_comparisons(ir: IR) -> IR | None:
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


def _split_conjunctions(ir: IR) -> IR | None:
    split: list[Assertion] = []
    for assertion in ir.assertions:
        parts = _conjuncts(assertion)
        rejoined = " and ".join(f"({_ASSERT_PREFIX.sub('', part.predicate, count=1)})" for part in parts)
        if len(parts) > 1 and canonical_predicate(rejoined) != canonical_predicate(assertion.predicate):
            parts = [assertion]  # pragma: no cover - splitting keeps the conjunction
        split.extend(parts)
    return ir.model_copy(update={"assertions": split})


def _reverse_assertions(ir: IR) -> IR | None:
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


class _ToTypingSpelling(ast.NodeTransformer):
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


class _ToBuiltinSpelling(ast.NodeTransformer):
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


def _respell_types(ir: IR, transformer: type[ast.NodeTransformer]) -> IR | None:
    signature = ir.signature
    parameters = [p.model_copy(update={"type_hint": _respell(p.type_hint, transformer)}) for p in signature.parameters]
    returns = _respell(signature.returns, transformer)
    new_signature = signature.model_copy(update={"parameters": parameters, "returns": returns})
    return ir.model_copy(update={"signature": new_signature})


# --------------------------------------------------------------------------- registry


def _rule(rule_id: str, family: IRFamily, description: str, transform: IRTransform) -> IRRule:
    return IRRule(id=rule_id, family=family, description=description, transform=transform)


def _index(rules: Sequence[IRRule]) -> Mapping[str, IRRule]:
    table: dict[str, IRRule] = {}
    for rule in rules:
        if rule.id in table:
            raise RuntimeError(f"duplicate IR rule id {rule.id!r}")  # pragma: no cover - a coding error
        table[rule.id] = rule
    return MappingProxyType(table)


IR_RULES: Final[Mapping[str, IRRule]] = _index(
    (
        _naming_rule(_Style.SNAKE, "countVowels -> count_vowels"),
        _naming_rule(_Style.CAMEL, "count_vowels -> countVowels"),
        _naming_rule(_Style.PASCAL, "count_vowels -> CountVowels"),
        _naming_rule(_Style.SNAKE_UPPER, "count_vowels -> COUNT_VOWELS"),
        _rule("ir.effects.reverse", IRFamily.EFFECT_ORDER, "effects in reverse order", _reverse_effects),
        _rule("ir.effects.rotate", IRFamily.EFFECT_ORDER, "first effect moved to the end", _rotate_effects),
        _rule(
            "ir.assert.flip_comparison",
            IRFamily.ASSERTION,
            "comparisons written the other way round (x > 0 -> 0 < x, a == b -> b == a)",
            _flip_comparisons,
        ),
        _rule(
            "ir.assert.split_conjunction",
            IRFamily.ASSERTION,
            "an 'a and b' assertion split into two assertions",
            _split_conjunctions,
        ),
        _rule("ir.assert.reverse", IRFamily.ASSERTION, "assertions in reverse order", _reverse_assertions),
        _rule(
            "ir.types.typing_alias",
            IRFamily.TYPE_SPELLING,
            "typing spellings (list[int] -> List[int], X | None -> Optional[X])",
            lambda ir: _respell_types(ir, _ToTypingSpelling),
        ),
        _rule(
            "ir.types.builtin",
            IRFamily.TYPE_SPELLING,
            "builtin spellings (List[int] -> list[int], Optional[X] -> X | None)",
            lambda ir: _respell_types(ir, _ToBuiltinSpelling),
        ),
    )
)


def get_ir_rule(rule_id: str) -> IRRule:
    """The IR rule with this id; an unknown id is an input error listing the known ones."""
    try:
        return IR_RULES[rule_id]
    except KeyError:
        known = ", ".join(sorted(IR_RULES))
        raise UnknownRuleError(f"unknown IR rule id {rule_id!r}; known IR rule ids: {known}") from None


# --------------------------------------------------------------------------- generation

_COMPOSE_ATTEMPTS_PER_VARIANT: Final = 20


def _spread(found: list[tuple[IRRule, IR]], rng: random.Random) -> list[tuple[IRRule, IR]]:
    """Round-robin over families in a seeded order, so the first variants differ in kind."""
    by_family: dict[str, list[tuple[IRRule, IR]]] = {}
    for item in found:
        by_family.setdefault(item[0].family, []).append(item)
    families = sorted(by_family)
    rng.shuffle(families)
    for family in families:
        rng.shuffle(by_family[family])
    ordered: list[tuple[IRRule, IR]] = []
    while any(by_family.values()):
        ordered.extend(by_family[family].pop(0) for family in families if by_family[family])
    return ordered


def _compose(ir: IR, pool: list[IRRule], size: int, rng: random.Random) -> tuple[list[str], IR] | None:
    """Apply ``size`` rules of different families in a seeded order; each must change the IR."""
    by_family: dict[str, list[IRRule]] = {}
    for rule in pool:
        by_family.setdefault(rule.family, []).append(rule)
    families = rng.sample(sorted(by_family), k=min(size, len(by_family)))
    chain = [rng.choice(by_family[family]) for family in families]
    current = ir
    for rule in chain:
        result = rule.apply(current)
        if result is None:
            return None
        current = result
    return [rule.id for rule in chain], current


def generate_ir_variants(
    ir: IR,
    count: int,
    seed: int,
    *,
    rule_ids: Sequence[str] | None = None,
    max_rules_per_variant: int = 1,
) -> list[IRVariant]:
    """Up to ``count`` distinct variants of ``ir``, each different from it.

    Deterministic for (ir, count, seed, rule_ids). One variant per applicable
    rule comes first, spread over families; with ``max_rules_per_variant`` > 1
    compositions of rules from different families fill up the rest.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if max_rules_per_variant < 1:
        raise ValueError(f"max_rules_per_variant must be >= 1, got {max_rules_per_variant}")
    rules = [get_ir_rule(rule_id) for rule_id in sorted(set(IR_RULES if rule_ids is None else rule_ids))]
    base = stable_seed(seed, ir.model_dump_json())
    found = [(rule, result) for rule in rules if (result := rule.apply(ir)) is not None]

    variants: list[IRVariant] = []
    seen = [ir]
    for rule, result in _spread(found, random.Random(base)):
        if len(variants) == count:
            return variants
        if result not in seen:
            seen.append(result)
            variants.append(IRVariant(rule_ids=[rule.id], ir=result))

    pool = [rule for rule, _ in found]
    families = len({rule.family for rule in pool})
    largest = min(max_rules_per_variant, families)
    attempts = (count - len(variants)) * _COMPOSE_ATTEMPTS_PER_VARIANT if largest >= 2 else 0
    for attempt in range(attempts):
        if len(variants) == count:
            break
        rng = random.Random(stable_seed(base, "compose", attempt))
        composed = _compose(ir, pool, rng.randint(2, largest), rng)
        if composed is not None and composed[1] not in seen:
            seen.append(composed[1])
            variants.append(IRVariant(rule_ids=composed[0], ir=composed[1]))
    return variants
