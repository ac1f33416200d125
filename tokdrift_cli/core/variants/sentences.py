"""Sentence boundaries that respect protected spans and abbreviations.

Clause, framing and noise rules work per sentence; a '.' inside "3.5", a
quoted string or "e.g." must not end one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tokdrift_cli.core.variants.spans import ProtectedText

_TERMINAL = re.compile(r"[.!?]+(?=\s|$)")
_NEWLINE = re.compile(r"\n")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "approx", "cf", "mr", "mrs", "dr"})


@dataclass(frozen=True, slots=True)
class Sentence:
    """[start, end) of one sentence, terminal punctuation included."""

    start: int
    end: int


def _is_abbreviation(text: str, dot: int) -> bool:
    match = _WORD_BEFORE.search(text[:dot])
    return bool(match) and match.group(1).lower() in _ABBREVIATIONS and text[dot] == "."


def split_sentences(protected: ProtectedText) -> list[Sentence]:
    text = protected.text
    cuts = {
        match.end()
        for match in protected.free_matches(_TERMINAL)
        if not _is_abbreviation(text, match.start())
    }
    cuts |= {m.start() for m in _NEWLINE.finditer(text) if not protected.splits(m.start())}
    result: list[Sentence] = []
    cursor = 0
    for cut in sorted(cuts | {len(text)}):
        chunk = text[cursor:cut]
        if chunk.strip():
            start = cursor + len(chunk) - len(chunk.lstrip())
            end = cursor + len(chunk.rstrip())
            result.append(Sentence(start, end))
        cursor = cut
    return result
