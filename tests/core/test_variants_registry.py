"""The registry is the one place a rule id gets its family and group."""

from __future__ import annotations

import pytest

from tokdrift_cli.core.variants import MODEL_PARAPHRASE_ID, PARAPHRASE_ID, RULES, RuleKind, UnknownRuleError, kind_of
from tokdrift_cli.core.variants.ir_rules import IR_RULES
from tokdrift_cli.core.variants.registry import KINDS


def test_every_prompt_and_ir_rule_has_its_own_family_and_group() -> None:
    for rule in RULES.values():
        assert kind_of(rule.id) == RuleKind(family=rule.family, group=str(rule.group))
    for rule in IR_RULES.values():
        assert kind_of(rule.id) == RuleKind(family=str(rule.family), group="ir")


@pytest.mark.parametrize(
    ("rule_id", "family", "group"),
    [
        (PARAPHRASE_ID, "paraphrase", "paraphrase"),
        (MODEL_PARAPHRASE_ID, "paraphrase", "paraphrase"),
        ("paraphrase", "paraphrase", "paraphrase"),  # the hand-written paraphrase's first id
        ("ir.name.camel", "naming", "ir"),
        ("ir.naming.camel", "naming", "ir"),  # augmentation's renamed gold
        ("token.casing.gone_rule", "casing", "token"),  # a rule of another version, by its spelling
        ("extra.thing", "extra", "extra"),
    ],
)
def test_kind_of(rule_id: str, family: str, group: str) -> None:
    assert kind_of(rule_id) == RuleKind(family=family, group=group)


def test_one_id_for_the_hand_written_paraphrase() -> None:
    assert PARAPHRASE_ID == "paraphrase.hand"
    assert "paraphrase" not in KINDS


@pytest.mark.parametrize("not_an_id", ["nope", "", "a.", ".b"])
def test_a_string_that_is_no_rule_id_is_refused(not_an_id: str) -> None:
    with pytest.raises(UnknownRuleError, match="unknown rule id"):
        kind_of(not_an_id)
