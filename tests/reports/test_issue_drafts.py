"""Issue drafts: one per fragile family, named and ordered by priority, with evidence."""

from __future__ import annotations

import re

import pytest

from tests.reports.checks import MarkdownDoc, split_cells
from tests.reports.factories import make_analysis
from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.core.mitigations import FAILURE_MITIGATION, MITIGATIONS
from tokdrift_cli.reports.issue_drafts import render_issue_drafts

TITLE = re.compile(r"^\[(P[0-2])\] Generator output drifts under (\S+) rewrites \((\d+) prompts?\)$")


@pytest.fixture
def analysis() -> AnalysisArtifact:
    return make_analysis()


@pytest.fixture
def drafts(analysis: AnalysisArtifact) -> dict[str, str]:
    return render_issue_drafts(analysis)


def bodies(drafts: dict[str, str]) -> dict[str, str]:
    return {name: text for name, text in drafts.items() if name.endswith(".md")}


def test_one_draft_per_family_that_breaks_a_fragile_prompt(drafts: dict[str, str]) -> None:
    assert list(bodies(drafts)) == ["P0-casing.md", "P0-framing.md", "P0-noise.md", "P1-spacing.md", "P2-synonym.md"]
    assert set(drafts) == {*bodies(drafts), *(name.replace(".md", ".title") for name in bodies(drafts)), "create-issues.sh"}


def test_names_sort_by_priority(drafts: dict[str, str]) -> None:
    names = list(bodies(drafts))
    assert names == sorted(names)
    assert all(re.fullmatch(r"P[0-2]-[a-z0-9_-]+\.md", name) for name in names)


def test_title_priority_and_counts(analysis: AnalysisArtifact, drafts: dict[str, str]) -> None:
    for name, text in bodies(drafts).items():
        assert not text.startswith("#")  # gh issue create --title gives the title: no heading repeats it
        title = drafts[name.replace(".md", ".title")]
        assert title.endswith("\n") and title.count("\n") == 1
        match = TITLE.match(title.strip())
        assert match, title
        priority, family, count = match.groups()
        assert name == f"{priority}-{family}.md"
        members = [p for p in analysis.fragile_prompts if any(family in v.families for v in p.broken_variants)]
        assert int(count) == len(members)
        assert priority == min(p.priority for p in members)
        assert f"**Priority: {priority}.**" in text


def test_evidence_table_and_family_rate(analysis: AnalysisArtifact, drafts: dict[str, str]) -> None:
    casing = drafts["P0-casing.md"]
    evidence = next(t for t in MarkdownDoc.parse(casing).tables() if "Example variant" in t[0])
    rows = [split_cells(row) for row in evidence[2:]]
    assert [row[0] for row in rows] == ["`pipe-001`", "`mid_002`"]
    assert all(len(row) == 6 for row in rows)
    by_id = {p.case_id: p for p in analysis.fragile_prompts}
    assert rows[0][1] == by_id["pipe-001"].robustness.format()
    assert rows[0][4] == "`token.casing.snake_to_camel`"
    assert rows[0][5] == "name, parameters"
    assert "split\\|join" not in rows[0][3] and "splitJoin" in rows[0][3]
    family = next(row for row in analysis.per_family if row.key == "casing")
    assert f"flip rate {family.flip_rate.format()}" in casing
    assert MITIGATIONS["casing"] in casing
    assert "- [ ] The robustness of these prompts is >= 90% on `tokdrift validate`: `pipe-001`, `mid_002`." in casing


def test_family_that_only_fails_gets_the_failure_mitigation(drafts: dict[str, str]) -> None:
    framing = drafts["P0-framing.md"]
    assert FAILURE_MITIGATION in framing
    assert "1 of 1 variants failed to generate" in framing


def test_deterministic_and_clean(analysis: AnalysisArtifact, drafts: dict[str, str]) -> None:
    assert render_issue_drafts(analysis) == drafts
    reordered = analysis.model_copy(update={"fragile_prompts": list(reversed(analysis.fragile_prompts))})
    assert render_issue_drafts(reordered) == drafts
    for text in drafts.values():
        assert text.endswith("\n") and all(line == line.rstrip() for line in text.split("\n"))


def test_no_fragile_prompts_no_drafts() -> None:
    assert render_issue_drafts(make_analysis(prompts=[])) == {}
