"""The rule registry: every rule by its stable id, read-only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from tokdrift_cli.core.variants import casing, clause_order, contraction, framing, noise, spacing, synonym
from tokdrift_cli.core.variants.model import Rule
from tokdrift_cli.errors import InputError

PARAPHRASE_ID = "paraphrase"
PARAPHRASE_FAMILY = "paraphrase"


class UnknownRuleError(InputError, ValueError, KeyError):
    """A rule id that no rule has; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def _index(rules: Iterable[Rule]) -> Mapping[str, Rule]:
    table: dict[str, Rule] = {}
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


def get_rule(rule_id: str) -> Rule:
    try:
        return RULES[rule_id]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise UnknownRuleError(f"unknown rule id {rule_id!r}; known rule ids: {known}") from None


def family_of(rule_id: str) -> str:
    """The family of a rule id; hand-written paraphrases form their own family."""
    if rule_id == PARAPHRASE_ID:
        return PARAPHRASE_FAMILY
    return get_rule(rule_id).family
