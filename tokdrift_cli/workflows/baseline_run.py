"""Baseline from paths to a written artifact, with resume and refusal rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineConfig
from tokdrift_cli.artifacts.checkpoint import Checkpoint, checkpoint_beside, checkpoint_path_for
from tokdrift_cli.artifacts.header import Provenance, input_file
from tokdrift_cli.artifacts.io import read_artifact, write_artifact, write_bytes_atomic
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.shards import parse_shard
from tokdrift_cli.core.suite import Suite, load_suite
from tokdrift_cli.engines.resolve import ModelSettings, identify_model, resolve_model
from tokdrift_cli.errors import InputError
from tokdrift_cli.programs.cost import CostEstimate, estimate_generations
from tokdrift_cli.programs.loading import LoadedProgram, load_program
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.baseline import BaselineInputs, plan_cases, run_baseline
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.workflows.resume import previous_output, resume_fingerprint, reusable_generations
from tokdrift_cli.workflows.run import RunOptions, model_settings

EXPECTED_RESULTS_PATH = Path("baselines/expected_results.json")


@dataclass(frozen=True)
class BaselineOutcome:
    artifact: BaselineArtifact
    expected_path: Path | None
    up_to_date: bool = False


def _selected_cases(
    config: BaselineConfig, split_from: Path | None, suite_hash: str
) -> tuple[str | None, list[str] | None]:
    """Which split to run: explicit --split/--split-from, or the test split of a --program file."""
    from tokdrift_cli.artifacts.program import ProgramArtifact
    from tokdrift_cli.core.splits import SplitName

    source = split_from
    if source is None and config.program.endswith(".json"):
        source = Path(config.program)
    if source is None:
        if config.split not in (None, "all"):
            raise InputError("--split needs --split-from PROGRAM.json (or --program PROGRAM.json)")
        return None, None
    name = config.split or SplitName.TEST.value
    if name == "all":
        return None, None
    program = read_artifact(source, ProgramArtifact)
    if program.provenance.suite_hash not in (None, suite_hash):
        raise InputError(f"{source} was optimized on another suite than the one given; its split does not apply")
    return name, sorted(program.split.ids(SplitName(name)))


@dataclass(frozen=True)
class _Prepared:
    suite_path: Path
    suite: Suite
    program: LoadedProgram
    config: BaselineConfig
    settings: ModelSettings


def _prepare(config: BaselineConfig, *, split_from: Path | None = None, update_expected: bool = False) -> _Prepared:
    """Everything a run is made of, read and checked before any model is touched."""
    if config.shard and update_expected:
        raise InputError("--update-baseline records the whole suite's figures and cannot be used with --shard")
    suite_path = Path(config.suite)
    suite = load_suite(suite_path)
    loaded = load_program(config.program)
    split_name, case_ids = _selected_cases(config, split_from, suite.sha256)
    shard = str(parse_shard(config.shard)) if config.shard else None
    config = config.model_copy(update={"split": split_name, "case_ids": case_ids, "shard": shard})
    return _Prepared(suite_path, suite, loaded, config, model_settings(config))


@dataclass(frozen=True)
class BaselinePlan:
    """What ``baseline`` would do (--dry-run): counts and an estimate, nothing called."""

    cases: int
    generations: int
    reusable: int  # finished earlier (checkpoint or output of the same config): no call needed
    cost: CostEstimate  # of the generations still to make


def plan_baseline_command(config: BaselineConfig, run: RunOptions, *, split_from: Path | None = None) -> BaselinePlan:
    prepared = _prepare(config, split_from=split_from)
    identity = identify_model(config.model, prepared.settings)
    expected = resume_fingerprint(prepared.config, identity.model_id, prepared.program.program_hash)
    done = reusable_generations(previous_output(run.output, BaselineArtifact, expected, run.restart))
    if not run.restart:
        checkpoint = Checkpoint(
            checkpoint_path_for(run.output), kind="baseline", config_fingerprint=expected, unit_model=Generation
        )
        done.update(checkpoint.peek())
    plan = plan_cases(prepared.suite, prepared.config)
    units = dict(unit for planned in plan for unit in planned.units())
    pending = [text for key, text in units.items() if key not in done]
    cost = estimate_generations(prepared.program.module, pending, max_tokens=config.max_tokens)
    return BaselinePlan(cases=len(plan), generations=len(units), reusable=len(units) - len(pending), cost=cost)


def run_baseline_command(
    config: BaselineConfig,
    run: RunOptions,
    progress: ProgressSink,
    *,
    split_from: Path | None = None,
    update_expected: bool = False,
) -> BaselineOutcome:
    prepared = _prepare(config, split_from=split_from, update_expected=update_expected)
    suite_path, suite, loaded, config = prepared.suite_path, prepared.suite, prepared.program, prepared.config
    identity = identify_model(config.model, prepared.settings)
    provenance = Provenance(
        model_id=identity.model_id,
        model_fingerprint=identity.fingerprint,
        program_hash=loaded.program_hash,
        suite_hash=suite.sha256,
        seed=config.seed,
    )
    expected = resume_fingerprint(config, identity.model_id, loaded.program_hash)
    previous = previous_output(run.output, BaselineArtifact, expected, run.restart)
    if previous is not None and previous.config == config and previous.provenance == provenance:
        # Finished with exactly this config: nothing to do (the model is not even loaded),
        # and rewriting would replace the measured wall time and call count with a replay's.
        return BaselineOutcome(artifact=previous, expected_path=_maybe_expected(update_expected, previous), up_to_date=True)
    model = resolve_model(config.model, prepared.settings, identity)
    try:
        inputs = BaselineInputs(
            suite=suite,
            config=config,
            provenance=provenance,
            inputs=[input_file("suite", suite_path, suite.sha256)],
        )
        with checkpoint_beside(
            run.output, kind="baseline", fingerprint=expected, unit_model=Generation, restart=run.restart
        ) as checkpoint:
            artifact = run_baseline(
                inputs,
                DspyIRRunner(loaded.module, model.lm),
                checkpoint=checkpoint,
                reusable=reusable_generations(previous),
                workers=run.workers,
                progress=progress,
            )
            write_artifact(run.output, artifact)
    finally:
        model.close()
    return BaselineOutcome(artifact=artifact, expected_path=_maybe_expected(update_expected, artifact))


def _maybe_expected(update_expected: bool, artifact: BaselineArtifact) -> Path | None:
    if not update_expected:
        return None
    write_bytes_atomic(EXPECTED_RESULTS_PATH, expected_results(artifact))
    return EXPECTED_RESULTS_PATH


def expected_results(artifact: BaselineArtifact) -> bytes:
    """The headline figures a CI job can diff against, without the bulky raw outputs."""
    summary = artifact.summary
    payload = {
        "kind": "expected_results",
        "schema_version": 1,
        "model_id": artifact.provenance.model_id,
        "program_hash": artifact.provenance.program_hash,
        "suite_hash": artifact.provenance.suite_hash,
        "robustness": summary.robustness.model_dump(mode="json"),
        "accuracy": summary.accuracy.model_dump(mode="json"),
        "robust_accuracy": summary.robust_accuracy.model_dump(mode="json"),
        "fragile_cases": summary.fragile_cases,
        "per_case_robustness": {case.case_id: case.robustness.rate for case in artifact.cases},
    }
    return orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
