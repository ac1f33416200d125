"""`baseline --stage ir-to-code|end-to-end` as a user meets it."""

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
    args = ["baseline", "--stage", "ir-to-code", "--code-generator", "templated", "--suite", str(mini_suite_path)]
    assert run([*args, "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "code robustness (pooled)" in err and "100.0%" in err and f"wrote {out}" in err
    artifact = read_artifact(out, CodeBaselineArtifact)
    assert artifact.summary.stage.value == "ir-to-code"
    assert run([*args, "--output", str(out)]) == 0
    assert "up to date" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--stage", "ir-to-code", "--dry-run"], "--dry-run does not apply to --stage ir-to-code"),
        (["--stage", "end-to-end", "--repeats", "2", "--workers", "2"], "--repeats, --workers do not apply to --stage end-to-end"),
        (["--from-baseline", "x.json"], "--from-baseline does not apply to --stage ir"),
        (["--stage", "ir-to-code", "--code-generator", "templated", "--model", "local", "--from-baseline", "x.json"], "--model, --from-baseline do not apply to --stage ir-to-code --code-generator templated"),
    ],
)
def test_options_of_another_stage_are_refused(
    extra: list[str], message: str, tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.json").write_text("{}")
    args = ["baseline", "--suite", str(mini_suite_path), "--output", str(tmp_path / "o.json"), *extra]
    assert run(args) == 2
    assert message in one_line_error(capsys.readouterr().err)


def test_settings_from_pyproject_do_not_trip_the_stage_checks(
    tmp_path: Path, mini_suite_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A project default for the IR stage must not make every code-stage run fail.
    (tmp_path / "pyproject.toml").write_text("[tool.tokdrift.baseline]\nrepeats = 3\nworkers = 2\n")
    monkeypatch.chdir(tmp_path)
    args = ["baseline", "--stage", "ir-to-code", "--code-generator", "templated", "--suite", str(mini_suite_path)]
    assert run([*args, "--output", str(tmp_path / "c.json")]) == 0
    capsys.readouterr()
