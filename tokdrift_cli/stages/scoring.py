"""From generations to verdicts and figures.

Definitions (also in docs/concepts/statistics.md):

* A variant is *robust* when its IR is equivalent to the original prompt's IR
  on the robustness fields. A variant whose generation failed while the
  original's succeeded counts as a flip: the rewrite broke the generator.
  If the original failed, the case's robustness is unmeasured (n = 0).
* Robustness of a prompt = robust variants / variants, with a Wilson interval.
  Overall robustness pools all variants of all measured prompts.
* Sensitivity of a rule = flips / variants made by that rule (TokDrift).
* Accuracy = the original prompt's IR matches the gold IR on name,
  parameters (names across casing, canonical types) and return type.
* Robust accuracy = accurate on the original and on every variant (ReCode).
* Sensitivity of a prompt = controls (rewrites that change the meaning on
  purpose) whose IR the checker finds different from the original's IR /
  controls judged. A control whose generation failed, or whose original
  failed, is not judged: a failure is no evidence that the generator noticed
  the change, nor that it ignored it. Nor is one the checker leaves
  undecided: it is counted apart, never folded into either side. Not
  measured (None) when the run made no controls. Controls enter no other
  figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tokdrift_cli.artifacts.baseline import (
    BaselineSummary,
    CaseResult,
    CategorySummary,
    ControlResult,
    GroupSensitivity,
    VariantResult,
)
from tokdrift_cli.core.equivalence import Outcome, compare_irs
from tokdrift_cli.core.failures import DEFAULT_MAX_FAILURE_SHARE, failure_limit_exceeded, failure_share
from tokdrift_cli.core.gold import match_gold
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE, RateEstimate, median, wilson
from tokdrift_cli.core.suite import SuiteCase
from tokdrift_cli.core.variants import ControlVariant, family_of, kind_of


@dataclass(frozen=True)
class PlannedVariant:
    text: str
    rule_ids: tuple[str, ...]
    source: str = "rule"


def score_case(
    case: SuiteCase,
    original: Generation,
    variants: Sequence[tuple[PlannedVariant, Generation]],
    repeats: Sequence[Generation] = (),
    controls: Sequence[tuple[ControlVariant, Generation]] | None = None,
) -> CaseResult:
    """Every verdict of one case; ``controls`` None means the run made none (sensitivity not measured)."""
    original_vs_gold = match_gold(original.ir, case.gold, case.names) if original.ir is not None else None
    results: list[VariantResult] = []
    for planned, generation in variants:
        versus_original = None
        robust: bool | None = None
        if original.ir is not None:
            if generation.ir is not None:
                versus_original = compare_irs(generation.ir, original.ir)
                robust = versus_original.equivalent
            else:
                robust = False
        results.append(
            VariantResult(
                text=planned.text,
                rule_ids=list(planned.rule_ids),
                source=planned.source,  # type: ignore[arg-type]
                generation=generation,
                versus_original=versus_original,
                versus_gold=match_gold(generation.ir, case.gold, case.names) if generation.ir is not None else None,
                robust=robust,
            )
        )
    measured = [result.robust for result in results if result.robust is not None]
    correct = original_vs_gold.equivalent if original_vs_gold is not None else False
    robust_correct = correct and all(
        result.versus_gold is not None and result.versus_gold.equivalent for result in results
    )
    repeat_agrees = [
        original.ir is not None and again.ir is not None and compare_irs(again.ir, original.ir).equivalent
        for again in repeats
    ]
    control_results = [_score_control(control, generation, original) for control, generation in controls or ()]
    return CaseResult(
        case_id=case.id,
        controls=control_results,
        sensitivity=None if controls is None else sensitivity_of(control_results),
        repeats=list(repeats),
        repeat_agreements=repeat_agrees,
        category=case.category,
        prompt=case.prompt,
        original=original,
        original_versus_gold=original_vs_gold,
        variants=results,
        robustness=wilson(sum(measured), len(measured)),
        correct=correct,
        robust_correct=robust_correct,
    )


def _score_control(control: ControlVariant, generation: Generation, original: Generation) -> ControlResult:
    versus_original = None
    changed = None
    if original.ir is not None and generation.ir is not None:
        versus_original = compare_irs(generation.ir, original.ir)
        if versus_original.outcome is not Outcome.UNDECIDED:
            changed = versus_original.outcome is Outcome.DIFFERENT
    return ControlResult(
        text=control.text,
        rule_id=control.rule_id,
        generation=generation,
        versus_original=versus_original,
        changed=changed,
    )


def sensitivity_of(controls: Sequence[ControlResult], confidence: float = DEFAULT_CONFIDENCE) -> RateEstimate:
    """Controls whose IR changed / controls judged (a failed generation or an undecided comparison is not)."""
    judged = [control.changed for control in controls if control.changed is not None]
    return wilson(sum(1 for changed in judged if changed), len(judged), confidence)


def sensitivities(pairs: Iterable[tuple[str, bool]], confidence: float = DEFAULT_CONFIDENCE) -> list[GroupSensitivity]:
    """Flip rate per key (rule, family or group) from (key, robust) outcomes."""
    flips: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for key, robust in pairs:
        totals[key] += 1
        flips[key] += 0 if robust else 1
    return [
        GroupSensitivity(key=key, flips=flips[key], n=totals[key], flip_rate=wilson(flips[key], totals[key], confidence))
        for key in sorted(totals)
    ]


def summarize(
    cases: Sequence[CaseResult],
    *,
    fragile_threshold: float,
    wall_time_s: float,
    resumed_generations: int,
    lm_calls: int,
    max_failure_share: float = DEFAULT_MAX_FAILURE_SHARE,
) -> BaselineSummary:
    """Every overall figure, computed only from the per-case verdicts.

    ``lm_calls`` is what this run spent; reused generations cost nothing now.
    """
    generations = [generation for case in cases for generation in case.generations()]
    failed = sum(1 for g in generations if not g.ok)
    outcomes = [(variant, case) for case in cases for variant in case.variants if variant.robust is not None]
    by_rule = [(rule, bool(v.robust)) for v, _ in outcomes for rule in v.rule_ids]
    by_family = [(family_of(rule), bool(v.robust)) for v, _ in outcomes for rule in _distinct_families(v)]
    by_group = [(kind_of(v.rule_ids[0]).group, bool(v.robust)) for v, _ in outcomes if v.rule_ids]
    measured = [case for case in cases if case.robustness.n > 0]
    fragile = [
        case.case_id
        for case in measured
        if case.robustness.rate is not None and case.robustness.rate < fragile_threshold
    ]
    categories = sorted({case.category for case in cases})
    per_category = []
    for category in categories:
        members = [case for case in cases if case.category == category]
        robust_count = sum(1 for case in members for v in case.variants if v.robust)
        measured_count = sum(1 for case in members for v in case.variants if v.robust is not None)
        per_category.append(
            CategorySummary(
                category=category,
                cases=len(members),
                robustness=wilson(robust_count, measured_count),
                accuracy=wilson(sum(1 for case in members if case.correct), len(members)),
            )
        )
    rates = [case.robustness.rate for case in measured if case.robustness.rate is not None]
    controls = [control for case in cases for control in case.controls]
    return BaselineSummary(
        cases=len(cases),
        variants=sum(len(case.variants) for case in cases),
        lm_calls=lm_calls,
        failed_generations=failed,
        failure_share=failure_share(failed, len(generations)),
        failure_limit_exceeded=failure_limit_exceeded(failed, len(generations), max_failure_share),
        schema_valid=wilson(sum(1 for g in generations if g.ok), len(generations)),
        robustness=wilson(sum(1 for v, _ in outcomes if v.robust), len(outcomes)),
        mean_prompt_robustness=sum(rates) / len(rates) if rates else None,
        accuracy=wilson(sum(1 for case in cases if case.correct), len(cases)),
        robust_accuracy=wilson(sum(1 for case in cases if case.robust_correct), len(cases)),
        fragile_threshold=fragile_threshold,
        fragile_cases=fragile,
        unmeasured_cases=[case.case_id for case in cases if case.robustness.n == 0],
        per_rule=sensitivities(by_rule),
        per_family=sensitivities(by_family),
        per_group=sensitivities(by_group),
        per_category=per_category,
        median_latency_s=median([g.latency_s for g in generations if g.lm_calls > 0]),
        wall_time_s=wall_time_s,
        resumed_generations=resumed_generations,
        controls=len(controls),
        failed_controls=sum(1 for control in controls if not control.generation.ok),
        undecided_controls=sum(1 for c in controls if c.versus_original is not None and c.changed is None),
        # None when no case ran controls: not measured, never 0.
        sensitivity=None if all(case.sensitivity is None for case in cases) else sensitivity_of(controls),
        # `sensitivities` counts a flip where the outcome is False: here, where the control's IR changed.
        per_control_rule=sensitivities((c.rule_id, not c.changed) for c in controls if c.changed is not None),
    )


def _distinct_families(variant: VariantResult) -> list[str]:
    seen: list[str] = []
    for rule in variant.rule_ids:
        if rule not in seen and family_of(rule) not in [family_of(s) for s in seen]:
            seen.append(rule)
    return seen
