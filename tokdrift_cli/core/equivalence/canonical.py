"""Free text in canonical form: content tokens and the features that must match.

The pipeline, in order: Unicode, quote and whitespace normalisation;
identifiers folded across casing styles (``maxOfThree`` -> ``max_of_three``);
ordered compounds ("DD/MM/YYYY", "a/b") made single tokens;
the variant rules' synonyms (on the original casing, as the rules see it); lower case;
contractions expanded; the rewrites of ``equivalents.toml`` (comparisons to
operators, framing dropped, ...); tokens; number words to digits; Snowball
stems; our synonyms; light words dropped. What is left are the content
tokens, from which the features are read: numbers, comparison operators,
negations, exception names and contrast classes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Final, Generic, TypeVar

import snowballstemmer

from tokdrift_cli.core.equivalence.lexicon import equivalents, variant_synonyms
from tokdrift_cli.core.equivalence.names import identifier_words
from tokdrift_cli.core.lexicon.contrast import ContrastGroup, contrast_lexicon

COMPARATORS: Final = frozenset({"<", "<=", ">", ">=", "==", "!="})
_QUOTES: Final = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "`": " ", "≥": ">=", "≤": "<=", "≠": "!="})
_IDENTIFIER: Final = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
_CODE_LIKE: Final = re.compile(r"[a-z][A-Z]|[A-Za-z0-9]_[A-Za-z0-9]|[A-Za-z][0-9]|[0-9][A-Za-z]")
_CONTRACTIONS: Final = (
    (re.compile(r"\bcan't\b|\bcannot\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"),
    (re.compile(r"\b(it|that|there|what|here)'s\b"), r"\1 is"),
    (re.compile(r"\b(\w+)'re\b"), r"\1 are"),
    (re.compile(r"\b(\w+)'ll\b"), r"\1 will"),
    (re.compile(r"\b(\w+)'ve\b"), r"\1 have"),
)
_WORD_HYPHEN: Final = re.compile(r"(?<=[a-z])-(?=[a-z0-9])")
# Ordered compounds: words or identifiers joined by "/" ("a/b", "DD/MM/YYYY") or capitals joined by ":" or "-"
# ("HH:MM", "YYYY-MM-DD"). Their order is their meaning, so each stays one token. Spaces around
# "/" and "-" are allowed: the spacing variant writes "a / b" for "a/b".
_ORDERED_COMPOUND: Final = re.compile(
    r"(?<![\w/])[A-Za-z_]\w*(?:\s*/\s*[A-Za-z_]\w*)+(?![\w/])"
    r"|(?<![\w:-])[A-Z]+(?:(?::|\s*-\s*)[A-Z]+)+(?![\w:-])"
)
# A "-" right after a word or a number joins a range ("0-255"), not a sign.
_TOKEN: Final = re.compile(r"->|[<>!=]=|[<>]|(?:(?<![\w)])-)?\d+(?:\.\d+)?(?![^\W\d])|\w+(?:\.\w+)*")
_NUMBER: Final = re.compile(r"-?\d+(?:\.\d+)?")
_EXCEPTION: Final = re.compile(r"[a-z0-9_]+_(?:error|exception)|stop_iteration|keyboard_interrupt")
_SMALL_WORDS: Final = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_TENS_WORDS: Final = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SMALL: Final = {word: value for value, word in enumerate(_SMALL_WORDS)}
_TENS: Final = {word: 10 * (index + 2) for index, word in enumerate(_TENS_WORDS)}
_SCALES: Final = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_MAX_TEXT: Final = 4_000
# Words after which "a" is a variable rather than an article.
_VARIABLE_NEXT: Final = frozenset(
    {"and", "or", "by", "is", "to", "from", "plus", "minus", "<", "<=", ">", ">=", "==", "!="}
)
_local = threading.local()
V = TypeVar("V")


@dataclass(frozen=True)
class ContrastHit:
    group: str
    class_index: int
    label: str  # the class's first phrase in the lexicon, for reasons a person reads
    start: int
    end: int


@dataclass(frozen=True)
class CanonicalText:
    content: tuple[str, ...]
    numbers: tuple[str, ...]
    comparators: tuple[str, ...]
    negations: int
    free_negations: int  # outside contrast phrases ("does not raise" is a class, not a negated sentence)
    exceptions: frozenset[str]
    contrasts: tuple[ContrastHit, ...]


# --------------------------------------------------------------------------- text to tokens


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def _fold_identifier(match: re.Match[str]) -> str:
    token = match.group()
    if not _CODE_LIKE.search(token):
        return token
    words = identifier_words(token)
    return "_".join(words) if words else token


def _joined_compound(match: re.Match[str]) -> str:
    """An ordered compound as one identifier-like token, its parts kept in order."""
    return re.sub(r"\s*[/:-]\s*", "_", match.group())


def _rewritten(text: str, *, phrase: bool, variant_synonyms_first: bool = True) -> str:
    """``phrase``: a lexicon entry, not a whole text (framing rewrites do not apply)."""
    text = " ".join(unicodedata.normalize("NFKC", text[:_MAX_TEXT]).translate(_QUOTES).split())
    # Identifiers first: the variants' task verbs look for a snake_case or camelCase name after them.
    text = _IDENTIFIER.sub(_fold_identifier, text)
    text = _ORDERED_COMPOUND.sub(_joined_compound, text)
    if variant_synonyms_first:
        for pattern, representative in variant_synonyms():
            text = pattern.sub(representative, text)
    text = text.casefold()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    for rewrite in equivalents().rewrites:
        if not (phrase and rewrite.start_only):
            text = rewrite.pattern.sub(rewrite.replacement, text)
    return _WORD_HYPHEN.sub(" ", text)


def _number_text(token: str) -> str:
    try:
        value = Decimal(token).normalize()
    except InvalidOperation:  # pragma: no cover - the token pattern only admits decimals
        return token
    return format(value, "f") if value != 0 else "0"


def _numbers_from_words(tokens: Sequence[str]) -> list[str]:
    """Number words to digits ("twenty five" -> "25"); a lone "one" stays a word (it is often a pronoun)."""
    out: list[str] = []
    index = 0
    while index < len(tokens):
        end, total, current = index, 0, 0
        while end < len(tokens) and (tokens[end] in _SMALL or tokens[end] in _TENS or tokens[end] in _SCALES):
            word = tokens[end]
            if word in _SCALES:
                total, current = (
                    (total, max(current, 1) * 100)
                    if word == "hundred"
                    else (total + max(current, 1) * _SCALES[word], 0)
                )
            else:
                current += _SMALL.get(word, 0) + _TENS.get(word, 0)
            end += 1
        if end == index:
            out.append(tokens[index])
            index += 1
        elif end == index + 1 and tokens[index] == "one":
            out.append("one")
            index = end
        else:
            out.append(str(total + current))
            index = end
    return out


def _base_tokens(text: str, *, phrase: bool = False, variant_synonyms_first: bool = True) -> list[str]:
    """Tokens before our synonyms and light words: numbers normalised, words stemmed."""
    rewritten = _rewritten(text, phrase=phrase, variant_synonyms_first=variant_synonyms_first)
    raw = _numbers_from_words(_TOKEN.findall(rewritten))
    tokens = []
    for token in raw:
        if _NUMBER.fullmatch(token):
            tokens.append(_number_text(token))
        elif token.isascii() and token.isalpha():
            tokens.append(_stem(token))
        else:
            tokens.append(token)
    return tokens


# --------------------------------------------------------------------------- phrase tables


@dataclass(frozen=True)
class PhraseTable(Generic[V]):
    """Phrases (token tuples) with a value each, matched longest first from left to right."""

    phrases: Mapping[tuple[str, ...], V]
    longest: int
    firsts: frozenset[str]

    @classmethod
    def of(cls, phrases: Mapping[tuple[str, ...], V]) -> PhraseTable[V]:
        longest = max((len(phrase) for phrase in phrases), default=0)
        return cls(phrases, longest, frozenset(phrase[0] for phrase in phrases))

    def matches(self, tokens: Sequence[str]) -> list[tuple[int, int, V]]:
        """Non-overlapping matches: (start, end, value)."""
        found, index = [], 0
        while index < len(tokens):
            if tokens[index] in self.firsts:
                for length in range(min(self.longest, len(tokens) - index), 0, -1):
                    value = self.phrases.get(tuple(tokens[index : index + length]))
                    if value is not None:
                        found.append((index, index + length, value))
                        index += length
                        break
                else:
                    index += 1
            else:
                index += 1
        return found


@cache
def _synonym_table() -> PhraseTable[tuple[str, ...]]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for group in equivalents().synonyms:
        canonical = tuple(_base_tokens(group[0], phrase=True))
        for member in group:
            # A member as written and as the variants' synonyms leave it: our rewrites may produce either.
            forms = (_base_tokens(member, phrase=True), _base_tokens(member, phrase=True, variant_synonyms_first=False))
            for phrase in map(tuple, forms):
                if phrase and phrase != canonical:
                    table.setdefault(phrase, canonical)
    return PhraseTable.of(table)


def _apply_synonyms(tokens: Sequence[str]) -> list[str]:
    out: list[str] = []
    cursor = 0
    for start, end, canonical in _synonym_table().matches(tokens):
        out.extend(tokens[cursor:start])
        out.extend(canonical)
        cursor = end
    out.extend(tokens[cursor:])
    return out


@cache
def _light_tokens() -> frozenset[str]:
    return frozenset(
        token for word in equivalents().light for token in _apply_synonyms(_base_tokens(word, phrase=True))
    )


@cache
def negation_tokens() -> frozenset[str]:
    return frozenset(
        token for word in equivalents().negation for token in _apply_synonyms(_base_tokens(word, phrase=True))
    )


def _is_variable_a(tokens: Sequence[str], index: int) -> bool:
    """ "a" as a name ("divide a by b", "a < b"), not the article."""
    return tokens[index] == "a" and (index + 1 == len(tokens) or tokens[index + 1] in _VARIABLE_NEXT)


@lru_cache(maxsize=16384)
def content_tokens(text: str, *, phrase: bool = False) -> tuple[str, ...]:
    """The tokens that carry meaning, in order (``phrase``: a lexicon entry rather than a whole text)."""
    light = _light_tokens()
    tokens = _apply_synonyms(_base_tokens(text, phrase=phrase))
    return tuple(token for index, token in enumerate(tokens) if token not in light or _is_variable_a(tokens, index))


@cache
def _contrast_tables() -> tuple[tuple[ContrastGroup, PhraseTable[int]], ...]:
    tables = []
    for group in contrast_lexicon().groups:
        table: dict[tuple[str, ...], int] = {}
        for index, phrases in enumerate(group.classes):
            for phrase in phrases:
                tokens = content_tokens(phrase, phrase=True)
                if tokens:
                    table.setdefault(tokens, index)
        tables.append((group, PhraseTable.of(table)))
    return tuple(tables)


# --------------------------------------------------------------------------- features


def _contrasts(content: Sequence[str]) -> tuple[ContrastHit, ...]:
    return tuple(
        ContrastHit(group=group.name, class_index=index, label=group.classes[index][0], start=start, end=end)
        for group, table in _contrast_tables()
        for start, end, index in table.matches(content)
    )


def is_number(token: str) -> bool:
    return _NUMBER.fullmatch(token) is not None


def _sorted(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(items))


@lru_cache(maxsize=8192)
def canonical_text(text: str) -> CanonicalText:
    """The canonical form of ``text``; never raises."""
    content = content_tokens(text)
    negation = negation_tokens()
    contrasts = _contrasts(content)
    inside = {index for hit in contrasts for index in range(hit.start, hit.end)}
    return CanonicalText(
        content=content,
        numbers=_sorted(token for token in content if is_number(token)),
        comparators=_sorted(token for token in content if token in COMPARATORS),
        negations=sum(1 for token in content if token in negation),
        free_negations=sum(1 for index, token in enumerate(content) if token in negation and index not in inside),
        exceptions=frozenset(token for token in content if _EXCEPTION.fullmatch(token)),
        contrasts=contrasts,
    )
