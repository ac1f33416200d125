"""Protected spans: the parts of a prompt whose exact text carries meaning.

Rules look for candidate edits anywhere and keep only those that miss every
protected span, so a loose regex cannot change a number, a literal or a
negation by accident.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from tokdrift_cli.core.variants.words import (
    COMPARATIVE_WORDS,
    KEYWORD_PATTERN,
    KEYWORD_PATTERN_ANY_CASE,
    NEGATION_WORDS,
    ORDER_WORDS,
)


class SpanKind(StrEnum):
    CODE = "code"
    QUOTE = "quote"
    NUMBER = "number"
    NEGATION = "negation"
    COMPARATIVE = "comparative"
    ORDER = "order"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: SpanKind


# Leftmost match wins, so a quote inside backticks stays part of the code and
# vice versa; a URL counts as code. An apostrophe followed by a letter
# ("don't") does not close a single-quoted string, nor does one preceded by a
# letter open one.
_LITERAL = re.compile(
    r"(?P<code>```.*?```|`[^`\n]+`|(?:https?://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)])"
    r"|(?P<quote>\"[^\"\n]*\""
    r"|“[^”\n]*”"
    r"|‘(?:[^’\n]|’(?=\w))*’"
    r"|(?<!\w)'(?:[^'\n]|'(?=\w))*'(?!\w))",
    re.DOTALL,
)

# Cheap pre-check: most prompts have no literal, and the pattern is the slow part.
_LITERAL_HINTS = ("`", '"', "'", "“", "‘", "://", "www.")

# "-1", "3.5" and "1,000" are one number each; digits inside a word ("x1") are not.
NUMBER_PATTERN = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)*")

_KIND_OF_WORD = MappingProxyType(
    {
        **{w: SpanKind.ORDER for w in ORDER_WORDS},
        **{w: SpanKind.COMPARATIVE for w in COMPARATIVE_WORDS},
        **{w: SpanKind.NEGATION for w in NEGATION_WORDS},
    }
)
_GAP = re.compile(r"\s+")

LITERAL_KINDS = frozenset({SpanKind.CODE, SpanKind.QUOTE})
NO_KINDS: frozenset[SpanKind] = frozenset()


@dataclass(frozen=True)
class ProtectedText:
    """A text together with its sorted, non-overlapping protected spans."""

    text: str
    spans: tuple[Span, ...]
    ends: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Spans do not overlap, so their ends are sorted too: bisect finds the first candidate.
        object.__setattr__(self, "ends", tuple(span.end for span in self.spans))

    def overlaps(self, start: int, end: int, editable: frozenset[SpanKind] = NO_KINDS) -> bool:
        """Whether replacing text[start:end] would touch a protected span."""
        for span in self.spans[bisect_right(self.ends, start) :]:
            if span.start >= end:
                return False
            if span.kind not in editable:
                return True
        return False

    def splits(self, position: int) -> bool:
        """Whether inserting at `position` would land strictly inside a span."""
        index = bisect_right(self.ends, position)
        return index < len(self.spans) and self.spans[index].start < position

    def free_matches(
        self, pattern: re.Pattern[str], editable: frozenset[SpanKind] = NO_KINDS
    ) -> list[re.Match[str]]:
        """Matches of `pattern` that touch no protected span."""
        return [
            match
            for match in pattern.finditer(self.text)
            if not self.overlaps(match.start(), match.end(), editable)
        ]

    def texts(self, kinds: frozenset[SpanKind]) -> list[str]:
        return [self.text[span.start : span.end] for span in self.spans if span.kind in kinds]


def _word_spans(text: str, taken: bytearray) -> list[Span]:
    """Meaning words outside literals; "at least" is one span, so neither word goes alone."""
    lowered = text.lower()
    if len(lowered) == len(text):
        found = KEYWORD_PATTERN.finditer(lowered)
    else:
        found = KEYWORD_PATTERN_ANY_CASE.finditer(text)
    return [
        # Anything not listed is a contracted negation ("doesn't").
        Span(m.start(), m.end(), _KIND_OF_WORD.get(_GAP.sub(" ", m.group().lower()), SpanKind.NEGATION))
        for m in found
        if not taken[m.start()]
    ]


def protect(text: str) -> ProtectedText:
    """Find literals first, then numbers and meaning words outside them."""
    spans = [
        Span(match.start(), match.end(), SpanKind(match.lastgroup or "code"))
        for match in (_LITERAL.finditer(text) if any(h in text for h in _LITERAL_HINTS) else ())
    ]
    taken = bytearray(len(text))
    for span in spans:
        taken[span.start : span.end] = b"\x01" * (span.end - span.start)
    spans += [
        Span(m.start(), m.end(), SpanKind.NUMBER) for m in NUMBER_PATTERN.finditer(text) if not taken[m.start()]
    ]
    spans += _word_spans(text, taken)
    return ProtectedText(text, tuple(sorted(spans, key=lambda span: span.start)))


Edit = tuple[int, int, str]


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Replace several non-overlapping ranges at once (offsets refer to `text`)."""
    pieces: list[str] = []
    cursor = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < cursor:
            raise ValueError(f"overlapping edits at {start}")
        pieces.append(text[cursor:start])
        pieces.append(replacement)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def match_case(template: str, replacement: str) -> str:
    """Give `replacement` the capitalisation style of the words it replaces."""
    if len(template) > 1 and template.isupper():
        return replacement.upper()
    if template[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement
