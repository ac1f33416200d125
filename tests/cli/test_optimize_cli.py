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
                    "--candidates", "1", "--metric-variants", "1", "--keep-base-demos", "--demo-pool", "missed",
                    "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 0, err
    artifact = read_artifact(output, ProgramArtifact)
    assert artifact.config.keep_base_demos and artifact.config.demo_pool == "missed"
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


def test_candidate_lines_say_how_many_prompts_were_lost_and_gained_and_the_inputs_accuracy() -> None:
    from tokdrift_cli.artifacts.program import CandidateRecord
    from tokdrift_cli.cli.commands.optimize import _flips, _inputs

    values = {"prompts": 25, "score": 0.5, "base_score": 0.3, "accurate": 16, "base_accurate": 15, "eligible": True}
    assert _flips(CandidateRecord(label="seed 2", dev_score=0.6, lost=1, gained=2, **values)) == "; lost 1 / gained 2"
    assert _flips(CandidateRecord(label="base program", dev_score=None, lost=0, gained=0, **values)) == ""
    assert _flips(CandidateRecord(label="seed 2", dev_score=0.6, **values)) == ""  # a file from before the counts
    counted = CandidateRecord(label="seed 2", dev_score=0.6, inputs=75, inputs_accurate=48, base_inputs_accurate=45,
                              **values)
    assert _inputs(counted) == ", inputs 48/75 (base 45)"
    assert _inputs(CandidateRecord(label="seed 2", dev_score=0.6, **values)) == ""


def _plan(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    assert run(["optimize", *arguments, "--dry-run"]) == 0
    return dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())


def _first_number(text: str) -> int:
    return int(next(word for word in text.split() if word.isdigit()))


def test_dry_run_counts_calls_before_any_and_bounds_a_real_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    output = tmp_path / "program.json"
    with _stub_server().serving(delay=0.0) as (url, handler):
        arguments = ["--model", "openai/stub", "--api-base", url, "--limit", "8", "--candidates", "1",
                     "--metric-variants", "1", "--output", str(output)]
        plan = _plan(arguments, capsys)
        assert handler.requests == 0 and not output.exists()
        assert not (tmp_path / "program.json.cache").exists()
        assert plan["prompts"].startswith("8 (")
        assert run(["optimize", *arguments]) == 0
        made = handler.requests
    capsys.readouterr()
    assert 0 < made <= _first_number(plan["lm calls"])
    artifact = read_artifact(output, ProgramArtifact)
    assert artifact.config.limit == 8
    assert len(artifact.split.train) + len(artifact.split.dev) + len(artifact.split.test) == 8


def test_dry_run_scales_with_what_each_evaluation_sends(capsys: pytest.CaptureFixture[str]) -> None:
    one = _plan(["--metric-variants", "0", "--optimizer", "gold-demos"], capsys)
    three = _plan(["--metric-variants", "2", "--optimizer", "gold-demos"], capsys)
    assert one["evaluations"] == three["evaluations"]
    assert 3 * _first_number(one["lm calls"]) == _first_number(three["lm calls"])
    bootstrap = _plan(["--metric-variants", "2"], capsys)
    assert _first_number(bootstrap["lm calls"]) > _first_number(three["lm calls"])  # it bootstraps on train too
    limited = _plan(["--metric-variants", "2", "--limit", "10"], capsys)
    assert limited["prompts"].startswith("10 (")
    assert _first_number(limited["lm calls"]) < _first_number(bootstrap["lm calls"])
    mipro = _plan(["--optimizer", "mipro"], capsys)
    assert mipro["lm calls"].startswith("at least") and "mipro searches itself" in mipro["evaluations"]


def test_a_run_on_the_whole_suite_writes_no_limit() -> None:
    from tokdrift_cli.artifacts.program import OptimizeConfig

    values = {"suite": "s", "trainset": None, "optimizer": "bootstrap", "model": "m", "prompt_model": None, "seed": 0,
              "metric_variants": 1, "max_bootstrapped_demos": 1, "max_labeled_demos": 1, "candidates": 1,
              "max_errors": 1, "split_fractions": (0.4, 0.2, 0.4)}
    assert "limit" not in OptimizeConfig(**values).model_dump()
    assert OptimizeConfig(**values, limit=5).model_dump()["limit"] == 5
