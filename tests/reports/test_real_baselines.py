"""All three renderers on analyses of real model runs, end to end from the baseline artifact.

The mini baseline (4 prompts, SmolLM2-135M) is stored next to these tests; the
45-prompt core baseline is used when the repository has one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reports.checks import MarkdownDoc, check_balanced, collect_charts, split_cells
from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.reports.charts import PROMPT_CHART_ID, RULE_CHART_ID
from tokdrift_cli.reports.fragile_markdown import render_fragile_prompts
from tokdrift_cli.reports.html_report import render_html_report
from tokdrift_cli.reports.issue_drafts import render_issue_drafts
from tokdrift_cli.stages.analyze import analyze_baseline

HERE = Path(__file__).resolve().parent
MINI = HERE / "data" / "baseline_mini.json"
CORE = HERE.parents[1] / "baselines" / "baseline_core_local.json"
BASELINES = [
    pytest.param(MINI, id="mini"),
    pytest.param(CORE, id="core", marks=pytest.mark.skipif(not CORE.exists(), reason="no core baseline here")),
]


def _render_all(analysis: AnalysisArtifact) -> tuple[str, str, dict[str, str]]:
    return render_fragile_prompts(analysis), render_html_report(analysis), render_issue_drafts(analysis)


@pytest.fixture(scope="module", params=BASELINES)
def baseline(request: pytest.FixtureRequest) -> BaselineArtifact:
    return read_artifact(request.param, BaselineArtifact)


def test_reanalysing_the_same_baseline_gives_identical_bytes(baseline: BaselineArtifact) -> None:
    first = analyze_baseline(baseline)
    second = analyze_baseline(baseline).model_copy(update={"created_at": datetime(2031, 1, 2, tzinfo=UTC)})
    assert _render_all(first) == _render_all(second)


def test_real_analysis_renders_consistently(baseline: BaselineArtifact) -> None:
    analysis = analyze_baseline(baseline)
    markdown, page, drafts = _render_all(analysis)
    doc = MarkdownDoc.parse(markdown)
    headings = [title for level, title in doc.headings() if level == 3]
    for item in analysis.fragile_prompts:
        assert item.case_id in headings
        assert f"- Robustness: {item.robustness.format()};" in markdown
    assert set(doc.link_targets()) <= doc.anchors()
    for table in doc.tables():
        assert len({len(split_cells(row)) for row in table}) == 1
    assert all(line == line.rstrip() for line in markdown.split("\n"))

    check_balanced(page)
    charts = collect_charts(page).charts
    assert charts[PROMPT_CHART_ID].marks == len(analysis.prompt_robustness)
    assert charts[RULE_CHART_ID].marks == len(analysis.per_rule)

    families = {f for item in analysis.fragile_prompts for v in item.broken_variants for f in v.families}
    bodies = [name for name in drafts if name.endswith(".md")]
    assert {name.split("-", 1)[1].removesuffix(".md") for name in bodies} == families
    assert list(drafts) == sorted(drafts)
    assert {name.removesuffix(".title") for name in drafts if name.endswith(".title")} == {
        name.removesuffix(".md") for name in bodies
    }
