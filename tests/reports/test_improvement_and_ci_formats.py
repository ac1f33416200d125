"""IMPROVEMENT_REPORT.md and the CI formats: deterministic, exact, parseable, un-breakable by the text in them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from functools import lru_cache

from tests.stages.test_validate import NAMES, fragile_run, make_baseline, robust_run
from tokdrift_cli.artifacts.validation import GateSettings, ValidationArtifact
from tokdrift_cli.reports.ci_formats import annotation, render_github, render_junit, render_markdown
from tokdrift_cli.reports.improvement_markdown import render_improvement_report
from tokdrift_cli.stages.validate import validate_baselines


@lru_cache(maxsize=1)
def improvement() -> ValidationArtifact:
    return validate_baselines(
        fragile_run(),
        robust_run(program="build/program.json"),
        GateSettings(fail_under=0.9),
        allow_mismatch=False,
        seed=0,
    )


@lru_cache(maxsize=1)
def regression() -> ValidationArtifact:
    return validate_baselines(robust_run(), fragile_run(), GateSettings(fail_under=0.9), allow_mismatch=False, seed=0)


def single(**settings: object) -> ValidationArtifact:
    return validate_baselines(None, robust_run(), GateSettings(**settings), allow_mismatch=False, seed=0)  # type: ignore[arg-type]


# --- IMPROVEMENT_REPORT.md -------------------------------------------------------------------------


def test_report_is_deterministic_and_ignores_the_creation_time() -> None:
    validation = improvement()
    text = render_improvement_report(validation)
    later = validation.model_copy(update={"created_at": datetime(2030, 1, 1, tzinfo=UTC)})
    assert render_improvement_report(later) == text
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert all(line == line.rstrip() for line in text.splitlines())
    assert render_markdown(validation) == text


def test_report_shows_before_after_statistics_gates_and_the_program() -> None:
    text = render_improvement_report(improvement())
    for heading in (
        "# Improvement report",
        "## What changed",
        "## Before and after",
        "## Statistics",
        "## Gates",
        "## Per-prompt changes",
        "## Method",
    ):
        assert heading in text
    assert "**Verdict: PASSED** (exit 0)" in text
    assert "optimized program file `build/program.json`" in text
    assert "66.7% [46.7, 82.0] (n=24) | 100.0% [86.2, 100.0] (n=24) | +33.3 pp" in text
    assert "| Accuracy over every input (original and variants each against gold) | 100.0% [89.3, 100.0] (n=32) |" in text
    assert "interval resampling prompts (10000 resamples, seed 0) | +0.0000 [+0.0000, +0.0000] | 8 prompts |" in text
    assert "the interval of its change resamples prompts with all their inputs" in text
    assert "W = 36.0, p = 0.00390625 | 8 changed of 8 pairs" in text
    assert "| significance | passed | `0.00390625` | `0.05` | 8 |" in text
    assert "| fragile_fixed | passed | `8` | `3` | 8 |" in text
    assert (
        "| `case-add_one` | arithmetic | 66.7% (2/3) | 100.0% (3/3) | +0.3333 | yes -> yes "
        "| fixed (fragile -> robust) |" in text
    )


def test_report_gives_exact_unrounded_figures_for_failed_gates() -> None:
    text = render_improvement_report(regression())
    assert "**Verdict: FAILED** (exit 1)" in text
    assert "| robustness | **FAILED** | `0.6666666666666666` | `0.9` | 24 |" in text
    assert "newly broken (robust -> fragile)" in text


def test_report_lists_unchanged_prompts_and_dropped_cases() -> None:
    validation = validate_baselines(
        fragile_run(limit=5), make_baseline(NAMES[:2]), GateSettings(), allow_mismatch=True, seed=0
    )
    text = render_improvement_report(validation)
    assert "Pairing (`--allow-mismatch`): 5 prompts paired, 3 dropped" in text
    assert "Only in after: `case-abs_value`, `case-clamp_zero`, `case-triple_it`" in text
    assert "2 prompt(s) unchanged: `case-add_one`, `case-double_it`" in text


def test_single_baseline_report_has_no_before() -> None:
    text = render_improvement_report(single(fail_under=0.9))
    assert "A single baseline was gated (8 prompts)" in text
    assert "No before baseline: no paired statistics." in text
    assert "Prompts below 90% robustness (or unmeasured) in the gated baseline:\n\nNone." in text


def test_outside_text_cannot_break_the_tables() -> None:
    validation = improvement()
    odd = validation.cases[0].model_copy(update={"case_id": "a|b`c", "category": "x|<script>"})
    text = render_improvement_report(validation.model_copy(update={"cases": [odd, *validation.cases[1:]]}))
    row = next(line for line in text.splitlines() if "a\\|b" in line)
    assert row.count(" | ") == 6  # seven cells, no extra split
    assert "<script>" not in text


# --- JUnit ---------------------------------------------------------------------------------------------


def test_junit_has_a_testcase_per_gate_with_failures_and_skips() -> None:
    root = ET.fromstring(render_junit(regression()))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("6", "3", "1")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    failure = cases["robustness"].find("failure")
    assert failure is not None and failure.get("message", "").startswith(
        "robustness 0.6666666666666666 < fail-under 0.9"
    )
    assert cases["fragile_fixed"].find("skipped") is not None
    assert cases["accuracy"].find("failure") is None and cases["accuracy"].find("skipped") is None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["verdict"] == "failed" and properties["exit_code"] == "1"


def test_junit_marks_inconclusive_gates_as_failures_by_default() -> None:
    root = ET.fromstring(render_junit(single(fail_under=0.9, gate_on="lower-bound")))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    case = next(c for c in root.iter("testcase") if c.get("name") == "robustness")
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "Inconclusive"
    assert failure.get("message", "").startswith("inconclusive: ") and case.find("skipped") is None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["exit_code"] == "3" and properties["inconclusive_as"] == "failure"


def test_junit_marks_inconclusive_gates_as_skipped_when_asked() -> None:
    root = ET.fromstring(render_junit(single(fail_under=0.9, gate_on="lower-bound"), inconclusive_as="skip"))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    case = next(c for c in root.iter("testcase") if c.get("name") == "robustness")
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("inconclusive: ")
    assert case.find("failure") is None


# --- GitHub -------------------------------------------------------------------------------------------


def test_github_annotations_and_step_summary() -> None:
    annotations, summary = render_github(regression())
    lines = annotations.splitlines()
    assert lines[0].startswith("::error title=tokdrift gate failed%3A robustness::robustness 0.6667 < fail-under 0.9")
    assert any(line.startswith("::error title=tokdrift gate failed%3A significance::") for line in lines)
    assert any(line.startswith("::notice title=tokdrift gate passed%3A accuracy::") for line in lines)
    assert lines[-1] == "::error title=tokdrift validate::verdict failed (exit 1) over 8 prompts"
    assert summary.startswith("## tokdrift validate\n\n**Verdict: FAILED** (exit 1)")
    assert "### Gates" in summary and "### Before and after" in summary

    passed, _ = render_github(improvement())
    assert passed.splitlines()[-1].startswith("::notice title=tokdrift validate::verdict passed (exit 0)")
    inconclusive, _ = render_github(single(fail_under=0.9, gate_on="lower-bound"))
    assert inconclusive.splitlines()[0].startswith("::warning title=tokdrift gate inconclusive%3A robustness::")


def test_step_summary_rounds_figures_that_the_artifact_keeps_exact() -> None:
    for validation in (regression(), improvement()):
        for gate in validation.gates:
            if gate.value is None or len(repr(gate.value)) <= 8:
                continue
            annotations, summary = render_github(validation)
            assert repr(gate.value) not in summary and repr(gate.value) not in annotations
            assert f"`{gate.value:.4g}`" in summary and f"{gate.value:.4g}" in annotations
            assert repr(gate.value) in render_junit(validation)  # a machine reads the JUnit: exact
    assert "0.6667" in render_github(regression())[1] and "0.003906" in render_github(improvement())[1]


def test_step_summary_names_the_prompts_that_changed_verdict() -> None:
    validation = regression()
    first, second, *rest = sorted(validation.cases, key=lambda case: case.case_id)
    cases = [
        first.model_copy(update={"before_correct": True, "after_correct": False}),
        second.model_copy(update={"before_correct": False, "after_correct": True}),
        *rest,
    ]
    _, summary = render_github(validation.model_copy(update={"cases": cases}))
    section = summary.split("### Prompts that changed verdict", 1)[1].split("###", 1)[0]
    lines = {line.split(" (", 1)[0]: line for line in section.splitlines() if line.startswith("- ")}
    assert f"`{first.case_id}`" in lines["- Lost accuracy"] and f"`{second.case_id}`" not in lines["- Lost accuracy"]
    assert f"`{second.case_id}`" in lines["- Gained accuracy"]
    broken = [case.case_id for case in validation.cases if case.change == "newly_broken"]
    assert broken and all(f"`{case_id}`" in lines["- Newly fragile"] for case_id in broken)
    assert "robustness 100.0% ->" in lines["- Newly fragile"]
    assert "- Fixed" not in lines

    _, improved = render_github(improvement())
    assert "- Fixed (fragile before, robust after): " in improved and "- Lost accuracy" not in improved
    _, alone = render_github(single(fail_under=0.9))
    assert "### Prompts that changed verdict" not in alone


def test_annotation_text_cannot_end_the_command_early() -> None:
    line = annotation("error", "a: b, c", "100% sure\nnext line\r")
    assert line == "::error title=a%3A b%2C c::100%25 sure%0Anext line%0D"
    assert "\n" not in line
