"""Control rules change what a prompt asks for, only there, and refuse where they cannot."""

from __future__ import annotations

import json
import random
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.test_variants_support import identifier_words, literals, meaning_profile, prompt
from tokdrift_cli.core.lexicon.contrast import contrast_lexicon, phrase_pattern
from tokdrift_cli.core.suite import default_suite_path
from tokdrift_cli.core.variants import (
    CONTROL_RULES,
    RULES,
    RuleKind,
    UnknownRuleError,
    generate_controls,
    generate_variants,
    get_control_rule,
    get_rule,
    is_control,
    kind_of,
)
from tokdrift_cli.core.variants.control_rules import bump_number

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def contrast_words(text: str) -> Counter[str]:
    """Every phrase a control of the contrast lexicon swaps, counted in ``text`` (case-blind)."""
    return +Counter({phrase: len(phrase_pattern(phrase).findall(text)) for phrase in contrast_lexicon().swap_phrases()})


_SPELLED = re.compile(r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|unless)\b", re.IGNORECASE)


def spelled_words(text: str) -> Counter[str]:
    """Numbers written as words, and "unless" (a negation the shared profile does not count)."""
    return Counter(word.lower() for word in _SPELLED.findall(text))


def changes_meaning(original: str, rewrite: str) -> bool:
    """A changed number, negation, comparative, order word or contrast word, counted independently of the rules."""
    return any(
        measure(original) != measure(rewrite) for measure in (meaning_profile, contrast_words, spelled_words)
    )


# (rule, prompt, one rewrite the rule must offer)
EXAMPLES = [
    (
        "control.contrast_word",
        "Implement sort_values that takes a list nums and returns it sorted in ascending order.",
        "Implement sort_values that takes a list nums and returns it sorted in descending order.",
    ),
    (
        "control.contrast_word",
        "Write word_counts(text) returning a dict of word frequencies, counting words case-insensitively.",
        "Write word_counts(text) returning a dict of character frequencies, counting words case-insensitively.",
    ),
    (
        "control.contrast_word",
        "Return the first element of items, or None if items is empty.",
        "Return the last element of items, or None if items is empty.",
    ),
    (
        "control.contrast_word",
        "Return True if n is even.",
        "Return True if n is odd.",
    ),
    (
        "control.number",
        "Raise ValueError if password has fewer than 8 characters.",
        "Raise ValueError if password has fewer than 9 characters.",
    ),
    ("control.number", "Return the first three items.", "Return the first four items."),
    ("control.negation", "Raise ValueError if x is negative.", "Raise ValueError if x is not negative."),
    ("control.negation", "Return None if it does not contain '@'.", "Return None if it does contain '@'."),
    ("control.negation", "It cannot be empty.", "It can be empty."),
    ("control.negation", "Return a copy without modifying items.", "Return a copy while modifying items."),
    (
        "control.comparison",
        "Keep the values greater than 0.",
        "Keep the values less than 0.",
    ),
    ("control.comparison", "Assume low is at most high.", "Assume low is at least high."),
    (
        "control.operation",
        "Return the sum of the squares of the numbers.",
        "Return the product of the squares of the numbers.",
    ),
    ("control.operation", "Return a divided by b.", "Return a multiplied by b."),
    ("control.operation", "Return the union of two sets a and b.", "Return the intersection of two sets a and b."),
]


@pytest.mark.parametrize(("rule_id", "text", "expected"), EXAMPLES)
def test_control_example(rule_id: str, text: str, expected: str) -> None:
    rewrites = get_control_rule(rule_id).rewrites(text)
    assert expected in rewrites
    assert all(changes_meaning(text, rewrite) for rewrite in rewrites), rewrites


# (rule, a prompt it has nothing to change in): it refuses instead of returning the prompt.
REFUSALS = [
    ("control.contrast_word", "Write sort_ascending(items) that uses `sorted(items, reverse=False)`."),
    ("control.contrast_word", 'Return "first" when mode is "last".'),
    ("control.number", "Return `x + 1` for the string \"42\", named f2."),
    ("control.negation", "Return the length of text."),
    ("control.comparison", "Return the maximum of the list."),
    ("control.operation", "Write sum_of_squares(n), using `sum(x * x for x in range(n))`."),
    ("control.operation", "Sum the numbers, then add a function named helper."),
]


@pytest.mark.parametrize(("rule_id", "text"), REFUSALS)
def test_control_refuses_where_it_cannot_change_anything(rule_id: str, text: str) -> None:
    rule = get_control_rule(rule_id)
    assert rule.rewrites(text) == []
    assert rule.apply(text, random.Random(0)) is None


def _suite_prompts() -> list[str]:
    lines = default_suite_path().read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["prompt"] for line in lines if line.strip()]


@pytest.mark.parametrize("rule_id", sorted(CONTROL_RULES))
def test_every_control_rule_changes_meaning_on_the_shipped_prompts(rule_id: str) -> None:
    rule = get_control_rule(rule_id)
    applied = 0
    for text in _suite_prompts():
        for rewrite in rule.rewrites(text):
            applied += 1
            assert changes_meaning(text, rewrite), (rule_id, text, rewrite)
            assert literals(rewrite) == literals(text)
            assert identifier_words(rewrite) == identifier_words(text)
    assert applied >= 3, f"{rule_id} applies to almost no shipped prompt"


@FAST
@given(text=prompt(), seed=st.integers(0, 2**32))
def test_controls_change_meaning_and_never_touch_literals_or_identifiers(text: str, seed: int) -> None:
    for rule in CONTROL_RULES.values():
        rewrite = rule.apply(text, random.Random(seed))
        if rewrite is None:
            assert rule.rewrites(text) == []
            continue
        assert rewrite != text
        assert changes_meaning(text, rewrite), (rule.id, text, rewrite)
        assert literals(rewrite) == literals(text), (rule.id, rewrite)
        assert identifier_words(rewrite) == identifier_words(text), (rule.id, rewrite)


@FAST
@given(text=prompt(), seed=st.integers(0, 2**32))
def test_meaning_preserving_rules_never_change_a_contrast_word(text: str, seed: int) -> None:
    """The shared contrast lexicon holds for the variant rules too: none of them swaps a contrast word."""
    words = contrast_words(text)
    for rule in RULES.values():
        rewrite = rule.apply(text, random.Random(seed))
        if rewrite is not None:
            assert contrast_words(rewrite) == words, (rule.id, text, rewrite)


@settings(max_examples=40, deadline=None)
@given(text=prompt(), seed=st.integers(0, 1000), count=st.integers(1, 8))
def test_generated_controls_are_distinct_deterministic_and_extend_with_count(text: str, seed: int, count: int) -> None:
    controls = generate_controls(text, count=count, seed=seed)
    assert controls == generate_controls(text, count=count, seed=seed)
    texts = [control.text for control in controls]
    assert len(texts) == len(set(texts)) <= count and text not in texts
    assert all(control.rule_id in CONTROL_RULES for control in controls)
    assert generate_controls(text, count=count + 3, seed=seed)[:count] == controls
    if len(controls) < count:  # fewer only when every rewrite is already there
        every = {rewrite for rule in CONTROL_RULES.values() for rewrite in rule.rewrites(text)}
        assert set(texts) == every


def test_the_first_controls_change_different_kinds_of_meaning() -> None:
    text = "Return the sum of the first 3 even numbers greater than n, not counting n."
    controls = generate_controls(text, count=5, seed=0)
    assert sorted(control.rule_id for control in controls) == sorted(CONTROL_RULES)


def test_controls_are_kept_apart_from_the_meaning_preserving_rules() -> None:
    assert set(CONTROL_RULES).isdisjoint(RULES)
    for rule_id in CONTROL_RULES:
        assert is_control(rule_id) and kind_of(rule_id) == RuleKind(family=rule_id.split(".")[1], group="control")
        with pytest.raises(UnknownRuleError):
            get_rule(rule_id)
        with pytest.raises(UnknownRuleError):
            generate_variants("Return the sum of 2 numbers.", count=3, seed=0, rule_ids=[rule_id])
    assert not any(is_control(rule_id) for rule_id in RULES)
    with pytest.raises(UnknownRuleError, match="known control rule ids"):
        get_control_rule("natural.synonym.verb")


@pytest.mark.parametrize(
    ("number", "bumped"),
    [("8", "9"), ("0", "1"), ("99", "100"), ("-1", "-2"), ("3.5", "4.5"), ("1,000", "1,001"), ("007", "008")],
)
def test_bump_number(number: str, bumped: str) -> None:
    assert bump_number(number) == bumped
