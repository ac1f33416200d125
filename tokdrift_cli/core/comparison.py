"""A before and an after run compared prompt by prompt: each side's figures and the paired statistics.

The figures of both sides are taken over the same paired prompts, so every
difference below is a within-prompt difference. Rates are differenced
exactly (as fractions) before they become floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.core.stats import (
    BootstrapInterval,
    DetectableChange,
    EffectSize,
    McNemarResult,
    RateEstimate,
    WilcoxonResult,
    detectable_change,
    effect_size,
    input_accuracy_change,
    mcnemar_exact,
    mean_difference_interval,
    ratio_residuals,
    wilcoxon_greater,
)

CaseChange = Literal["fixed", "newly_broken", "improved", "regressed", "unchanged", "unmeasured", "single"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PairedCase(_Frozen):
    """One prompt in both runs. Before fields are None when no before was given."""

    case_id: str
    category: str
    # Robustness over decided variants (same / (same + different)); the undecided share beside it
    # (None in files written before undecided comparisons were counted apart).
    before_robustness: RateEstimate | None = None
    after_robustness: RateEstimate
    before_undecided_share: RateEstimate | None = None
    after_undecided_share: RateEstimate | None = None
    # after rate - before rate; None when either side is unmeasured (n = 0).
    difference: float | None = None
    before_correct: bool | None = None
    after_correct: bool | None = None
    # The request and its variants against gold: how many inputs, how many
    # right on each side (None without gold or in files written before).
    inputs: int | None = None
    before_inputs_correct: int | None = None
    after_inputs_correct: int | None = None
    fragile_before: bool | None = None
    fragile_after: bool | None = None
    change: CaseChange


class SideSummary(_Frozen):
    """One run's figures over the paired cases."""

    cases: int
    measured_cases: int
    robustness: RateEstimate  # pooled over decided variants, Wilson interval at the validation's confidence
    # Undecided / variants with both IRs, pooled (None in files written before it was recorded).
    undecided_share: RateEstimate | None = None
    mean_prompt_robustness: float | None
    accuracy: RateEstimate
    robust_accuracy: RateEstimate
    # Every input against gold: the requests and their variants, which share
    # the request's gold (None in files written before it was recorded). More
    # evidence than the requests alone, but a prompt's inputs are not
    # independent, so its Wilson interval is narrower than it should be.
    input_accuracy: RateEstimate | None = None
    median_latency_s: float | None
    latency_n: int  # generations with lm_calls > 0 that the median is taken over
    fragile_cases: list[str]
    model_id: str | None = None
    program: str | None = None
    program_hash: str | None = None


class DetectableChanges(_Frozen):
    """The minimum detectable change of each paired figure at the run's alpha and 80% power.

    Robustness one-sided (as its Wilcoxon test); accuracy two-sided (as its intervals and McNemar test).
    """

    robustness: DetectableChange
    accuracy_inputs: DetectableChange
    accuracy_requests: DetectableChange


class PairedStatistics(_Frozen):
    n_pairs: int
    wilcoxon: WilcoxonResult
    bootstrap: BootstrapInterval
    accuracy_flips: McNemarResult
    effect: EffectSize
    improved: int
    regressed: int
    unchanged: int
    fixed_cases: list[str]
    newly_broken_cases: list[str]
    accuracy_change: float | None  # after - before
    # Accuracy over every input, after - before, with prompts resampled (a
    # prompt's inputs move together). None in files written before.
    input_accuracy_change: BootstrapInterval | None = None
    latency_change: float | None  # after median / before median - 1
    # Accuracy on the requests, after - before, with prompts resampled; and the minimum detectable
    # changes at this n (None in files written before).
    request_accuracy_change: BootstrapInterval | None = None
    detectable: DetectableChanges | None = None


def robustness_differences(cases: Sequence[PairedCase]) -> list[Fraction]:
    """after - before robustness, exactly, for every prompt measured on both sides.

    Each side's per-prompt robustness is over its decided variants: an undecided variant is in
    neither the numerator nor the denominator, and a prompt with no decided variant on a side is
    unmeasured there and left out of the paired tests.
    """
    found = []
    for case in cases:
        if case.before_robustness is None or case.before_robustness.n == 0 or case.after_robustness.n == 0:
            continue
        found.append(
            Fraction(case.after_robustness.successes, case.after_robustness.n)
            - Fraction(case.before_robustness.successes, case.before_robustness.n)
        )
    return found


def _accuracy_pairs(cases: Sequence[PairedCase]) -> list[tuple[bool, bool]]:
    return [
        (bool(case.before_correct), bool(case.after_correct))
        for case in cases
        if case.before_correct is not None and case.after_correct is not None
    ]


def _input_accuracy_changes(cases: Sequence[PairedCase]) -> list[tuple[int, int]]:
    return [
        (case.after_inputs_correct - case.before_inputs_correct, case.inputs)
        for case in cases
        if case.inputs and case.before_inputs_correct is not None and case.after_inputs_correct is not None
    ]


def _rate_change(before: RateEstimate, after: RateEstimate) -> float | None:
    if not (before.n and after.n):
        return None
    return float(Fraction(after.successes, after.n) - Fraction(before.successes, before.n))


def detectable_changes(cases: Sequence[PairedCase], alpha: float) -> DetectableChanges:
    """The minimum detectable changes of robustness and accuracy for these paired prompts."""
    requests = [float(int(new) - int(old)) for old, new in _accuracy_pairs(cases)]
    return DetectableChanges(
        robustness=detectable_change([float(d) for d in robustness_differences(cases)], alpha, sided="one-sided"),
        accuracy_inputs=detectable_change(ratio_residuals(_input_accuracy_changes(cases)), alpha, sided="two-sided"),
        accuracy_requests=detectable_change(requests, alpha, sided="two-sided"),
    )


def paired_statistics(
    cases: Sequence[PairedCase], before: SideSummary, after: SideSummary, confidence: float, seed: int
) -> PairedStatistics:
    """Every paired test of after against before, over the paired cases."""
    differences = robustness_differences(cases)
    latency_change = None
    if before.median_latency_s and after.median_latency_s is not None:
        latency_change = after.median_latency_s / before.median_latency_s - 1.0
    return PairedStatistics(
        n_pairs=len(differences),
        wilcoxon=wilcoxon_greater(differences),
        bootstrap=mean_difference_interval(differences, confidence, seed),
        accuracy_flips=mcnemar_exact(_accuracy_pairs(cases)),
        effect=effect_size(differences),
        improved=sum(1 for d in differences if d > 0),
        regressed=sum(1 for d in differences if d < 0),
        unchanged=sum(1 for d in differences if d == 0),
        fixed_cases=[case.case_id for case in cases if case.change == "fixed"],
        newly_broken_cases=[case.case_id for case in cases if case.change == "newly_broken"],
        accuracy_change=_rate_change(before.accuracy, after.accuracy),
        input_accuracy_change=input_accuracy_change(_input_accuracy_changes(cases), confidence, seed),
        latency_change=latency_change,
        request_accuracy_change=mean_difference_interval(
            [Fraction(int(new) - int(old)) for old, new in _accuracy_pairs(cases)], confidence, seed
        ),
        detectable=detectable_changes(cases, 1.0 - confidence),
    )
