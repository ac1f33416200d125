"""After each stage, one "next:" line with the command that usually follows, ready to copy."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.cli.test_merge_and_dry_run_cli import _write_shards
from tests.cli.test_validate_cli import saved
from tests.stages.test_validate import fragile_run, robust_run
from tests.workflows.test_remote_workers import _stub_server
from tokdrift_cli.cli.app import run


def _next_lines(stderr: str) -> list[list[str]]:
    """Each "next:" line as the argv it suggests (the note in parentheses left off)."""
    return [shlex.split(line.removeprefix("next: ").split("  (")[0]) for line in stderr.splitlines()
            if line.startswith("next: ")]


def test_baseline_then_analyze(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    output = tmp_path / "my run.json"
    with _stub_server().serving(delay=0.0) as (url, _):
        arguments = ["baseline", "--model", "openai/stub", "--api-base", url, "--limit", "1", "--variants", "1"]
        assert run([*arguments, "--output", str(output)]) == 0
    assert _next_lines(capsys.readouterr().err) == [["tokdrift", "analyze", str(output), "--output", "analysis.json"]]


def test_a_code_stage_then_report(tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "c.json"
    arguments = ["ir-to-code", "--code-generator", "templated", "--suite", str(mini_suite_path), "--output", str(output)]
    assert run(arguments) == 0
    assert _next_lines(capsys.readouterr().err) == [["tokdrift", "report", str(output)]]


def test_merge_then_analyze_then_report(tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    merged, analysis = tmp_path / "all.json", tmp_path / "analysis.json"
    assert run(["merge", *map(str, _write_shards(tmp_path, mini_suite_path, 2)), "--output", str(merged)]) == 0
    assert _next_lines(capsys.readouterr().err) == [["tokdrift", "analyze", str(merged), "--output", "analysis.json"]]
    assert run(["analyze", str(merged), "--output", str(analysis)]) == 0
    suggested = _next_lines(capsys.readouterr().err)
    assert suggested == [["tokdrift", "report", str(analysis), "--html", "report.html"]]
    reports = tmp_path / "work"
    reports.mkdir()
    assert run([*suggested[0][1:3], "--output", str(reports / "F.md"), "--html", str(reports / "r.html")]) == 0


def test_validate_with_a_before_then_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, after = saved(tmp_path, "b.json", fragile_run()), saved(tmp_path, "a.json", robust_run())
    output = tmp_path / "v.json"
    run(["validate", "--before", before, "--after", after, "--output", str(output)])
    assert _next_lines(capsys.readouterr().err) == [["tokdrift", "report", str(output)]]
    run(["validate", "--after", after, "--output", str(output)])
    assert _next_lines(capsys.readouterr().err) == []  # a CI gate on one baseline ends there


def test_optimize_then_both_baselines_then_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    monkeypatch.chdir(tmp_path)
    with _stub_server().serving(delay=0.0) as (url, _):
        model = ["--model", "openai/stub", "--api-base", url]
        assert run(["optimize", *model, "--limit", "8", "--candidates", "1", "--metric-variants", "0",
                    "--optimizer", "gold-demos", "--output", "program.json"]) == 0
        suggested = _next_lines(capsys.readouterr().err)
        assert suggested == [
            ["tokdrift", "baseline", "--split-from", "program.json", "--output", "before.json"],
            ["tokdrift", "baseline", "--program", "program.json", "--output", "after.json"],
        ]
        for argv in suggested:  # the suggestions run as they are
            assert run([*argv[1:], *model, "--variants", "1"]) == 0
        assert _next_lines(capsys.readouterr().err)[-2:] == [
            ["tokdrift", "analyze", "after.json", "--output", "analysis.json"],
            ["tokdrift", "validate", "--before", "before.json", "--after", "after.json"],
        ]
