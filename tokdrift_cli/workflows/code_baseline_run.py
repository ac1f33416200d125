"""The code stages (ir-to-code, end-to-end): prepare the generators; the run skeleton does the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.code_baseline import CodeBaselineArtifact, CodeBaselineConfig, CodeStage
from tokdrift_cli.artifacts.header import Provenance, input_file
from tokdrift_cli.artifacts.io import read_artifact, sha256_file
from tokdrift_cli.artifacts.outputs import NamedPath
from tokdrift_cli.codegen.generators import GeneratesCode, TemplatedCodeGenerator
from tokdrift_cli.codegen.sandbox import require_boundary
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.suite import load_suite
from tokdrift_cli.errors import InputError
from tokdrift_cli.programs.loading import LoadedProgram, program_file
from tokdrift_cli.stages.baseline import reusable_generations
from tokdrift_cli.stages.code_baseline import (
    CodeBaselineInputs,
    CodeBaselineRun,
    CodeUnit,
    reusable_code_units,
    run_code_baseline,
)
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.workflows.run import (
    ModelUse,
    Outcome,
    ResumableStage,
    RunOptions,
    StageCall,
    model_settings,
    run_with_resume,
    spend_meter,
)

TEMPLATED_HASH = "templated-v1"


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


@dataclass
class CodeBaselineStage(ResumableStage[CodeBaselineArtifact, CodeUnit]):
    """A code stage, prepared: suite read, IR program (end-to-end) and code program built."""

    artifact_kind = CodeBaselineArtifact
    unit_model = CodeUnit

    config: CodeBaselineConfig
    ir_program: LoadedProgram | None = None
    code_program: Any = None  # None: the templated generator
    from_baseline: Path | None = None
    reusable_irs: dict[str, Generation] = field(default_factory=dict)

    def input_paths(self) -> list[NamedPath]:
        paths = super().input_paths()
        if self.from_baseline is not None:
            paths.append(("the --from-baseline baseline", self.from_baseline))
        if self.ir_program is not None and (program := program_file(self.config.program)) is not None:
            paths.append(("the --program file", program))
        return paths

    def check_inputs(self, provenance: Provenance) -> None:
        # Checked first, so a wrong --from-baseline is refused even when the output is up to date.
        ir_program_hash = self.ir_program.program_hash if self.ir_program else None
        self.reusable_irs = _reusable_irs(self.from_baseline, self.config, provenance, ir_program_hash)

    def allows_unsandboxed(self, run: RunOptions) -> bool:
        """The templated generator's code is tokdrift's own; model-written code needs a boundary or a permission."""
        return run.allow_unsandboxed or self.code_program is None

    def check_ready(self, run: RunOptions) -> None:
        require_boundary(self.allows_unsandboxed(run))  # the probe runs once; refused before any model loads

    def reusable(self, previous: CodeBaselineArtifact | None) -> dict[str, CodeUnit]:
        return reusable_code_units(previous) if previous is not None else {}

    def call(self, call: StageCall[CodeUnit]) -> CodeBaselineArtifact:
        code_generator: GeneratesCode = TemplatedCodeGenerator()
        if self.code_program is not None:
            from tokdrift_cli.programs.code_runner import DspyCodeRunner

            code_generator = DspyCodeRunner(self.code_program, call.models[0].with_max_tokens(self.config.code_max_tokens))
        ir_runner = None
        if self.ir_program is not None:
            from tokdrift_cli.programs.runner import DspyIRRunner

            ir_runner = DspyIRRunner(self.ir_program.module, call.models[0].lm)
        inputs = [self.suite_input()]
        if self.from_baseline is not None:
            inputs.append(input_file("ir_baseline", self.from_baseline, sha256_file(self.from_baseline)))
        run_inputs = CodeBaselineInputs(suite=self.suite, config=self.config, provenance=call.provenance, inputs=inputs)
        artifact = run_code_baseline(
            CodeBaselineRun(
                run_inputs,
                code_generator,
                ir_runner=ir_runner,
                checkpoint=call.checkpoint,
                reusable_irs=self.reusable_irs,
                reusable_units=call.reusable,
                progress=call.progress,
                allow_unsandboxed=self.allows_unsandboxed(call.run),
                workers=call.run.workers,
                meter=spend_meter(self.config.model, call.run) if call.models else None,
            )
        )
        if not call.models:  # templated code from gold IRs: no model, nothing decoded or paid for
            return artifact.model_copy(update={"summary": artifact.summary.model_copy(update={"cost": None})})
        summary = artifact.summary.model_copy(update={"decoding": call.models[0].decoding_record()})
        return artifact.model_copy(update={"summary": summary})


def prepare_code_baseline(config: CodeBaselineConfig, *, from_baseline: Path | None = None) -> CodeBaselineStage:
    """Everything a code-stage run is made of, read and checked before any model is touched."""
    if config.shard is not None:
        raise InputError("--shard applies to the IR stage (and augment): `tokdrift merge` does not merge code stages")
    config = _relevant(config)
    suite_path = Path(config.suite)
    suite = load_suite(suite_path)
    ir_program = None
    code_program = None
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
    return CodeBaselineStage(
        config=config,
        suite=suite,
        models=(ModelUse(config.model, model_settings(config)),) if _needs_model(config) else (),
        program_hash="+".join(program_parts),
        ir_program=ir_program,
        code_program=code_program,
        from_baseline=from_baseline,
    )


def run_code_baseline_command(
    config: CodeBaselineConfig, run: RunOptions, progress: ProgressSink, *, from_baseline: Path | None = None
) -> Outcome[CodeBaselineArtifact]:
    return run_with_resume(prepare_code_baseline(config, from_baseline=from_baseline), run, progress)
