"""Small HTML pieces every part of the HTML report is built from; each escapes the text it is given."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from tokdrift_cli.reports.text import TRAILING_NEWLINE, TRAILING_SPACE, TRAILING_TAB, one_line, shorten, visible_lines

PROMPT_PREVIEW = 160  # characters of a prompt shown beside its id in a table

_BACKTICKED = re.compile(r"`([^`]+)`")
_MARKERS = re.compile(f"[{TRAILING_SPACE}{TRAILING_TAB}{TRAILING_NEWLINE}]+")


def prose(text: str) -> str:
    """tokdrift's own notes, escaped, with their `code` spans shown as code."""
    return _BACKTICKED.sub(lambda match: f"<code>{match.group(1)}</code>", escape(text))


def shown(text: str, separator: str = "\n") -> str:
    """Escaped text with invisible whitespace made visible, the markers greyed so they read as markers."""
    escaped = escape(separator.join(visible_lines(text)))
    return _MARKERS.sub(lambda match: f'<span class="ws">{match.group()}</span>', escaped)


def pre(text: str) -> str:
    """Exact text in a block, with invisible trailing whitespace made visible."""
    return f"<pre>{shown(text)}</pre>"


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: Sequence[int] = (),
    row_attributes: Sequence[str] | None = None,
) -> str:
    """A table of already-escaped cells; ``numeric`` columns right-aligned; ``row_attributes`` per row, escaped."""
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = []
    for index, cells in enumerate(rows):
        tds = "".join(
            f'<td class="num">{cell}</td>' if column in numeric else f"<td>{cell}</td>"
            for column, cell in enumerate(cells)
        )
        attributes = f" {row_attributes[index]}" if row_attributes else ""
        body.append(f"<tr{attributes}>{tds}</tr>")
    return "<table>\n<thead><tr>" + head + "</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"


def priority_badge(label: str) -> str:
    css = label if label in ("P0", "P1", "P2") else "P2"
    return f'<span class="{css}">{escape(label)}</span>'


def prompt_cell(case_id: str, text: str | None, anchor: str | None = None) -> str:
    """A prompt id (a link to its section when it has one) with the start of its text under it."""
    label = f"<code>{escape(case_id)}</code>"
    if anchor is not None:
        label = f'<a href="#{escape(anchor)}">{label}</a>'
    if text is None:
        return label
    preview = escape(shorten(one_line(text), PROMPT_PREVIEW))
    return f'{label}<div class="ptext" title="{escape(one_line(text))}">{preview}</div>'


def section(section_id: str, heading: str, content: str, *, open_: bool = True) -> str:
    """A top-level section that folds: its heading is the ``<summary>`` of a ``<details>``."""
    state = " open" if open_ else ""
    return (
        f'<section id="{section_id}">\n<details class="section"{state}>\n'
        f"<summary><h2>{escape(heading)}</h2></summary>\n{content}\n</details>\n</section>"
    )


def data_attributes(priority: str, families: Iterable[str]) -> str:
    """The attributes the page's filter reads: a priority and space-separated families."""
    return f'data-filter-priority="{escape(priority)}" data-filter-families="{escape(" ".join(sorted(set(families))))}"'
