"""`tokdrift optimize` end to end against a local OpenAI-compatible stub (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows.test_remote_workers import _stub_server
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.artifacts.program import ProgramArtifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.suite import default_suite_path


def test_optimize_prints_every_candidates_selection_and_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    lines = default_suite_path().read_text().splitlines()
    suite = tmp_path / "small.jsonl"
    suite.write_text("\n".join([line for line in lines if '"category": "simple"' in line][:5]) + "\n")
    output = tmp_path / "program.json"
    with _stub_server().serving(delay=0.0) as (url, _handler):
        code = run(["optimize", "--model", "openai/stub", "--api-base", url, "--suite", str(suite),
                    "--candidates", "1", "--metric-variants", "1", "--keep-base-demos", "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 0, err
    artifact = read_artifact(output, ProgramArtifact)
    assert artifact.config.keep_base_demos
    assert artifact.scores.selection and artifact.scores.selection[0].label == "base program"
    for record in artifact.scores.selection:
        assert f"{record.label}: {record.prompts} prompts, accurate {record.accurate}" in err
    chosen = next(record for record in artifact.scores.selection if record.chosen)
    assert ("the file holds the base program" in err) == (chosen.label == "base program")


def test_base_demos_first_needs_keep_base_demos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "never.json"
    assert run(["optimize", "--base-demos-first", "--output", str(output)]) == 2
    assert "--keep-base-demos" in capsys.readouterr().err
    assert not output.exists()
