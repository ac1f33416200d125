"""The contrast lexicon: words and phrases whose swap changes what a request asks for.

"Sort ascending" and "sort descending", "the sum" and "the product", "word
frequencies" and "character frequencies" specify different functions while
every structural field of their specs may agree. The lexicon lists such words
in sets: any two phrases of one set contrast. A phrase may sit in several sets
("smallest" contrasts with "largest" and with "biggest"); two phrases that
share no set are not known to contrast (they may be synonyms, or unrelated).

Phrases are lower case; a space stands for any run of whitespace. The
meaning-changing rewrites (:mod:`tokdrift_cli.core.variants.control_rules`)
swap phrases of one set, and a free-text comparison can look the same sets up
to tell a changed meaning from a rewording.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Final


class Dimension(StrEnum):
    """What a contrast changes; the rewrite rules pick their dimensions by it."""

    DIRECTION = "direction"  # ascending / descending
    EXTREME = "extreme"  # minimum / maximum
    POSITION = "position"  # first / last
    UNIT = "unit"  # words / characters
    CHARACTER_CLASS = "character_class"  # vowels / consonants
    MUTATION = "mutation"  # append / overwrite
    INCLUSION = "inclusion"  # inclusive / exclusive
    LETTER_CASE = "letter_case"  # uppercase / lowercase
    PARITY = "parity"  # even / odd
    MAPPING_PART = "mapping_part"  # keys / values
    SIGN = "sign"  # positive / negative
    TRUTH = "truth"  # True / False
    QUANTIFIER = "quantifier"  # all / any
    COMPARISON = "comparison"  # greater than / less than, at least / at most
    ARITHMETIC = "arithmetic"  # sum / product, add / subtract
    COLLECTION = "collection"  # union / intersection, append / prepend


@dataclass(frozen=True)
class ContrastSet:
    """Phrases any two of which mean different things."""

    dimension: Dimension
    phrases: tuple[str, ...]


def _sets(dimension: Dimension, *groups: tuple[str, ...]) -> tuple[ContrastSet, ...]:
    return tuple(ContrastSet(dimension, group) for group in groups)


CONTRAST_SETS: Final[tuple[ContrastSet, ...]] = (
    *_sets(
        Dimension.DIRECTION,
        ("ascending", "descending"),
        ("increasing", "decreasing"),
        ("forward", "backward"),
        ("forwards", "backwards"),
        ("clockwise", "counterclockwise", "anticlockwise"),
        ("round up", "round down"),
        ("rounded up", "rounded down"),
    ),
    *_sets(
        Dimension.EXTREME,
        ("minimum", "maximum"),
        ("min", "max"),
        ("smallest", "largest"),
        ("smallest", "biggest"),
        ("smallest", "greatest"),
        ("shortest", "longest"),
        ("lowest", "highest"),
        ("least frequent", "most frequent"),
        ("least common", "most common"),
        ("earliest", "latest"),
        ("oldest", "newest"),
        ("lower bound", "upper bound"),
    ),
    *_sets(
        Dimension.POSITION,
        ("first", "last"),
        ("beginning", "end"),
        ("start", "end"),
        ("starts", "ends"),
        ("starting", "ending"),
        ("leading", "trailing"),
        ("prefix", "suffix"),
        ("prefixes", "suffixes"),
        ("head", "tail"),
        ("leftmost", "rightmost"),
        ("left", "right"),
        ("top", "bottom"),
        ("before", "after"),
    ),
    *_sets(
        Dimension.UNIT,
        ("character", "word", "line", "sentence"),
        ("characters", "words", "lines", "sentences"),
        ("row", "column"),
        ("rows", "columns"),
        ("seconds", "minutes", "hours", "days"),
        ("celsius", "fahrenheit", "kelvin"),
    ),
    *_sets(
        Dimension.CHARACTER_CLASS,
        ("vowel", "consonant"),
        ("vowels", "consonants"),
        ("letter", "digit"),
        ("letters", "digits"),
        ("whitespace", "punctuation"),
    ),
    *_sets(
        Dimension.MUTATION,
        ("append", "overwrite"),
        ("appends", "overwrites"),
        ("appending", "overwriting"),
        ("appended", "overwritten"),
    ),
    *_sets(
        Dimension.INCLUSION,
        ("inclusive", "exclusive"),
        ("including", "excluding"),
        ("include", "exclude"),
        ("included", "excluded"),
    ),
    *_sets(
        Dimension.LETTER_CASE,
        ("uppercase", "lowercase"),
        ("upper case", "lower case"),
        ("upper-case", "lower-case"),
        ("uppercased", "lowercased"),
        ("case-sensitive", "case-insensitive"),
        ("case sensitive", "case insensitive"),
    ),
    *_sets(Dimension.PARITY, ("even", "odd"), ("evens", "odds")),
    *_sets(Dimension.MAPPING_PART, ("key", "value"), ("keys", "values")),
    *_sets(
        Dimension.SIGN,
        ("positive", "negative"),
        ("positives", "negatives"),
        ("non-negative", "non-positive"),
        ("nonnegative", "nonpositive"),
    ),
    *_sets(Dimension.TRUTH, ("true", "false")),
    *_sets(Dimension.QUANTIFIER, ("all", "any")),
    *_sets(
        Dimension.COMPARISON,
        ("greater than", "less than"),
        ("more than", "less than"),
        ("more than", "fewer than"),
        ("larger than", "smaller than"),
        ("bigger than", "smaller than"),
        ("higher than", "lower than"),
        ("longer than", "shorter than"),
        ("longer", "shorter"),
        ("older than", "younger than"),
        ("earlier than", "later than"),
        ("at least", "at most"),
        ("above", "below"),
        ("greater", "lesser"),
    ),
    *_sets(
        Dimension.ARITHMETIC,
        ("sum", "product"),
        ("sums", "products"),
        ("add", "subtract"),
        ("adds", "subtracts"),
        ("adding", "subtracting"),
        ("added", "subtracted"),
        ("addition", "subtraction"),
        ("plus", "minus"),
        ("multiply", "divide"),
        ("multiplies", "divides"),
        ("multiplied", "divided"),
        ("multiplying", "dividing"),
        ("multiplication", "division"),
        ("mean", "median", "mode"),
        ("average", "median"),
        ("square", "cube"),
        ("squares", "cubes"),
        ("squared", "cubed"),
        ("floor", "ceiling"),
        ("quotient", "remainder"),
        ("greatest common divisor", "least common multiple"),
        ("gcd", "lcm"),
        ("increment", "decrement"),
        ("increments", "decrements"),
    ),
    *_sets(
        Dimension.COLLECTION,
        ("union", "intersection", "difference"),
        ("append", "prepend"),
        ("appends", "prepends"),
        ("push", "pop"),
        ("insert", "remove"),
        ("inserts", "removes"),
        ("inserting", "removing"),
        ("join", "split"),
        ("joins", "splits"),
    ),
)


def _partners(sets: Iterable[ContrastSet]) -> Mapping[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for contrast in sets:
        for phrase in contrast.phrases:
            bucket = found.setdefault(phrase, [])
            bucket.extend(other for other in contrast.phrases if other != phrase and other not in bucket)
    return MappingProxyType({phrase: tuple(others) for phrase, others in found.items()})


CONTRASTS: Final[Mapping[str, tuple[str, ...]]] = _partners(CONTRAST_SETS)


def contrasting(phrase: str, dimensions: Iterable[Dimension] | None = None) -> tuple[str, ...]:
    """The phrases that contrast with ``phrase`` (in the given dimensions, or any), in lexicon order."""
    key = " ".join(phrase.lower().split())
    if dimensions is None:
        return CONTRASTS.get(key, ())
    wanted = frozenset(dimensions)
    return tuple(_partners(s for s in CONTRAST_SETS if s.dimension in wanted and key in s.phrases).get(key, ()))


def contrast(first: str, second: str) -> Dimension | None:
    """The dimension in which two phrases contrast, or None if the lexicon does not say they do."""
    a, b = (" ".join(text.lower().split()) for text in (first, second))
    return next((s.dimension for s in CONTRAST_SETS if a != b and a in s.phrases and b in s.phrases), None)


@cache
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """``phrase`` as a whole word or words, any case, any whitespace between words.

    A hyphen or underscore next to it makes it part of a longer word
    ("non-negative" holds no "negative", ``sort_ascending`` no "ascending").
    """
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)
