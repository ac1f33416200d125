"""The contrast lexicon is one list for two readers: every swap a control makes, the checker calls a change."""

from __future__ import annotations

import pytest

from tokdrift_cli.core.equivalence import Outcome, compare_texts
from tokdrift_cli.core.lexicon.contrast import contrast_lexicon, phrase_pattern
from tokdrift_cli.core.variants import CONTROL_RULES, synonym

LEXICON = contrast_lexicon()
EVERY_SWAP = sorted(
    {swap for control in ("contrast_word", "comparison", "operation") for swap in LEXICON.swaps_for(control)}
)


@pytest.mark.parametrize(("phrase", "partner"), EVERY_SWAP, ids=[f"{a}->{b}" for a, b in EVERY_SWAP])
def test_the_checker_finds_every_control_swap_a_change_of_meaning(phrase: str, partner: str) -> None:
    verdict = compare_texts(f"Return the {phrase} here.", f"Return the {partner} here.")
    assert verdict.outcome is Outcome.DIFFERENT, verdict.reason


def test_every_group_names_a_control_rule_and_swaps_phrases_of_two_of_its_classes() -> None:
    families = {rule.family for rule in CONTROL_RULES.values()}
    assert sum(len(group.swaps) for group in LEXICON.groups) >= 60 and len(LEXICON.comparison_swaps) >= 10
    for group in LEXICON.groups:
        assert group.control in families, group.name
        for pair in group.swaps:
            assert pair[0] != pair[1] and all(p == " ".join(p.lower().split()) for p in pair), (group.name, pair)
    assert {"contrast_word", "operation", "comparison"} <= families


def test_swaps_go_both_ways_and_each_rule_gets_its_own() -> None:
    assert ("ascending", "descending") in LEXICON.swaps_for("contrast_word")
    assert ("descending", "ascending") in LEXICON.swaps_for("contrast_word")
    assert ("sum", "product") in LEXICON.swaps_for("operation")
    assert ("sum", "product") not in LEXICON.swaps_for("contrast_word")
    assert ("at most", "at least") in LEXICON.swaps_for("comparison")
    assert LEXICON.swaps_for("no such rule") == ()


@pytest.mark.parametrize(
    ("phrase", "text", "found"),
    [
        ("negative", "a non-negative integer", 0),
        ("negative", "a negative integer", 1),
        ("ascending", "call sort_ascending or sortAscending", 0),
        ("at least", "at\n least 3, AT LEAST 4", 2),
        ("first", "first-class, first_name, first.", 1),
    ],
)
def test_phrase_pattern_matches_whole_words_only(phrase: str, text: str, found: int) -> None:
    assert len(phrase_pattern(phrase).findall(text)) == found


def test_the_synonym_lexicon_and_the_control_swaps_share_no_word() -> None:
    """A synonym swap must never be a contrast swap: no word the synonym rules replace or offer is swapped by a control."""
    swapped = set(LEXICON.swap_phrases())
    for entry in (*synonym.TASK_VERBS, *synonym.VERBS, *synonym.PHRASES, *synonym.NOUNS):
        assert not set(entry.alternatives) & swapped, entry
        assert not [phrase for phrase in swapped if entry.pattern.fullmatch(phrase)], entry


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Under an extreme the quantifier names the range: any and all range over the same things.
        (
            "Return the largest sum of any contiguous subarray.",
            "Return the maximum sum over all contiguous subarrays.",
            Outcome.UNDECIDED,
        ),
        (
            "Find the smallest value among all the lists.",
            "Find the smallest value in any of the lists.",
            Outcome.UNDECIDED,
        ),
        # Without one, any and all are a contradiction.
        (
            "Return True if any of the numbers is even.",
            "Return True if all of the numbers are even.",
            Outcome.DIFFERENT,
        ),
        # Only an extreme both texts name silences it; the extremes themselves still contradict.
        ("Return the largest value of any list.", "Return the smallest value of all lists.", Outcome.DIFFERENT),
    ],
)
def test_a_group_is_silent_beside_a_group_both_texts_name(a: str, b: str, expected: Outcome) -> None:
    assert compare_texts(a, b).outcome is expected


def test_silent_beside_names_a_group_of_the_lexicon() -> None:
    names = {group.name for group in contrast_lexicon().groups}
    silenced = [group for group in contrast_lexicon().groups if group.silent_beside]
    assert silenced and all(set(group.silent_beside) <= names for group in silenced)
