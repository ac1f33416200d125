"""`tokdrift ir-to-code` and `tokdrift end-to-end` as a user meets them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import one_line_error
from tests.conftest import MINI_SUITE
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run


def test_templated_ir_to_code_writes_a_code_baseline(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "code.json"
    args = ["ir-to-code", "--code-generator", "templated", "--suite", str(mini_suite_path)]
    assert run([*args, "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "code robustness (pooled)" in err and "100.0%" in err and f"wrote {out}" in err
    artifact = read_artifact(out, CodeBaselineArtifact)
    assert artifact.summary.stage.value == "ir-to-code"
    assert run([*args, "--output", str(out)]) == 0
    assert "up to date" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "option"),
    [
        ("ir-to-code", "--dry-run"),
        ("ir-to-code", "--program"),
        ("end-to-end", "--repeats"),
        ("end-to-end", "--controls"),
        ("end-to-end", "--shard"),
        ("baseline", "--from-baseline"),
        ("baseline", "--code-generator"),
    ],
)
def test_each_stage_takes_only_its_own_options(command: str, option: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([command, option, "1"]) == 2
    assert f"No such option: {option}" in capsys.readouterr().err
    assert run([command, "--help"]) == 0
    assert option not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ("ir-to-code", "--stage ir-to-code is now a command of its own: tokdrift ir-to-code"),
        ("end-to-end", "--stage end-to-end is now a command of its own: tokdrift end-to-end"),
        ("ir", "tokdrift baseline is the IR stage: drop --stage"),
    ],
)
def test_baseline_stage_points_to_the_command_that_replaced_it(
    stage: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["baseline", "--stage", stage, "--code-generator", "templated"]) == 2
    assert message in one_line_error(capsys.readouterr().err)
    assert run(["baseline", f"--stage={stage}"]) == 2
    assert message in one_line_error(capsys.readouterr().err)


def test_settings_from_pyproject_do_not_trip_the_stage_checks(
    tmp_path: Path, mini_suite_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A project default for the IR stage must not make every code-stage run fail.
    (tmp_path / "pyproject.toml").write_text("[tool.tokdrift.commands.baseline]\nrepeats = 3\nworkers = 2\n")
    monkeypatch.chdir(tmp_path)
    args = ["ir-to-code", "--code-generator", "templated", "--suite", str(mini_suite_path)]
    assert run([*args, "--output", str(tmp_path / "c.json")]) == 0
    capsys.readouterr()


def test_templated_ir_to_code_with_sandbox_workers_writes_what_one_worker_writes(tmp_path: Path) -> None:
    common = ["ir-to-code", "--code-generator", "templated", "--suite", str(MINI_SUITE), "--variants", "2"]
    one, three = tmp_path / "one.json", tmp_path / "three.json"
    assert run([*common, "--output", str(one)]) == 0
    assert run([*common, "--workers", "3", "--output", str(three)]) == 0
    first, second = read_artifact(one, CodeBaselineArtifact), read_artifact(three, CodeBaselineArtifact)
    assert _timeless([case.model_dump() for case in first.cases]) == _timeless([case.model_dump() for case in second.cases])
    assert second.summary.cost is None and second.summary.decoding is None  # no model was called


def _timeless(value: object) -> object:
    """A dump without its timings (they differ between any two runs)."""
    if isinstance(value, dict):
        return {key: _timeless(item) for key, item in value.items() if key != "latency_s"}
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    return value
