"""Markdown building blocks that cannot be broken by the text put into them.

Prompts and model outputs are arbitrary text: a ``|`` would split a table
cell, a backtick would end a code span, a line starting with ``#`` would
become a heading and ``<script>`` would reach the renderer as raw HTML. Every
piece of outside text goes through one of these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tokdrift_cli.reports.text import one_line, printable, visible_lines

# ASCII punctuation that can start or end inline markup (CommonMark lets any
# ASCII punctuation be backslash-escaped, so escaping is always safe).
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")
_BACKTICK_RUN = re.compile(r"`+")


def escape_text(text: str) -> str:
    """Outside text as literal inline markdown on one line (safe in tables too)."""
    return _INLINE_SPECIAL.sub(r"\\\1", one_line(text))


def prose(text: str) -> str:
    """Text written by tokdrift itself (it may use `code`), made safe for one line or a table cell.

    Backticks are kept on purpose; only what could break a table or inject
    HTML is neutralised.
    """
    return one_line(text).replace("|", "\\|").replace("<", "&lt;")


def code(text: str, *, in_table: bool = False) -> str:
    """An inline code span holding ``text`` literally, whatever backticks it contains."""
    content = one_line(text)
    if not content:
        return "(empty)"
    longest = max((len(run) for run in _BACKTICK_RUN.findall(content)), default=0)
    fence = "`" * (longest + 1)
    if content.startswith("`") or content.endswith("`") or (content.startswith(" ") and content.endswith(" ")):
        content = f" {content} "
    if in_table:
        # GFM splits cells on | even inside code spans; \| is shown as |.
        content = content.replace("|", "\\|")
    return f"{fence}{content}{fence}"


def fenced(lines: Sequence[str], info: str = "text") -> list[str]:
    """A fenced code block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for line in lines for run in _BACKTICK_RUN.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", *lines, fence]


def quoted_text(text: str) -> list[str]:
    """A prompt or variant as a code block: exact characters, invisible whitespace made visible."""
    return fenced(visible_lines(text))


def diff_block(changes: Iterable[tuple[str, str, str]]) -> list[str]:
    """A ```diff block: per field, ``- original`` and ``+ variant`` lines under an ``@@ field @@`` header."""
    lines: list[str] = []
    for field, original, variant in changes:
        lines.append(f"@@ {printable(field)} @@")
        lines.extend(_prefixed("-", original))
        lines.extend(_prefixed("+", variant))
    return fenced(lines, "diff")


def _prefixed(sign: str, value: str) -> list[str]:
    return [f"{sign} {line}" if line else sign for line in visible_lines(value)]


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: Sequence[str] | None = None) -> list[str]:
    """A GFM table; cells must already be escaped (see :func:`escape_text`, :func:`prose`, :func:`code`).

    ``align`` holds ``l`` or ``r`` per column.
    """
    alignment = align or ["l"] * len(headers)
    rule = ["---:" if side == "r" else "---" for side in alignment]
    out = [_row(headers), _row(rule)]
    out.extend(_row(cells) for cells in rows)
    return out


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.strip() for cell in cells) + " |"


def github_anchor(heading: str) -> str:
    """The fragment GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    slug = heading.strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")


class Anchors:
    """Assigns heading anchors in document order, numbering repeats as GitHub does (``x``, ``x-1``, ...)."""

    def __init__(self) -> None:
        self._occurrences: dict[str, int] = {}

    def add(self, heading: str) -> str:
        original = slug = github_anchor(heading)
        while slug in self._occurrences:
            self._occurrences[original] += 1
            slug = f"{original}-{self._occurrences[original]}"
        self._occurrences[slug] = 0
        return slug
