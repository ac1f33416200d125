"""The contrast lexicon: which phrases mean different things, looked up the same way by every user."""

from __future__ import annotations

import pytest

from tokdrift_cli.core.lexicon.contrast import (
    CONTRAST_SETS,
    CONTRASTS,
    Dimension,
    contrast,
    contrasting,
    phrase_pattern,
)
from tokdrift_cli.core.variants import synonym


@pytest.mark.parametrize(
    ("first", "second", "dimension"),
    [
        ("ascending", "descending", Dimension.DIRECTION),
        ("Ascending", " descending ", Dimension.DIRECTION),
        ("sum", "product", Dimension.ARITHMETIC),
        ("words", "characters", Dimension.UNIT),
        ("append", "overwrite", Dimension.MUTATION),
        ("append", "prepend", Dimension.COLLECTION),
        ("at least", "at  most", Dimension.COMPARISON),
        ("keys", "values", Dimension.MAPPING_PART),
        ("even", "odd", Dimension.PARITY),
        ("inclusive", "exclusive", Dimension.INCLUSION),
        ("uppercase", "lowercase", Dimension.LETTER_CASE),
        ("first", "last", Dimension.POSITION),
        ("minimum", "maximum", Dimension.EXTREME),
    ],
)
def test_contrasting_phrases(first: str, second: str, dimension: Dimension) -> None:
    assert contrast(first, second) is dimension
    assert contrast(second, first) is dimension


@pytest.mark.parametrize(("first", "second"), [("smallest", "lowest"), ("sum", "sum"), ("list", "dict"), ("more than", "greater than")])
def test_phrases_not_known_to_contrast(first: str, second: str) -> None:
    assert contrast(first, second) is None


def test_a_phrase_contrasts_with_every_phrase_it_shares_a_set_with() -> None:
    assert set(contrasting("smallest")) == {"largest", "biggest", "greatest"}
    assert contrasting("append", [Dimension.MUTATION]) == ("overwrite",)
    assert contrasting("append", [Dimension.COLLECTION]) == ("prepend",)
    assert contrasting("no such phrase") == ()
    assert set(CONTRASTS) == {phrase for contrast_set in CONTRAST_SETS for phrase in contrast_set.phrases}


def test_the_lexicon_is_well_formed() -> None:
    for contrast_set in CONTRAST_SETS:
        assert len(contrast_set.phrases) >= 2
        assert len(set(contrast_set.phrases)) == len(contrast_set.phrases)
        for phrase in contrast_set.phrases:
            assert phrase == " ".join(phrase.lower().split())


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


def test_the_synonym_lexicon_and_the_contrast_lexicon_share_no_word() -> None:
    """A synonym swap must never be a contrast swap: no word the synonym rules replace or offer is a contrast word."""
    for entry in (*synonym.TASK_VERBS, *synonym.VERBS, *synonym.PHRASES, *synonym.NOUNS):
        assert not set(entry.alternatives) & set(CONTRASTS), entry
        assert not [phrase for phrase in CONTRASTS if entry.pattern.fullmatch(phrase)], entry
