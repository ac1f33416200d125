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

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.variants.chaining import Chain, apply_chain, check_request, choose_variants, stable_seed
from tokdrift_cli.core.variants.ir_rewrites import (
    Style,
    ToBuiltinSpelling,
    ToTypingSpelling,
    flip_comparisons,
    rename,
    respell_types,
    reverse_assertions,
    reverse_effects,
    rotate_effects,
    split_conjunctions,
)
from tokdrift_cli.core.variants.model import UnknownRuleError

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


# --------------------------------------------------------------------------- registry


def _naming_rule(style: Style, example: str) -> IRRule:
    def transform(ir: IR) -> IR | None:
        return rename(ir, style)

    return IRRule(
        id=f"ir.name.{style}",
        family=IRFamily.NAMING,
        description=f"function and parameter names in {style} style, also inside predicates ({example})",
        transform=transform,
    )


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
        _naming_rule(Style.SNAKE, "countVowels -> count_vowels"),
        _naming_rule(Style.CAMEL, "count_vowels -> countVowels"),
        _naming_rule(Style.PASCAL, "count_vowels -> CountVowels"),
        _naming_rule(Style.SNAKE_UPPER, "count_vowels -> COUNT_VOWELS"),
        _rule("ir.effects.reverse", IRFamily.EFFECT_ORDER, "effects in reverse order", reverse_effects),
        _rule("ir.effects.rotate", IRFamily.EFFECT_ORDER, "first effect moved to the end", rotate_effects),
        _rule(
            "ir.assert.flip_comparison",
            IRFamily.ASSERTION,
            "comparisons written the other way round (x > 0 -> 0 < x, a == b -> b == a)",
            flip_comparisons,
        ),
        _rule(
            "ir.assert.split_conjunction",
            IRFamily.ASSERTION,
            "an 'a and b' assertion split into two assertions",
            split_conjunctions,
        ),
        _rule("ir.assert.reverse", IRFamily.ASSERTION, "assertions in reverse order", reverse_assertions),
        _rule(
            "ir.types.typing_alias",
            IRFamily.TYPE_SPELLING,
            "typing spellings (list[int] -> List[int], X | None -> Optional[X])",
            lambda ir: respell_types(ir, ToTypingSpelling),
        ),
        _rule(
            "ir.types.builtin",
            IRFamily.TYPE_SPELLING,
            "builtin spellings (List[int] -> list[int], Optional[X] -> X | None)",
            lambda ir: respell_types(ir, ToBuiltinSpelling),
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


def _compose(ir: IR, pool: list[IRRule], largest: int, base: int, attempt: int) -> Chain[IR] | None:
    """Apply 2 to ``largest`` rules of different families in a seeded order; each must change the IR."""
    rng = random.Random(stable_seed(base, "compose", attempt))
    size = rng.randint(2, largest)
    by_family: dict[str, list[IRRule]] = {}
    for rule in pool:
        by_family.setdefault(rule.family, []).append(rule)
    families = rng.sample(sorted(by_family), k=min(size, len(by_family)))
    chain = [rng.choice(by_family[family]) for family in families]
    return apply_chain(ir, chain, lambda rule, current, _step: rule.apply(current))


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
    check_request(count, max_rules_per_variant)
    rules = [get_ir_rule(rule_id) for rule_id in sorted(set(IR_RULES if rule_ids is None else rule_ids))]
    base = stable_seed(seed, ir.model_dump_json())
    found = [(rule, result) for rule in rules if (result := rule.apply(ir)) is not None]
    pool = [rule for rule, _ in found]
    largest = min(max_rules_per_variant, len({rule.family for rule in pool}))
    chosen = choose_variants(
        ir,
        found,
        count=count,
        base=base,
        largest_chain=largest,
        compose=lambda attempt: _compose(ir, pool, largest, base, attempt),
    )
    return [IRVariant(rule_ids=ids, ir=variant) for ids, variant in chosen]
