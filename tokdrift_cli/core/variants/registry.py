"""The rule registry: every rule id results cite, with its family and group, read-only.

Prompt rules and IR rules are indexed by id; the registry also knows the ids
of variants no rule makes: a suite's hand-written paraphrase, a paraphrase
model's, and augmentation's renamed gold. Families and groups are looked up here and nowhere else, so every
stage and report groups a rule the same way.

Control rules (which change meaning on purpose) have an index of their own,
:data:`CONTROL_RULES`, and the group ``control``: they are never among
:data:`RULES`, so nothing that asks for meaning-preserving variants gets one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeVar

from tokdrift_cli.core.variants import (
    casing,
    clause_order,
    contraction,
    control_rules,
    framing,
    noise,
    spacing,
    synonym,
)
from tokdrift_cli.core.variants.control_rules import CONTROL_GROUP, ControlRule
from tokdrift_cli.core.variants.identifiers import Style
from tokdrift_cli.core.variants.ir_rules import IR_RULES, IRFamily
from tokdrift_cli.core.variants.model import Rule, UnknownRuleError

PARAPHRASE_ID: Final = "paraphrase.hand"  # a paraphrase written by hand in the suite
MODEL_PARAPHRASE_ID: Final = "paraphrase.model"  # a paraphrase model's, kept by augment
PARAPHRASE_FAMILY: Final = "paraphrase"
IR_GROUP: Final = "ir"
# Augmentation renames a gold IR's function into another casing: ir.naming.<style>.
GOLD_RENAMING_PREFIX: Final = "ir.naming."

# Ids that once named a variant, and the id that names it now. The registry first
# called the hand-written paraphrase "paraphrase"; every artifact says "paraphrase.hand".
RENAMED_IDS: Final[Mapping[str, str]] = MappingProxyType({"paraphrase": PARAPHRASE_ID})


RuleT = TypeVar("RuleT", Rule, ControlRule)


@dataclass(frozen=True)
class RuleKind:
    """Where a rule sits: its family (what kind of rewrite) and group (token, natural, ir, paraphrase, control)."""

    family: str
    group: str


def _index(rules: Iterable[RuleT]) -> Mapping[str, RuleT]:
    table: dict[str, RuleT] = {}
    for rule in rules:
        if rule.id in table:
            raise RuntimeError(f"duplicate rule id {rule.id!r}")
        table[rule.id] = rule
    return MappingProxyType(table)


RULES: Mapping[str, Rule] = _index(
    (
        *casing.RULES,
        *spacing.RULES,
        *synonym.RULES,
        *clause_order.RULES,
        *framing.RULES,
        *contraction.RULES,
        *noise.RULES,
    )
)

CONTROL_RULES: Mapping[str, ControlRule] = _index(control_rules.RULES)

KINDS: Final[Mapping[str, RuleKind]] = MappingProxyType(
    {
        **{rule.id: RuleKind(rule.family, CONTROL_GROUP) for rule in CONTROL_RULES.values()},
        **{rule.id: RuleKind(rule.family, str(rule.group)) for rule in RULES.values()},
        **{rule.id: RuleKind(str(rule.family), IR_GROUP) for rule in IR_RULES.values()},
        **{f"{GOLD_RENAMING_PREFIX}{style}": RuleKind(str(IRFamily.NAMING), IR_GROUP) for style in Style},
        **{rule_id: RuleKind(PARAPHRASE_FAMILY, PARAPHRASE_FAMILY) for rule_id in (PARAPHRASE_ID, MODEL_PARAPHRASE_ID)},
    }
)


def get_rule(rule_id: str) -> Rule:
    try:
        return RULES[rule_id]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise UnknownRuleError(f"unknown rule id {rule_id!r}; known rule ids: {known}") from None


def get_control_rule(rule_id: str) -> ControlRule:
    try:
        return CONTROL_RULES[rule_id]
    except KeyError:
        known = ", ".join(sorted(CONTROL_RULES))
        raise UnknownRuleError(f"unknown control rule id {rule_id!r}; known control rule ids: {known}") from None


def is_control(rule_id: str) -> bool:
    """Whether ``rule_id`` names a rewrite that changes meaning on purpose (this version's or another's)."""
    return rule_id.split(".", 1)[0] == CONTROL_GROUP


def kind_of(rule_id: str) -> RuleKind:
    """The family and group of a rule id.

    A registered id has the registry's. An id this version does not know (a
    rule of another version, read from an artifact) is read from its spelling,
    ``group.family.name`` or ``group.name``, so old results still group. A
    string that is no rule id at all (no dot) is refused.
    """
    rule_id = RENAMED_IDS.get(rule_id, rule_id)
    kind = KINDS.get(rule_id)
    if kind is not None:
        return kind
    parts = rule_id.split(".")
    if len(parts) < 2 or not all(parts):
        known = ", ".join(sorted(KINDS))
        raise UnknownRuleError(f"unknown rule id {rule_id!r}; known rule ids: {known}")
    return RuleKind(family=parts[1] if len(parts) >= 3 else parts[0], group=parts[0])


def family_of(rule_id: str) -> str:
    return kind_of(rule_id).family
