"""Code-stage baselines (ir-to-code, end-to-end) from paths to a written artifact, with resume."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.checkpoint import checkpoint_beside
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact, CodeBaselineConfig, CodeStage
from tokdrift_cli.artifacts.header import Provenance, input_file
from tokdrift_cli.artifacts.io import read_artifact, sha256_file, write_artifact
from tokdrift_cli.codegen.generators import GeneratesCode, TemplatedCodeGenerator
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.suite import default_suite_path, load_suite
from tokdrift_cli.engines.resolve import ModelSettings, identify_model, resolve_model
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

TEMPLATED_HASH = "templated-v1"


@dataclass(frozen=True)
class CodeBaselineRequest:
    stage: CodeStage
    output: Path
    suite_path: Path | None
    code_generator: str  # "lm" or "templated"
    model: str = "local"
    api_base: str | None = None
    program: str = "default"
    variants: int = 5
    seed: int = 0
    temperature: float = 0.0
    max_tokens: int = 512
    code_max_tokens: int = 200
    limit: int | None = None
    fragile_threshold: float = 0.9
    include_paraphrases: bool = True
    shard: str | None = None
    from_baseline: Path | None = None
    restart: bool = False


@dataclass(frozen=True)
class CodeBaselineOutcome:
    artifact: CodeBaselineArtifact
    up_to_date: bool = False


def _needs_model(request: CodeBaselineRequest) -> bool:
    return request.code_generator == "lm" or request.stage is CodeStage.END_TO_END


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


def _relevant(request: CodeBaselineRequest) -> CodeBaselineRequest:
    """Settings the stage does not use back at their defaults, so they cannot change the fingerprint."""
    defaults = CodeBaselineRequest(stage=request.stage, output=request.output, suite_path=None, code_generator="lm")
    if request.stage is CodeStage.IR_TO_CODE:  # starts from gold IRs: no IR generation
        request = replace(
            request,
            program=defaults.program,
            max_tokens=defaults.max_tokens,
            include_paraphrases=defaults.include_paraphrases,
        )
        if request.code_generator == "templated":  # and no model at all
            request = replace(
                request,
                model=defaults.model,
                api_base=None,
                temperature=defaults.temperature,
                code_max_tokens=defaults.code_max_tokens,
            )
    return request


def run_code_baseline_command(request: CodeBaselineRequest, progress: ProgressSink) -> CodeBaselineOutcome:
    if request.shard is not None:
        raise InputError("--shard applies to --stage ir (and augment): `tokdrift merge` does not merge code stages")
    request = _relevant(request)
    suite_path = request.suite_path or default_suite_path()
    suite = load_suite(suite_path)
    config = CodeBaselineConfig(
        stage=request.stage,
        suite=str(suite_path),
        code_generator=request.code_generator,  # type: ignore[arg-type]
        model=request.model if _needs_model(request) else "none",
        program=request.program,
        variants_per_case=request.variants,
        seed=request.seed,
        temperature=request.temperature,
        max_tokens=request.max_tokens,
        code_max_tokens=request.code_max_tokens,
        api_base=request.api_base,
        include_paraphrases=request.include_paraphrases,
        limit=request.limit,
        fragile_threshold=request.fragile_threshold,
    )
    settings = ModelSettings(
        temperature=request.temperature, max_tokens=request.max_tokens, api_base=request.api_base, seed=request.seed
    )
    identity = identify_model(request.model, settings) if _needs_model(request) else None
    ir_program = None
    program_parts = []
    if request.stage is CodeStage.END_TO_END:
        from tokdrift_cli.programs.loading import load_program

        ir_program = load_program(request.program)
        program_parts.append(ir_program.program_hash)
    if request.code_generator == "lm":
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
        seed=request.seed,
    )
    # Checked first, so a wrong --from-baseline is refused even when the output is up to date.
    reusable_irs = _reusable_irs(
        request.from_baseline, config, provenance, ir_program.program_hash if ir_program else None
    )
    inputs = [input_file("suite", suite_path, suite.sha256)]
    if request.from_baseline is not None:
        inputs.append(input_file("ir_baseline", request.from_baseline, sha256_file(request.from_baseline)))
    expected = resume_fingerprint(config, provenance.model_id, provenance.program_hash or "")
    previous = previous_output(request.output, CodeBaselineArtifact, expected, request.restart)
    if previous is not None and previous.config == config and previous.provenance == provenance:
        return CodeBaselineOutcome(artifact=previous, up_to_date=True)
    model = resolve_model(request.model, settings, identity) if identity is not None else None
    try:
        code_generator: GeneratesCode = TemplatedCodeGenerator()
        if request.code_generator == "lm":
            from tokdrift_cli.programs.code_runner import DspyCodeRunner

            assert model is not None
            code_generator = DspyCodeRunner(code_program, model.with_max_tokens(request.code_max_tokens))
        ir_runner = None
        if ir_program is not None:
            from tokdrift_cli.programs.runner import DspyIRRunner

            assert model is not None
            ir_runner = DspyIRRunner(ir_program.module, model.lm)
        run_inputs = CodeBaselineInputs(suite=suite, config=config, provenance=provenance, inputs=inputs)
        with checkpoint_beside(
            request.output, kind="code_baseline", fingerprint=expected, unit_model=CodeUnit, restart=request.restart
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
            write_artifact(request.output, artifact)
    finally:
        if model is not None:
            model.close()
    return CodeBaselineOutcome(artifact=artifact)
