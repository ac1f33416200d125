"""Augment: prepare a suite and the models to ask; the run skeleton does the rest.

Resume: every generation and paraphrase-model call is checkpointed beside the
output (``OUTPUT.checkpoint.jsonl``); a finished run's summary holds them all
too. Re-running the same command reuses both and redoes no LM call. A
checkpoint or summary made under another config is refused, never mixed in,
unless ``--restart``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import orjson

from tokdrift_cli.artifacts.atomic import write_files_atomic
from tokdrift_cli.artifacts.augment import AugmentConfig, AugmentSummaryArtifact, AugmentUnit
from tokdrift_cli.artifacts.checkpoint import checkpoint_path_for, run_outputs, setting_differences
from tokdrift_cli.artifacts.header import Provenance
from tokdrift_cli.artifacts.io import dump_artifact, read_artifact
from tokdrift_cli.artifacts.outputs import NamedPath, check_outputs
from tokdrift_cli.core.shards import parse_shard
from tokdrift_cli.core.suite import Suite, SuiteInvalidError, check_suite_lines, read_suite_bytes
from tokdrift_cli.engines.resolve import ModelIdentity, identify_model, resolve_model
from tokdrift_cli.errors import ArtifactError, CheckpointMismatchError, InputError
from tokdrift_cli.programs.cost import CostEstimate, estimate_generations
from tokdrift_cli.programs.loading import LoadedProgram, load_program, program_file
from tokdrift_cli.programs.paraphrase import DspyParaphraser, Paraphrase
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.augment import AugmentInputs, augment_suite, reusable_units
from tokdrift_cli.stages.augment_candidates import augment_budget
from tokdrift_cli.stages.progress import AugmentProgress, ProgressSink
from tokdrift_cli.workflows.resume import resume_settings
from tokdrift_cli.workflows.run import (
    Identify,
    ModelUse,
    Resolve,
    ResumableStage,
    RunOptions,
    StageCall,
    model_settings,
    run_with_resume,
)


@dataclass(frozen=True)
class AugmentOutcome:
    artifact: AugmentSummaryArtifact
    output: Path
    summary_path: Path


def summary_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".summary.json")


def paraphrase_program_hash() -> str:
    """What decides the paraphrase program's behaviour, so a changed instruction is a changed config."""
    payload = {"instructions": Paraphrase.instructions, "fields": list(Paraphrase.fields)}
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def read_suite_with_lines(path: Path) -> tuple[Suite, dict[str, bytes]]:
    """The suite, plus each case's JSON line as written (original lines are copied, not re-serialised)."""
    raw = read_suite_bytes(path)
    cases, problems = check_suite_lines(raw)
    if problems:
        raise SuiteInvalidError(path, problems)
    lines: dict[str, bytes] = {}
    for line in raw.splitlines():
        if line.strip():
            lines[orjson.loads(line)["id"]] = line.strip()
    return Suite(path=path, cases=tuple(cases), sha256=hashlib.sha256(raw).hexdigest()), lines


def augment_inputs(config: AugmentConfig) -> list[NamedPath]:
    """What augment reads: none of its outputs may be one of these."""
    inputs = [("the input suite", Path(config.suite))]
    if (program := program_file(config.program)) is not None:
        inputs.append(("the --program file", program))
    return inputs


def augment_outputs(output: Path, summary_path: Path) -> list[NamedPath]:
    return [*run_outputs(output), ("--summary", summary_path)]


def check_config(config: AugmentConfig, run: RunOptions, summary_path: Path) -> AugmentConfig:
    """Refuse settings and paths that cannot work, before any model is loaded; the config as it will be recorded."""
    if config.factor < 1:
        raise InputError(f"--factor must be at least 1 (1 keeps only the originals), got {config.factor}")
    if config.limit is not None and config.limit < 1:
        raise InputError(f"--limit must be at least 1, got {config.limit}")
    if config.model_paraphrases < 0:
        raise InputError(f"--model-paraphrases must be >= 0, got {config.model_paraphrases}")
    output = run.output
    check_outputs(augment_outputs(output, summary_path), augment_inputs(config))
    output_is_ours = summary_path.exists() or checkpoint_path_for(output).exists()
    if output.exists() and not output_is_ours and not run.restart:
        raise InputError(
            f"{output} exists and no augment summary or checkpoint is beside it; choose another --output "
            "or pass --restart to overwrite it"
        )
    return config.model_copy(
        update={
            "model_paraphrases": config.model_paraphrases if config.paraphrase_model else 0,
            "shard": str(parse_shard(config.shard)) if config.shard else None,
        }
    )


def _check_original_cases(suite: Suite) -> None:
    augmented = [case.id for case in suite.cases if case.base_id is not None]
    if augmented:
        raise InputError(
            f"{suite.path} already holds augmented lines ({len(augmented)}, e.g. {augmented[0]!r} has a base_id); "
            "augment the original suite instead"
        )


@dataclass
class AugmentStage(ResumableStage[AugmentSummaryArtifact, AugmentUnit]):
    """Augment, prepared: suite and its lines read, program loaded; the task model first, then the paraphraser.

    Its finished output is two files: the augmented suite at ``--output`` and the summary, which
    holds every unit and the fingerprint they were made under.
    """

    checkpoint_kind: ClassVar[str | None] = "augment"
    artifact_kind = AugmentSummaryArtifact
    unit_model = AugmentUnit
    # The suite's path does not count (its content does, by hash); limit only selects cases.
    ignored_settings = frozenset({"suite", "limit"})

    config: AugmentConfig
    original_lines: Mapping[str, bytes]
    program: LoadedProgram
    summary_path: Path
    augmented: bytes = b""  # the augmented suite ``call`` made, written by ``write`` with the summary

    def input_paths(self) -> list[NamedPath]:
        return augment_inputs(self.config)

    def output_paths(self, run: RunOptions) -> list[NamedPath]:
        return augment_outputs(run.output, self.summary_path)

    def resume_settings(self, identities: Sequence[ModelIdentity], provenance: Provenance) -> dict[str, Any]:
        paraphrase_id = identities[1].model_id if len(identities) > 1 else None
        return resume_settings(
            self.config,
            provenance.model_id,
            self.program.program_hash,
            ignore=self.ignored_settings,
            suite_hash=self.suite.sha256,
            paraphrase_model_id=paraphrase_id,
            paraphrase_program=paraphrase_program_hash() if paraphrase_id else None,
        )

    def previous(self, run: RunOptions, fingerprint: str, settings: dict[str, Any]) -> AugmentSummaryArtifact | None:
        if run.restart or not self.summary_path.exists():
            return None
        try:
            previous = read_artifact(self.summary_path, AugmentSummaryArtifact)
        except ArtifactError as error:
            raise InputError(f"{error}; choose another --summary or pass --restart to overwrite it") from None
        if previous.fingerprint != fingerprint:
            recorded = resume_settings(
                previous.config, previous.provenance.model_id, previous.provenance.program_hash or "",
                ignore=self.ignored_settings,
            )
            raise CheckpointMismatchError(
                f"{self.summary_path} holds an augment summary made",
                "re-run with the same options to reuse it, choose another --output, or pass --restart to overwrite it",
                setting_differences(recorded, {key: settings[key] for key in recorded if key in settings}),
            )
        return previous

    def is_up_to_date(self, previous: AugmentSummaryArtifact, provenance: Provenance) -> bool:
        return False  # re-run whole from the summary's units (no call): the augmented suite is rewritten as it was

    def reusable(self, previous: AugmentSummaryArtifact | None) -> dict[str, AugmentUnit]:
        return reusable_units(previous) if previous is not None else {}

    def call(self, call: StageCall[AugmentUnit]) -> AugmentSummaryArtifact:
        task = call.models[0]
        paraphraser = call.models[1] if len(call.models) > 1 else None
        inputs = AugmentInputs(
            suite=self.suite,
            config=self.config,
            fingerprint=call.fingerprint,
            provenance=call.provenance,
            inputs=[self.suite_input()],
            paraphrase_model_id=paraphraser.model_id if paraphraser is not None else None,
            original_lines=self.original_lines,
        )
        result = augment_suite(
            inputs,
            DspyIRRunner(self.program.module, task.lm),
            paraphraser=DspyParaphraser(paraphraser.lm, seed=self.config.seed) if paraphraser is not None else None,
            checkpoint=call.checkpoint,
            reusable=call.reusable,
            workers=call.run.workers,
            progress=call.progress if isinstance(call.progress, AugmentProgress) else None,
        )
        self.augmented = result.jsonl()
        return result.artifact.model_copy(
            update={"output_path": str(call.run.output), "output_sha256": hashlib.sha256(self.augmented).hexdigest()}
        )

    def write(self, artifact: AugmentSummaryArtifact, run: RunOptions) -> AugmentSummaryArtifact:
        write_files_atomic({run.output: self.augmented, self.summary_path: dump_artifact(artifact)})  # both or neither
        return artifact


def prepare_augment(config: AugmentConfig, run: RunOptions, *, summary_path: Path | None = None) -> AugmentStage:
    """Everything a run is made of, read and checked before any model is touched."""
    summary_path = summary_path or summary_path_for(run.output)
    config = check_config(config, run, summary_path)
    suite_path = Path(config.suite)
    suite, original_lines = read_suite_with_lines(suite_path)
    _check_original_cases(suite)
    loaded = load_program(config.program)
    settings = model_settings(config)
    models = [ModelUse(config.model, settings)]
    if config.paraphrase_model is not None:
        models.append(ModelUse(config.paraphrase_model, settings))
    return AugmentStage(
        config=config,
        suite=suite,
        original_lines=original_lines,
        program=loaded,
        summary_path=summary_path,
        models=tuple(models),
        program_hash=loaded.program_hash,
    )


@dataclass(frozen=True)
class AugmentPlan:
    """What ``augment`` would do at most (--dry-run): a case stops early once it reaches the factor."""

    cases: int
    generations_max: int
    paraphrase_calls_max: int
    cost: CostEstimate  # of the generations, at most


def plan_augment_command(config: AugmentConfig, run: RunOptions, *, summary_path: Path | None = None) -> AugmentPlan:
    """Upper bounds of calls and tokens, from the planned candidates; no model is loaded or called."""
    stage = prepare_augment(config, run, summary_path=summary_path)
    budget = augment_budget(stage.suite, stage.config)
    cost = estimate_generations(stage.program.module, budget.texts, max_tokens=stage.config.max_tokens)
    return AugmentPlan(budget.cases, len(budget.texts), budget.paraphrase_calls, cost)


def run_augment_command(
    config: AugmentConfig,
    run: RunOptions,
    progress: ProgressSink | None = None,
    *,
    summary_path: Path | None = None,
    identify: Identify = identify_model,
    resolve: Resolve = resolve_model,
) -> AugmentOutcome:
    stage = prepare_augment(config, run, summary_path=summary_path)
    outcome = run_with_resume(stage, run, progress, identify=identify, resolve=resolve)
    return AugmentOutcome(artifact=outcome.artifact, output=run.output, summary_path=stage.summary_path)
