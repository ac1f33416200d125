"""Property tests: no rule, alone or composed, changes what a prompt asks for."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.test_variants_support import identifier_words, meaning_problems, meaning_profile, prompt
from tokdrift_cli.core.variants import RULES, generate_variants
from tokdrift_cli.core.variants.markers import meaning_markers

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(text=prompt(), seed=st.integers(0, 2**32))
def test_every_rule_keeps_meaning_on_its_own(text: str, seed: int) -> None:
    """Checked on each rule's raw edit, so the safety net in Rule.apply is not what passes it."""
    profile, markers = meaning_profile(text), meaning_markers(text)
    for rule in RULES.values():
        raw = rule.transform(text, random.Random(seed))
        if raw is None or raw == text:
            continue
        assert meaning_problems(profile, raw) == [], (rule.id, text, raw)
        assert meaning_markers(raw) == markers, "Rule.apply's safety net would reject a good edit"
        if rule.family == "casing":
            assert raw.lower().replace("_", "") == text.lower().replace("_", ""), (rule.id, raw)
            assert identifier_words(raw) == identifier_words(text)


@FAST
@given(text=prompt(), seed=st.integers(0, 1000), count=st.integers(1, 12), compose=st.integers(1, 3))
def test_generated_variants_are_distinct_and_keep_meaning(text: str, seed: int, count: int, compose: int) -> None:
    variants = generate_variants(text, count=count, seed=seed, max_rules_per_variant=compose)
    texts = [v.text for v in variants]
    assert len(texts) <= count
    assert len(set(texts)) == len(texts)
    assert text not in texts
    profile = meaning_profile(text)
    for variant in variants:
        assert 1 <= len(variant.rule_ids) <= compose
        assert all(rule_id in RULES for rule_id in variant.rule_ids)
        assert meaning_problems(profile, variant.text) == [], (variant.rule_ids, text, variant.text)
    if compose == 1:
        ids = [v.rule_ids[0] for v in variants]
        assert len(set(ids)) == len(ids), "one variant per rule"


@settings(max_examples=30, deadline=None)
@given(text=prompt(), seed=st.integers(0, 1000))
def test_generation_is_deterministic(text: str, seed: int) -> None:
    first = generate_variants(text, count=8, seed=seed, max_rules_per_variant=2)
    again = generate_variants(text, count=8, seed=seed, max_rules_per_variant=2)
    assert first == again


@pytest.mark.parametrize("compose", [1, 3])
def test_fewer_applicable_rules_give_fewer_variants(compose: int) -> None:
    text = "Write a function named count_vowels that takes a string text."
    only = ["token.casing.snake_to_camel", "natural.framing.polite"]
    variants = generate_variants(text, count=10, seed=0, rule_ids=only, max_rules_per_variant=compose)
    singles = [v for v in variants if len(v.rule_ids) == 1]
    assert {v.rule_ids[0] for v in singles} == set(only)
    assert len(variants) == (2 if compose == 1 else 3)
