"""The gates as pure functions of hand-made figures, and the one rule from gate results to an exit code."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tokdrift_cli.core.comparison import PairedCase, PairedStatistics, SideSummary
from tokdrift_cli.core.gates import (
    GateResult,
    GateSettings,
    GateStatus,
    accuracy_gate,
    evaluate_gates,
    fragile_fixed_gate,
    gates_exit_code,
    latency_gate,
    robustness_gate,
    significance_gate,
    summarise_gates,
)
from tokdrift_cli.core.robustness import Tally
from tokdrift_cli.core.stats import (
    RateEstimate,
    WilcoxonResult,
    effect_size,
    mcnemar_exact,
    mean_difference_interval,
)
from tokdrift_cli.errors import ExitCode

OFF = {"alpha": None, "min_robustness_gain": None, "max_accuracy_drop": None, "max_latency_increase": None, "min_fixed": None}


def rate(successes: int, n: int, low: float | None = None, high: float | None = None) -> RateEstimate:
    """A rate with chosen bounds: the gates read the bounds, they do not recompute them."""
    value = successes / n if n else None
    return RateEstimate(
        successes=successes,
        n=n,
        rate=value,
        low=value if low is None else low,
        high=value if high is None else high,
    )


def side(
    robustness: RateEstimate | None = None,
    accuracy: RateEstimate | None = None,
    input_accuracy: RateEstimate | None = None,
    median_latency_s: float | None = 1.0,
) -> SideSummary:
    accuracy = accuracy or rate(50, 100)
    return SideSummary(
        cases=10,
        measured_cases=10,
        robustness=robustness or rate(9, 10),
        mean_prompt_robustness=None,
        accuracy=accuracy,
        robust_accuracy=accuracy,
        input_accuracy=input_accuracy,
        median_latency_s=median_latency_s,
        latency_n=20,
        fragile_cases=[],
    )


def statistics(
    p_value: float | None = 0.01, mean: float = 0.1, fixed: int = 3, newly_broken: int = 0
) -> PairedStatistics:
    differences = [Fraction(mean).limit_denominator(1000)] * 8
    return PairedStatistics(
        n_pairs=8,
        wilcoxon=WilcoxonResult(
            n_pairs=8, n_nonzero=8 if mean else 0, p_value=p_value, note=None if p_value else "not run: too few"
        ),
        bootstrap=mean_difference_interval([], 0.95, 0),
        accuracy_flips=mcnemar_exact([]),
        effect=effect_size(differences),
        improved=8,
        regressed=0,
        unchanged=0,
        fixed_cases=[f"fixed{i}" for i in range(fixed)],
        newly_broken_cases=[f"broken{i}" for i in range(newly_broken)],
        accuracy_change=None,
        latency_change=None,
    )


def fragile_case(index: int, *, fixed: bool) -> PairedCase:
    return PairedCase(
        case_id=f"case{index}",
        category="c",
        before_robustness=rate(1, 2),
        after_robustness=rate(2, 2) if fixed else rate(1, 2),
        fragile_before=True,
        fragile_after=not fixed,
        change="fixed" if fixed else "unchanged",
    )


def gate(status: GateStatus) -> GateResult:
    return GateResult(name="robustness", status=status, explanation=status)


# --- the exit code -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], ExitCode.OK),
        (["skipped"], ExitCode.OK),
        (["passed"], ExitCode.OK),
        (["passed", "skipped", "passed"], ExitCode.OK),
        (["inconclusive"], ExitCode.INCONCLUSIVE),
        (["passed", "inconclusive", "skipped"], ExitCode.INCONCLUSIVE),
        (["failed"], ExitCode.GATE_FAILED),
        (["passed", "failed"], ExitCode.GATE_FAILED),
        (["inconclusive", "failed"], ExitCode.GATE_FAILED),  # failure outranks doubt, in either order
        (["failed", "inconclusive"], ExitCode.GATE_FAILED),
        (["skipped", "skipped", "failed", "passed", "inconclusive"], ExitCode.GATE_FAILED),
    ],
)
def test_exit_code_from_gate_results(statuses: list[GateStatus], expected: ExitCode) -> None:
    gates = [gate(status) for status in statuses]
    assert gates_exit_code(gates) is expected
    summary = summarise_gates(gates)
    assert summary.exit_code == int(expected)
    assert summary.verdict == {0: "passed", 1: "failed", 3: "inconclusive"}[int(expected)]
    assert summary.failed_gates == ["robustness"] * statuses.count("failed")
    assert summary.inconclusive_gates == ["robustness"] * statuses.count("inconclusive")


# --- the robustness gate -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "fail_under", "status"),
    [
        (9, 10, 0.9, "passed"),  # exactly at the threshold passes: 9/10 is not compared as a binary float
        (7, 10, 0.7, "passed"),
        (89, 100, 0.9, "failed"),
        (10, 10, 1.0, "passed"),
        (0, 10, 0.0, "passed"),
    ],
)
def test_robustness_on_the_mean_compares_exactly(successes: int, n: int, fail_under: float, status: str) -> None:
    result = robustness_gate(side(robustness=rate(successes, n)), GateSettings(fail_under=fail_under))
    assert result.status == status
    assert result.value == successes / n and result.threshold == fail_under and result.n == n


@pytest.mark.parametrize(
    ("low", "high", "status", "value"),
    [
        (0.90, 0.99, "passed", 0.90),  # the lower bound at the threshold passes
        (0.80, 0.89, "failed", 0.89),  # the upper bound below it fails, on the upper bound
        (0.80, 0.90, "inconclusive", 0.80),  # straddles: the upper bound reaches the threshold
        (0.85, 0.95, "inconclusive", 0.85),
    ],
)
def test_robustness_on_the_lower_bound(low: float, high: float, status: str, value: float) -> None:
    settings = GateSettings(fail_under=0.9, gate_on="lower-bound")
    result = robustness_gate(side(robustness=rate(88, 100, low, high)), settings)
    assert (result.status, result.value) == (status, value)
    assert "Wilson interval" in result.explanation


def test_robustness_skipped_without_fail_under_and_inconclusive_without_variants() -> None:
    assert robustness_gate(side(), GateSettings()).status == "skipped"
    empty = RateEstimate(successes=0, n=0, rate=None, low=None, high=None)
    result = robustness_gate(side(robustness=empty), GateSettings(fail_under=0.5))
    assert result.status == "inconclusive" and result.n == 0


# --- significance, accuracy, latency ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("p_value", "status"), [(0.049, "passed"), (0.05, "failed"), (0.2, "failed"), (None, "inconclusive")]
)
def test_significance_is_p_strictly_below_alpha(p_value: float | None, status: str) -> None:
    result = significance_gate(statistics(p_value=p_value), GateSettings(alpha=0.05))
    assert result.status == status and result.threshold == 0.05


def test_significance_is_skipped_when_off_or_without_a_before() -> None:
    assert significance_gate(statistics(), GateSettings(alpha=None)).status == "skipped"
    assert significance_gate(None, GateSettings()).explanation == "needs --before"


@pytest.mark.parametrize(
    ("before", "after", "status"),
    [
        (50, 48, "passed"),  # 0.5 - 0.48 is 0.020000000000000018 in floats, exactly 0.02 as fractions: passes
        (50, 47, "failed"),
        (50, 60, "passed"),  # a gain is never a drop
    ],
)
def test_accuracy_drop_compares_exactly(before: int, after: int, status: str) -> None:
    settings = GateSettings(accuracy_on="requests")
    result = accuracy_gate(side(accuracy=rate(before, 100)), side(accuracy=rate(after, 100)), None, settings)
    assert result.status == status
    assert result.value == pytest.approx((before - after) / 100) and result.n == 100


def test_accuracy_on_inputs_reads_the_input_accuracy() -> None:
    settings = GateSettings(accuracy_on="inputs")
    before, after = side(input_accuracy=rate(300, 400)), side(input_accuracy=rate(292, 400))
    result = accuracy_gate(before, after, None, settings)
    assert result.status == "passed" and result.n == 400 and "inputs (requests and variants)" in result.explanation
    assert accuracy_gate(side(), side(), None, settings).status == "inconclusive"  # files written before it was recorded
    assert accuracy_gate(None, after, None, settings).status == "skipped"


@pytest.mark.parametrize(
    ("before", "after", "status"),
    [(1.0, 1.2, "passed"), (1.0, 1.25, "failed"), (2.0, 1.0, "passed"), (None, 1.0, "inconclusive")],
)
def test_latency_increase(before: float | None, after: float, status: str) -> None:
    result = latency_gate(side(median_latency_s=before), side(median_latency_s=after), GateSettings())
    assert result.status == status


# --- fragile prompts fixed ------------------------------------------------------------------------------


def test_fragile_fixed_is_capped_at_the_prompts_fragile_before() -> None:
    cases = [fragile_case(0, fixed=True), fragile_case(1, fixed=True)]
    result = fragile_fixed_gate(cases, statistics(fixed=2), GateSettings(min_fixed=3))
    assert result.status == "passed" and result.threshold == 2.0 and result.n == 2


def test_fragile_fixed_fails_an_improvement_that_fixes_too_few() -> None:
    cases = [fragile_case(i, fixed=i == 0) for i in range(5)]
    result = fragile_fixed_gate(cases, statistics(fixed=1, newly_broken=1), GateSettings(min_fixed=3))
    assert result.status == "failed" and (result.value, result.threshold) == (1.0, 3.0)
    assert "newly broken 1" in result.explanation


@pytest.mark.parametrize("mean", [0.0, -0.1])
def test_fragile_fixed_applies_only_to_an_improvement_claim(mean: float) -> None:
    result = fragile_fixed_gate([fragile_case(0, fixed=False)], statistics(mean=mean, fixed=0), GateSettings())
    assert result.status == "skipped" and "not an improvement claim" in result.explanation


def test_evaluate_gates_reports_every_gate_in_order() -> None:
    gates = evaluate_gates([], side(), side(), statistics(), GateSettings(fail_under=0.5))
    assert [item.name for item in gates] == [
        "robustness", "robustness_gain", "significance", "accuracy", "latency", "fragile_fixed"
    ]
    single = evaluate_gates([], None, side(), None, GateSettings(fail_under=0.5, **OFF))  # type: ignore[arg-type]
    assert [item.status for item in single] == ["passed", "skipped", "skipped", "skipped", "skipped", "skipped"]


@pytest.mark.parametrize(
    ("settings", "paired", "expected"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"fail_under": 0.5}, False, True),
        (OFF, True, False),
        ({**OFF, "min_fixed": 0}, True, True),
    ],
)
def test_checks_anything(settings: dict[str, object], paired: bool, expected: bool) -> None:
    assert GateSettings(**settings).checks_anything(paired) is expected  # type: ignore[arg-type]


# same, different (decided), undecided -> gate on, fail-under -> status
UNDECIDED_GATE = [
    pytest.param(9, 1, 0, "mean", 0.9, "passed", id="nothing undecided: as before"),
    pytest.param(9, 1, 1, "mean", 0.8, "passed", id="passes either way"),
    pytest.param(5, 5, 2, "mean", 0.9, "failed", id="fails either way"),
    pytest.param(9, 1, 2, "mean", 0.85, "inconclusive", id="0.75 if different, 0.92 if same"),
    pytest.param(0, 0, 4, "mean", 0.5, "inconclusive", id="nothing decided"),
    pytest.param(95, 5, 50, "lower-bound", 0.8, "inconclusive", id="lower bound passes only if same"),
    pytest.param(95, 5, 1, "lower-bound", 0.8, "passed", id="lower bound passes either way"),
]


@pytest.mark.parametrize(("same", "different", "undecided", "gate_on", "fail_under", "expected"), UNDECIDED_GATE)
def test_the_robustness_gate_is_inconclusive_when_the_undecided_could_turn_it(
    same: int, different: int, undecided: int, gate_on: str, fail_under: float, expected: GateStatus
) -> None:
    counts = Tally(same=same, different=different, undecided=undecided)
    after = side(robustness=counts.robustness()).model_copy(update={"undecided_share": counts.undecided_share()})
    settings = GateSettings(fail_under=fail_under, gate_on=gate_on, **OFF)  # type: ignore[arg-type]
    result = robustness_gate(after, settings)
    assert result.status == expected
    if undecided and expected != "inconclusive":
        assert f"{undecided} undecided" in result.explanation
    if expected == "inconclusive" and same + different:
        assert "the undecided variants decide the gate" in result.explanation
