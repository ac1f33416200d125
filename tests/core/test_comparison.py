"""Paired figures from hand-made paired prompts: which prompts count, and every difference exact."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tokdrift_cli.core.comparison import CaseChange, PairedCase, SideSummary, paired_statistics, robustness_differences
from tokdrift_cli.core.stats import RateEstimate


def rate(successes: int, n: int) -> RateEstimate:
    value = successes / n if n else None
    return RateEstimate(successes=successes, n=n, rate=value, low=value, high=value)


def case(
    name: str, before: tuple[int, int], after: tuple[int, int], change: CaseChange = "unchanged", **fields: object
) -> PairedCase:
    return PairedCase(
        case_id=name, category="c", before_robustness=rate(*before), after_robustness=rate(*after), change=change,
        **fields,  # type: ignore[arg-type]
    )


def side(accuracy: RateEstimate, latency: float | None) -> SideSummary:
    return SideSummary(
        cases=4, measured_cases=4, robustness=rate(1, 2), mean_prompt_robustness=None, accuracy=accuracy,
        robust_accuracy=accuracy, median_latency_s=latency, latency_n=4, fragile_cases=[],
    )


CASES = [
    case("a", (1, 3), (3, 3), "fixed", before_correct=False, after_correct=True, inputs=4,
         before_inputs_correct=1, after_inputs_correct=4),
    case("b", (2, 3), (1, 3), "newly_broken", before_correct=True, after_correct=False, inputs=4,
         before_inputs_correct=3, after_inputs_correct=2),
    case("c", (1, 2), (1, 2), before_correct=True, after_correct=True),
    case("d", (0, 0), (2, 2), "unmeasured"),  # the before original failed: no difference to take
    case("e", (2, 2), (0, 0), "unmeasured"),
]


def test_differences_are_exact_and_skip_prompts_unmeasured_on_either_side() -> None:
    assert robustness_differences(CASES) == [Fraction(2, 3), Fraction(-1, 3), Fraction(0)]
    single = PairedCase(case_id="s", category="c", after_robustness=rate(1, 2), change="single")
    assert robustness_differences([single]) == []


def test_paired_statistics_over_the_paired_prompts() -> None:
    stats = paired_statistics(CASES, side(rate(2, 4), 2.0), side(rate(3, 4), 1.5), 0.95, seed=0)

    assert (stats.n_pairs, stats.improved, stats.regressed, stats.unchanged) == (3, 1, 1, 1)
    assert stats.fixed_cases == ["a"] and stats.newly_broken_cases == ["b"]
    assert stats.effect.mean_difference == float(Fraction(1, 9))
    assert stats.wilcoxon.p_value is None  # 2 changed prompts are below the minimum
    assert (stats.accuracy_flips.wrong_to_right, stats.accuracy_flips.right_to_wrong) == (1, 1)
    assert stats.accuracy_change == 0.25 and stats.latency_change == pytest.approx(-0.25)
    assert stats.input_accuracy_change is not None and stats.input_accuracy_change.estimate == 2 / 8


def test_changes_are_none_without_gold_or_timing() -> None:
    stats = paired_statistics(CASES, side(rate(0, 0), None), side(rate(3, 4), 1.0), 0.95, seed=0)
    assert stats.accuracy_change is None and stats.latency_change is None
