"""The IR-stage baseline: prepare a suite, a program and a split; the run skeleton does the rest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineConfig
from tokdrift_cli.artifacts.io import read_artifact, write_bytes_atomic
from tokdrift_cli.artifacts.outputs import NamedPath
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.shards import parse_shard
from tokdrift_cli.core.suite import Suite, load_suite
from tokdrift_cli.engines.resolve import ModelSettings
from tokdrift_cli.errors import InputError
from tokdrift_cli.programs.cost import CostEstimate, Price, estimate_generations, price_of
from tokdrift_cli.programs.judge import DspyTextJudge, JudgeCache
from tokdrift_cli.programs.loading import LoadedProgram, load_program, program_file
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.baseline import BaselineInputs, plan_cases, planned_units, reusable_generations, run_baseline
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.workflows.run import (
    ModelUse,
    ResumableStage,
    RunOptions,
    StageCall,
    finished_units,
    model_settings,
    run_with_resume,
    spend_meter,
)

EXPECTED_RESULTS_PATH = Path("baselines/expected_results.json")
# A verdict and one short reason: the judge never needs more.
JUDGE_MAX_TOKENS = 96


def judge_cache_path(output: Path) -> Path:
    """Where the judge's verdicts are kept: beside the output, so a re-run asks no question twice."""
    return output.with_name(output.name + ".judge-cache.jsonl")


@dataclass(frozen=True)
class BaselineOutcome:
    artifact: BaselineArtifact
    expected_path: Path | None
    up_to_date: bool = False


def _selected_cases(
    config: BaselineConfig, split_from: Path | None, suite: Suite
) -> tuple[str | None, list[str] | None]:
    """Which split to run: a program's (--split-from, or the test split of a --program file), or the suite's own.

    The suite's own split is the seeded one ``optimize --seed`` would make of it
    (default dev share): it lets a program optimized on one suite be measured
    on another suite's test split, which no optimizer ever saw. ``--case`` (ids in ``config.case_ids``)
    names the prompts itself and cannot be mixed with a split.
    """
    from tokdrift_cli.artifacts.program import ProgramArtifact
    from tokdrift_cli.core.splits import SplitName, suite_split

    if config.case_ids is not None:
        if split_from is not None or config.split is not None:
            raise InputError("--case names the prompts to run: drop --split/--split-from")
        return None, sorted(set(config.case_ids))
    source = split_from if split_from is not None else program_file(config.program)
    program = read_artifact(source, ProgramArtifact) if source is not None else None
    foreign = program is not None and program.provenance.suite_hash not in (None, suite.sha256)
    if foreign and (split_from is not None or config.split is None):
        raise InputError(
            f"{source} was optimized on another suite than the one given; its split does not apply "
            "(--split test runs this suite's own seeded split)"
        )
    name = config.split or (SplitName.TEST.value if program is not None else None)
    if name in (None, "all"):
        return None, None
    split = program.split if program is not None and not foreign else suite_split(suite.cases, config.seed)
    return name, sorted(split.ids(SplitName(name)))


@dataclass
class BaselineStage(ResumableStage[BaselineArtifact, Generation]):
    """The IR stage, prepared: suite read, program loaded, split and shard resolved."""

    artifact_kind = BaselineArtifact
    unit_model = Generation

    config: BaselineConfig
    program: LoadedProgram
    split_from: Path | None = None

    def input_paths(self) -> list[NamedPath]:
        paths = super().input_paths()
        if self.split_from is not None:
            paths.append(("the --split-from program", self.split_from))
        if (program := program_file(self.config.program)) is not None:
            paths.append(("the --program file", program))
        return paths

    def output_paths(self, run: RunOptions) -> list[NamedPath]:
        """The judge cache is written under the lock of --output, like the checkpoint."""
        paths = super().output_paths(run)
        if self.config.judge_model is not None:
            paths.append(("the judge cache", judge_cache_path(run.output)))
        return paths

    def reusable(self, previous: BaselineArtifact | None) -> dict[str, Generation]:
        return reusable_generations(previous)

    def call(self, call: StageCall[Generation]) -> BaselineArtifact:
        inputs = BaselineInputs(
            suite=self.suite,
            config=self.config,
            provenance=call.provenance,
            inputs=[self.suite_input()],
        )
        judge = None
        if self.config.judge_model is not None:
            cache = JudgeCache(judge_cache_path(call.run.output))
            judge = DspyTextJudge(call.models[1].lm, model_id=call.identities[1].model_id, cache=cache)
        artifact = run_baseline(
            inputs,
            DspyIRRunner(self.program.module, call.models[0].lm),
            checkpoint=call.checkpoint,
            reusable=call.reusable,
            workers=call.run.workers,
            progress=call.progress,
            judge=judge,
            meter=spend_meter(self.config.model, call.run),
        )
        summary = artifact.summary.model_copy(update={"decoding": call.models[0].decoding_record()})
        return artifact.model_copy(update={"summary": summary})


def prepare_baseline(
    config: BaselineConfig, *, split_from: Path | None = None, update_expected: bool = False
) -> BaselineStage:
    """Everything a run is made of, read and checked before any model is touched."""
    if config.shard and update_expected:
        raise InputError("--update-baseline records the whole suite's figures and cannot be used with --shard")
    stops = [name for name, given in (("--until-decided", config.until_decided), ("--max-calls", config.max_calls))
             if given is not None]
    if stops and (config.shard or update_expected):
        other = "--shard" if config.shard else "--update-baseline"
        raise InputError(f"{stops[0]} may stop before the last prompt and cannot be used with {other}")
    suite_path = Path(config.suite)
    suite = load_suite(suite_path)
    loaded = load_program(config.program)
    split_name, case_ids = _selected_cases(config, split_from, suite)
    unknown = sorted(set(case_ids or ()) - {case.id for case in suite.cases}) if config.case_ids else []
    if unknown:
        raise InputError(f"--case: no prompt with id {', '.join(unknown)} in {suite_path}")
    shard = str(parse_shard(config.shard)) if config.shard else None
    config = config.model_copy(update={"split": split_name, "case_ids": case_ids, "shard": shard})
    models = [ModelUse(config.model, model_settings(config))]
    if config.judge_model is not None:
        judging = ModelSettings(max_tokens=JUDGE_MAX_TOKENS, seed=config.seed)
        models.append(ModelUse(config.judge_model, judging, option="--judge-model"))
    return BaselineStage(
        config=config,
        suite=suite,
        program=loaded,
        models=tuple(models),
        program_hash=loaded.program_hash,
        split_from=split_from,
    )


@dataclass(frozen=True)
class BaselinePlan:
    """What ``baseline`` would do (--dry-run): counts and an estimate, nothing called."""

    cases: int
    generations: int
    reusable: int  # finished earlier (checkpoint or output of the same config): no call needed
    cost: CostEstimate  # of the generations still to make
    price: Price | None = None  # the model's list price (None: the price table does not know it)


def plan_baseline_command(config: BaselineConfig, run: RunOptions, *, split_from: Path | None = None) -> BaselinePlan:
    stage = prepare_baseline(config, split_from=split_from)
    done = finished_units(stage, run)
    plan = plan_cases(stage.suite, stage.config)
    units = planned_units(plan)
    pending = [text for key, text in units.items() if key not in done]
    cost = estimate_generations(stage.program.module, pending, max_tokens=config.max_tokens)
    return BaselinePlan(
        cases=len(plan), generations=len(units), reusable=len(units) - len(pending), cost=cost,
        price=price_of(config.model),
    )


def run_baseline_command(
    config: BaselineConfig,
    run: RunOptions,
    progress: ProgressSink,
    *,
    split_from: Path | None = None,
    update_expected: bool = False,
) -> BaselineOutcome:
    outcome = run_with_resume(
        prepare_baseline(config, split_from=split_from, update_expected=update_expected), run, progress
    )
    expected_path = None
    if update_expected:
        write_bytes_atomic(EXPECTED_RESULTS_PATH, expected_results(outcome.artifact))
        expected_path = EXPECTED_RESULTS_PATH
    return BaselineOutcome(outcome.artifact, expected_path, outcome.up_to_date)


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
