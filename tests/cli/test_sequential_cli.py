"""`baseline --until-decided` and `--max-calls` as a user meets them (the fake engine answers `--model local`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_bad_input_corpus import fake_model  # noqa: F401  (autouse: --model local is the fake engine)
from tests.cli.test_cli import one_line_error
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.checkpoint import checkpoint_path_for
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.suite import default_suite_path

CORE = str(default_suite_path())


def baseline(output: Path, *arguments: str) -> int:
    return run(["baseline", "--suite", CORE, "--variants", "2", "--output", str(output), *arguments])


def test_until_decided_stops_early_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "b.json"
    assert baseline(output, "--until-decided", "--fail-under", "0.2", "--alpha", "0.05") == 0
    artifact = read_artifact(output, BaselineArtifact)
    stop, sequential = artifact.summary.stop, artifact.summary.sequential
    assert stop is not None and sequential is not None and stop.reason == "decided"
    assert len(artifact.cases) < 45 and len(stop.prompts_not_run) == 45 - len(artifact.cases)
    assert artifact.config.until_decided is not None and artifact.config.until_decided.fail_under == 0.2
    assert "stopped early: the decision is made; robustness >= 0.2 passed" in capsys.readouterr().err
    assert checkpoint_path_for(output).exists()  # a run without --until-decided goes on from here


def test_max_calls_is_inconclusive_and_a_rerun_without_it_finishes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "b.json"
    assert baseline(output, "--limit", "6", "--max-calls", "7") == 3
    error = capsys.readouterr().err.strip().splitlines()[-1]  # after the table of what it ran
    assert error.startswith("error: stopped at --max-calls 7 (7 LM calls spent);") and "to go on" in error
    stopped = read_artifact(output, BaselineArtifact)
    assert stopped.summary.stop is not None and stopped.summary.lm_calls == 7
    assert baseline(output, "--limit", "6") == 0
    finished = read_artifact(output, BaselineArtifact)
    assert finished.summary.stop is None and len(finished.cases) == 6
    assert finished.summary.resumed_generations >= 7  # the capped run's generations were not made again
    assert "max_calls" not in output.read_text(encoding="utf-8")  # an uncapped run writes what it always did
    assert not checkpoint_path_for(output).exists()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--until-decided"], "--until-decided needs --fail-under X"),
        (["--fail-under", "0.5"], "--fail-under is the threshold of --until-decided"),
        (["--max-calls", "5", "--shard", "1/2"], "--max-calls may stop before the last prompt"),
        (["--until-decided", "--fail-under", "0.5", "--update-baseline"], "cannot be used with --update-baseline"),
    ],
)
def test_bad_combinations_are_one_line_usage_errors(
    arguments: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert baseline(tmp_path / "b.json", *arguments) == 2
    assert expected in one_line_error(capsys.readouterr().err)


def test_alpha_outside_zero_one_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert baseline(tmp_path / "b.json", "--until-decided", "--fail-under", "0.5", "--alpha", "1") == 2
    assert "--alpha 1.0 is not in (0, 1)" in one_line_error(capsys.readouterr().err)
