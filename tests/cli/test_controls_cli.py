"""Controls as a user meets them: previewing them, counting them in a dry run, analysing and reporting them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import one_line_error
from tests.fakes import ConstantEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.analysis import AnalysisArtifact
from tokdrift_cli.artifacts.io import read_artifact, write_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.variants import CONTROL_RULES, RULES
from tokdrift_cli.stages.baseline import plan_cases, run_baseline

PROMPT = "Return the sum of the first 3 even numbers greater than n, not counting n."


def test_variants_previews_one_control_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["variants", PROMPT, "--rule", "control.number", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["rule_ids"] for row in rows] == [["control.number"]]
    assert rows[0]["text"] == PROMPT.replace("3", "4") and rows[0]["changes_meaning"] is True


def test_variants_previews_every_control_beside_no_variant(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["variants", PROMPT, "--controls", "-n", "5"]) == 0
    out = capsys.readouterr().out
    assert out.count("(changes the meaning on purpose)") == 5
    assert all(rule_id in out for rule_id in CONTROL_RULES)
    assert not any(rule_id in out for rule_id in RULES)


def test_variants_without_controls_previews_only_meaning_preserving_rewrites(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["variants", PROMPT, "--format", "json", "-n", "6"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(row["changes_meaning"] is False and row["rule_ids"][0] in RULES for row in rows)


def test_an_unknown_control_rule_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["variants", PROMPT, "--rule", "control.nope"]) == 2
    error = one_line_error(capsys.readouterr().err)
    assert "unknown rule id" in error and "control.number" in error


def test_dry_run_counts_the_controls(tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "b.json"
    args = ["baseline", "--suite", str(mini_suite_path), "--variants", "1", "--output", str(out), "--dry-run"]
    counts = []
    for controls in ("0", "3"):
        assert run([*args, "--controls", controls]) == 0
        counts.append(int(dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())["lm calls"]))
    planned = make_inputs(mini_suite_path, variants_per_prompt=1, controls=3)
    controls = sum(len(p.controls or ()) for p in plan_cases(planned.suite, planned.config))
    assert controls > 0 and counts[1] == counts[0] + controls
    assert not out.exists()


def test_analyze_and_report_flag_a_constant_generator(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "baseline.json"
    write_artifact(baseline, run_baseline(make_inputs(mini_suite_path, controls=2), runner_for(ConstantEngine())))
    analysis_path = tmp_path / "analysis.json"
    args = ["analyze", str(baseline), "--output", str(analysis_path), "--sensitivity-threshold", "0.4"]
    assert run(args) == 0
    err = capsys.readouterr().err
    assert "sensitivity" in err and "ignore meaning changes (< 40%)" in err
    analysis = read_artifact(analysis_path, AnalysisArtifact)
    assert analysis.config.sensitivity_threshold == 0.4
    assert {item.case_id for item in analysis.insensitive_prompts} == {"mini-001", "mini-002", "mini-004"}
    report = tmp_path / "FRAGILE_PROMPTS.md"
    assert run(["report", str(analysis_path), "--output", str(report), "--html", str(tmp_path / "r.html")]) == 0
    text = report.read_text(encoding="utf-8")
    assert "## Prompts that ignore meaning changes" in text and "`mini-002`" in text
    assert "--sensitivity-threshold 0.4" in text
    assert 'id="side-by-side"' in (tmp_path / "r.html").read_text(encoding="utf-8")
