"""`tokdrift ir-to-code` and `tokdrift end-to-end` as a user meets them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import one_line_error
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
        ("end-to-end", "--workers"),
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
