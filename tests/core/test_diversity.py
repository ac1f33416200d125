"""Diversity figures: distinct-n, word-level edit distance, rule mix."""

from __future__ import annotations

import pytest

from tokdrift_cli.core.diversity import (
    distinct_n,
    diversity_report,
    levenshtein,
    mean_edit_distance,
    normalized_edit_distance,
    rule_mix,
    word_tokens,
)
from tokdrift_cli.core.variants import family_of


def test_word_tokens_are_lowercase_words_and_punctuation() -> None:
    assert word_tokens("Return the Sum.") == ["return", "the", "sum", "."]
    assert word_tokens("  count_vowels(text) ") == ["count_vowels", "(", "text", ")"]
    assert word_tokens("a  b") == word_tokens("a b")  # whitespace is not a token
    assert word_tokens("") == []


def test_distinct_n_counts_unique_over_total() -> None:
    assert distinct_n(["a b a b"], 1) == pytest.approx(2 / 4)
    assert distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)  # (a b), (b a), (a b)
    assert distinct_n(["A b", "a B"], 1) == pytest.approx(2 / 4)  # case-insensitive
    assert distinct_n(["x y z"], 1) == 1.0


def test_distinct_n_never_spans_two_texts() -> None:
    # "a" + "b" in two texts would make the bigram (a, b) if texts were joined.
    assert distinct_n(["a", "b"], 2) == 0.0
    assert distinct_n([], 1) == 0.0
    with pytest.raises(ValueError):
        distinct_n(["a"], 0)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([], [], 0),
        (["a"], [], 1),
        ([], ["a", "b"], 2),
        (["a", "b", "c"], ["a", "b", "c"], 0),
        (["a", "b", "c"], ["a", "x", "c"], 1),
        (["kitten"], ["sitting"], 1),  # tokens, not characters
        (["a", "b", "c", "d"], ["b", "c", "d", "e"], 2),
        (["x", "y"], ["y", "x"], 2),
    ],
)
def test_levenshtein(a: list[str], b: list[str], expected: int) -> None:
    assert levenshtein(a, b) == expected
    assert levenshtein(b, a) == expected


def test_normalized_edit_distance_is_in_unit_range() -> None:
    assert normalized_edit_distance("Write a function.", "Write a function.") == 0.0
    assert normalized_edit_distance("", "") == 0.0
    assert normalized_edit_distance("a b c d", "a b c e") == pytest.approx(1 / 4)
    assert normalized_edit_distance("a b", "x y z w") == 1.0
    # Longer side is the denominator: 2 insertions over 4 tokens.
    assert normalized_edit_distance("a b", "a b c d") == pytest.approx(2 / 4)
    # Only case or whitespace changed: same tokens.
    assert normalized_edit_distance("Write  THIS", "write this") == 0.0


def test_mean_edit_distance() -> None:
    assert mean_edit_distance([]) is None
    pairs = [("a b c d", "a b c d"), ("a b c d", "a b x d")]
    assert mean_edit_distance(pairs) == pytest.approx((0 + 0.25) / 2)


def test_rule_family_of_known_and_other_ids() -> None:
    assert family_of("token.casing.snake_to_camel") == "casing"
    assert family_of("natural.framing.polite") == "framing"
    assert family_of("paraphrase.hand") == "paraphrase"
    assert family_of("paraphrase.model") == "paraphrase"
    assert family_of("ir.naming.camel") == "naming"


def test_rule_mix_counts_lines_per_rule_and_family() -> None:
    mix = rule_mix(
        [
            ["token.casing.snake_to_camel"],
            ["token.casing.snake_to_pascal", "natural.framing.polite"],
            ["token.casing.snake_to_camel"],
            ["paraphrase.hand"],
        ]
    )
    assert mix.per_rule == {
        "natural.framing.polite": 1,
        "paraphrase.hand": 1,
        "token.casing.snake_to_camel": 2,
        "token.casing.snake_to_pascal": 1,
    }
    # A line counts once per family, even with two rules of that family.
    assert mix.per_family == {"casing": 3, "framing": 1, "paraphrase": 1}
    assert rule_mix([["token.casing.snake_to_camel", "token.casing.snake_to_pascal"]]).per_family == {"casing": 1}


def test_diversity_report_combines_the_figures() -> None:
    texts = ["Write add_numbers.", "Please write add_numbers."]
    report = diversity_report(texts, [(texts[0], texts[1])], [["natural.framing.polite"]])
    assert report.texts == 2 and report.variant_pairs == 1
    assert report.distinct_1 == pytest.approx(distinct_n(texts, 1))
    assert report.distinct_2 == pytest.approx(distinct_n(texts, 2))
    assert report.mean_edit_distance == pytest.approx(1 / 4)
    assert report.rule_mix.per_family == {"framing": 1}
    empty = diversity_report([], [], [])
    assert empty.mean_edit_distance is None and empty.distinct_1 == 0.0
