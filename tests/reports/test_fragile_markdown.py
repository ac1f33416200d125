"""FRAGILE_PROMPTS.md: deterministic, complete, numerically faithful, unbreakable by prompt text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reports.checks import MarkdownDoc, split_cells
from tests.reports.factories import HOSTILE_PROMPT, estimate, fragile, make_analysis, variant, with_controls
from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.reports import pattern_flags
from tokdrift_cli.reports.fragile_markdown import render_fragile_prompts
from tokdrift_cli.reports.html_report import render_html_report
from tokdrift_cli.reports.text import by_flip_rate, share, visible_lines


@pytest.fixture
def analysis() -> AnalysisArtifact:
    return make_analysis()


@pytest.fixture
def text(analysis: AnalysisArtifact) -> str:
    return render_fragile_prompts(analysis)


def test_same_analysis_gives_same_bytes(analysis: AnalysisArtifact, text: str) -> None:
    assert render_fragile_prompts(analysis) == text
    later = analysis.model_copy(update={"created_at": datetime(2031, 1, 2, tzinfo=UTC)})
    assert render_fragile_prompts(later) == text
    assert "2031" not in text


def test_output_does_not_depend_on_list_order_in_the_artifact(analysis: AnalysisArtifact, text: str) -> None:
    shuffled = analysis.model_copy(
        update={
            "fragile_prompts": list(reversed(analysis.fragile_prompts)),
            "per_rule": list(reversed(analysis.per_rule)),
            "per_family": list(reversed(analysis.per_family)),
            "field_flips": list(reversed(analysis.field_flips)),
            "per_category": list(reversed(analysis.per_category)),
        }
    )
    assert render_fragile_prompts(shuffled) == text


def test_diffs_cleanly(text: str) -> None:
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert all(line == line.rstrip() for line in text.split("\n"))
    assert "\r" not in text and "\n\n\n" not in text


def test_intro_says_how_it_was_made_and_how_to_regenerate(text: str) -> None:
    intro = text.split("## Summary", maxsplit=1)[0]
    for fact in ("local/test-model", "90%", "95%", "Of 6 prompts, 5 could be measured and 3 are fragile", "suite456"):
        assert fact in intro
    assert "tokdrift analyze BASELINE --output analysis.json" in intro
    assert "tokdrift report analysis.json --output FRAGILE_PROMPTS.md" in intro
    assert "/somewhere" not in text  # input paths are machine-specific; only their hash is printed


def test_regenerate_command_keeps_a_non_default_threshold() -> None:
    text = render_fragile_prompts(make_analysis(threshold=0.8))
    assert "tokdrift analyze BASELINE --output analysis.json --fragile-threshold 0.8" in text


def test_summary_numbers_match_the_analysis(analysis: AnalysisArtifact, text: str) -> None:
    summary = MarkdownDoc.parse(text).tables()[0]
    rows = {split_cells(row)[0]: split_cells(row)[1] for row in summary[2:]}
    s = analysis.summary
    assert rows["Prompts"] == str(s.cases)
    assert rows["Fragile (robustness below 90%)"] == "3 (P0: 1, P1: 1, P2: 1)"
    assert rows["Robustness, pooled over decided variants"] == s.robustness.format()
    assert rows["Accuracy (original prompt matches gold)"] == s.accuracy.format()
    assert rows["Robust accuracy (original and every variant match gold)"] == s.robust_accuracy.format()
    assert rows["Accuracy drop under variants"] == "33.3 pp"
    noise = rows["Noise floor (original disagrees with itself on repeats)"]
    assert noise.startswith("not measured") and "0.0" not in noise


def test_measured_noise_floor_is_printed_with_its_interval() -> None:
    disagreement = estimate(1, 10)
    text = render_fragile_prompts(make_analysis(noise=disagreement))
    assert f"| {disagreement.format()} over 3 repeats" in text
    noise_row = next(line for line in text.splitlines() if line.startswith("| Noise floor"))
    assert "not measured" not in noise_row


def test_every_fragile_prompt_has_a_linked_section_with_its_numbers(analysis: AnalysisArtifact, text: str) -> None:
    doc = MarkdownDoc.parse(text)
    headings = [title for level, title in doc.headings() if level == 3]
    fragile_table = next(table for table in doc.tables() if "Dominant family" in table[0])
    assert len(fragile_table) - 2 == len(analysis.fragile_prompts)
    for item, row in zip(analysis.fragile_prompts, fragile_table[2:], strict=True):  # already most urgent first
        assert item.case_id in headings
        cells = split_cells(row)
        assert item.prompt.split()[0] in cells[1]  # the prompt's text beside its id
        assert cells[3] == item.robustness.format()
        assert cells[4] == share(item.undecided_share)
        assert cells[5] == "not measured"  # the analysis has no controls
        assert cells[6].split(" (")[0] == item.priority
        assert ("not P0: " in cells[6]) == (item.priority != "P0")
        section = text.split(f"\n### {item.case_id.replace('_', chr(92) + '_')}\n")[1].split("\n### ", maxsplit=1)[0]
        assert f"- Robustness: {item.robustness.format()};" in section
        assert f"**Broken variants: {len(item.broken_variants)} of {item.robustness.n}**" in section
        assert "Status:" not in section  # no column or line that always says open
        assert section.rstrip().endswith(item.mitigation.replace("`", "`"))
        for variant in item.broken_variants:
            for rule in variant.rule_ids:
                assert f"`{rule}`" in section
    assert set(doc.link_targets()) <= doc.anchors()
    assert len(doc.link_targets()) == len(analysis.fragile_prompts)


def test_sections_follow_the_requested_order(text: str) -> None:
    level2 = [title for level, title in MarkdownDoc.parse(text).headings() if level == 2]
    assert level2 == [
        "Summary",
        "Fragile prompts",
        "Prompts that ignore meaning changes",
        "Fragile patterns",
        "Accuracy per category",
        "Prompt details",
    ]


def test_sensitivity_tables_sorted_by_flip_rate_then_key(analysis: AnalysisArtifact, text: str) -> None:
    tables = MarkdownDoc.parse(text).tables()
    families = next(t for t in tables if split_cells(t[0])[0] == "Family")
    rules = next(t for t in tables if split_cells(t[0])[0] == "Rule")
    assert [split_cells(r)[0].strip("`") for r in families[2:]] == [r.key for r in by_flip_rate(analysis.per_family)]
    assert [split_cells(r)[0].strip("`") for r in rules[2:]] == [r.key for r in by_flip_rate(analysis.per_rule)]
    for row in analysis.per_rule:
        assert f"| `{row.key}` | {row.flips} | {row.n} | {row.flip_rate.format()} |" in text


def test_field_flips_and_categories_are_listed(analysis: AnalysisArtifact, text: str) -> None:
    for row in analysis.field_flips:
        assert f"| `{row.field.value}` | {row.flips} | {row.share.format()} |" in text
    for category in analysis.per_category:
        assert category.robust_accuracy.format() in text and category.robustness.format() in text


def test_every_table_row_has_as_many_cells_as_its_header(text: str) -> None:
    tables = MarkdownDoc.parse(text).tables()
    assert len(tables) >= 6
    for table in tables:
        width = len(split_cells(table[0]))
        assert all(len(split_cells(row)) == width for row in table), table


def test_hostile_prompt_is_quoted_exactly_and_cannot_break_out(text: str) -> None:
    doc = MarkdownDoc.parse(text)
    assert ("text", visible_lines(HOSTILE_PROMPT)) in doc.blocks
    assert all(block for _, block in doc.blocks)
    prose = "\n".join(doc.prose)
    assert "<script>" not in prose and "<b>" not in prose  # only inside code blocks
    assert "strings\\|text" in prose  # the category's pipe is escaped in its table cell


def test_variant_diff_and_failure_are_shown(text: str) -> None:
    blocks = MarkdownDoc.parse(text).blocks
    diffs = [lines for info, lines in blocks if info == "diff"]
    assert ["@@ name @@", "- split_join", "+ splitJoin2", "@@ parameters @@", "- s: str", "+ s: str | None"] in diffs
    assert ["@@ assertions @@", "- x >= 0", "+ x > 0", "+ and x < 10"] in diffs
    assert ("text", ["parse error: <b>not json</b> | ```"]) in blocks
    assert "generation failed; still matches gold: unknown (no IR)" in text
    # The trailing-newline variant must not look identical to its original.
    assert ("text", [*visible_lines(HOSTILE_PROMPT)[:-1], visible_lines(HOSTILE_PROMPT)[-1] + "\u23ce"]) in blocks


def test_no_fragile_prompt_says_so() -> None:
    text = render_fragile_prompts(make_analysis(prompts=[]))
    assert "No prompt is below the 90% threshold." in text
    assert "### " not in text.split("## Prompt details")[1]


def test_awkward_case_ids_keep_tables_and_links_intact() -> None:
    prompts = [
        fragile("Summary", "x", "Write f.", 0, 2, "P1", [variant("Write f .", ["token.spacing.punct_detach"], ["spacing"])]),
        fragile("a|b`c", "x", "Write g.", 0, 2, "P1", [variant("write g.", ["natural.noise.lowercase_start"], ["noise"])]),
    ]
    text = render_fragile_prompts(make_analysis(prompts=prompts, robust={}))
    doc = MarkdownDoc.parse(text)
    assert "](#summary-1)" in text  # the "## Summary" heading owns #summary
    assert set(doc.link_targets()) <= doc.anchors()
    assert len(doc.link_targets()) == 2
    for table in doc.tables():
        assert len({len(split_cells(row)) for row in table}) == 1


def test_without_controls_sensitivity_reads_not_measured(text: str) -> None:
    rows = {split_cells(row)[0]: split_cells(row)[1] for row in MarkdownDoc.parse(text).tables()[0][2:]}
    assert rows["Sensitivity, pooled over decided controls"].startswith("not measured")
    section = text.split("## Prompts that ignore meaning changes\n", maxsplit=1)[1].split("\n## ", maxsplit=1)[0]
    assert "Sensitivity not measured: the baseline ran no controls" in section
    assert "0.0%" not in section
    assert "## Sensitivity per control rule" not in text


def test_with_controls_robustness_and_sensitivity_sit_side_by_side() -> None:
    analysis = with_controls(make_analysis())
    text = render_fragile_prompts(analysis)
    doc = MarkdownDoc.parse(text)
    rows = {split_cells(row)[0]: split_cells(row)[1] for row in doc.tables()[0][2:]}
    assert rows["Sensitivity, pooled over decided controls"] == analysis.summary.sensitivity.format()  # type: ignore[union-attr]
    assert rows["Ignore meaning changes (sensitivity below 50%)"] == "1"
    fragile_table = next(table for table in doc.tables() if "Dominant family" in table[0])
    for item, row in zip(analysis.fragile_prompts, fragile_table[2:], strict=True):
        assert split_cells(row)[5] == item.sensitivity.format()  # type: ignore[union-attr]
    blind = next(
        table
        for table in doc.tables()
        if split_cells(table[0])[:4] == ["Prompt", "Text", "Category", "Sensitivity [CI] (n)"]
    )
    assert len(blind) == 3 and split_cells(blind[2])[5] == "P1"
    assert "```text\nWrite <b>it</b> | not `x`\n```" in text
    per_rule = next(table for table in doc.tables() if split_cells(table[0])[0] == "Control rule")
    assert [split_cells(row)[0] for row in per_rule[2:]] == ["`control.negation`", "`control.contrast_word`"]
    side = next(
        table
        for table in doc.tables()
        if split_cells(table[0]) == ["Prompt", "Text", "Robustness [CI] (n)", "Sensitivity [CI] (n)"]
    )
    assert len(side) - 2 == len(analysis.prompt_robustness)
    assert "| `ok-005` | Write a function named ok\\_005 that returns 1. | 100.0% [51.0, 100.0] (n=4) | n/a (n=0) |" in text
    for item in analysis.fragile_prompts:
        assert f"- Sensitivity: {item.sensitivity.format()}" in text  # type: ignore[union-attr]
    level2 = [title for level, title in doc.headings() if level == 2]
    assert level2.index("Sensitivity per control rule") < level2.index("Robustness and sensitivity per prompt")
    assert set(doc.link_targets()) <= doc.anchors()


def test_regenerate_command_keeps_a_non_default_sensitivity_threshold() -> None:
    analysis = make_analysis()
    analysis = analysis.model_copy(update={"config": analysis.config.model_copy(update={"sensitivity_threshold": 0.3})})
    assert "--sensitivity-threshold 0.3" in render_fragile_prompts(analysis)


# --------------------------------------------------------------------------- families and rules that stand out

CORE_ANALYSIS = Path(__file__).resolve().parents[2] / "baselines" / "analysis_core_local.json"
V3_ANALYSIS = Path(__file__).resolve().parent / "data" / "analysis_core_v3.json"


def test_both_reports_show_the_holm_flags_of_the_analysis() -> None:
    analysis = read_artifact(CORE_ANALYSIS, AnalysisArtifact)
    expected = [
        (test.key, test.direction)
        for tests in (analysis.family_tests, analysis.rule_tests)
        for test in tests or ()
        if test.significant
    ]
    assert expected, "the committed core analysis flags something to show"
    page = render_fragile_prompts(analysis)
    section = page.split(f"### {pattern_flags.HEADING}", 1)[1].split("\n### ", 1)[0]
    assert f"{len(expected)} stand out." in section and "Holm-corrected" in section
    for key, direction in expected:
        assert f"| `{key}` | {direction} |" in section
    unflagged = [t.key for t in analysis.rule_tests or () if not t.significant and t.p_value is not None]
    assert unflagged and all(f"`{key}` |" not in section for key in unflagged)
    html = render_html_report(analysis)
    assert pattern_flags.HEADING in html and all(f"<code>{key}</code>" in html for key, _ in expected)


def test_an_analysis_made_before_the_tests_says_so_and_one_without_flags_says_none() -> None:
    old = read_artifact(V3_ANALYSIS, AnalysisArtifact)
    assert "Not tested: this analysis was made before tokdrift tested patterns" in render_fragile_prompts(old)
    current = read_artifact(CORE_ANALYSIS, AnalysisArtifact)
    quiet = current.model_copy(
        update={
            "rule_tests": [test.model_copy(update={"significant": False}) for test in current.rule_tests or ()],
            "family_tests": [test.model_copy(update={"significant": False}) for test in current.family_tests or ()],
        }
    )
    assert pattern_flags.rows(quiet) == []
    assert "None stands out." in render_fragile_prompts(quiet)
