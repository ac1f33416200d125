"""Resume and split rules of the baseline workflow, on artifacts made by the real stage."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from tests.fakes import FakeEngine
from tests.stages.test_baseline import make_inputs, runner_for
from tests.stages.test_optimize import run_fake_optimize
from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineConfig
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.artifacts.io import write_artifact
from tokdrift_cli.core.splits import suite_split
from tokdrift_cli.core.suite import default_suite_path, load_suite
from tokdrift_cli.errors import CheckpointMismatchError, InputError
from tokdrift_cli.stages.baseline import reusable_generations, run_baseline, unit_key
from tokdrift_cli.workflows.baseline_run import (
    _selected_cases,
    expected_results,
)
from tokdrift_cli.workflows.optimize_run import suite_split as optimize_suite_split
from tokdrift_cli.workflows.resume import previous_output, resume_fingerprint
from tokdrift_cli.workflows.run import RunOptions


def request(**overrides: object) -> BaselineConfig:
    values: dict[str, object] = {
        "suite": str(default_suite_path()),
        "model": "local",
        "program": "default",
        "variants_per_prompt": 2,
        "seed": 0,
        "temperature": 0.0,
        "max_tokens": 512,
    }
    values.update(overrides)
    return BaselineConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def finished(tmp_path: Path, mini_suite_path: Path):  # type: ignore[no-untyped-def]
    inputs = make_inputs(mini_suite_path)
    inputs.provenance = Provenance(model_id="local/fake", program_hash="p1")
    artifact = run_baseline(inputs, runner_for(FakeEngine()))
    path = tmp_path / "baseline.json"
    write_artifact(path, artifact)
    return path, artifact


def test_finished_output_is_reused_whole(finished) -> None:  # type: ignore[no-untyped-def]
    path, artifact = finished
    expected = resume_fingerprint(artifact.config, "local/fake", "p1")
    reusable = reusable_generations(previous_output(path, BaselineArtifact, expected, restart=False))
    for case in artifact.cases:
        assert reusable[unit_key(case.case_id, case.prompt)] == case.original
        for variant in case.variants:
            assert reusable[unit_key(case.case_id, variant.text)] == variant.generation


def test_other_config_is_refused_unless_restart(finished) -> None:  # type: ignore[no-untyped-def]
    path, artifact = finished
    other = resume_fingerprint(artifact.config.model_copy(update={"seed": 9}), "local/fake", "p1")
    with pytest.raises(CheckpointMismatchError, match="different config"):
        previous_output(path, BaselineArtifact, other, restart=False)
    assert previous_output(path, BaselineArtifact, other, restart=True) is None
    assert path.exists()  # refusing never deletes


def test_limit_does_not_change_the_fingerprint(finished) -> None:  # type: ignore[no-untyped-def]
    _, artifact = finished
    limited = artifact.config.model_copy(update={"limit": 1})
    assert resume_fingerprint(limited, "m", "p") == resume_fingerprint(artifact.config, "m", "p")
    assert resume_fingerprint(artifact.config, "m", "p") != resume_fingerprint(artifact.config, "m", "other")


def test_expected_results_are_headline_figures(finished) -> None:  # type: ignore[no-untyped-def]
    _, artifact = finished
    payload = orjson.loads(expected_results(artifact))
    assert payload["kind"] == "expected_results"
    assert payload["robustness"]["successes"] == artifact.summary.robustness.successes
    assert set(payload["per_case_robustness"]) == {c.case_id for c in artifact.cases}


def test_program_file_selects_its_test_split(tmp_path: Path) -> None:
    program = run_fake_optimize(FakeEngine())
    program = program.model_copy(
        update={
            "provenance": program.provenance.model_copy(update={"suite_hash": load_suite(default_suite_path()).sha256})
        }
    )
    path = tmp_path / "program.json"
    write_artifact(path, program)
    suite = load_suite(default_suite_path())
    assert _selected_cases(request(program=str(path)), None, suite) == ("test", sorted(program.split.test))
    assert _selected_cases(request(split="dev"), path, suite) == ("dev", sorted(program.split.dev))
    assert _selected_cases(request(split="all"), path, suite) == (None, None)
    assert _selected_cases(request(), None, suite) == (None, None)
    other = replace(suite, sha256="0" * 64)
    with pytest.raises(InputError, match="another suite"):
        _selected_cases(request(), path, other)
    with pytest.raises(InputError, match="another suite"):
        _selected_cases(request(split="test"), path, other)
    # Without a program of this suite, --split is the suite's own seeded split (the one optimize would make).
    own = suite_split(suite.cases, 0)
    assert _selected_cases(request(split="test"), None, suite) == ("test", sorted(own.test))
    assert _selected_cases(request(split="test", program=str(path)), None, other) == ("test", sorted(own.test))
    assert _selected_cases(request(split="test", seed=3), None, suite)[1] == sorted(suite_split(suite.cases, 3).test)


def test_dev_share_keeps_the_test_split() -> None:
    cases = load_suite(default_suite_path()).cases
    default, larger_dev = suite_split(cases, 0), suite_split(cases, 0, 0.3)
    assert default == optimize_suite_split(cases, 0, 0.2)
    with pytest.raises(InputError, match="--dev-share 0.9"):
        optimize_suite_split(cases, 0, 0.9)
    assert larger_dev.test == default.test and len(larger_dev.test) >= 15
    assert len(larger_dev.dev) > len(default.dev)
    assert set(larger_dev.train) | set(larger_dev.dev) == set(default.train) | set(default.dev)


def test_dry_run_counts_what_a_checkpoint_already_holds(tmp_path: Path, mini_suite_path: Path) -> None:
    from tokdrift_cli.artifacts.checkpoint import Checkpoint, checkpoint_path_for
    from tokdrift_cli.core.records import Generation
    from tokdrift_cli.engines.resolve import identify_model
    from tokdrift_cli.workflows.baseline_run import plan_baseline_command, prepare_baseline

    wanted = request(suite=str(mini_suite_path))
    run = RunOptions(output=tmp_path / "b.json")
    fresh = plan_baseline_command(wanted, run)
    prepared = prepare_baseline(wanted)
    model_id = identify_model("local", prepared.models[0].settings).model_id
    expected = resume_fingerprint(prepared.config, model_id, prepared.program.program_hash)
    checkpoint = Checkpoint(
        checkpoint_path_for(run.output), kind="baseline", config_fingerprint=expected, unit_model=Generation
    )
    checkpoint.open()
    first = prepared.suite.cases[0]
    checkpoint.record(unit_key(first.id, first.prompt), Generation(error="x", error_kind="parse", lm_calls=1))
    checkpoint.close()
    before = checkpoint.path.read_bytes()

    resumed = plan_baseline_command(wanted, run)
    assert (fresh.reusable, resumed.reusable) == (0, 1)
    assert resumed.cost.lm_calls == fresh.cost.lm_calls - 1
    assert resumed.cost.input_tokens < fresh.cost.input_tokens
    assert checkpoint.path.read_bytes() == before  # a dry run only reads
    assert plan_baseline_command(wanted, replace(run, restart=True)).reusable == 0
    assert checkpoint.path.read_bytes() == before  # not even --restart deletes anything in a dry run


def test_shards_never_share_an_output_or_the_whole_suite_figures(finished) -> None:  # type: ignore[no-untyped-def]
    path, artifact = finished
    whole = resume_fingerprint(artifact.config, "local/fake", "p1")
    shard = resume_fingerprint(artifact.config.model_copy(update={"shard": "1/2"}), "local/fake", "p1")
    assert whole != shard
    with pytest.raises(CheckpointMismatchError):
        previous_output(path, BaselineArtifact, shard, restart=False)
    from tokdrift_cli.workflows.baseline_run import prepare_baseline

    with pytest.raises(InputError, match="cannot be used with --shard"):
        prepare_baseline(request(shard="1/2"), update_expected=True)
