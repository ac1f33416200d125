"""Augment from paths to an augmented suite and its summary, with resume and refusal rules.

Resume: every generation and paraphrase-model call is checkpointed beside the
output (``OUTPUT.checkpoint.jsonl``); a finished run's summary holds them all
too. Re-running the same command reuses both and redoes no LM call. A
checkpoint or summary made under another config is refused, never mixed in,
unless ``--restart``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from tokdrift_cli.artifacts.augment import AugmentConfig, AugmentSummaryArtifact, AugmentUnit
from tokdrift_cli.artifacts.checkpoint import checkpoint_beside, checkpoint_path_for, fingerprint
from tokdrift_cli.artifacts.header import Provenance, input_file
from tokdrift_cli.artifacts.io import read_artifact, write_artifact, write_bytes_atomic
from tokdrift_cli.core.shards import parse_shard
from tokdrift_cli.core.suite import Suite, SuiteInvalidError, check_suite_lines, read_suite_bytes
from tokdrift_cli.engines.resolve import ModelSettings, ResolvedModel, resolve_model
from tokdrift_cli.errors import ArtifactError, CheckpointMismatchError, InputError
from tokdrift_cli.programs.cost import CostEstimate, estimate_generations
from tokdrift_cli.programs.loading import LoadedProgram, load_program
from tokdrift_cli.programs.paraphrase import DspyParaphraser, Paraphrase
from tokdrift_cli.programs.runner import DspyIRRunner
from tokdrift_cli.stages.augment import (
    AugmentInputs,
    Candidate,
    augment_suite,
    plan_slots,
    reusable_units,
    selected_cases,
)
from tokdrift_cli.stages.progress import AugmentProgress
from tokdrift_cli.workflows.run import RunOptions, model_settings

VERIFY_CHOICES = ("gold", "original")


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


def resume_fingerprint(
    config: AugmentConfig, *, suite_hash: str, model_id: str, program_hash: str, paraphrase_model_id: str | None
) -> str:
    """What must match for earlier units to be reused.

    Not the suite's path (its content, by hash, counts) nor ``limit``, which
    only selects cases; the shard counts (shards must not share a checkpoint).
    Settings left at their defaults are left out, so a setting added later
    does not make older checkpoints look foreign.
    """
    settings = config.model_dump(mode="json", exclude={"suite", "limit"}, exclude_defaults=True)
    return fingerprint(
        {
            "config": settings,
            "suite_hash": suite_hash,
            "model_id": model_id,
            "program_hash": program_hash,
            "paraphrase_model_id": paraphrase_model_id,
            "paraphrase_program": paraphrase_program_hash() if paraphrase_model_id else None,
        }
    )


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


def _same_file(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()


def check_config(config: AugmentConfig, run: RunOptions, summary_path: Path) -> AugmentConfig:
    """Refuse settings and paths that cannot work, before any model is loaded; the config as it will be recorded."""
    if config.factor < 1:
        raise InputError(f"--factor must be at least 1 (1 keeps only the originals), got {config.factor}")
    if config.verify not in VERIFY_CHOICES:
        raise InputError(f"--verify must be 'gold' or 'original', got {config.verify!r}")
    if config.limit is not None and config.limit < 1:
        raise InputError(f"--limit must be at least 1, got {config.limit}")
    if config.model_paraphrases < 0:
        raise InputError(f"--model-paraphrases must be >= 0, got {config.model_paraphrases}")
    suite_path, output = Path(config.suite), run.output
    if _same_file(output, suite_path):
        raise InputError(f"--output {output} is the input suite; write the augmented suite elsewhere")
    if _same_file(summary_path, output) or _same_file(summary_path, suite_path):
        raise InputError(f"--summary {summary_path} would overwrite the suite or the output; choose another path")
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


def _reusable_from_summary(summary_path: Path, expected: str, restart: bool) -> dict[str, AugmentUnit]:
    """Units of a finished run at ``summary_path`` made with the same config."""
    if restart or not summary_path.exists():
        return {}
    try:
        previous = read_artifact(summary_path, AugmentSummaryArtifact)
    except ArtifactError as error:
        raise InputError(f"{error}; choose another --summary or pass --restart to overwrite it") from None
    if previous.fingerprint != expected:
        raise CheckpointMismatchError(
            f"{summary_path} holds an augment summary made with a different config; re-run with the same "
            "options to reuse it, choose another --output, or pass --restart to overwrite it"
        )
    return reusable_units(previous)


@dataclass(frozen=True)
class AugmentPlan:
    """What ``augment`` would do at most (--dry-run): a case stops early once it reaches the factor."""

    cases: int
    generations_max: int
    paraphrase_calls_max: int
    cost: CostEstimate  # of the generations, at most


def plan_augment_command(config: AugmentConfig, run: RunOptions, *, summary_path: Path | None = None) -> AugmentPlan:
    """Upper bounds of calls and tokens, from the planned candidates; no model is loaded or called."""
    config = check_config(config, run, summary_path or summary_path_for(run.output))
    suite, _ = read_suite_with_lines(Path(config.suite))
    _check_original_cases(suite)
    texts: list[str] = []
    paraphrase_calls = 0
    cases = selected_cases(suite, config)
    for case in cases:
        if config.verify == "original" and config.factor > 1:
            texts.append(case.prompt)
        for slot in plan_slots(case, config):
            # A model paraphrase's text is unknown before the call: the prompt stands in for its length.
            texts.append(slot.text if isinstance(slot, Candidate) else case.prompt)
            paraphrase_calls += 0 if isinstance(slot, Candidate) else 1
    cost = estimate_generations(load_program(config.program).module, texts, max_tokens=config.max_tokens)
    return AugmentPlan(len(cases), len(texts), paraphrase_calls, cost)


def run_augment_command(
    config: AugmentConfig,
    run: RunOptions,
    progress: AugmentProgress | None = None,
    *,
    summary_path: Path | None = None,
    resolve: Callable[[str, ModelSettings], ResolvedModel] = resolve_model,
    load: Callable[[str], LoadedProgram] = load_program,
) -> AugmentOutcome:
    summary_path = summary_path or summary_path_for(run.output)
    config = check_config(config, run, summary_path)
    suite_path = Path(config.suite)
    suite, original_lines = read_suite_with_lines(suite_path)
    _check_original_cases(suite)
    loaded = load(config.program)
    settings = model_settings(config)
    # The paraphrase model first: a bad name fails before the (slower) task model loads.
    paraphrase_model: ResolvedModel | None = None
    separate_paraphraser = config.paraphrase_model is not None and config.paraphrase_model != config.model
    if config.paraphrase_model is not None and separate_paraphraser:
        paraphrase_model = resolve(config.paraphrase_model, settings)
    try:
        model = resolve(config.model, settings)
    except BaseException:
        if paraphrase_model is not None:
            paraphrase_model.close()
        raise
    if config.paraphrase_model is not None and paraphrase_model is None:
        paraphrase_model = model
    try:
        paraphrase_id = paraphrase_model.model_id if paraphrase_model is not None else None
        expected = resume_fingerprint(
            config, suite_hash=suite.sha256, model_id=model.model_id, program_hash=loaded.program_hash,
            paraphrase_model_id=paraphrase_id,
        )
        reusable = _reusable_from_summary(summary_path, expected, run.restart)
        inputs = AugmentInputs(
            suite=suite,
            config=config,
            fingerprint=expected,
            provenance=Provenance(
                model_id=model.model_id,
                model_fingerprint=model.fingerprint,
                program_hash=loaded.program_hash,
                suite_hash=suite.sha256,
                seed=config.seed,
            ),
            inputs=[input_file("suite", suite_path, suite.sha256)],
            paraphrase_model_id=paraphrase_id,
            original_lines=original_lines,
        )
        paraphraser = DspyParaphraser(paraphrase_model.lm, seed=config.seed) if paraphrase_model else None
        with checkpoint_beside(
            run.output, kind="augment", fingerprint=expected, unit_model=AugmentUnit, restart=run.restart
        ) as checkpoint:
            result = augment_suite(
                inputs,
                DspyIRRunner(loaded.module, model.lm),
                paraphraser=paraphraser,
                checkpoint=checkpoint,
                reusable=reusable,
                workers=run.workers,
                progress=progress,
            )
            data = result.jsonl()
            write_bytes_atomic(run.output, data)
            artifact = result.artifact.model_copy(
                update={"output_path": str(run.output), "output_sha256": hashlib.sha256(data).hexdigest()}
            )
            write_artifact(summary_path, artifact)
    finally:
        model.close()
        if separate_paraphraser and paraphrase_model is not None:
            paraphrase_model.close()
    return AugmentOutcome(artifact=artifact, output=run.output, summary_path=summary_path)
