"""The deterministic free-text tier: examples per kind of evidence, lexicon integrity, and properties.

The key property: every rewrite tokdrift's own prompt rules make is recognised as the same text.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokdrift_cli.core.equivalence import Outcome, compare_texts
from tokdrift_cli.core.equivalence.canonical import canonical_text, content_tokens
from tokdrift_cli.core.equivalence.lexicon import equivalents, variant_synonyms
from tokdrift_cli.core.lexicon.contrast import contrast_lexicon
from tokdrift_cli.core.suite import default_suite_path
from tokdrift_cli.core.variants import RULES, generate_variants

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, database=None)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("raises ValueError when n < 0", "throws ValueError if n is negative"),
        ("Return True if year is a leap year, False otherwise.", "Check whether year is a leap year."),
        ("Computes the sum of the squares.", "Calculate the sum of the squares."),
        ("If the list is empty, return None.", "Return None if the list is empty."),
        ("Return the greatest of three integers.", "Return the greatest of 3 integers."),
        ("sleeps one second between attempts", "sleeps 1 second between attempts"),
        ("maxOfThree(a: int, b: int) -> int", "max_of_three(a: int, b: int) -> int"),
        ("doesn't modify the list", "does not modify the list"),
        ("Could you sort the list?", "Sort the list."),
        ("Swap the keys and values.", "Swap the values and keys."),
        (
            "Return True if the password has at least 8 characters.",
            "Return True if the password has 8 or more characters.",
        ),
        ("the list is sorted in place", "sorts the list in place"),
        ("raises FileNotFoundError if the file does not exist", "raises FileNotFoundError if the file is missing"),
        ("Write a function that returns the number of words.", "Return the count of words."),
        ("", "   "),
    ],
)
def test_rewordings_are_the_same(a: str, b: str) -> None:
    assert compare_texts(a, b).outcome is Outcome.SAME
    assert compare_texts(b, a).outcome is Outcome.SAME


@pytest.mark.parametrize(
    ("a", "b", "reason_part"),
    [
        ("Sort the numbers in ascending order.", "Sort the numbers in descending order.", "order direction"),
        ("Return the sum of the values.", "Return the product of the values.", "arithmetic operation: sum vs product"),
        ("retries up to 3 times", "retries up to 5 times", "numbers differ: 3 vs 5"),
        ("Return the last ten lines.", "Return the last 20 lines.", "numbers differ: 10 vs 20"),
        ("Return True if n is divisible by 3.", "Return True if n is not divisible by 3.", "negation differs"),
        ("Keep the prices greater than limit.", "Keep the prices less than limit.", "comparisons differ: > vs <"),
        ("Select people older than 18.", "Select people aged 18 or older.", "comparisons differ: > vs >="),
        ("raises ValueError if text is empty", "raises TypeError if text is empty", "exceptions differ"),
        ("Convert from Celsius to Fahrenheit.", "Convert from Fahrenheit to Celsius.", "roles swapped"),
        ("raises KeyError if the file is missing", "does not raise if the file is missing", "outcome on bad input"),
        ("appends the message to the log", "overwrites the log with the message", "write mode"),
        ("Count the words in the text.", "Count the characters in the text.", "unit of text: word vs character"),
        ("Keep only the even numbers.", "Keep only the odd numbers.", "parity: even vs odd"),
    ],
)
def test_contradictions_are_different(a: str, b: str, reason_part: str) -> None:
    forward, backward = compare_texts(a, b), compare_texts(b, a)
    assert forward.outcome is backward.outcome is Outcome.DIFFERENT
    assert reason_part in forward.reason


@pytest.mark.parametrize(
    ("a", "b", "reason_part"),
    [
        ("Count the words.", "Tally up how many words there are.", "wording differs"),
        ("Return the first element.", "Return the first and last elements.", "only in b: and last"),
        ("Round x to 2 decimal places.", "Round x.", "only in b: nothing"),
        ("raises ValueError if name is empty", "raises ValueError unless name is non-empty", "negation and a contrast"),
        ("Check if the username is valid.", "Strip whitespace from the username.", "wording differs"),
    ],
)
def test_what_no_rule_settles_is_undecided(a: str, b: str, reason_part: str) -> None:
    verdict = compare_texts(a, b)
    assert verdict.outcome is Outcome.UNDECIDED
    assert reason_part in verdict.reason


# --------------------------------------------------------------------------- lexicons


def test_every_contrast_phrase_means_something_and_one_class_only() -> None:
    for group in contrast_lexicon().groups:
        seen: dict[tuple[str, ...], int] = {}
        for index, phrases in enumerate(group.classes):
            for phrase in phrases:
                tokens = content_tokens(phrase, phrase=True)
                assert tokens, (group.name, phrase)
                assert seen.setdefault(tokens, index) == index, (group.name, phrase, tokens)
        assert len(group.classes) >= 2, group.name


def test_light_words_vanish_and_negations_stay() -> None:
    # Each light word vanishes before a noun ("a" alone, or before "and", is a name: "divide a by b").
    assert all(content_tokens(f"{word} list", phrase=True) == ("list",) for word in equivalents().light)
    assert content_tokens("divide a by b") != content_tokens("divide by b")
    assert all(content_tokens(word, phrase=True) for word in equivalents().negation)
    assert canonical_text("It is not a list.").negations == 1


def test_the_variants_synonym_lexicon_is_read_not_copied() -> None:
    table = {pattern.pattern: representative for pattern, representative in variant_synonyms()}
    assert table[r"\bcomputes\b"] == table[r"\bcalculates\b"]
    assert compare_texts("It computes the mean.", "It calculates the mean.").outcome is Outcome.SAME
    assert compare_texts("Returns the mean.", "Gives back the mean.").outcome is Outcome.SAME
    # "write" asks for code only before a function or a name; writing a file is another verb.
    assert compare_texts("Write the result to a file.", "Create the result to a file.").outcome is not Outcome.SAME


# --------------------------------------------------------------------------- tokdrift's own rewrites


# Sentences shaped so that every rule has something to rewrite (the shipped suite leaves a few idle).
CRAFTED = [
    (
        "Please write countVowels(text) that returns the number of vowels, ignoring case. It does not modify text. "
        "If the list is empty, return 0."
    ),
    (
        "Write a function MaxValue(items) that returns the largest item; it is an error if items is empty. "
        "Return None if items is None."
    ),
    "Implement parse_http_response( raw ) , which splits raw on ':' and doesn't keep blank lines.\nIt returns a dict.",
    (
        "Create a helper named sumOfSquares that takes an integer n and computes the sum of the squares from 1 to n . "
        "Raise ValueError if n < 0."
    ),
    (
        "Write clamp(x,low,high) that returns x limited to the range. The bounds are inclusive values. "
        "The input is a plain number."
    ),
    "Write safe_div (a, b) that returns a / b. Raise ValueError if b==0. Inputs are floats , never strings.",
    "Implement is_small(n) that returns True when n<10 and n>=0.",
]


def _suite_texts() -> list[str]:
    texts = list(CRAFTED)
    for line in default_suite_path().read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        texts += [case["prompt"], case["gold"]["intent"]["summary"], *case.get("paraphrases", [])]
    return sorted(set(texts))


SUITE_TEXTS = _suite_texts()


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_prompt_rule_rewrite_is_recognised_as_the_same(rule_id: str) -> None:
    rule, rewritten = RULES[rule_id], 0
    for index, text in enumerate(SUITE_TEXTS):
        for seed in range(2):
            variant = rule.apply(text, random.Random(index * 2 + seed))
            if variant is None:
                continue
            rewritten += 1
            verdict = compare_texts(text, variant)
            assert verdict.outcome is Outcome.SAME, (text, variant, verdict.reason)
    assert rewritten, f"{rule_id} rewrote none of the texts: give it one to work on"


def test_composed_variants_are_recognised_as_the_same() -> None:
    for text in SUITE_TEXTS[::3]:
        for variant in generate_variants(text, count=6, seed=11, max_rules_per_variant=3):
            verdict = compare_texts(text, variant.text)
            assert verdict.outcome is Outcome.SAME, (text, variant.text, variant.rule_ids, verdict.reason)


OPENINGS = st.sampled_from(
    [
        "Return",
        "Compute",
        "Write a function that returns",
        "Find",
        "Check whether",
        "Count",
        "Create count_words that returns",
    ]
)
OBJECTS = st.sampled_from(
    [
        "the number of words in text",
        "the largest value in the list",
        "a list of integers greater than 0",
        "the sum of the squares from 1 to n",
        "the items sorted in descending order",
        "the first element that is not None",
    ]
)
CONDITIONS = st.sampled_from(
    ["", " if the list is empty", " when n < 0", " unless the file exists", " for each element"]
)
TAILS = st.sampled_from(
    ["", " Raise ValueError if n is negative.", " The input is not modified.", " It takes a list items."]
)


@PROPERTY_SETTINGS
@given(OPENINGS, OBJECTS, CONDITIONS, TAILS, st.sampled_from(sorted(RULES)), st.integers(0, 5))
def test_property_rule_rewrites_of_intent_like_sentences_are_never_different(
    opening: str, obj: str, condition: str, tail: str, rule_id: str, seed: int
) -> None:
    text = f"{opening} {obj}{condition}.{tail}"
    variant = RULES[rule_id].apply(text, random.Random(seed))
    if variant is not None:
        verdict = compare_texts(text, variant)
        assert verdict.outcome is not Outcome.DIFFERENT, (text, variant, verdict.reason)


# --------------------------------------------------------------------------- robustness


WORDS = st.sampled_from(
    [
        "sort", "ascending", "descending", "first", "last", "not", "never", "3", "five", "sum", "product", "keys",
        "values", "if", "when", "raises", "throws", "ValueError", "TypeError", "<", ">", ">=", "at", "least",
        "most", "list", "the", "a", "empty", "non-empty", "words", "characters",
    ]
)  # fmt: skip


@PROPERTY_SETTINGS
@given(st.lists(WORDS, max_size=10).map(" ".join), st.lists(WORDS, max_size=10).map(" ".join))
def test_property_symmetric(a: str, b: str) -> None:
    assert compare_texts(a, b).outcome is compare_texts(b, a).outcome


@PROPERTY_SETTINGS
@given(st.text(max_size=60), st.text(max_size=60))
def test_property_never_raises_and_is_reflexive(a: str, b: str) -> None:
    assert compare_texts(a, a).outcome is Outcome.SAME
    verdict = compare_texts(a, b)
    assert verdict.outcome in set(Outcome) and verdict.reason
    assert isinstance(canonical_text(a).content, tuple)


def test_long_text_is_cut_not_choked_on() -> None:
    text = "Sort the values in ascending order. " * 2_000
    assert compare_texts(text, text + " ").outcome is Outcome.SAME


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Date in DD/MM/YYYY format", "Date in MM/DD/YYYY format"),
        ("Parse a date written as YYYY-MM-DD.", "Parse a date written as YYYY-DD-MM."),
        ("a time written as HH:MM", "a time written as MM:HH"),
        ("Return the ratio a/b.", "Return the ratio b/a."),
        ("return old_value / new_value", "return newValue / oldValue"),
    ],
)
def test_an_ordered_compound_in_another_order_is_never_the_same(a: str, b: str) -> None:
    assert compare_texts(a, b).outcome is not Outcome.SAME


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Return the ratio a/b.", "Return the ratio a / b."),
        ("return old_value / new_value", "return oldValue / newValue"),
        ("Parse a date written as YYYY-MM-DD.", "Parse a date written as YYYY - MM - DD."),
    ],
)
def test_an_ordered_compound_is_the_same_across_spacing_and_casing(a: str, b: str) -> None:
    assert compare_texts(a, b).outcome is Outcome.SAME


def test_an_ordered_compound_is_one_token_and_plain_numbers_are_not_joined() -> None:
    assert content_tokens("Date in DD/MM/YYYY format") == ("date", "in", "dd_mm_yyyy", "format")
    assert "1" in content_tokens("Between 1/2 and 3/4") and "4" in content_tokens("Between 1/2 and 3/4")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # A hyphen between two numbers is a range, not a minus sign.
        ("four integers 0-255 separated by dots", "four integers from 0 to 255 separated by dots", Outcome.UNDECIDED),
        ("an integer 0-255", "an integer 1-255", Outcome.DIFFERENT),
        ("returns -1 if absent", "returns 1 if absent", Outcome.DIFFERENT),
        # Numbers and comparisons decide only between texts that share enough of their other words.
        ("how many keys to return; must be positive", "number of results wanted (at least 1)", Outcome.UNDECIDED),
        ("Return the values greater than limit.", "Return the values that are at least limit.", Outcome.DIFFERENT),
        ("Retries up to 3 times on a timeout", "Retries up to 5 times on a timeout", Outcome.DIFFERENT),
        # Removing the duplicates keeps the distinct items; keeping the repeated ones does not.
        ("Return the list with duplicates removed.", "Return the distinct items of the list.", Outcome.UNDECIDED),
        ("Remove duplicate items from the list.", "Return the unique items of the list.", Outcome.UNDECIDED),
        ("Return the items that appear more than once.", "Return the list with duplicates removed.", Outcome.DIFFERENT),
    ],
)
def test_ranges_topics_and_removed_duplicates(a: str, b: str, expected: Outcome) -> None:
    assert compare_texts(a, b).outcome is expected
