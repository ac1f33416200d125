"""`analyze` and `report` on a baseline made by the real stage with the fake engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes import FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.io import write_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.suite import default_suite_path
from tokdrift_cli.stages.baseline import run_baseline


@pytest.fixture(scope="module")
def baseline_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    artifact = run_baseline(make_inputs(default_suite_path(), variants_per_prompt=8, limit=10), runner_for(FakeEngine()))
    path = tmp_path_factory.mktemp("b") / "baseline.json"
    write_artifact(path, artifact)
    return path


def test_analyze_writes_artifact_and_prints_json(
    baseline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "analysis.json"
    assert run(["analyze", str(baseline_file), "--output", str(output), "--format", "json"]) == 0
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert printed["kind"] == "analysis" and output.exists()
    assert "fragile" in captured.err and "sensitivity per family" in captured.err
    assert printed["inputs"][0]["role"] == "baseline"


def test_analyze_markdown_to_stdout(baseline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["analyze", str(baseline_file), "--output", str(tmp_path / "a.json"), "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("# Prompt fragility report")


def test_report_writes_markdown_html_and_issue_drafts(
    baseline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    analysis = tmp_path / "analysis.json"
    assert run(["analyze", str(baseline_file), "--output", str(analysis)]) == 0
    markdown, html, issues = tmp_path / "FRAGILE_PROMPTS.md", tmp_path / "report.html", tmp_path / "issues"
    arguments = ["report", str(analysis), "--output", str(markdown), "--html", str(html), "--issues-dir", str(issues)]
    assert run(arguments) == 0
    first = (markdown.read_bytes(), html.read_bytes(), sorted(p.name for p in issues.iterdir()))
    assert first[2] and all(name.endswith((".md", ".title", ".sh")) for name in first[2])
    assert run(arguments) == 0
    assert (markdown.read_bytes(), html.read_bytes(), sorted(p.name for p in issues.iterdir())) == first


def test_report_refuses_a_program_artifact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "program.json"
    program.write_text('{"kind": "program", "schema_version": 1}')
    assert run(["report", str(program), "--output", str(tmp_path / "x.md")]) == 2
    err = capsys.readouterr().err
    assert "'program' artifact" in err and "Traceback" not in err


def test_analyze_refuses_wrong_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "x.json"
    other.write_text('{"kind": "validation", "schema_version": 1}')
    assert run(["analyze", str(other), "--output", str(tmp_path / "a.json")]) == 2
    assert "'validation' artifact" in capsys.readouterr().err


# --- stage reports -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def code_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.reports.test_stages_markdown import code_artifact
    from tokdrift_cli.codegen.generators import TemplatedCodeGenerator

    path = tmp_path_factory.mktemp("c") / "code.json"
    write_artifact(path, code_artifact(TemplatedCodeGenerator()))
    return path


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.strip().splitlines() if line.strip()]


def test_report_on_baselines_writes_stages_md(
    baseline_file: Path, code_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    default = tmp_path / "FRAGILE_PROMPTS.md"
    assert run(["report", str(baseline_file), str(code_file), "--output", str(default)]) == 0
    stages = tmp_path / "STAGES.md"
    assert stages.exists() and not default.exists()
    assert f"wrote {stages}" in capsys.readouterr().err
    text = stages.read_text()
    assert text.startswith("# Robustness by stage") and str(code_file) in text
    named = tmp_path / "stages_by_hand.md"
    assert run(["report", str(code_file), "--output", str(named)]) == 0
    assert named.read_text().startswith("# Robustness by stage")
    assert run(["report", str(baseline_file), str(code_file), "--output", str(default)]) == 0
    assert stages.read_text() == text


def test_report_refuses_analysis_mixed_with_baselines(
    baseline_file: Path, code_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    analysis = tmp_path / "analysis.json"
    assert run(["analyze", str(baseline_file), "--output", str(analysis)]) == 0
    capsys.readouterr()
    assert run(["report", str(analysis), str(code_file), "--output", str(tmp_path / "x.md")]) == 2
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "one or more baseline artifacts" in lines[0]
    assert not (tmp_path / "x.md").exists()


@pytest.mark.parametrize("option", ["--html", "--issues-dir"])
def test_report_refuses_html_and_issues_for_stage_reports(
    option: str, baseline_file: Path, code_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["report", str(baseline_file), str(code_file), "--output", str(tmp_path / "s.md"), option, str(tmp_path / "h")]
    assert run(arguments) == 2
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and lines[0].startswith("error:") and option in lines[0]
    assert not (tmp_path / "s.md").exists()


@pytest.mark.parametrize(
    ("arguments", "variable", "expected", "note"),
    [
        pytest.param(["--fragile-threshold", "0.5"], None, 0.5, False, id="fragile-threshold"),
        pytest.param([], ("TOKDRIFT_FRAGILE_THRESHOLD", "0.6"), 0.6, False, id="its-variable"),
        pytest.param(["--threshold", "0.4"], None, 0.4, True, id="old-option"),
        pytest.param([], ("TOKDRIFT_THRESHOLD", "0.3"), 0.3, True, id="old-variable"),
        pytest.param([], None, 0.9, False, id="default"),
    ],
)
def test_fragile_threshold_is_the_one_name_and_the_old_one_still_works(
    baseline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    arguments: list[str], variable: tuple[str, str] | None, expected: float, note: bool,
) -> None:
    if variable is not None:
        monkeypatch.setenv(*variable)
    output = tmp_path / "analysis.json"
    assert run(["analyze", str(baseline_file), "--output", str(output), *arguments]) == 0
    assert json.loads(output.read_text())["config"]["fragile_threshold"] == expected
    assert ("old name of --fragile-threshold" in capsys.readouterr().err) is note


def test_the_old_threshold_name_is_not_advertised(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["analyze", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "--fragile-threshold" in shown and "--threshold " not in shown
