"""`tokdrift merge` and `baseline --dry-run` as a user meets them: files, figures, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import one_line_error
from tests.fakes import FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.artifacts.io import read_artifact, write_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.stages.baseline import run_baseline


def _write_shards(tmp_path: Path, suite: Path, count: int, engine: FakeEngine | None = None) -> list[Path]:
    paths = []
    for index in range(1, count + 1):
        inputs = make_inputs(suite, shard=f"{index}/{count}")
        inputs.provenance = Provenance(model_id="local/fake", suite_hash=inputs.suite.sha256)
        artifact = run_baseline(inputs, runner_for(engine or FakeEngine()))
        path = tmp_path / f"shard{index}.json"
        write_artifact(path, artifact)
        paths.append(path)
    return paths


def test_merge_writes_one_baseline_of_all_cases(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _write_shards(tmp_path, mini_suite_path, 2)
    out = tmp_path / "all.json"
    assert run(["merge", *map(str, paths), "--output", str(out)]) == 0
    merged = read_artifact(out, BaselineArtifact)
    assert [case.case_id for case in merged.cases] == [case.id for case in make_inputs(mini_suite_path).suite.cases]
    assert merged.config.shard is None
    assert f"merged 2 shard(s), {len(merged.cases)} cases" in capsys.readouterr().err


def test_merge_of_mostly_failed_shards_is_written_marked_and_exits_4(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _write_shards(tmp_path, mini_suite_path, 2, FakeEngine(garbage_on=" "))  # every answer unparseable
    out = tmp_path / "all.json"
    assert run(["merge", *map(str, paths), "--output", str(out)]) == 4
    merged = read_artifact(out, BaselineArtifact)
    assert merged.summary.failure_share == 1.0 and merged.summary.failure_limit_exceeded
    total = len(merged.generations())
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"{total} of {total} generations failed" in errors[0]  # after the table


def test_merge_refusals_are_one_line_with_exit_2(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _write_shards(tmp_path, mini_suite_path, 3)
    out = tmp_path / "all.json"
    assert run(["merge", str(paths[0]), str(paths[2]), "--output", str(out)]) == 2
    assert "missing shard(s) 2/3" in one_line_error(capsys.readouterr().err)
    assert not out.exists()
    assert run(["merge", *map(str, paths), "--suite", str(tmp_path / "gone.jsonl"), "--output", str(out)]) == 2
    assert "pass --suite" in one_line_error(capsys.readouterr().err)
    other = tmp_path / "other.jsonl"
    other.write_bytes(mini_suite_path.read_bytes().splitlines(keepends=True)[0])
    assert run(["merge", *map(str, paths), "--suite", str(other), "--output", str(out)]) == 2
    assert "another version of the suite" in one_line_error(capsys.readouterr().err)
    assert run(["merge", str(tmp_path / "nope.json"), "--output", str(out)]) == 2
    capsys.readouterr()


def test_dry_run_counts_calls_and_calls_nothing(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b.json"
    args = ["baseline", "--suite", str(mini_suite_path), "--variants", "2", "--output", str(out), "--dry-run"]
    assert run(args) == 0
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    planned = make_inputs(mini_suite_path, variants_per_prompt=2)
    from tokdrift_cli.stages.baseline import plan_cases

    expected = sum(len(p.units()) for p in plan_cases(planned.suite, planned.config))
    assert lines["lm calls"] == str(expected)
    assert lines["generations"] == f"{expected} (0 already done, {expected} to run)"
    # about 4 characters per token of the rendered prompt: several hundred tokens per call with 3 demos
    assert 150 * expected < int(lines["input tokens (estimated)"]) < 1000 * expected
    assert not out.exists()
    assert not Path(f"{out}.checkpoint").exists() and not list(tmp_path.iterdir())

    assert run([*args, "--shard", "1/2"]) == 0
    shard_lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    assert 0 < int(shard_lines["lm calls"]) < expected
    assert run([*args, "--shard", "3/2"]) == 2
    assert "K must be between 1 and N" in one_line_error(capsys.readouterr().err)


def test_augment_dry_run_gives_upper_bounds_and_writes_nothing(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokdrift_cli.artifacts.augment import AugmentConfig
    from tokdrift_cli.core.suite import load_suite
    from tokdrift_cli.stages.augment_candidates import plan_slots

    out = tmp_path / "aug.jsonl"
    args = ["augment", "--suite", str(mini_suite_path), "--factor", "3", "--output", str(out), "--dry-run"]
    assert run(args) == 0
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    config = AugmentConfig(suite=str(mini_suite_path), model="local", program="default", factor=3, seed=0)
    planned = sum(len(plan_slots(case, config)) for case in load_suite(mini_suite_path).cases)
    assert lines["generations"].startswith(f"at most {planned} ")
    assert lines["lm calls"] == f"at most {planned}"
    assert lines["paraphrase calls"] == "at most 0"
    assert not list(tmp_path.iterdir())


def test_case_selects_the_named_prompts_and_refuses_unknown_ids(
    tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b.json"
    base = ["baseline", "--suite", str(mini_suite_path), "--variants", "2", "--output", str(out), "--dry-run"]
    assert run(base) == 0
    whole = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    assert run([*base, "--case", "mini-002"]) == 0
    one = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    from tokdrift_cli.stages.baseline import plan_cases

    planned = make_inputs(mini_suite_path, variants_per_prompt=2)
    expected = [len(p.units()) for p in plan_cases(planned.suite, planned.config) if p.case.id == "mini-002"]
    assert one["lm calls"] == str(sum(expected)) and int(one["lm calls"]) < int(whole["lm calls"])

    assert run([*base, "--case", "mini-002", "--case", "nope-9"]) == 2
    assert "--case: no prompt with id nope-9" in one_line_error(capsys.readouterr().err)
    program = tmp_path / "program.json"
    assert run([*base, "--case", "mini-002", "--split-from", str(program)]) == 2
    assert "drop --split/--split-from" in one_line_error(capsys.readouterr().err)
    assert not out.exists()
