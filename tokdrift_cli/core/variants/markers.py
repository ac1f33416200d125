"""Meaning markers: what must be identical between a prompt and its variant.

Every rule output is checked against this fingerprint, so a rule that would
disturb a protected span is treated as not applicable instead of emitting a
variant that silently asks for something else.
"""

from __future__ import annotations

import re
from collections import Counter

from tokdrift_cli.core.variants.spans import SpanKind, protect

Markers = Counter[tuple[str, str]]

_CONTRACTED = re.compile(r"n['’]t$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def _normalise(kind: SpanKind, text: str) -> str:
    if kind in (SpanKind.CODE, SpanKind.QUOTE, SpanKind.NUMBER):
        return text
    word = _SPACES.sub(" ", text.lower())
    if kind is SpanKind.NEGATION and (word == "cannot" or _CONTRACTED.search(word)):
        return "not"  # "does not", "doesn't" and "cannot" negate alike
    return word


def meaning_markers(text: str) -> Markers:
    """Multiset of literals, numbers and meaning words (case-insensitive)."""
    protected = protect(text)
    return Counter(
        (span.kind.value, _normalise(span.kind, text[span.start : span.end]))
        for span in protected.spans
    )


def markers_preserved(original: str, variant: str) -> bool:
    return meaning_markers(original) == meaning_markers(variant)
