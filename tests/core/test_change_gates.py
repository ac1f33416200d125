"""The gain and accuracy gates on the point change or on the lower end of its paired bootstrap interval,
and the minimum detectable change."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from scipy.stats import norm

from tests.core.test_gates import rate, side, statistics
from tokdrift_cli.core.comparison import PairedCase, PairedStatistics, detectable_changes
from tokdrift_cli.core.gates import GateSettings, accuracy_gate, robustness_gain_gate
from tokdrift_cli.core.stats import BootstrapInterval, RateEstimate, detectable_change, ratio_residuals


def interval(low: float | None, high: float | None, estimate: float = 0.0, n: int = 20) -> BootstrapInterval:
    return BootstrapInterval(
        n=n, estimate=estimate, low=low, high=high, confidence=0.95, n_resamples=10_000, seed=0,
        note=None if low is not None else "not run: needs at least 2 paired prompts",
    )


def with_intervals(**intervals: BootstrapInterval) -> PairedStatistics:
    return statistics().model_copy(update=intervals)


def paired(before: tuple[int, int], after: tuple[int, int], index: int = 0, **extra: object) -> PairedCase:
    return PairedCase(
        case_id=f"c{index}", category="c",
        before_robustness=RateEstimate(successes=before[0], n=before[1], rate=before[0] / before[1], low=0, high=1),
        after_robustness=RateEstimate(successes=after[0], n=after[1], rate=after[0] / after[1], low=0, high=1),
        change="improved", **extra,  # type: ignore[arg-type]
    )


# --- the robustness gain gate ------------------------------------------------------------------------


def test_gain_gate_on_the_point_compares_the_exact_mean_difference() -> None:
    # 1/10 + 0/10 over two prompts: a mean gain of exactly 0.05 passes a 0.05 limit.
    cases = [paired((0, 10), (1, 10), 0), paired((5, 10), (5, 10), 1)]
    result = robustness_gain_gate(cases, statistics(), GateSettings(min_robustness_gain=0.05))
    assert (result.status, result.value, result.n) == ("passed", 0.05, 2)
    failed = robustness_gain_gate(cases, statistics(), GateSettings(min_robustness_gain=0.06))
    assert failed.status == "failed" and "0.05 < min-robustness-gain 0.06" in failed.explanation


@pytest.mark.parametrize(
    ("low", "high", "status", "value"),
    [
        (0.06, 0.30, "passed", 0.06),
        (-0.10, 0.04, "failed", 0.04),
        (0.01, 0.30, "inconclusive", 0.01),  # straddles 0.05
        (None, None, "inconclusive", None),  # no interval: cannot be decided on its bound
    ],
)
def test_gain_gate_on_the_lower_bound(low: float | None, high: float | None, status: str, value: float | None) -> None:
    cases = [paired((0, 10), (5, 10))]
    settings = GateSettings(min_robustness_gain=0.05, robustness_gate="lower-bound")
    result = robustness_gain_gate(cases, with_intervals(bootstrap=interval(low, high)), settings)
    assert (result.status, result.value, result.threshold) == (status, value, 0.05)
    if status == "inconclusive" and low is not None:
        assert "straddles 0.05" in result.explanation


def test_gain_gate_skips_or_doubts_without_pairs() -> None:
    assert robustness_gain_gate([], None, GateSettings()).explanation == "needs --before"
    assert robustness_gain_gate([], statistics(), GateSettings(min_robustness_gain=None)).status == "skipped"
    assert robustness_gain_gate([], statistics(), GateSettings()).status == "inconclusive"


# --- the accuracy gate as a non-inferiority test -------------------------------------------------------


@pytest.mark.parametrize(
    ("accuracy_on", "field"), [("inputs", "input_accuracy_change"), ("requests", "request_accuracy_change")]
)
@pytest.mark.parametrize(
    ("low", "high", "status", "value"),
    [
        (-0.017, 0.034, "passed", 0.017),  # the worst drop the interval allows is inside the 2-point limit
        (-0.20, -0.03, "failed", 0.03),  # even the smallest drop is over it
        (-0.049, 0.051, "inconclusive", 0.049),  # straddles -0.02
    ],
)
def test_accuracy_gate_on_the_lower_bound(
    accuracy_on: str, field: str, low: float, high: float, status: str, value: float
) -> None:
    settings = GateSettings(accuracy_on=accuracy_on, accuracy_gate="lower-bound")  # type: ignore[arg-type]
    before = side(input_accuracy=rate(84, 120))
    after = side(input_accuracy=rate(85, 120))
    result = accuracy_gate(before, after, with_intervals(**{field: interval(low, high)}), settings)
    assert result.status == status and result.threshold == 0.02
    assert result.value == pytest.approx(value)


def test_accuracy_point_gate_ignores_the_interval() -> None:
    stats = with_intervals(input_accuracy_change=interval(-0.3, 0.3))
    result = accuracy_gate(side(input_accuracy=rate(84, 120)), side(input_accuracy=rate(85, 120)), stats, GateSettings())
    assert result.status == "passed" and result.value == float(Fraction(84, 120) - Fraction(85, 120))


# --- the minimum detectable change ---------------------------------------------------------------------


def test_detectable_change_is_the_normal_power_formula() -> None:
    differences = [0.0, 0.5, 1.0, 0.25, -0.25, 0.5]
    mean = sum(differences) / 6
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / 5)
    one = detectable_change(differences, 0.05, sided="one-sided")
    assert one.standard_error == pytest.approx(sd / math.sqrt(6))
    assert one.change == pytest.approx((norm.ppf(0.95) + norm.ppf(0.8)) * sd / math.sqrt(6))
    two = detectable_change(differences, 0.05, sided="two-sided")
    assert two.change == pytest.approx((norm.ppf(0.975) + norm.ppf(0.8)) * sd / math.sqrt(6))
    # Four times the prompts (the same spread): about half the detectable change.
    quadrupled = detectable_change(differences * 4, 0.05, sided="one-sided").change
    assert quadrupled is not None and one.change is not None
    assert quadrupled == pytest.approx(one.change / 2, rel=0.1)


def test_detectable_change_is_none_without_variance_or_pairs() -> None:
    assert detectable_change([0.2], 0.05, sided="one-sided").change is None
    flat = detectable_change([0.2, 0.2, 0.2], 0.05, sided="one-sided")
    assert flat.change is None and flat.standard_error == 0.0 and "do not vary" in (flat.note or "")


def test_ratio_residuals_give_the_cluster_ratio_standard_error() -> None:
    per_prompt = [(1, 7), (-2, 7), (0, 5), (3, 9)]
    residuals = ratio_residuals(per_prompt)
    ratio = 2 / 28
    assert residuals[0] == pytest.approx((1 - ratio * 7) / 7)
    assert sum(residuals) == pytest.approx(0.0)
    assert ratio_residuals([]) == []


def test_detectable_changes_of_paired_cases() -> None:
    cases = [
        paired((0, 4), (index % 3, 4), index, inputs=5, before_inputs_correct=3, after_inputs_correct=3 + index % 2,
               before_correct=True, after_correct=index % 4 != 0)
        for index in range(12)
    ]
    found = detectable_changes(cases, 0.05)
    assert found.robustness.n == found.accuracy_inputs.n == found.accuracy_requests.n == 12
    assert found.robustness.sided == "one-sided" and found.accuracy_inputs.sided == "two-sided"
    changes = (found.robustness.change, found.accuracy_inputs.change, found.accuracy_requests.change)
    assert all(change is not None and change > 0 for change in changes)
