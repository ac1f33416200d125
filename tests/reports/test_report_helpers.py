"""The escaping and formatting helpers every renderer relies on."""

from __future__ import annotations

from tests.reports.checks import MarkdownDoc, split_cells
from tests.reports.factories import estimate
from tokdrift_cli.reports import markdown as md
from tokdrift_cli.reports.text import compact_rate, drop, one_line, percent, shorten, visible_lines


def test_code_span_survives_backticks_and_pipes() -> None:
    assert md.code("plain") == "`plain`"
    assert md.code("a`b") == "``a`b``"
    assert md.code("`x`") == "`` `x` ``"
    assert md.code("a ``` b") == "````a ``` b````"
    assert md.code("a|b", in_table=True) == "`a\\|b`"
    assert md.code("") == "(empty)"


def test_fence_is_longer_than_any_backtick_run() -> None:
    assert md.fenced(["x"]) == ["```text", "x", "```"]
    assert md.fenced(["a ```` b"])[0] == "`````text"
    doc = MarkdownDoc.parse("\n".join(md.quoted_text("one\n```\ntwo")))
    assert doc.blocks == [("text", ["one", "```", "two"])]


def test_escape_text_neutralises_markup() -> None:
    escaped = md.escape_text("<script>*x*|[a](b) `c` #1 & _d_")
    assert "<" not in escaped.replace("\\<", "")
    assert split_cells(f"| {escaped} | y |") == [escaped, "y"]
    assert md.escape_text("a\nb") == "a\u23ce b"


def test_invisible_whitespace_is_made_visible() -> None:
    assert visible_lines("abc  ") == ["abc\u00b7\u00b7"]
    assert visible_lines("abc\n") == ["abc\u23ce"]
    assert visible_lines("a\t\nb") == ["a\u2192", "b"]
    assert visible_lines("bell\x07") == ["bell\\x07"]
    assert one_line("x\ny") == "x\u23ce y"


def test_anchors_follow_github() -> None:
    assert md.github_anchor("IR fields that differ when outputs flip") == "ir-fields-that-differ-when-outputs-flip"
    assert md.github_anchor("mid_002") == "mid_002"
    assert md.github_anchor("core.strings.01") == "corestrings01"
    anchors = md.Anchors()
    assert [anchors.add(h) for h in ("x", "x", "x-1", "x")] == ["x", "x-1", "x-1-1", "x-2"]


def test_number_formats() -> None:
    assert percent(0.9) == "90%" and percent(0.925) == "92.5%" and percent(1.0) == "100%"
    assert drop(None) == "n/a" and drop(0.0) == "0.0 pp"
    assert compact_rate(estimate(0, 0)) == "n/a (n=0)"
    assert compact_rate(estimate(1, 2)).startswith("50.0% [")
    assert shorten("abcdef", 4) == "abc\u2026" and shorten("abc", 4) == "abc"
