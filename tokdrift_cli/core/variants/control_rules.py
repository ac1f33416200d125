"""Controls: rewrites that change what a prompt asks for, on purpose.

Robustness alone rewards a generator that ignores its input: one that always
returns the same IR is perfectly robust. A control swaps a contrast word
(ascending / descending), changes a number, adds or drops a negation, flips a
comparison or swaps an operation, so a generator that reads its prompt should
answer it with a different IR. The share of controls that do change the IR is
the generator's *sensitivity*.

A control makes one edit (every occurrence of one phrase for a word swap, one
number, one negation) and nothing else: code literals, quoted strings and
identifiers are never touched, and a rule that finds nothing to change refuses
rather than return the prompt as it was.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Final

from tokdrift_cli.core.lexicon.contrast import COMPARISON_CONTROL, DEFAULT_CONTROL, contrast_lexicon, phrase_pattern
from tokdrift_cli.core.variants.identifiers import IDENTIFIER_PATTERNS
from tokdrift_cli.core.variants.spans import (
    LITERAL_KINDS,
    Edit,
    ProtectedText,
    SpanKind,
    apply_edits,
    match_case,
    protect,
)

CONTROL_GROUP: Final = "control"
OPERATION_CONTROL: Final = "operation"
Rewrites = Callable[[ProtectedText], Iterator[list[Edit]]]

_ID = re.compile(r"control\.[a-z_]+")


@dataclass(frozen=True)
class ControlRule:
    """One meaning-changing rewrite; its id is ``control.<family>`` and stable, because results cite it."""

    id: str
    family: str
    description: str
    edits: Rewrites = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _ID.fullmatch(self.id) or self.id != f"{CONTROL_GROUP}.{self.family}":
            raise ValueError(f"control rule id {self.id!r} must read '{CONTROL_GROUP}.<family>'")

    @property
    def group(self) -> str:
        return CONTROL_GROUP

    def rewrites(self, text: str) -> list[str]:
        """Every distinct rewrite this rule can make of ``text``, in text order; empty when it cannot apply.

        An edit that would touch a code literal, a quoted string or an identifier is dropped.
        """
        protected = protect(text)
        kept = _untouchable(protected)
        found: list[str] = []
        for edits in self.edits(protected):
            result = apply_edits(text, edits)
            if result != text and result not in found and _untouchable(protect(result)) == kept:
                found.append(result)
        return found

    def apply(self, text: str, rng: random.Random) -> str | None:
        """One of the rewrites, chosen by ``rng``; None when the rule cannot change this prompt."""
        options = self.rewrites(text)
        return rng.choice(options) if options else None


def _untouchable(protected: ProtectedText) -> Counter[str]:
    """Literals and identifiers: what no control may change."""
    found = Counter(protected.texts(LITERAL_KINDS))
    for pattern in IDENTIFIER_PATTERNS.values():
        found.update(f"id:{match.group()}" for match in pattern.finditer(protected.text))
    return found


# ---- word swaps from the contrast lexicon -----------------------------------------------------

# Contrast words sit in protected spans (order words, comparatives) that a swap is about.
_WORD_KINDS = frozenset({SpanKind.ORDER, SpanKind.COMPARATIVE})
# Not a call ("max(a, b)") nor an attribute ("math.floor"): those name code.
_CODE_AROUND = re.compile(r"\s*\(")
# The verb asking for code ("Add a function ...") is not an operation.
_TASK_OBJECT = re.compile(
    r"\s+(?:(?:a|an|the)\s+)?(?:\w+\s+)?(?:function|method|class|program|script|routine|helper)\b", re.IGNORECASE
)
# "sum" and "product" swap as nouns only: "Sum the list" would become "Product the list".
_NOUN_ONLY = frozenset({"sum", "product", "sums", "products"})
_DETERMINER_BEFORE = re.compile(r"(?:\b(?:the|a|its|their|whose|running|total|partial)\s+)$", re.IGNORECASE)
# "all the integers" would become "any the integers".
_QUANTIFIED = re.compile(r"\s+(?:the|of|its|their|these|those)\b", re.IGNORECASE)


def _free_occurrences(protected: ProtectedText, phrase: str) -> list[re.Match[str]]:
    text = protected.text
    found = []
    for match in protected.free_matches(phrase_pattern(phrase), _WORD_KINDS):
        if _CODE_AROUND.match(text, match.end()) or text[max(0, match.start() - 1) : match.start()] == ".":
            continue
        if _TASK_OBJECT.match(text, match.end()) and phrase in ("add", "append", "insert", "join"):
            continue
        if phrase in _NOUN_ONLY and not _DETERMINER_BEFORE.search(text, 0, match.start()):
            continue
        if phrase in ("all", "any") and _QUANTIFIED.match(text, match.end()):
            continue
        found.append(match)
    return found


def _inside_longer(match: re.Match[str], longer: list[tuple[int, int]]) -> bool:
    return any(start <= match.start() and match.end() <= end and (start, end) != match.span() for start, end in longer)


def _lexicon_swaps(control: str) -> Rewrites:
    """Replace every free occurrence of one phrase by its partner in a swap of the contrast lexicon."""

    def rewrites(protected: ProtectedText) -> Iterator[list[Edit]]:
        lexicon = contrast_lexicon()
        # A phrase inside a longer swap phrase ("greatest" in "greatest common divisor") is the longer one's.
        longer = [
            m.span()
            for phrase in lexicon.swap_phrases()
            if " " in phrase or "-" in phrase
            for m in phrase_pattern(phrase).finditer(protected.text)
        ]
        for phrase, partner in lexicon.swaps_for(control):
            matches = [m for m in _free_occurrences(protected, phrase) if not _inside_longer(m, longer)]
            if matches:
                yield [(m.start(), m.end(), match_case(m.group(), partner)) for m in matches]

    return rewrites


# ---- numbers ----------------------------------------------------------------------------------

_NUMBER_WORDS: Final = ("zero", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")
_NEXT_NUMBER_WORD: Final = {word: after for word, after in zip(_NUMBER_WORDS, (*_NUMBER_WORDS[1:], "twelve"))}
_NUMBER_WORD = re.compile(rf"(?<![\w-])(?:{'|'.join(_NUMBER_WORDS)})(?![\w-])", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


def bump_number(number: str) -> str | None:
    """The number one unit larger, spelled alike: "8" -> "9", "3.5" -> "4.5", "1,000" -> "1,001", "-1" -> "-2"."""
    runs = list(_DIGITS.finditer(number))
    if not runs:
        return None
    # A decimal changes its whole part; a number written with separators changes its last group.
    run = runs[0] if "." in number else runs[-1]
    try:
        value = Decimal(run.group()) + 1
    except InvalidOperation:  # pragma: no cover - the run is digits
        return None
    bumped = str(value).rjust(len(run.group()), "0")
    return number[: run.start()] + bumped + number[run.end() :]


def _number_changes(protected: ProtectedText) -> Iterator[list[Edit]]:
    for span in protected.spans:
        if span.kind is SpanKind.NUMBER:
            bumped = bump_number(protected.text[span.start : span.end])
            if bumped is not None:
                yield [(span.start, span.end, bumped)]
    for match in protected.free_matches(_NUMBER_WORD):
        following = _NEXT_NUMBER_WORD[match.group().lower()]
        yield [(match.start(), match.end(), match_case(match.group(), following))]


# ---- negations --------------------------------------------------------------------------------

_AUXILIARY = r"is|are|was|were|does|do|did|can|could|should|must|will|would|may|has|have|had"
# Dropping: "does not contain" -> "does contain", "isn't" -> "is", "cannot" -> "can", "never" -> "always".
_DROPS: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...]] = (
    (re.compile(r"\bnot\s+", re.IGNORECASE), lambda m: ""),
    (re.compile(rf"\b({_AUXILIARY})n['’]t\b", re.IGNORECASE), lambda m: m.group(1)),
    (re.compile(r"\bcan['’]t\b", re.IGNORECASE), lambda m: match_case(m.group(), "can")),
    (re.compile(r"\bwon['’]t\b", re.IGNORECASE), lambda m: match_case(m.group(), "will")),
    (re.compile(r"\bcannot\b", re.IGNORECASE), lambda m: match_case(m.group(), "can")),
    (re.compile(r"\bnever\b", re.IGNORECASE), lambda m: match_case(m.group(), "always")),
    (re.compile(r"\bno\s+([a-z])", re.IGNORECASE), lambda m: match_case(m.group(), m.group(1))),
    (re.compile(r"\bunless\b", re.IGNORECASE), lambda m: match_case(m.group(), "if")),
    (re.compile(r"\bwithout(?=\s+\w+ing\b)", re.IGNORECASE), lambda m: match_case(m.group(), "while")),
    (re.compile(r"\bwithout(?!\s+\w+ing\b)", re.IGNORECASE), lambda m: match_case(m.group(), "with")),
)
# Adding: "it is divisible" -> "it is not divisible", "always" -> "never". Not a question ("Can you ...").
_ADD_AFTER = re.compile(
    r"(?<=\w )(?:is|are|was|were|can|could|should|must|will|would|may)\b(?=\s+[A-Za-z])(?!\s+(?:not|no|never)\b)"
)
_ALWAYS = re.compile(r"\balways\b", re.IGNORECASE)


def _negation_changes(protected: ProtectedText) -> Iterator[list[Edit]]:
    for pattern, replace in _DROPS:
        for match in protected.free_matches(pattern, frozenset({SpanKind.NEGATION})):
            yield [(match.start(), match.end(), replace(match))]
    for match in protected.free_matches(_ADD_AFTER):
        yield [(match.end(), match.end(), " not")]
    for match in protected.free_matches(_ALWAYS):
        yield [(match.start(), match.end(), match_case(match.group(), "never"))]


RULES: tuple[ControlRule, ...] = (
    ControlRule(
        "control.contrast_word",
        "contrast_word",
        "swap a contrast word: ascending -> descending, first -> last, words -> characters, even -> odd",
        _lexicon_swaps(DEFAULT_CONTROL),
    ),
    ControlRule("control.number", "number", "change a number: 8 -> 9, three -> four", _number_changes),
    ControlRule(
        "control.negation",
        "negation",
        "add or drop a negation: is empty -> is not empty, does not contain -> does contain",
        _negation_changes,
    ),
    ControlRule(
        "control.comparison",
        "comparison",
        "flip a comparison: greater than -> less than, at least -> at most",
        _lexicon_swaps(COMPARISON_CONTROL),
    ),
    ControlRule(
        "control.operation",
        "operation",
        "swap an arithmetic or collection operation: sum -> product, add -> subtract, union -> intersection",
        _lexicon_swaps(OPERATION_CONTROL),
    ),
)
