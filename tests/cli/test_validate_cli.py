"""`tokdrift validate` as CI meets it: every exit code, the gate table, the output formats, settings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.stages.test_validate import fragile_run, robust_run
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact, write_artifact
from tokdrift_cli.artifacts.validation import ValidationArtifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.reports.improvement_markdown import render_improvement_report


def saved(tmp_path: Path, name: str, artifact: BaselineArtifact) -> str:
    path = tmp_path / name
    write_artifact(path, artifact)
    return str(path)


@pytest.fixture
def improvement(tmp_path: Path) -> tuple[str, str]:
    """A fragile before and a robust after, as files."""
    return saved(tmp_path, "before.json", fragile_run()), saved(tmp_path, "after.json", robust_run())


def validate(tmp_path: Path, *arguments: str) -> tuple[int, ValidationArtifact | None]:
    output = tmp_path / "validation.json"
    code = run(["validate", "--output", str(output), *arguments])
    return code, read_artifact(output, ValidationArtifact) if output.exists() else None


def one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert lines and lines[0].startswith("error:"), stderr
    return " ".join(lines)


# --- exit codes ------------------------------------------------------------------------------------


def test_exit_0_when_an_improvement_passes_every_gate(
    tmp_path: Path, improvement: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = improvement
    code, validation = validate(
        tmp_path, "--before", before, "--after", after, "--fail-under", "0.90", "--alpha", "0.05"
    )
    assert code == 0
    assert validation is not None and validation.summary.exit_code == 0
    assert [item.role for item in validation.inputs] == ["before", "after"]
    captured = capsys.readouterr()
    assert captured.out == ""  # data only with --format
    assert "tokdrift validate" in captured.err and "verdict: passed" in captured.err
    assert "fragile_fixed" in captured.err


def test_exit_1_when_a_gate_fails_with_the_exact_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, after = saved(tmp_path, "b.json", robust_run()), saved(tmp_path, "a.json", fragile_run())
    code, validation = validate(tmp_path, "--before", before, "--after", after, "--fail-under", "0.9")
    assert code == 1
    err = capsys.readouterr().err
    assert f"robustness {16 / 24} < fail-under 0.9" in err  # unrounded: 0.6666666666666666
    assert "gate failed: significance" in err and "verdict: failed" in err
    assert validation is not None and validation.summary.failed_gates == ["robustness", "robustness_gain", "significance"]


def test_exit_1_single_baseline_below_fail_under(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = validate(tmp_path, "--after", saved(tmp_path, "a.json", fragile_run()), "--fail-under", "0.9")
    assert code == 1
    assert "robustness 0.6666666666666666 < fail-under 0.9" in capsys.readouterr().err


def test_exit_0_single_baseline_above_fail_under(tmp_path: Path) -> None:
    code, validation = validate(tmp_path, "--after", saved(tmp_path, "a.json", robust_run()), "--fail-under", "0.9")
    assert code == 0
    assert validation is not None and validation.pairing.mode == "single"


def test_exit_3_when_the_interval_straddles_the_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    after = saved(tmp_path, "a.json", robust_run())
    code, validation = validate(tmp_path, "--after", after, "--fail-under", "0.9", "--gate-on", "lower-bound")
    assert code == 3
    assert validation is not None and validation.summary.inconclusive_gates == ["robustness"]
    assert "straddles fail-under 0.9" in capsys.readouterr().err


def test_exit_3_when_too_few_prompts_changed(tmp_path: Path) -> None:
    before, after = saved(tmp_path, "b.json", robust_run()), saved(tmp_path, "a.json", robust_run())
    code, validation = validate(
        tmp_path, "--before", before, "--after", after, "--fail-under", "0.9", "--min-robustness-gain", "off"
    )
    assert code == 3
    assert validation is not None and validation.summary.inconclusive_gates == ["significance"]


def test_exit_2_when_the_baselines_are_not_paired_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = saved(tmp_path, "b.json", fragile_run())
    after = saved(tmp_path, "a.json", robust_run(seed=1))
    code, validation = validate(tmp_path, "--before", before, "--after", after, "--fail-under", "0.9")
    assert code == 2 and validation is None  # nothing is written on refusal
    message = one_line_error(capsys.readouterr().err)
    assert "seed (0 vs 1)" in message and "--allow-mismatch" in message


def test_allow_mismatch_pairs_what_matches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = saved(tmp_path, "b.json", fragile_run(limit=5))
    after = saved(tmp_path, "a.json", robust_run())
    code, validation = validate(tmp_path, "--before", before, "--after", after, "--allow-mismatch", "--alpha", "off")
    assert code == 0
    assert validation is not None
    assert validation.pairing.mode == "matched" and validation.pairing.paired_cases == 5
    assert validation.pairing.dropped_cases == 3
    assert "(3 dropped)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--after", "/nonexistent/after.json", "--fail-under", "0.9"], "file not found"),
        (["--after", "{after}"], "nothing to check"),
        (["--after", "{after}", "--fail-under", "1.5"], "not in [0.0, 1.0]"),
        (["--after", "{after}", "--fail-under", "high"], "not a number"),
        (["--after", "{after}", "--gate-on", "median", "--fail-under", "0.9"], "median"),
        (["--fail-under", "0.9"], "--after"),
        (["--after", "{validation}", "--fail-under", "0.9"], "'baseline' artifact is needed"),
    ],
)
def test_exit_2_for_bad_input(
    arguments: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    after = saved(tmp_path, "a.json", robust_run())
    other = tmp_path / "not-a-baseline.json"
    other.write_text('{"kind": "validation", "schema_version": 1}', encoding="utf-8")
    filled = [item.format(after=after, validation=other) for item in arguments]
    code = run(["validate", "--output", str(tmp_path / "v.json"), *filled])
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and expected in err


# --- settings ----------------------------------------------------------------------------------------


def test_fail_under_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKDRIFT_FAIL_UNDER", "0.95")
    code, validation = validate(tmp_path, "--after", saved(tmp_path, "a.json", robust_run()))
    assert code == 0
    assert validation is not None and validation.config.gates.fail_under == 0.95


def test_every_gate_reads_its_variable(
    tmp_path: Path, improvement: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = improvement
    monkeypatch.setenv("TOKDRIFT_ALPHA", "0.2")
    monkeypatch.setenv("TOKDRIFT_MAX_ACCURACY_DROP", "off")
    monkeypatch.setenv("TOKDRIFT_MAX_LATENCY_INCREASE", "0.75")
    monkeypatch.setenv("TOKDRIFT_MIN_FIXED", "2")
    monkeypatch.setenv("TOKDRIFT_GATE_ON", "lower-bound")
    monkeypatch.setenv("TOKDRIFT_FRAGILE_THRESHOLD", "0.8")
    _, validation = validate(tmp_path, "--before", before, "--after", after, "--min-fixed", "1")
    assert validation is not None
    gates = validation.config.gates
    assert (gates.alpha, gates.max_accuracy_drop, gates.max_latency_increase) == (0.2, None, 0.75)
    assert (gates.min_fixed, gates.gate_on, gates.fragile_threshold) == (1, "lower-bound", 0.8)  # the command line wins


def test_settings_from_pyproject_and_switching_gates_off(
    tmp_path: Path, improvement: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = improvement
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tokdrift]\nseed = 7\n\n[tool.tokdrift.commands.validate]\nfail-under = 0.99\nalpha = "off"\n'
        "max-latency-increase = 0.5\nmin-fixed = 9\nmin-robustness-gain = 0.2\nrobustness-gate = \"lower-bound\"\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    code, validation = validate(tmp_path, "--before", before, "--after", after, "--max-accuracy-drop", "off")
    assert validation is not None
    gates = validation.config.gates
    assert (gates.fail_under, gates.alpha, gates.max_latency_increase, gates.min_fixed) == (0.99, None, 0.5, 9)
    assert gates.max_accuracy_drop is None and validation.config.seed == 7
    assert (gates.min_robustness_gain, gates.robustness_gate) == (0.2, "lower-bound")
    statuses = {gate.name: gate.status for gate in validation.gates}
    assert statuses == {
        "robustness": "passed",
        "robustness_gain": "passed",  # every prompt gained 1/3: the interval's lower end too
        "significance": "skipped",
        "accuracy": "skipped",
        "latency": "passed",
        "fragile_fixed": "passed",  # capped at the 8 prompts that were fragile
    }
    assert code == 0


# --- output formats --------------------------------------------------------------------------------


def test_format_json_prints_the_artifact(
    tmp_path: Path, improvement: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = improvement
    code, validation = validate(
        tmp_path, "--before", before, "--after", after, "--fail-under", "0.9", "--format", "json"
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["kind"] == "validation" and printed["summary"]["exit_code"] == 0
    assert validation is not None and printed == validation.model_dump(mode="json")


def test_format_junit_is_valid_xml_with_one_testcase_per_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = saved(tmp_path, "b.json", robust_run()), saved(tmp_path, "a.json", fragile_run())
    code, _ = validate(tmp_path, "--before", before, "--after", after, "--fail-under", "0.9", "--format", "junit")
    assert code == 1
    root = ET.fromstring(capsys.readouterr().out)
    cases = root.findall("./testsuite/testcase")
    assert [case.get("name") for case in cases] == [
        "robustness",
        "robustness_gain",
        "significance",
        "accuracy",
        "latency",
        "fragile_fixed",
    ]
    failed = {case.get("name") for case in cases if case.find("failure") is not None}
    assert failed == {"robustness", "robustness_gain", "significance"}
    assert root.find("testsuite").get("failures") == "3"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("arguments", "environment", "failures", "skipped"),
    [
        ((), None, "1", "5"),  # the other 5 gates need --before: skipped
        (("--inconclusive-as", "skip"), None, "0", "6"),
        ((), "skip", "0", "6"),
        (("--inconclusive-as", "failure"), "skip", "1", "5"),
    ],
)
def test_format_junit_inconclusive_is_a_failure_unless_asked(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arguments: tuple[str, ...],
    environment: str | None,
    failures: str,
    skipped: str,
) -> None:
    if environment is not None:
        monkeypatch.setenv("TOKDRIFT_INCONCLUSIVE_AS", environment)
    after = saved(tmp_path, "a.json", robust_run())
    gate = ("--fail-under", "0.9", "--gate-on", "lower-bound", "--format", "junit")
    code, _ = validate(tmp_path, "--after", after, *gate, *arguments)
    assert code == 3  # the exit code does not depend on how JUnit shows it
    suite = ET.fromstring(capsys.readouterr().out).find("testsuite")
    assert suite is not None and (suite.get("failures"), suite.get("skipped")) == (failures, skipped)


def test_inconclusive_as_refuses_an_unknown_word(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    after = saved(tmp_path, "a.json", robust_run())
    code, _ = validate(tmp_path, "--after", after, "--inconclusive-as", "pass")
    assert code == 2
    assert "pass" in capsys.readouterr().err


def test_format_github_annotates_and_appends_the_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    before, after = saved(tmp_path, "b.json", robust_run()), saved(tmp_path, "a.json", fragile_run())
    code, _ = validate(tmp_path, "--before", before, "--after", after, "--fail-under", "0.9", "--format", "github")
    assert code == 1
    out = capsys.readouterr().out.splitlines()
    assert "::error title=tokdrift gate failed%3A robustness::robustness 0.6667 < fail-under 0.9" in out[0]
    assert out[-1].startswith("::error title=tokdrift validate::verdict failed (exit 1)")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## tokdrift validate")
    assert "| robustness | **FAILED** |" in text


def test_format_markdown_prints_the_improvement_report(
    tmp_path: Path, improvement: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = improvement
    code, validation = validate(
        tmp_path, "--before", before, "--after", after, "--fail-under", "0.9", "--format", "markdown"
    )
    assert code == 0 and validation is not None
    assert capsys.readouterr().out == render_improvement_report(validation)


# --- report --------------------------------------------------------------------------------------------


def test_report_renders_improvement_report_from_a_validation(
    tmp_path: Path, improvement: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before, after = improvement
    validate(tmp_path, "--before", before, "--after", after, "--fail-under", "0.9")
    target = tmp_path / "IMPROVEMENT_REPORT.md"
    assert run(["report", str(tmp_path / "validation.json"), "--output", str(target)]) == 0
    validation = read_artifact(tmp_path / "validation.json", ValidationArtifact)
    assert target.read_text(encoding="utf-8") == render_improvement_report(validation)
    # Left at the analysis default, the output is IMPROVEMENT_REPORT.md, never FRAGILE_PROMPTS.md.
    monkeypatch.chdir(tmp_path)
    target.unlink()
    assert run(["report", "validation.json"]) == 0
    assert target.exists() and not (tmp_path / "FRAGILE_PROMPTS.md").exists()


def test_report_refuses_analysis_options_for_a_validation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validate(tmp_path, "--after", saved(tmp_path, "a.json", robust_run()), "--fail-under", "0.5")
    capsys.readouterr()
    code = run(["report", str(tmp_path / "validation.json"), "--html", str(tmp_path / "r.html")])
    assert code == 2
    assert "--html" in one_line_error(capsys.readouterr().err)


def test_accuracy_on_inputs_is_recorded_and_reported(tmp_path: Path, improvement: tuple[str, str]) -> None:
    before, after = improvement
    code, validation = validate(tmp_path, "--before", before, "--after", after, "--fail-under", "0.9",
                                "--accuracy-on", "inputs")
    assert code == 0 and validation is not None
    assert validation.config.gates.accuracy_on == "inputs"
    accuracy = next(item for item in validation.gates if item.name == "accuracy")
    assert accuracy.n == 32 and "inputs (requests and variants)" in accuracy.explanation
    assert "max accuracy drop 0.02 (over every input)" in render_improvement_report(validation)


def test_minimum_detectable_change_is_printed_stored_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.stages.test_validate import NAMES, make_baseline

    before, after = saved(tmp_path, "b.json", fragile_run()), saved(tmp_path, "a.json", make_baseline(NAMES[:3]))
    code, validation = validate(tmp_path, "--before", before, "--after", after, "--accuracy-gate", "lower-bound")
    assert validation is not None and validation.statistics is not None
    detectable = validation.statistics.detectable
    assert detectable is not None and detectable.robustness.change is not None
    assert validation.config.gates.accuracy_gate == "lower-bound"
    err = capsys.readouterr().err
    assert "minimum detectable change at alpha 0.05 and 80% power: robustness gain " in err
    assert f"{detectable.robustness.change * 100:.1f} points (one-sided, n=8 prompts)" in err
    report = render_improvement_report(validation)
    assert "Minimum detectable change at alpha 0.05 and 80% power" in report
    assert code in (0, 1, 3)
