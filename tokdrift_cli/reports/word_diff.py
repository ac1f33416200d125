"""What a rewrite changed, word by word: for a variant against its prompt, and for an IR field against the original's.

A whole changed field hides a one-character change (``order, separated`` against
``order ,separated``); a word diff points at it. Texts are split into words,
single punctuation marks and runs of whitespace, and aligned with difflib's
SequenceMatcher, so a moved space is a change of its own. Whitespace that was
added or removed is shown with the report's markers, or it would be invisible.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from html import escape
from typing import Literal

from tokdrift_cli.reports.text import TRAILING_NEWLINE, TRAILING_SPACE, TRAILING_TAB, printable

Kind = Literal["same", "removed", "added"]
Segment = tuple[Kind, str]

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(before: str, after: str) -> list[Segment]:
    """``after`` against ``before`` as segments; same-kind neighbours merged, a replacement is removed then added."""
    old, new = tokens(printable(before)), tokens(printable(after))
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(("added", "".join(new[j1:j2])))
    merged: list[Segment] = []
    for kind, text in segments:
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


def changes(before: str, after: str) -> list[tuple[str, str]]:
    """Each changed stretch as (removed, added); either may be empty."""
    pairs: list[tuple[str, str]] = []
    pending: list[str] = ["", ""]
    for kind, text in [*word_diff(before, after), ("same", "")]:
        if kind == "removed":
            pending[0] += text
        elif kind == "added":
            pending[1] += text
        elif pending != ["", ""]:
            pairs.append((pending[0], pending[1]))
            pending = ["", ""]
    return pairs


def visible(text: str) -> str:
    """Whitespace made visible, for a changed stretch that is (or ends in) nothing but whitespace."""
    return text.replace(" ", TRAILING_SPACE).replace("\t", TRAILING_TAB).replace("\n", TRAILING_NEWLINE)


def _marked(kind: Kind, text: str) -> str:
    shown = escape(visible(text) if not text.strip() else text)
    tag = "del" if kind == "removed" else "ins"
    return f"<{tag}>{shown}</{tag}>"


def inline_html(before: str, after: str) -> str:
    """``after`` as HTML with what it added in ``<ins>`` and what it dropped from ``before`` in ``<del>``."""
    return "".join(escape(text) if kind == "same" else _marked(kind, text) for kind, text in word_diff(before, after))


def side_html(before: str, after: str) -> tuple[str, str]:
    """(``before`` with its removed words in ``<del>``, ``after`` with its added words in ``<ins>``)."""
    segments = word_diff(before, after)
    old = "".join(escape(text) if kind == "same" else _marked(kind, text) for kind, text in segments if kind != "added")
    new = "".join(escape(text) if kind == "same" else _marked(kind, text) for kind, text in segments if kind != "removed")
    return old, new
