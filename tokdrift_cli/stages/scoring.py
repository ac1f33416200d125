"""From generations to verdicts and figures.

Definitions (also in docs/concepts/statistics.md):

* A variant's *outcome* is the checker's comparison of its IR with the
  original prompt's IR on the robustness fields: same, different or
  undecided. A variant whose generation failed while the original's
  succeeded is different (a flip: the rewrite broke the generator). If the
  original failed, the variant is unmeasured (outcome None).
* Robustness of a prompt = same / (same + different) over its decided
  variants, with a Wilson interval; beside it the undecided share =
  undecided / variants with both IRs, with its n (core/robustness.py). An
  undecided variant is never robust and never a flip. A prompt whose
  compared variants are all undecided is unmeasurable (n = 0), not fragile.
  Pooled, per category, per rule, family and group: the same rule.
* Sensitivity of a rule = flips / decided variants made by that rule
  (TokDrift), with its undecided share.
* Accuracy = the original prompt's IR matches the gold IR on the signature,
  under the suite line's naming policy (core/gold.py).
* Robust accuracy = accurate on the original and on every variant (ReCode).
  Both are judged against the gold, never against the original, so an
  undecided robustness outcome does not touch them. A gold verdict counts
  only when it is a decided match: one the checker leaves undecided (only
  possible where the gold and the output both describe a parameter) is not
  a match, and such prompts are listed (``gold_undecided_cases``), so the
  two figures are lower bounds whenever that list is not empty.
* Repeats (the noise floor): a repeat agrees (same), disagrees (different,
  or either run failed) or is undecided, which the noise floor counts apart.
* Sensitivity of a prompt = controls (rewrites that change the meaning on
  purpose) whose IR the checker finds different from the original's IR /
  decided controls (same + different), with the undecided share beside it
  (undecided / controls with both IRs): the same three-valued rule as
  robustness, with *different* as the counted side. A control whose
  generation failed, or whose original failed, is not judged: a failure is
  no evidence that the generator noticed the change, nor that it ignored
  it. Not measured (None) when the run made no controls. Controls enter no
  other figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from tokdrift_cli.artifacts.baseline import (
    BaselineSummary,
    CaseResult,
    CategorySummary,
    ControlResult,
    GroupSensitivity,
    JudgeSummary,
    VariantResult,
    counted_as_robust,
)
from tokdrift_cli.core.equivalence import Outcome, TextJudge, compare_irs
from tokdrift_cli.core.failures import DEFAULT_MAX_FAILURE_SHARE, failure_limit_exceeded, failure_share
from tokdrift_cli.core.gold import match_gold
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.robustness import Tally, family_keys, group_keys, rule_keys, tally, tally_by
from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE, RateEstimate, median, wilson
from tokdrift_cli.core.suite import SuiteCase
from tokdrift_cli.core.variants import ControlVariant


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
    judge: TextJudge | None = None,
) -> CaseResult:
    """Every verdict of one case; ``controls`` None means the run made none (sensitivity not measured).

    ``judge`` is asked about the free text each comparison with the original leaves undecided.
    """
    original_vs_gold = match_gold(original.ir, case.gold, case.names) if original.ir is not None else None
    results: list[VariantResult] = []
    for planned, generation in variants:
        versus_original = None
        outcome: Outcome | None = None
        if original.ir is not None:
            if generation.ir is not None:
                versus_original = compare_irs(generation.ir, original.ir, judge=judge)
                outcome = versus_original.outcome
            else:
                outcome = Outcome.DIFFERENT  # a flip without an IR
        results.append(
            VariantResult(
                text=planned.text,
                rule_ids=list(planned.rule_ids),
                source=planned.source,  # type: ignore[arg-type]
                generation=generation,
                versus_original=versus_original,
                versus_gold=match_gold(generation.ir, case.gold, case.names) if generation.ir is not None else None,
                outcome=outcome,
            )
        )
    correct = original_vs_gold.equivalent if original_vs_gold is not None else False
    robust_correct = correct and all(
        result.versus_gold is not None and result.versus_gold.equivalent for result in results
    )
    counts = tally((result.outcome, result.failed) for result in results if result.outcome is not None)
    control_results = [
        _score_control(control, generation, original, judge) for control, generation in controls or ()
    ]
    return CaseResult(
        case_id=case.id,
        controls=control_results,
        sensitivity=None if controls is None else sensitivity_of(control_results),
        sensitivity_undecided_share=None if controls is None else control_tally(control_results).undecided_share(),
        repeats=list(repeats),
        repeat_agreements=[repeat_agreement(original, again, judge) for again in repeats],
        category=case.category,
        prompt=case.prompt,
        original=original,
        original_versus_gold=original_vs_gold,
        variants=results,
        robustness=counts.robustness(),
        undecided_share=counts.undecided_share(),
        correct=correct,
        robust_correct=robust_correct,
    )


def repeat_agreement(original: Generation, again: Generation, judge: TextJudge | None = None) -> bool | None:
    """True when a repeat's IR is the same as the first run's, None when undecided; a failed run disagrees."""
    if original.ir is None or again.ir is None:
        return False
    return counted_as_robust(compare_irs(again.ir, original.ir, judge=judge).outcome)


def _score_control(
    control: ControlVariant, generation: Generation, original: Generation, judge: TextJudge | None
) -> ControlResult:
    versus_original = None
    outcome = None
    if original.ir is not None and generation.ir is not None:
        versus_original = compare_irs(generation.ir, original.ir, judge=judge)
        outcome = versus_original.outcome
    return ControlResult(
        text=control.text,
        rule_id=control.rule_id,
        generation=generation,
        versus_original=versus_original,
        outcome=outcome,
        changed=None if outcome in (None, Outcome.UNDECIDED) else outcome is Outcome.DIFFERENT,
    )


def control_tally(controls: Iterable[ControlResult]) -> Tally:
    """Controls counted by the scoring rule; one whose generation (or the original's) failed is not judged."""
    return tally((control.outcome, False) for control in controls if control.outcome is not None)


def sensitivity_of(controls: Sequence[ControlResult], confidence: float = DEFAULT_CONFIDENCE) -> RateEstimate:
    """Controls whose IR the checker finds different / decided controls (undecided ones are counted apart)."""
    return control_tally(controls).flip_rate(confidence)


def control_sensitivities(
    controls: Iterable[ControlResult], confidence: float = DEFAULT_CONFIDENCE
) -> list[GroupSensitivity]:
    """Sensitivity per control rule ("flips" are controls whose IR changed) with its undecided share."""
    tallies = tally_by((control.rule_id, control.outcome, False) for control in controls if control.outcome is not None)
    return _per_key(tallies, confidence)


def sensitivities(pairs: Iterable[tuple[str, bool]], confidence: float = DEFAULT_CONFIDENCE) -> list[GroupSensitivity]:
    """Flip rate per key from (key, robust) outcomes that are all decided (the code stages)."""
    flips: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for key, robust in pairs:
        totals[key] += 1
        flips[key] += 0 if robust else 1
    return [
        GroupSensitivity(key=key, flips=flips[key], n=totals[key], flip_rate=wilson(flips[key], totals[key], confidence))
        for key in sorted(totals)
    ]


def group_sensitivities(
    variants: Iterable[VariantResult], keys: Callable[[Sequence[str]], list[str]], confidence: float = DEFAULT_CONFIDENCE
) -> list[GroupSensitivity]:
    """Flip rate over decided variants and undecided share, per key ``keys`` gives a variant's rule ids."""
    tallies = tally_by(
        (key, variant.outcome, variant.failed)
        for variant in variants
        if variant.outcome is not None
        for key in keys(variant.rule_ids)
    )
    return _per_key(tallies, confidence)


def _per_key(tallies: Mapping[str, Tally], confidence: float) -> list[GroupSensitivity]:
    """One row per key, in key order: flips over decided comparisons, and the undecided share beside."""
    return [
        GroupSensitivity(
            key=key,
            flips=counts.flips,
            n=counts.decided,
            flip_rate=counts.flip_rate(confidence),
            undecided_share=counts.undecided_share(confidence),
        )
        for key, counts in sorted(tallies.items())
    ]


def category_tallies(cases: Sequence[CaseResult]) -> dict[str, Tally]:
    """Each category's variants counted together."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in cases:
        tallies[case.category] = tallies[case.category] + case.variant_tally()
    return dict(tallies)


def pooled_tally(cases: Sequence[CaseResult]) -> Tally:
    return sum((case.variant_tally() for case in cases), Tally())


def summarize(
    cases: Sequence[CaseResult],
    *,
    fragile_threshold: float,
    wall_time_s: float,
    resumed_generations: int,
    lm_calls: int,
    max_failure_share: float = DEFAULT_MAX_FAILURE_SHARE,
    judge: JudgeSummary | None = None,
) -> BaselineSummary:
    """Every overall figure, computed only from the per-case verdicts.

    ``lm_calls`` is what this run spent; reused generations cost nothing now. ``judge`` is what the
    judge tier spent on those verdicts (None: no judge).
    """
    generations = [generation for case in cases for generation in case.generations()]
    failed = sum(1 for g in generations if not g.ok)
    variants = [variant for case in cases for variant in case.variants]
    measured = [case for case in cases if case.robustness.n > 0]
    fragile = [
        case.case_id
        for case in measured
        if case.robustness.rate is not None and case.robustness.rate < fragile_threshold
    ]
    by_category = category_tallies(cases)
    per_category = []
    for category in sorted(by_category):
        members = [case for case in cases if case.category == category]
        per_category.append(
            CategorySummary(
                category=category,
                cases=len(members),
                robustness=by_category[category].robustness(),
                undecided_share=by_category[category].undecided_share(),
                accuracy=wilson(sum(1 for case in members if case.correct), len(members)),
            )
        )
    rates = [case.robustness.rate for case in measured if case.robustness.rate is not None]
    pooled = pooled_tally(cases)
    controls = [control for case in cases for control in case.controls]
    controlled = any(case.sensitivity is not None for case in cases)
    return BaselineSummary(
        cases=len(cases),
        variants=len(variants),
        lm_calls=lm_calls,
        failed_generations=failed,
        failure_share=failure_share(failed, len(generations)),
        failure_limit_exceeded=failure_limit_exceeded(failed, len(generations), max_failure_share),
        schema_valid=wilson(sum(1 for g in generations if g.ok), len(generations)),
        robustness=pooled.robustness(),
        undecided_share=pooled.undecided_share(),
        mean_prompt_robustness=sum(rates) / len(rates) if rates else None,
        accuracy=wilson(sum(1 for case in cases if case.correct), len(cases)),
        robust_accuracy=wilson(sum(1 for case in cases if case.robust_correct), len(cases)),
        gold_undecided_cases=[case.case_id for case in cases if gold_undecided(case)],
        fragile_threshold=fragile_threshold,
        fragile_cases=fragile,
        unmeasured_cases=[case.case_id for case in cases if case.robustness.n == 0],
        unmeasurable_cases=[case.case_id for case in cases if case.variant_tally().unmeasurable],
        per_rule=group_sensitivities(variants, rule_keys),
        per_family=group_sensitivities(variants, family_keys),
        per_group=group_sensitivities(variants, group_keys),
        per_category=per_category,
        median_latency_s=median([g.latency_s for g in generations if g.lm_calls > 0]),
        wall_time_s=wall_time_s,
        resumed_generations=resumed_generations,
        controls=len(controls),
        failed_controls=sum(1 for control in controls if not control.generation.ok),
        undecided_controls=sum(1 for control in controls if control.outcome is Outcome.UNDECIDED),
        # None when no case ran controls: not measured, never 0.
        sensitivity=sensitivity_of(controls) if controlled else None,
        sensitivity_undecided_share=control_tally(controls).undecided_share() if controlled else None,
        per_control_rule=control_sensitivities(controls),
        judge=judge,
    )


def gold_undecided(case: CaseResult) -> bool:
    """Some gold verdict of the case (original or variant) was left undecided: not counted as a match."""
    comparisons = [case.original_versus_gold, *(variant.versus_gold for variant in case.variants)]
    return any(comparison is not None and comparison.outcome is Outcome.UNDECIDED for comparison in comparisons)
