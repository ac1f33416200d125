"""The HTML report: self-contained, well-formed, escaped, with one chart mark per thing measured."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

import pytest

from tests.reports.checks import check_balanced, collect_charts
from tests.reports.factories import make_analysis, with_controls
from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.reports.charts import CATEGORY_CHART_ID, FAMILY_CHART_ID, PROMPT_CHART_ID, RULE_CHART_ID
from tokdrift_cli.reports.html_report import render_html_report
from tokdrift_cli.reports.html_script import SCRIPT


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
    assert not {"link", "img", "iframe", "object", "embed"} & set(collector.tags)
    assert collector.tags.count("script") == 1 and page.count("<script") == 1 and "<script src" not in page
    assert f"<script>{SCRIPT}</script>" in page
    assert "url(" not in page and "@import" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # The CSP lets this one script run, by its hash, and no other.
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page and "unsafe-inline'; img" not in page.split("script-src")[1]


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
    assert page.count("<script") == 1  # only the report's own script
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
    assert "Status" not in page


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


def test_prompt_text_beside_every_prompt_id(analysis: AnalysisArtifact) -> None:
    controlled = with_controls(analysis)
    page = render_html_report(controlled)
    texts = controlled.prompt_texts()
    for section_id in ("fragile-prompts", "insensitive-prompts", "side-by-side"):
        part = page.split(f'<section id="{section_id}">', maxsplit=1)[1].split("</section>", maxsplit=1)[0]
        rows = [row for row in part.split("<tr")[1:] if "<td>" in row]
        assert rows, section_id
        for row in rows:
            case_id = re.search(r"<code>([^<]+)</code>", row).group(1)  # type: ignore[union-attr]
            first_word = texts[case_id].split()[0]
            assert f'<div class="ptext" title="' in row and first_word in row.split('class="ptext"')[1], row


def test_variant_and_ir_changes_are_highlighted_word_by_word(page: str) -> None:
    # mid_002: `add_numbers` -> `addNumbers`, and a space before the final period.
    section = page.split('id="prompt-mid_002"', maxsplit=1)[1].split("</details>", maxsplit=1)[0]
    assert "<del>add_numbers</del><ins>addNumbers</ins>" in section
    assert "b<ins>\u00b7</ins>." in section  # the added space is drawn, not invisible
    assert '<span class="field"><del>int</del></span>' in section and '<span class="field"><ins>float</ins></span>' in section
    pipe = page.split('id="prompt-pipe-001"', maxsplit=1)[1].split("</details>", maxsplit=1)[0]
    assert "x &gt;<del>=</del> 0" in pipe  # only the changed character of `x >= 0`, not the whole field


def test_sections_fold_and_prompts_carry_their_filter_keys(analysis: AnalysisArtifact, page: str) -> None:
    for section_id in ("summary", "charts", "fragile-prompts", "patterns", "categories", "details"):
        part = page.split(f'<section id="{section_id}">', maxsplit=1)[1]
        assert part.lstrip().startswith('<details class="section" open>\n<summary><h2>')
    for item in analysis.fragile_prompts:
        families = " ".join(sorted({f for v in item.broken_variants for f in v.families}))
        expected = f'data-filter-priority="{item.priority}" data-filter-families="{families}"'
        assert f'<details class="prompt" id="prompt-{item.case_id}" {expected}>' in page
        assert page.count(expected) == 2  # its table row and its section
    form = page.split('<form id="filters"', maxsplit=1)[1].split("</form>", maxsplit=1)[0]
    assert re.findall(r'<option value="([^"]*)">', form) == ["", "casing", "framing", "noise", "spacing", "synonym",
                                                            "", "P0", "P1", "P2"]


def test_priority_says_what_kept_a_prompt_from_p0(page: str) -> None:
    table = page.split('<section id="fragile-prompts">', maxsplit=1)[1].split("</section>", maxsplit=1)[0]
    assert "Priority is not the robustness order" in table
    rows = {re.search(r"<code>([^<]+)</code>", row).group(1): row for row in table.split("<tr")[2:]}  # type: ignore[union-attr]
    assert "not P0" not in rows["pipe-001"]
    assert "not P0: robustness is 50% or more" in rows["mid_002"]
    assert "every variant still matches gold" in rows["mid_002"]


def test_reproduce_commands_in_each_prompt(page: str) -> None:
    section = page.split('id="prompt-mid_002"', maxsplit=1)[1].split("</details>", maxsplit=1)[0]
    commands = section.split('<pre class="commands">', maxsplit=1)[1].split("</pre>", maxsplit=1)[0]
    assert "tokdrift variants &#x27;Create a function named add_numbers that adds a and b.&#x27; --rule" in commands
    assert "tokdrift baseline --case mid_002 --variants 4 --seed 7 --output repro-mid_002.json" in commands
