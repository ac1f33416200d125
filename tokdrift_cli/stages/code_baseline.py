"""The code stages: how robust is the code at the end of the chain?

``ir-to-code`` feeds each case's gold IR and its IR variants to a code
generator; ``end-to-end`` feeds each prompt and its prompt variants to the IR
generator and every resulting IR to the code generator. Either way, each
variant's code is judged against the original's code (AST, then sandboxed
execution on the case's tests or on inputs made from the signature), and the
original's code is run against the case's tests.

Work goes case by case; every generation is checkpointed, so an interrupted
run resumes where it stopped. At temperature 0 an IR the case has already
turned into code is not sent again: the answer would be the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.artifacts.baseline import BaselineConfig
from tokdrift_cli.artifacts.checkpoint import Checkpoint
from tokdrift_cli.artifacts.code_baseline import (
    NO_IR_ERROR,
    CodeBaselineArtifact,
    CodeBaselineConfig,
    CodeBaselineSummary,
    CodeCaseResult,
    CodeStage,
    CodeVariantResult,
)
from tokdrift_cli.artifacts.header import InputFile, Provenance
from tokdrift_cli.codegen.generators import GeneratesCode, defined_function
from tokdrift_cli.codegen.inputs import generate_inputs
from tokdrift_cli.codegen.judging import calls_from_tests
from tokdrift_cli.codegen.sandbox import FunctionCall, SandboxLimits, SandboxResult, run_function
from tokdrift_cli.codegen.verdicts import ExecutedCode, judge_variant, summarise_tests
from tokdrift_cli.core.failures import failure_limit_exceeded, failure_share
from tokdrift_cli.core.ir import IR
from tokdrift_cli.core.records import CodeGeneration, Generation, TestSummary
from tokdrift_cli.core.stats import median, wilson
from tokdrift_cli.core.suite import Suite, SuiteCase
from tokdrift_cli.core.variants import family_of
from tokdrift_cli.core.variants.ir_rules import generate_ir_variants
from tokdrift_cli.programs.runner import GeneratesIR
from tokdrift_cli.stages.baseline import plan_cases, select_cases, unit_key
from tokdrift_cli.stages.budget import SpendMeter
from tokdrift_cli.stages.failure_policy import FailureBreaker, check_finished, worth_keeping
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.stages.scoring import sensitivities

_NO_IR = CodeGeneration(error=NO_IR_ERROR, error_kind="program")
# Moves the progress bar for a code step that had nothing to do, without counting a call or a failure.
_SKIPPED = CodeGeneration(code="")


class CodeUnit(BaseModel):
    """One checkpointed generation: an IR (end-to-end's first step) or a piece of code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ir_generation: Generation | None = None
    code: CodeGeneration | None = None


def ir_unit_key(case_id: str, text: str) -> str:
    return "ir\x1f" + unit_key(case_id, text)


def code_unit_key(case_id: str, ir: IR, position: int, temperature: float) -> str:
    """At temperature 0 the same IR gives the same code: key on the IR; otherwise on its position too."""
    suffix = ir.model_dump_json() if temperature == 0 else f"{position}\x1f{ir.model_dump_json()}"
    return f"code\x1f{case_id}\x1f{suffix}"


def reusable_code_units(artifact: CodeBaselineArtifact) -> dict[str, CodeUnit]:
    """The generations of a finished run, keyed as the checkpoint keys them (e.g. for a larger --limit)."""
    temperature = artifact.config.temperature
    units: dict[str, CodeUnit] = {}
    for case in artifact.cases:
        items = [(0, case.prompt, case.ir, case.ir_generation, case.code)]
        items += [(n, v.text, v.ir, v.ir_generation, v.code) for n, v in enumerate(case.variants, start=1)]
        for position, text, ir, ir_generation, code in items:
            if ir_generation is not None and text is not None and worth_keeping(ir_generation.error_kind):
                units[ir_unit_key(case.case_id, text)] = CodeUnit(ir_generation=ir_generation)
            if ir is not None and code != _NO_IR and worth_keeping(code.error_kind):
                units[code_unit_key(case.case_id, ir, position, temperature)] = CodeUnit(code=code)
    return units


@dataclass(frozen=True)
class PlannedItem:
    """The original or one variant of a case: a prompt text (end-to-end) or an IR (ir-to-code)."""

    rule_ids: tuple[str, ...]
    source: str  # "original", "ir-rule", "rule" or "paraphrase"
    text: str | None = None
    ir: IR | None = None


@dataclass(frozen=True)
class PlannedCodeCase:
    case: SuiteCase
    original: PlannedItem
    variants: tuple[PlannedItem, ...]


def as_baseline_config(config: CodeBaselineConfig) -> BaselineConfig:
    """The IR-stage config with the same prompts and settings: end-to-end plans, and reuses, through it."""
    return BaselineConfig(
        suite=config.suite,
        model=config.model,
        program=config.program,
        variants_per_prompt=config.variants_per_case,
        seed=config.seed,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        api_base=config.api_base,
        include_paraphrases=config.include_paraphrases,
        limit=config.limit,
        shard=config.shard,
        fragile_threshold=config.fragile_threshold,
    )


def plan_code_cases(suite: Suite, config: CodeBaselineConfig) -> list[PlannedCodeCase]:
    """What each case runs: deterministic for a suite and config."""
    if config.stage is CodeStage.END_TO_END:
        return [
            PlannedCodeCase(
                case=planned.case,
                original=PlannedItem((), "original", text=planned.case.prompt),
                variants=tuple(PlannedItem(v.rule_ids, v.source, text=v.text) for v in planned.variants),
            )
            for planned in plan_cases(suite, as_baseline_config(config))
        ]
    planned = []
    for case in select_cases(suite, as_baseline_config(config)):
        variants = generate_ir_variants(case.gold, config.variants_per_case, config.seed)
        planned.append(
            PlannedCodeCase(
                case=case,
                original=PlannedItem((), "original", ir=case.gold),
                variants=tuple(PlannedItem(tuple(v.rule_ids), "ir-rule", ir=v.ir) for v in variants),
            )
        )
    return planned


@dataclass
class CodeBaselineInputs:
    suite: Suite
    config: CodeBaselineConfig
    provenance: Provenance
    inputs: list[InputFile] = field(default_factory=list)


@dataclass
class _Tally:
    lm_calls: int = 0
    resumed: int = 0
    sandbox_runs: int = 0
    sandbox_s: float = 0.0
    boundaries: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)


class CodeBaselineRun:
    """Runs the plan case by case: generate (or reuse), execute, judge, score."""

    def __init__(
        self,
        inputs: CodeBaselineInputs,
        code_generator: GeneratesCode,
        *,
        ir_runner: GeneratesIR | None = None,
        checkpoint: Checkpoint[CodeUnit] | None = None,
        reusable_irs: Mapping[str, Generation] | None = None,
        reusable_units: Mapping[str, CodeUnit] | None = None,
        progress: ProgressSink | None = None,
        limits: SandboxLimits | None = None,
        allow_unsandboxed: bool = False,
        workers: int = 1,
        meter: SpendMeter | None = None,
    ):
        """``allow_unsandboxed``: run the generated code even where no operating-system boundary is available;
        ``workers``: sandbox runs at a time (model calls stay one at a time); ``meter``: what the calls cost,
        and the budget that stops the run."""
        if inputs.config.stage is CodeStage.END_TO_END and ir_runner is None:
            raise ValueError("the end-to-end stage needs an IR runner")
        self.inputs = inputs
        self.config = inputs.config
        self.code_generator = code_generator
        self.ir_runner = ir_runner
        self.checkpoint = checkpoint
        self.reusable_irs = dict(reusable_irs or {})
        self.reusable_units = dict(reusable_units or {})
        self.progress = progress or ProgressSink()
        self.limits = limits or SandboxLimits()
        self.allow_unsandboxed = allow_unsandboxed
        self.workers = workers
        self.meter = meter or SpendMeter(None)
        self.left = 0  # generations of the plan not yet made (what a stop on the budget leaves undone)
        self.tally = _Tally()
        self.watch = FailureBreaker(program=f"--program {self.config.program}")
        self.code_watch = FailureBreaker(program="the code generator")

    # ------------------------------------------------------------------ generation

    def _done(self, key: str) -> CodeUnit | None:
        found = self.checkpoint.get(key) if self.checkpoint is not None else None
        return found or self.reusable_units.get(key)

    def _record(self, key: str, unit: CodeUnit) -> None:
        outcome = unit.ir_generation or unit.code
        if self.checkpoint is not None and worth_keeping(outcome.error_kind if outcome is not None else None):
            self.checkpoint.record(key, unit)

    def _ir_for(self, case: SuiteCase, item: PlannedItem) -> tuple[IR | None, Generation | None]:
        if item.ir is not None:
            return item.ir, None
        assert item.text is not None and self.ir_runner is not None
        key = ir_unit_key(case.id, item.text)
        reused = self.reusable_irs.get(unit_key(case.id, item.text))
        done = self._done(key)
        if reused is not None or done is not None:
            generation = reused if reused is not None else done.ir_generation  # type: ignore[union-attr]
            self.tally.resumed += 1
            assert generation is not None
            self.progress.advance(generation.model_copy(update={"lm_calls": 0}))  # no call made now
        else:
            self.meter.check(left=self.left)
            generation = self.ir_runner.generate(item.text)
            self.meter.add(generation)
            self._record(key, CodeUnit(ir_generation=generation))
            self._spent(generation.lm_calls, generation.latency_s)
            self.watch.see(generation.ok, generation.error_kind, generation.error)
            self.progress.advance(generation)
        return generation.ir, generation

    def _code_for(
        self, case: SuiteCase, ir: IR | None, position: int, made: dict[str, CodeGeneration]
    ) -> CodeGeneration | None:
        if ir is None:  # the IR step failed (already counted as failed): nothing to turn into code
            self.progress.advance(_SKIPPED)
            return None
        key = code_unit_key(case.id, ir, position, self.config.temperature)
        if key in made:  # the same IR again in this case: same code, no call
            self.progress.advance(made[key].model_copy(update={"lm_calls": 0}))
            return made[key]
        done = self._done(key)
        if done is not None and done.code is not None:
            generation = done.code
            self.tally.resumed += 1
            self.progress.advance(generation.model_copy(update={"lm_calls": 0}))  # no call made now
        else:
            self.meter.check(left=self.left)
            generation = self.code_generator.generate(ir)
            self.meter.add(generation)
            self._record(key, CodeUnit(code=generation))
            self._spent(generation.lm_calls, generation.latency_s)
            self.code_watch.see(generation.ok, generation.error_kind, generation.error)
            self.progress.advance(generation)
        made[key] = generation
        return generation

    def _spent(self, calls: int, latency: float) -> None:
        self.tally.lm_calls += calls
        if calls > 0:
            self.tally.latencies.append(latency)

    # ------------------------------------------------------------------ execution

    def _calls(self, case: SuiteCase, original_ir: IR | None) -> tuple[list[FunctionCall], str]:
        if case.tests:
            return calls_from_tests(case.tests), "tests"
        if original_ir is None:
            return [], "none"
        return generate_inputs(
            original_ir.signature.parameters, self.config.generated_inputs, self.config.seed
        ), "generated"

    def _execute(
        self,
        code: CodeGeneration | None,
        ir_name: str,
        calls: Sequence[FunctionCall],
        runs: dict[tuple[str, str], ExecutedCode],
        arity: int | None = None,
    ) -> ExecutedCode | None:
        if code is None or code.code is None:
            return None
        name = defined_function(code.code, ir_name, arity)
        if name is None:
            return None
        cache_key = (code.code, name)
        if cache_key not in runs:
            self._run_all([cache_key], calls, runs)
        return runs[cache_key]

    def _run_all(
        self, pending: Sequence[tuple[str, str]], calls: Sequence[FunctionCall], runs: dict[tuple[str, str], ExecutedCode]
    ) -> None:
        """Run each (code, function) in the sandbox, ``workers`` at a time; results kept in ``pending``'s order."""

        def timed(item: tuple[str, str]) -> tuple[SandboxResult, float]:
            started = time.perf_counter()
            result = run_function(item[0], item[1], calls, self.limits, allow_unsandboxed=self.allow_unsandboxed)
            return result, time.perf_counter() - started

        if self.workers > 1 and len(pending) > 1:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="tokdrift-sandbox") as pool:
                outcomes = list(pool.map(timed, pending))
        else:
            outcomes = [timed(item) for item in pending]
        for (code, name), (result, seconds) in zip(pending, outcomes, strict=True):
            runs[(code, name)] = ExecutedCode(code, name, result)
            self.tally.boundaries.add(result.boundary)
            self.tally.sandbox_runs += 1
            self.tally.sandbox_s += seconds

    def _prerun(
        self,
        items: Sequence[tuple[CodeGeneration | None, str]],
        calls: Sequence[FunctionCall],
        runs: dict[tuple[str, str], ExecutedCode],
        arity: int | None,
    ) -> None:
        """Run a case's distinct pieces of code together, so ``workers`` sandboxes can run at once."""
        pending: list[tuple[str, str]] = []
        for code, ir_name in items:
            if code is None or code.code is None:
                continue
            name = defined_function(code.code, ir_name, arity)
            if name is not None and (code.code, name) not in runs and (code.code, name) not in pending:
                pending.append((code.code, name))
        if pending:
            self._run_all(pending, calls, runs)

    # ------------------------------------------------------------------ one case

    def run_case(self, planned: PlannedCodeCase) -> CodeCaseResult:
        case = planned.case
        made: dict[str, CodeGeneration] = {}
        runs: dict[tuple[str, str], ExecutedCode] = {}
        original_ir, original_ir_generation = self._ir_for(case, planned.original)
        original_code = self._code_for(case, original_ir, 0, made)
        calls, inputs_kind = self._calls(case, original_ir)
        ir_name = (original_ir or case.gold).signature.name
        # The tests call positionally: a function that takes as many arguments is the likely entry point.
        arity = len(calls[0].args) if calls else None
        generated = []
        for position, item in enumerate(planned.variants, start=1):
            ir, ir_generation = self._ir_for(case, item)
            generated.append((item, ir, ir_generation, self._code_for(case, ir, position, made)))
        self._prerun(
            [(original_code, ir_name), *((code, (ir or case.gold).signature.name) for _, ir, _, code in generated)],
            calls, runs, arity,
        )
        original_run = self._execute(original_code, ir_name, calls, runs, arity)
        original_tests = summarise_tests(original_run, case.tests) if original_run is not None else _failed_tests(case)
        variants = []
        for item, ir, ir_generation, code in generated:
            variant_run = self._execute(code, (ir or case.gold).signature.name, calls, runs, arity)
            verdict = judge_variant(original_run, variant_run, calls)
            if original_run is not None and original_ir is not None and ir is None:
                verdict = verdict.model_copy(update={"reason": "the variant's IR could not be generated"})
            variants.append(
                CodeVariantResult(
                    rule_ids=list(item.rule_ids),
                    source=item.source,  # type: ignore[arg-type]
                    text=item.text,
                    ir=ir,
                    ir_generation=ir_generation,
                    code=code or _NO_IR,
                    function_name=variant_run.function_name if variant_run else None,
                    tests=summarise_tests(variant_run, case.tests) if variant_run else _failed_tests(case),
                    verdict=verdict,
                )
            )
        measured = [v.verdict.equivalent for v in variants if v.verdict.equivalent is not None]
        passes = original_tests.all_passed if original_tests is not None else None
        robust_passes = (
            passes and all(v.tests is not None and v.tests.all_passed for v in variants) if passes is not None else None
        )
        return CodeCaseResult(
            case_id=case.id,
            category=case.category,
            prompt=case.prompt,
            ir=original_ir,
            ir_generation=original_ir_generation,
            code=original_code or _NO_IR,
            function_name=original_run.function_name if original_run else None,
            inputs=inputs_kind,  # type: ignore[arg-type]
            tests=original_tests,
            variants=variants,
            robustness=wilson(sum(1 for m in measured if m), len(measured)),
            passes=passes,
            robust_passes=robust_passes,
        )


def _failed_tests(case: SuiteCase) -> TestSummary | None:
    """No runnable code: every test fails (None when there are no tests)."""
    if not case.tests:
        return None
    return TestSummary(passed=0, total=len(case.tests), first_failure="no runnable code")


def run_code_baseline(
    run: CodeBaselineRun,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> CodeBaselineArtifact:
    """Every case of the plan, then the summary; the artifact a code-stage baseline writes."""
    started = clock()
    plan = plan_code_cases(run.inputs.suite, run.config)
    per_case = 2 if run.config.stage is CodeStage.END_TO_END else 1
    total = sum(per_case * (1 + len(p.variants)) for p in plan)
    run.progress.start(total=total, reused=0, cases=len(plan))
    results = []
    for planned in plan:
        run.left = total - per_case * sum(1 + len(p.variants) for p in plan[: len(results)])
        results.append(run.run_case(planned))
        run.progress.finish_case()
    check_finished(generation for case in results for generation in case.generations())
    summary = summarise_code_cases(results, run.config, run.tally, wall_time_s=clock() - started)
    summary = summary.model_copy(update={"cost": run.meter.cost()})
    return CodeBaselineArtifact(
        inputs=run.inputs.inputs, provenance=run.inputs.provenance, config=run.config, cases=results, summary=summary
    )


def summarise_code_cases(
    cases: Sequence[CodeCaseResult], config: CodeBaselineConfig, tally: _Tally, *, wall_time_s: float
) -> CodeBaselineSummary:
    outcomes = [v for case in cases for v in case.variants if v.verdict.equivalent is not None]
    by_rule = [(rule, bool(v.verdict.equivalent)) for v in outcomes for rule in v.rule_ids]
    by_family = [(family_of(v.rule_ids[0]), bool(v.verdict.equivalent)) for v in outcomes if v.rule_ids]
    measured = [case for case in cases if case.robustness.n > 0]
    rates = [case.robustness.rate for case in measured if case.robustness.rate is not None]
    with_tests = [case for case in cases if case.passes is not None]
    methods: dict[str, int] = {}
    for case in cases:
        for variant in case.variants:
            methods[variant.verdict.method] = methods.get(variant.verdict.method, 0) + 1
    generations = [g for case in cases for g in case.generations()]
    failed = sum(1 for g in generations if not g.ok)
    return CodeBaselineSummary(
        stage=config.stage,
        cases=len(cases),
        variants=sum(len(case.variants) for case in cases),
        lm_calls=tally.lm_calls,
        failed_generations=failed,
        failure_share=failure_share(failed, len(generations)),
        failure_limit_exceeded=failure_limit_exceeded(failed, len(generations), config.max_failure_share),
        robustness=wilson(sum(1 for v in outcomes if v.verdict.equivalent), len(outcomes)),
        mean_prompt_robustness=sum(rates) / len(rates) if rates else None,
        pass_rate=wilson(sum(1 for case in with_tests if case.passes), len(with_tests)),
        robust_pass_rate=wilson(sum(1 for case in with_tests if case.robust_passes), len(with_tests)),
        verdict_methods=dict(sorted(methods.items())),
        fragile_threshold=config.fragile_threshold,
        fragile_cases=[
            case.case_id
            for case in measured
            if case.robustness.rate is not None and case.robustness.rate < config.fragile_threshold
        ],
        unmeasured_cases=[case.case_id for case in cases if case.robustness.n == 0],
        per_rule=sensitivities(by_rule),
        per_family=sensitivities(by_family),
        median_latency_s=median(tally.latencies),
        wall_time_s=wall_time_s,
        sandbox_runs=tally.sandbox_runs,
        sandbox_s=tally.sandbox_s,
        sandbox="+".join(sorted(tally.boundaries)) or None,
        resumed_generations=tally.resumed,
    )
