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
from tokdrift_cli.core.suite import Suite, default_suite_path, load_suite
from tokdrift_cli.engines.resolve import ModelSettings, identify_model, resolve_model
from tokdrift_cli.errors import InputError
from tokdrift_cli.programs.cost import CostEstimate, estimate_generations
from tokdrift_cli.programs.loading import LoadedProgram, load_program
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.baseline import BaselineInputs, plan_cases, run_baseline
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.workflows.resume import previous_output, resume_fingerprint, reusable_generations

EXPECTED_RESULTS_PATH = Path("baselines/expected_results.json")


@dataclass(frozen=True)
class BaselineRequest:
    output: Path
    suite_path: Path | None
    model: str
    api_base: str | None
    program: str
    variants: int
    seed: int
    temperature: float
    max_tokens: int
    workers: int
    limit: int | None
    fragile_threshold: float
    include_paraphrases: bool
    repeats: int = 1
    split: str | None = None
    split_from: Path | None = None
    update_expected: bool = False
    restart: bool = False
    shard: str | None = None


@dataclass(frozen=True)
class BaselineOutcome:
    artifact: BaselineArtifact
    expected_path: Path | None
    up_to_date: bool = False


def _selected_cases(request: BaselineRequest, suite_hash: str) -> tuple[str | None, list[str] | None]:
    """Which split to run: explicit --split/--split-from, or the test split of a --program file."""
    from tokdrift_cli.artifacts.program import ProgramArtifact
    from tokdrift_cli.core.splits import SplitName

    source = request.split_from
    if source is None and request.program.endswith(".json"):
        source = Path(request.program)
    if source is None:
        if request.split not in (None, "all"):
            raise InputError("--split needs --split-from PROGRAM.json (or --program PROGRAM.json)")
        return None, None
    name = request.split or SplitName.TEST.value
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


def _prepare(request: BaselineRequest) -> _Prepared:
    """Everything a run is made of, read and checked before any model is touched."""
    if request.shard and request.update_expected:
        raise InputError("--update-baseline records the whole suite's figures and cannot be used with --shard")
    suite_path = request.suite_path or default_suite_path()
    suite = load_suite(suite_path)
    loaded = load_program(request.program)
    split_name, case_ids = _selected_cases(request, suite.sha256)
    config = BaselineConfig(
        suite=str(suite_path),
        model=request.model,
        program=request.program,
        variants_per_prompt=request.variants,
        seed=request.seed,
        temperature=request.temperature,
        max_tokens=request.max_tokens,
        api_base=request.api_base,
        include_paraphrases=request.include_paraphrases,
        limit=request.limit,
        fragile_threshold=request.fragile_threshold,
        repeats=request.repeats,
        split=split_name,
        case_ids=case_ids,
        shard=str(parse_shard(request.shard)) if request.shard else None,
    )
    settings = ModelSettings(
        temperature=request.temperature, max_tokens=request.max_tokens, api_base=request.api_base, seed=request.seed
    )
    return _Prepared(suite_path, suite, loaded, config, settings)


@dataclass(frozen=True)
class BaselinePlan:
    """What ``baseline`` would do (--dry-run): counts and an estimate, nothing called."""

    cases: int
    generations: int
    reusable: int  # finished earlier (checkpoint or output of the same config): no call needed
    cost: CostEstimate  # of the generations still to make


def plan_baseline_command(request: BaselineRequest) -> BaselinePlan:
    prepared = _prepare(request)
    identity = identify_model(request.model, prepared.settings)
    expected = resume_fingerprint(prepared.config, identity.model_id, prepared.program.program_hash)
    done = reusable_generations(previous_output(request.output, BaselineArtifact, expected, request.restart))
    if not request.restart:
        checkpoint = Checkpoint(
            checkpoint_path_for(request.output), kind="baseline", config_fingerprint=expected, unit_model=Generation
        )
        done.update(checkpoint.peek())
    plan = plan_cases(prepared.suite, prepared.config)
    units = dict(unit for planned in plan for unit in planned.units())
    pending = [text for key, text in units.items() if key not in done]
    cost = estimate_generations(prepared.program.module, pending, max_tokens=request.max_tokens)
    return BaselinePlan(cases=len(plan), generations=len(units), reusable=len(units) - len(pending), cost=cost)


def run_baseline_command(request: BaselineRequest, progress: ProgressSink) -> BaselineOutcome:
    prepared = _prepare(request)
    suite_path, suite, loaded, config = prepared.suite_path, prepared.suite, prepared.program, prepared.config
    identity = identify_model(request.model, prepared.settings)
    provenance = Provenance(
        model_id=identity.model_id,
        model_fingerprint=identity.fingerprint,
        program_hash=loaded.program_hash,
        suite_hash=suite.sha256,
        seed=request.seed,
    )
    expected = resume_fingerprint(config, identity.model_id, loaded.program_hash)
    previous = previous_output(request.output, BaselineArtifact, expected, request.restart)
    if previous is not None and previous.config == config and previous.provenance == provenance:
        # Finished with exactly this config: nothing to do (the model is not even loaded),
        # and rewriting would replace the measured wall time and call count with a replay's.
        return BaselineOutcome(artifact=previous, expected_path=_maybe_expected(request, previous), up_to_date=True)
    model = resolve_model(request.model, prepared.settings, identity)
    try:
        inputs = BaselineInputs(
            suite=suite,
            config=config,
            provenance=provenance,
            inputs=[input_file("suite", suite_path, suite.sha256)],
        )
        with checkpoint_beside(
            request.output, kind="baseline", fingerprint=expected, unit_model=Generation, restart=request.restart
        ) as checkpoint:
            artifact = run_baseline(
                inputs,
                DspyIRRunner(loaded.module, model.lm),
                checkpoint=checkpoint,
                reusable=reusable_generations(previous),
                workers=request.workers,
                progress=progress,
            )
            write_artifact(request.output, artifact)
    finally:
        model.close()
    return BaselineOutcome(artifact=artifact, expected_path=_maybe_expected(request, artifact))


def _maybe_expected(request: BaselineRequest, artifact: BaselineArtifact) -> Path | None:
    if not request.update_expected:
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
