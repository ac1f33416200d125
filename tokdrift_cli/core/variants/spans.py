"""Protected spans: the parts of a prompt whose exact text carries meaning.

Rules look for candidate edits anywhere and keep only those that miss every
protected span, so a loose regex cannot change a number, a literal or a
negation by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tokdrift_cli.core.variants.words import (
    COMPARATIVE_PATTERN,
    CONTRACTED_NEGATION,
    NEGATION_PATTERN,
    ORDER_PATTERN,
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
# vice versa. An apostrophe followed by a letter ("don't") does not close a
# single-quoted string, and one preceded by a letter does not open one.
_LITERAL = re.compile(
    r"(?P<code>```.*?```|`[^`\n]+`)"
    r"|(?P<quote>\"[^\"\n]*\""
    r"|“[^”\n]*”"
    r"|‘(?:[^’\n]|’(?=\w))*’"
    r"|(?<!\w)'(?:[^'\n]|'(?=\w))*'(?!\w))",
    re.DOTALL,
)

# "-1", "3.5" and "1,000" are one number each; digits inside a word ("x1") are not.
NUMBER_PATTERN = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)*")

_KEYWORDS: tuple[tuple[SpanKind, re.Pattern[str]], ...] = (
    (SpanKind.NUMBER, NUMBER_PATTERN),
    (SpanKind.NEGATION, CONTRACTED_NEGATION),
    (SpanKind.NEGATION, NEGATION_PATTERN),
    (SpanKind.COMPARATIVE, COMPARATIVE_PATTERN),
    (SpanKind.ORDER, ORDER_PATTERN),
)

LITERAL_KINDS = frozenset({SpanKind.CODE, SpanKind.QUOTE})
NO_KINDS: frozenset[SpanKind] = frozenset()


@dataclass(frozen=True)
class ProtectedText:
    """A text together with its sorted, non-overlapping protected spans."""

    text: str
    spans: tuple[Span, ...]

    def overlaps(self, start: int, end: int, editable: frozenset[SpanKind] = NO_KINDS) -> bool:
        """Whether replacing text[start:end] would touch a protected span."""
        return any(
            span.start < end and start < span.end and span.kind not in editable
            for span in self.spans
        )

    def splits(self, position: int) -> bool:
        """Whether inserting at `position` would land strictly inside a span."""
        return any(span.start < position < span.end for span in self.spans)

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


def protect(text: str) -> ProtectedText:
    """Find literals first, then numbers and meaning words outside them."""
    spans = [
        Span(match.start(), match.end(), SpanKind(match.lastgroup or "code"))
        for match in _LITERAL.finditer(text)
    ]
    for kind, pattern in _KEYWORDS:
        for match in pattern.finditer(text):
            if not any(s.start < match.end() and match.start() < s.end for s in spans):
                spans.append(Span(match.start(), match.end(), kind))
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
