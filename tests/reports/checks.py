"""Structural checks on rendered reports, shared by the report tests.

They look at the output the way a renderer (GitHub, a browser) would, so a
test can say "this table has a broken row" or "this tag is never closed"
instead of grepping for strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from tokdrift_cli.reports.markdown import Anchors

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
_FENCE = re.compile(r"^(`{3,})(.*)$")
_LINK_TARGET = re.compile(r"\]\(#([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,6}) (.*)$")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass
class MarkdownDoc:
    """A markdown text split into fenced code blocks and the prose lines around them."""

    prose: list[str] = field(default_factory=list)
    blocks: list[tuple[str, list[str]]] = field(default_factory=list)  # (info string, content lines)

    @classmethod
    def parse(cls, text: str) -> MarkdownDoc:
        doc, fence, info = cls(), "", ""
        content: list[str] = []
        for line in text.split("\n"):
            if fence:
                if line.startswith(fence) and set(line) == {"`"}:
                    doc.blocks.append((info, content))
                    fence, content = "", []
                else:
                    content.append(line)
                continue
            match = _FENCE.match(line)
            if match and "`" not in match.group(2):
                fence, info = match.group(1), match.group(2)
            else:
                doc.prose.append(line)
        assert not fence, "unclosed code fence"
        return doc

    def headings(self) -> list[tuple[int, str]]:
        return [(len(m.group(1)), unescape(m.group(2))) for line in self.prose if (m := _HEADING.match(line))]

    def anchors(self) -> set[str]:
        registry = Anchors()
        return {registry.add(text) for _, text in self.headings()}

    def link_targets(self) -> list[str]:
        return [target for line in self.prose for target in _LINK_TARGET.findall(line)]

    def tables(self) -> list[list[str]]:
        tables: list[list[str]] = []
        current: list[str] = []
        for line in [*self.prose, ""]:
            if line.startswith("|"):
                current.append(line)
            elif current:
                tables.append(current)
                current = []
        return tables


def unescape(text: str) -> str:
    return _BACKSLASH_ESCAPE.sub(r"\1", text)


def split_cells(row: str) -> list[str]:
    """Cells of a GFM table row: split on pipes not escaped by a backslash."""
    cells, current, escaped = [], "", False
    for char in row.strip()[1:-1]:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == "|":
            cells.append(current)
            current = ""
        else:
            current += char
    cells.append(current)
    return [cell.strip() for cell in cells]


class TagBalance(HTMLParser):
    """Checks that every non-void element is closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.opened: dict[str, int] = {}
        self.closed: dict[str, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened[tag] = self.opened.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened[tag] = self.opened.get(tag, 0) + 1
        self.closed[tag] = self.closed.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        self.closed[tag] = self.closed.get(tag, 0) + 1
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def check_balanced(html: str) -> TagBalance:
    checker = TagBalance()
    checker.feed(html)
    checker.close()
    assert not checker.errors, checker.errors[:5]
    assert not checker.stack, f"unclosed: {checker.stack}"
    return checker


@dataclass
class Chart:
    marks: int = 0
    titled_marks: int = 0
    classes: list[str] = field(default_factory=list)


class ChartCollector(HTMLParser):
    """Per ``<svg id>``: how many ``g.mark`` it holds and how many of them carry a ``<title>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charts: dict[str, Chart] = {}
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, value) for src/href
        self.tags: list[str] = []
        self._svg: str | None = None
        self._stack: list[tuple[str, bool]] = []  # (tag, is a mark)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        self.tags.append(tag)
        for key in ("src", "href", "xlink:href", "action", "poster", "data"):
            if key in values:
                self.references.append((tag, key, values[key]))
        if tag == "svg":
            self._svg = values.get("id", "")
            self.charts[self._svg] = Chart()
        is_mark = tag == "g" and "mark" in values.get("class", "").split()
        if is_mark and self._svg is not None:
            chart = self.charts[self._svg]
            chart.marks += 1
            chart.classes.append(values.get("class", ""))
        if tag == "title" and self._stack and self._stack[-1][1] and self._svg is not None:
            self.charts[self._svg].titled_marks += 1
        if tag not in VOID:
            self._stack.append((tag, is_mark))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for key, value in attrs:
            if key in ("src", "href", "xlink:href"):
                self.references.append((tag, key, value or ""))

    def handle_endtag(self, tag: str) -> None:
        if self._stack:
            self._stack.pop()
        if tag == "svg":
            self._svg = None


def collect_charts(html: str) -> ChartCollector:
    collector = ChartCollector()
    collector.feed(html)
    collector.close()
    return collector
