"""Code-stage baselines (ir-to-code, end-to-end) from paths to a written artifact, with resume."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.checkpoint import checkpoint_beside
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact, CodeBaselineConfig, CodeStage
from tokdrift_cli.artifacts.header import Provenance, input_file
from tokdrift_cli.artifacts.io import read_artifact, sha256_file, write_artifact
from tokdrift_cli.codegen.generators import GeneratesCode, TemplatedCodeGenerator
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.engines.resolve import identify_model, resolve_model
from tokdrift_cli.errors import InputError
from tokdrift_cli.stages.code_baseline import (
    CodeBaselineInputs,
    CodeBaselineRun,
    CodeUnit,
    reusable_code_units,
    run_code_baseline,
)
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.workflows.resume import previous_output, resume_fingerprint, reusable_generations
from tokdrift_cli.workflows.run import RunOptions, model_settings

TEMPLATED_HASH = "templated-v1"


@dataclass(frozen=True)
class CodeBaselineOutcome:
    artifact: CodeBaselineArtifact
    up_to_date: bool = False


def _needs_model(config: CodeBaselineConfig) -> bool:
    return config.code_generator == "lm" or config.stage is CodeStage.END_TO_END


def _reusable_irs(
    path: Path | None, config: CodeBaselineConfig, provenance: Provenance, ir_program_hash: str | None
) -> dict[str, Generation]:
    """IR generations of an IR-stage baseline made with the same model, program and settings."""
    if path is None:
        return {}
    if config.stage is not CodeStage.END_TO_END:
        raise InputError("--from-baseline only applies to --stage end-to-end (ir-to-code starts from gold IRs)")
    baseline = read_artifact(path, BaselineArtifact)
    theirs = baseline.provenance
    if (theirs.model_id, theirs.model_fingerprint, theirs.suite_hash, theirs.program_hash) != (
        provenance.model_id,
        provenance.model_fingerprint,
        provenance.suite_hash,
        ir_program_hash,
    ):
        raise InputError(f"{path} was made with another model, IR program or suite; its IRs cannot be reused")
    if (baseline.config.temperature, baseline.config.max_tokens, baseline.config.seed) != (
        config.temperature,
        config.max_tokens,
        config.seed,
    ):
        raise InputError(
            f"{path} was made with another --temperature, --max-tokens or --seed; its IRs cannot be reused"
        )
    return reusable_generations(baseline)


def _relevant(config: CodeBaselineConfig) -> CodeBaselineConfig:
    """Settings the stage does not use back at their defaults, so they cannot change the fingerprint."""
    fields = CodeBaselineConfig.model_fields
    unused: tuple[str, ...] = ()
    if config.stage is CodeStage.IR_TO_CODE:  # starts from gold IRs: no IR generation
        unused = ("program", "max_tokens", "include_paraphrases")
        if config.code_generator == "templated":  # and no model at all
            unused += ("api_base", "temperature", "code_max_tokens")
    update = {name: fields[name].default for name in unused}
    return config.model_copy(update={**update, "model": config.model if _needs_model(config) else "none"})


def run_code_baseline_command(
    config: CodeBaselineConfig, run: RunOptions, progress: ProgressSink, *, from_baseline: Path | None = None
) -> CodeBaselineOutcome:
    if config.shard is not None:
        raise InputError("--shard applies to the IR stage (and augment): `tokdrift merge` does not merge code stages")
    config = _relevant(config)
    suite_path = Path(config.suite)
    suite = load_suite(suite_path)
    settings = model_settings(config)
    identity = identify_model(config.model, settings) if _needs_model(config) else None
    ir_program = None
    program_parts = []
    if config.stage is CodeStage.END_TO_END:
        from tokdrift_cli.programs.loading import load_program

        ir_program = load_program(config.program)
        program_parts.append(ir_program.program_hash)
    if config.code_generator == "lm":
        from tokdrift_cli.programs.code_generator import build_code_program
        from tokdrift_cli.programs.loading import program_hash

        code_program = build_code_program()
        program_parts.append(program_hash(code_program))
    else:
        program_parts.append(TEMPLATED_HASH)
    provenance = Provenance(
        model_id=identity.model_id if identity else None,
        model_fingerprint=identity.fingerprint if identity else None,
        program_hash="+".join(program_parts),
        suite_hash=suite.sha256,
        seed=config.seed,
    )
    # Checked first, so a wrong --from-baseline is refused even when the output is up to date.
    reusable_irs = _reusable_irs(
        from_baseline, config, provenance, ir_program.program_hash if ir_program else None
    )
    inputs = [input_file("suite", suite_path, suite.sha256)]
    if from_baseline is not None:
        inputs.append(input_file("ir_baseline", from_baseline, sha256_file(from_baseline)))
    expected = resume_fingerprint(config, provenance.model_id, provenance.program_hash or "")
    previous = previous_output(run.output, CodeBaselineArtifact, expected, run.restart)
    if previous is not None and previous.config == config and previous.provenance == provenance:
        return CodeBaselineOutcome(artifact=previous, up_to_date=True)
    model = resolve_model(config.model, settings, identity) if identity is not None else None
    try:
        code_generator: GeneratesCode = TemplatedCodeGenerator()
        if config.code_generator == "lm":
            from tokdrift_cli.programs.code_runner import DspyCodeRunner

            assert model is not None
            code_generator = DspyCodeRunner(code_program, model.with_max_tokens(config.code_max_tokens))
        ir_runner = None
        if ir_program is not None:
            from tokdrift_cli.programs.runner import DspyIRRunner

            assert model is not None
            ir_runner = DspyIRRunner(ir_program.module, model.lm)
        run_inputs = CodeBaselineInputs(suite=suite, config=config, provenance=provenance, inputs=inputs)
        with checkpoint_beside(
            run.output, kind="code_baseline", fingerprint=expected, unit_model=CodeUnit, restart=run.restart
        ) as checkpoint:
            artifact = run_code_baseline(
                CodeBaselineRun(
                    run_inputs,
                    code_generator,
                    ir_runner=ir_runner,
                    checkpoint=checkpoint,
                    reusable_irs=reusable_irs,
                    reusable_units=reusable_code_units(previous) if previous is not None else None,
                    progress=progress,
                )
            )
            write_artifact(run.output, artifact)
    finally:
        if model is not None:
            model.close()
    return CodeBaselineOutcome(artifact=artifact)
