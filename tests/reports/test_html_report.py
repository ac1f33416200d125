"""The HTML report: self-contained, well-formed, escaped, with one chart mark per thing measured."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.reports.checks import check_balanced, collect_charts
from tests.reports.factories import make_analysis, with_controls
from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.reports.charts import CATEGORY_CHART_ID, FAMILY_CHART_ID, PROMPT_CHART_ID, RULE_CHART_ID
from tokdrift_cli.reports.html_report import render_html_report


@pytest.fixture
def analysis() -> AnalysisArtifact:
    return make_analysis()


@pytest.fixture
def page(analysis: AnalysisArtifact) -> str:
    return render_html_report(analysis)


def test_deterministic(analysis: AnalysisArtifact, page: str) -> None:
    assert render_html_report(analysis) == page
    later = analysis.model_copy(update={"created_at": datetime(2031, 1, 2, tzinfo=UTC)})
    assert render_html_report(later) == page
    shuffled = analysis.model_copy(
        update={
            "fragile_prompts": list(reversed(analysis.fragile_prompts)),
            "per_rule": list(reversed(analysis.per_rule)),
            "prompt_robustness": list(reversed(analysis.prompt_robustness)),
            "per_category": list(reversed(analysis.per_category)),
        }
    )
    assert render_html_report(shuffled) == page


def test_well_formed(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>\n")
    balance = check_balanced(page)
    for tag in ("svg", "div", "table", "section", "g", "pre", "tr"):
        assert balance.opened.get(tag, 0) == balance.closed.get(tag, 0), tag
    assert balance.opened["svg"] == 4


def test_self_contained(page: str) -> None:
    collector = collect_charts(page)
    for tag, attribute, value in collector.references:
        assert value.startswith("#"), (tag, attribute, value)  # in-page links only
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(collector.tags)
    assert "url(" not in page and "@import" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_charts_have_one_titled_mark_per_prompt_rule_family_and_category(analysis: AnalysisArtifact, page: str) -> None:
    charts = collect_charts(page).charts
    expected = {
        PROMPT_CHART_ID: len(analysis.prompt_robustness),
        RULE_CHART_ID: len(analysis.per_rule),
        FAMILY_CHART_ID: len(analysis.per_family),
        CATEGORY_CHART_ID: len(analysis.per_category),
    }
    for chart_id, marks in expected.items():
        assert charts[chart_id].marks == marks, chart_id
        assert charts[chart_id].titled_marks == marks, chart_id
    fragile = [c for c in charts[PROMPT_CHART_ID].classes if "fragile" in c.split()]
    assert len(fragile) == len(analysis.fragile_prompts)


def test_prompt_chart_puts_the_least_robust_first(analysis: AnalysisArtifact, page: str) -> None:
    chart = page.split(f'id="{PROMPT_CHART_ID}"')[1].split("</svg>", maxsplit=1)[0]
    order = re.findall(r'data-key="([^"]+)"', chart)
    assert order == ["pipe-001", "mid_002", "low-003", "ok-004", "ok-005"]


def test_text_is_escaped(page: str) -> None:
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>not json</b>" not in page and "&lt;b&gt;not json&lt;/b&gt;" in page
    assert "strings|text" in page


def test_content_lists_summary_and_fragile_prompts(analysis: AnalysisArtifact, page: str) -> None:
    assert analysis.summary.robustness.format() in page
    assert "not measured" in page
    for item in analysis.fragile_prompts:
        assert f'id="prompt-{item.case_id}"' in page
        assert f'href="#prompt-{item.case_id}"' in page
        assert item.robustness.format() in page
    assert "Status: open" in page


def test_no_fragile_prompts_still_renders() -> None:
    page = render_html_report(make_analysis(prompts=[]))
    check_balanced(page)
    assert "No prompt is below the 90% threshold." in page
    assert collect_charts(page).charts[PROMPT_CHART_ID].marks == 2


def test_sensitivity_not_measured_without_controls(page: str) -> None:
    section = page.split('<section id="insensitive-prompts">', maxsplit=1)[1].split("</section>", maxsplit=1)[0]
    assert "Sensitivity not measured: the baseline ran no controls" in section
    assert 'id="control-rules"' not in page and 'id="side-by-side"' not in page


def test_sensitivity_beside_robustness_with_controls() -> None:
    analysis = with_controls(make_analysis())
    page = render_html_report(analysis)
    balance = check_balanced(page)
    for tag in ("div", "table", "section", "pre", "tr"):
        assert balance.opened.get(tag, 0) == balance.closed.get(tag, 0), tag
    assert analysis.summary.sensitivity is not None and analysis.summary.sensitivity.format() in page
    section = page.split('<section id="insensitive-prompts">', maxsplit=1)[1].split("</section>", maxsplit=1)[0]
    assert "<code>pipe-001</code>" in section and "control.contrast_word" in section
    assert "Write &lt;b&gt;it&lt;/b&gt; | not `x`" in section and "<b>it</b>" not in page
    side = page.split('<section id="side-by-side">', maxsplit=1)[1].split("</section>", maxsplit=1)[0]
    assert side.count("<tr>") == len(analysis.prompt_robustness) + 1
    assert 'id="control-rules"' in page
    for item in analysis.fragile_prompts:
        assert f"<th>Sensitivity</th><td>{item.sensitivity.format()}</td>" in page  # type: ignore[union-attr]
