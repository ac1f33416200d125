"""The baseline stage: run the generator on every prompt and its variants.

Work is split into units, one generation each. Units already finished (in a
checkpoint or in a finished artifact of the same config) are reused, so a
resumed or repeated run redoes no LM call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineConfig, CaseResult
from tokdrift_cli.artifacts.checkpoint import Checkpoint
from tokdrift_cli.artifacts.header import InputFile, Provenance
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.shards import parse_shard
from tokdrift_cli.core.suite import Suite, SuiteCase
from tokdrift_cli.core.variants import PARAPHRASE_ID, ControlVariant, generate_controls, generate_variants
from tokdrift_cli.programs.judge import DspyTextJudge
from tokdrift_cli.programs.runner import GeneratesIR
from tokdrift_cli.stages.budget import SpendMeter
from tokdrift_cli.stages.failure_policy import FailureBreaker, check_finished, worth_keeping
from tokdrift_cli.stages.progress import ProgressSink
from tokdrift_cli.stages.scoring import PlannedVariant, score_case, summarize
from tokdrift_cli.stages.stopping import StopRule


@dataclass(frozen=True)
class PlannedCase:
    case: SuiteCase
    variants: tuple[PlannedVariant, ...]

    repeats: int = 1
    # Meaning-changing rewrites; None when the run measures no sensitivity (--controls 0).
    controls: tuple[ControlVariant, ...] | None = None

    def texts(self) -> list[str]:
        return [self.case.prompt] + [variant.text for variant in self.variants] + [c.text for c in self.controls or ()]

    def units(self) -> list[tuple[str, str]]:
        """(key, text) of every generation this case needs, repeats of the original included."""
        units = [(unit_key(self.case.id, text), text) for text in self.texts()]
        units += [(repeat_key(self.case.id, number), self.case.prompt) for number in range(1, self.repeats)]
        return units


def unit_key(case_id: str, text: str) -> str:
    return f"{case_id}\x1f{text}"


def repeat_key(case_id: str, number: int) -> str:
    """Key of the ``number``-th extra run of a case's original prompt (noise-floor measurement)."""
    return f"{case_id}\x1f#repeat{number}"


def select_cases(suite: Suite, config: BaselineConfig, *, whole: bool = False) -> list[SuiteCase]:
    """The cases a config selects, in suite order; ``whole`` ignores its shard (what a merge must cover)."""
    cases: Sequence[SuiteCase] = suite.cases
    if config.case_ids is not None:
        wanted = set(config.case_ids)
        cases = [case for case in cases if case.id in wanted]
    if config.limit is not None:
        cases = cases[: config.limit]
    if config.shard is not None and not whole:
        cases = parse_shard(config.shard).select(cases, key=lambda case: case.id)
    return list(cases)


def plan_cases(suite: Suite, config: BaselineConfig) -> list[PlannedCase]:
    """Which prompts and variants to run: deterministic for a suite and config."""
    planned = []
    for case in select_cases(suite, config):
        variants = [
            PlannedVariant(text=v.text, rule_ids=tuple(v.rule_ids), source="rule")
            for v in generate_variants(
                case.prompt, count=config.variants_per_prompt, seed=config.seed, rule_ids=config.rules
            )
        ]
        if config.include_paraphrases:
            seen = {case.prompt} | {v.text for v in variants}
            for text in case.paraphrases:
                if text not in seen:
                    variants.append(PlannedVariant(text=text, rule_ids=(PARAPHRASE_ID,), source="paraphrase"))
                    seen.add(text)
        planned.append(
            PlannedCase(
                case=case, variants=tuple(variants), repeats=config.repeats, controls=_plan_controls(case, config)
            )
        )
    return planned


def _plan_controls(case: SuiteCase, config: BaselineConfig) -> tuple[ControlVariant, ...] | None:
    if config.controls == 0:
        return None
    return tuple(generate_controls(case.prompt, count=config.controls, seed=config.seed))


def planned_units(plan: Sequence[PlannedCase]) -> dict[str, str]:
    """Every generation a plan needs, key -> text, in plan order: what a run makes, resumes and budgets."""
    return dict(unit for planned in plan for unit in planned.units())


def reusable_generations(artifact: BaselineArtifact | None) -> dict[str, Generation]:
    """Every generation of a finished baseline that a checkpoint would keep, keyed as it keys them.

    A transient failure in an output made before those were refused is left out: it is retried.
    """
    if artifact is None:
        return {}
    reusable = {}
    for case in artifact.cases:
        reusable[unit_key(case.case_id, case.prompt)] = case.original
        for variant in case.variants:
            reusable[unit_key(case.case_id, variant.text)] = variant.generation
        for control in case.controls:
            reusable[unit_key(case.case_id, control.text)] = control.generation
    return {key: generation for key, generation in reusable.items() if worth_keeping(generation.error_kind)}


@dataclass
class BaselineInputs:
    suite: Suite
    config: BaselineConfig
    provenance: Provenance
    inputs: list[InputFile] = field(default_factory=list)


def run_baseline(
    inputs: BaselineInputs,
    runner: GeneratesIR,
    *,
    checkpoint: Checkpoint[Generation] | None = None,
    reusable: dict[str, Generation] | None = None,
    workers: int = 1,
    progress: ProgressSink | None = None,
    clock: Callable[[], float] = time.perf_counter,
    judge: DspyTextJudge | None = None,
    meter: SpendMeter | None = None,
) -> BaselineArtifact:
    """Every generation the plan needs (reusing the finished ones), scored; ``judge`` decides undecided free
    text in every comparison with an original; ``meter`` counts the calls' cost and stops at --max-cost."""
    started, progress, meter = clock(), progress or ProgressSink(), meter or SpendMeter(None)
    plan = plan_cases(inputs.suite, inputs.config)
    stop = StopRule.for_run(inputs.config, [p.case.id for p in plan], max((len(p.variants) for p in plan), default=1))
    done: dict[str, Generation] = dict(reusable or {})
    if checkpoint is not None:
        done.update(checkpoint.units)
    units = planned_units(plan)
    remaining = {p.case.id: sum(1 for key, _ in p.units() if key not in done) for p in plan}
    scored = {p.case.id: _score(p, done, judge) for p in plan if stop is not None and remaining[p.case.id] == 0}
    for result in scored.values():
        stop.finish_case(result)  # type: ignore[union-attr]  # scored only with a stop rule
    running = sorted(plan, key=lambda p: stop.order.index(p.case.id)) if stop is not None else plan
    pending = [(key, text) for p in running for key, text in p.units() if key not in done]
    resumed = len(units) - len(pending)
    case_of = {key: p.case.id for p in plan for key, _ in p.units()}
    planned = {p.case.id: p for p in plan}
    progress.start(
        total=len(units), reused=resumed, cases=len(plan), cases_done=sum(1 for n in remaining.values() if n == 0)
    )

    spent = 0

    def finish(key: str, generation: Generation) -> None:
        nonlocal spent
        spent += generation.lm_calls
        meter.add(generation)
        done[key] = generation
        if checkpoint is not None and worth_keeping(generation.error_kind):
            checkpoint.record(key, generation)
        progress.advance(generation)
        case_id = case_of[key]
        remaining[case_id] -= 1
        if stop is not None:
            stop.spend(generation.lm_calls)
            if remaining[case_id] == 0:
                scored[case_id] = _score(planned[case_id], done, judge)
                stop.finish_case(scored[case_id])
        if remaining[case_id] == 0:
            progress.finish_case()

    watch = FailureBreaker(program=f"--program {inputs.config.program}")
    _execute(pending, runner, finish, workers, watch, stop.should_stop if stop is not None else _never, meter)
    finished = [p for p in plan if remaining[p.case.id] == 0]
    check_finished(done[key] for p in finished for key, _ in p.units())
    results = [scored[p.case.id] if p.case.id in scored else _score(p, done, judge) for p in finished]
    summary = summarize(
        results,
        fragile_threshold=inputs.config.fragile_threshold,
        max_failure_share=inputs.config.max_failure_share,
        wall_time_s=clock() - started,
        resumed_generations=resumed,
        lm_calls=spent,
        judge=judge.summary() if judge is not None else None,
    ).model_copy(update={"cost": meter.cost()})
    if stop is not None:
        record = stop.stop_record([result.case_id for result in results])
        summary = summary.model_copy(update={"sequential": stop.state(), "stop": record})
        if record is not None and checkpoint is not None:
            checkpoint.keep = True  # a later run goes on from where this one stopped
    return BaselineArtifact(
        inputs=inputs.inputs,
        provenance=inputs.provenance,
        config=inputs.config,
        cases=results,
        summary=summary,
    )


def _never() -> bool:
    return False


def _score(planned: PlannedCase, done: dict[str, Generation], judge: DspyTextJudge | None) -> CaseResult:
    original = done[unit_key(planned.case.id, planned.case.prompt)]
    variants = [(variant, done[unit_key(planned.case.id, variant.text)]) for variant in planned.variants]
    repeats = [done[repeat_key(planned.case.id, number)] for number in range(1, planned.repeats)]
    controls = None
    if planned.controls is not None:
        controls = [(control, done[unit_key(planned.case.id, control.text)]) for control in planned.controls]
    return score_case(planned.case, original, variants, repeats, controls, judge=judge)


def _execute(
    pending: Sequence[tuple[str, str]],
    runner: GeneratesIR,
    finish: Callable[[str, Generation], None],
    workers: int,
    watch: FailureBreaker,
    should_stop: Callable[[], bool],
    meter: SpendMeter,
) -> None:
    """Run the pending generations, starting none once ``should_stop`` says so; before each call the budget is
    asked whether it fits (the calls under way then finish and are kept before the run stops on it)."""
    text_of = dict(pending)

    def done(key: str, generation: Generation) -> None:
        finish(key, generation)
        watch.see(generation.ok, generation.error_kind, generation.error)

    if workers <= 1:
        for index, (key, text) in enumerate(pending):
            if should_stop():
                return
            meter.check(left=len(pending) - index)
            done(key, runner.generate(text))
        return
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tokdrift-gen")
    running: dict[Future[Generation], str] = {}
    submitted, over_budget = 0, False

    def admitted() -> Iterator[str]:
        nonlocal over_budget
        for key, _ in pending:
            if should_stop():
                return
            if not meter.allows(in_flight=len(running)):
                over_budget = True
                return
            yield key

    def submit(key: str) -> None:
        nonlocal submitted
        running[executor.submit(runner.generate, text_of[key])] = key
        submitted += 1

    try:
        queue = admitted()
        for key in queue:
            submit(key)
            if len(running) >= workers * 2:
                break
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                key = running.pop(future)
                done(key, future.result())
                following = next(queue, None)
                if following is not None:
                    submit(following)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    if over_budget:
        raise meter.exceeded(left=len(pending) - submitted)
