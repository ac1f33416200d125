"""The gates of `validate`, and the one rule that turns their results into an exit code.

Each gate is a pure function of the figures it judges and the ``GateSettings``,
and returns a ``GateResult`` with the exact, unrounded figure it was decided
on. Every gate can be switched off (its setting None): it is then skipped.

Thresholds are compared exactly where the figure is a ratio of counts (as
fractions of the threshold's decimal spelling), so an accuracy drop of
exactly 0.02 passes ``max_accuracy_drop = 0.02``.

The verdict: any failed gate fails (exit 1); else any inconclusive gate is
inconclusive (exit 3); else the run passes (exit 0). Skipped gates decide
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from tokdrift_cli.core.comparison import PairedCase, PairedStatistics, SideSummary, robustness_differences
from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE, BootstrapInterval, RateEstimate, exact_decimal, wilson
from tokdrift_cli.errors import ExitCode

GateName = Literal["robustness", "robustness_gain", "significance", "accuracy", "latency", "fragile_fixed"]
GateStatus = Literal["passed", "failed", "inconclusive", "skipped"]
Verdict = Literal["passed", "failed", "inconclusive"]
# How a change is gated: its point estimate, or the lower end of its paired bootstrap interval.
ChangeGate = Literal["point", "lower-bound"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GateSettings(_Frozen):
    """What `validate` checks. Every gate can be switched off with None.

    * ``fail_under`` - pooled after-robustness must be >= this (``gate_on="mean"``),
      or its Wilson lower bound must be (``gate_on="lower-bound"``; an interval
      that straddles the threshold is inconclusive). Robustness is over decided
      variants; a gate whose result depends on which way the undecided
      variants go is inconclusive.
    * ``alpha`` - one-sided paired Wilcoxon p must be < alpha (needs a before).
      Intervals are two-sided at ``1 - alpha`` (0.95 when alpha is None).
    * ``min_robustness_gain`` - the mean per-prompt robustness difference (after - before) must be
      >= this (needs a before); ``robustness_gate="lower-bound"``: the lower end of its paired
      bootstrap interval must be, an interval straddling the limit is inconclusive.
    * ``max_accuracy_drop`` - before accuracy - after accuracy must be <= this (absolute),
      on every input (``accuracy_on="inputs"``, the default: each request and each variant against
      the prompt's gold) or on the requests (``"requests"``: one per prompt; with 18 prompts one
      flipped request is 5.6 points, so a 2-point limit on requests allows no flip at all).
      ``accuracy_gate="lower-bound"`` makes it a non-inferiority test: the lower end of the paired
      bootstrap interval of the change (prompts resampled) must be >= -max_accuracy_drop, and an
      interval straddling the limit is inconclusive.
    * ``max_latency_increase`` - after median latency / before median - 1 must be <= this.
    * ``min_fixed`` - an improvement claim (a before is given and the mean
      per-prompt difference is > 0) must fix at least min(min_fixed, fragile
      prompts before) fragile prompts.
    """

    fail_under: float | None = Field(default=None, ge=0.0, le=1.0)
    gate_on: Literal["mean", "lower-bound"] = "mean"
    alpha: float | None = Field(default=0.05, gt=0.0, lt=1.0)
    min_robustness_gain: float | None = Field(default=0.05, ge=-1.0, le=1.0)
    robustness_gate: ChangeGate = "point"
    max_accuracy_drop: float | None = Field(default=0.02, ge=0.0, le=1.0)
    accuracy_on: Literal["requests", "inputs"] = "inputs"
    accuracy_gate: ChangeGate = "point"
    max_latency_increase: float | None = Field(default=0.20, ge=0.0)
    min_fixed: int | None = Field(default=3, ge=0)
    fragile_threshold: float = Field(default=0.9, ge=0.0, le=1.0)

    @property
    def confidence(self) -> float:
        return 1.0 - self.alpha if self.alpha is not None else DEFAULT_CONFIDENCE

    def checks_anything(self, paired: bool) -> bool:
        """Whether any gate is on; without a before only the robustness gate can run."""
        if self.fail_under is not None:
            return True
        others = (
            self.alpha, self.min_robustness_gain, self.max_accuracy_drop, self.max_latency_increase, self.min_fixed
        )
        return paired and any(value is not None for value in others)


class GateResult(_Frozen):
    name: GateName
    status: GateStatus
    value: float | None = None  # the exact, unrounded figure the gate was decided on
    threshold: float | None = None
    n: int | None = None
    explanation: str


class ValidationSummary(_Frozen):
    """The verdict over every gate, derived from their results (never decided apart from them)."""

    verdict: Verdict
    exit_code: int
    failed_gates: list[GateName]
    inconclusive_gates: list[GateName]


# --- the verdict -----------------------------------------------------------------------------------


class HasStatus(Protocol):
    @property
    def status(self) -> str: ...


def gates_exit_code(gates: Sequence[HasStatus]) -> ExitCode:
    """1 when a gate (or a history check) failed, else 3 when one was inconclusive, else 0: failure outranks doubt."""
    statuses = {gate.status for gate in gates}
    if "failed" in statuses:
        return ExitCode.GATE_FAILED
    if "inconclusive" in statuses:
        return ExitCode.INCONCLUSIVE
    return ExitCode.OK


VERDICTS: dict[ExitCode, Verdict] = {
    ExitCode.OK: "passed",
    ExitCode.GATE_FAILED: "failed",
    ExitCode.INCONCLUSIVE: "inconclusive",
}


def summarise_gates(gates: Sequence[GateResult]) -> ValidationSummary:
    code = gates_exit_code(gates)
    return ValidationSummary(
        verdict=VERDICTS[code],
        exit_code=int(code),
        failed_gates=[gate.name for gate in gates if gate.status == "failed"],
        inconclusive_gates=[gate.name for gate in gates if gate.status == "inconclusive"],
    )


# --- the gates -------------------------------------------------------------------------------------


def evaluate_gates(
    cases: Sequence[PairedCase],
    before: SideSummary | None,
    after: SideSummary,
    statistics: PairedStatistics | None,
    settings: GateSettings,
) -> list[GateResult]:
    """Every gate, in the order they are reported."""
    return [
        robustness_gate(after, settings),
        robustness_gain_gate(cases, statistics, settings),
        significance_gate(statistics, settings),
        accuracy_gate(before, after, statistics, settings),
        latency_gate(before, after, settings),
        fragile_fixed_gate(cases, statistics, settings),
    ]


def robustness_gate(after: SideSummary, settings: GateSettings) -> GateResult:
    """The after run's pooled robustness (or its Wilson bounds) against ``fail_under``.

    Robustness is over decided variants. When some variants are undecided, the gate is decided on
    both ways they could go (every one same, every one different): if the two agree, that is the
    result; if they disagree, the undecided variants decide the gate, and it is inconclusive.
    """
    fail_under = settings.fail_under
    if fail_under is None:
        return GateResult(name="robustness", status="skipped", explanation="not requested (no --fail-under)")
    estimate = after.robustness
    undecided = after.undecided_share.successes if after.undecided_share is not None else 0
    where = f"n={estimate.n} variants over {after.measured_cases} prompts"
    if undecided == 0 or estimate.n == 0:
        return _robustness_decision(estimate, where, settings)
    worst, best = (
        _robustness_decision(
            wilson(estimate.successes + extra, estimate.n + undecided, estimate.confidence),
            f"n={estimate.n + undecided} variants, the {undecided} undecided counted as {counted}",
            settings,
        )
        for extra, counted in ((0, "different"), (undecided, "same"))
    )
    decided = f"decided robustness {estimate.rate} ({where}), {undecided} undecided"
    if worst.status == best.status:
        return worst.model_copy(
            update={"explanation": f"{worst.explanation}; the same with them counted as same; {decided}"}
        )
    return GateResult(
        name="robustness",
        status="inconclusive",
        value=estimate.rate,
        threshold=fail_under,
        n=estimate.n,
        explanation=f"the undecided variants decide the gate: {worst.explanation}; but {best.explanation}; "
        f"{decided}",
    )


def _robustness_decision(estimate: RateEstimate, where: str, settings: GateSettings) -> GateResult:
    """The robustness gate on one estimate; ``where`` says what it was counted over."""
    fail_under = settings.fail_under
    assert fail_under is not None
    if estimate.n == 0 or estimate.rate is None or estimate.low is None or estimate.high is None:
        return GateResult(
            name="robustness",
            status="inconclusive",
            threshold=fail_under,
            n=0,
            explanation="no decided variant in the after baseline: robustness unknown",
        )
    if settings.gate_on == "mean":
        passed = Fraction(estimate.successes, estimate.n) >= exact_decimal(fail_under)
        return GateResult(
            name="robustness",
            status="passed" if passed else "failed",
            value=estimate.rate,
            threshold=fail_under,
            n=estimate.n,
            explanation=f"robustness {estimate.rate} {'>=' if passed else '<'} fail-under {fail_under} ({where})",
        )
    level = f"{estimate.confidence:.0%}"
    if estimate.low < fail_under <= estimate.high:
        return GateResult(
            name="robustness",
            status="inconclusive",
            value=estimate.low,
            threshold=fail_under,
            n=estimate.n,
            explanation=f"robustness {level} Wilson interval [{estimate.low}, {estimate.high}] straddles fail-under "
            f"{fail_under} (rate {estimate.rate}, {where}); more prompts or variants are needed to decide",
        )
    passed = estimate.low >= fail_under
    bound = f"lower bound {estimate.low} >=" if passed else f"upper bound {estimate.high} <"
    return GateResult(
        name="robustness",
        status="passed" if passed else "failed",
        value=estimate.low if passed else estimate.high,
        threshold=fail_under,
        n=estimate.n,
        explanation=f"robustness {bound} fail-under {fail_under} "
        f"(rate {estimate.rate}, {level} Wilson interval, {where})",
    )


def significance_gate(statistics: PairedStatistics | None, settings: GateSettings) -> GateResult:
    """The one-sided Wilcoxon p against ``alpha``; inconclusive when too few prompts changed to test."""
    alpha = settings.alpha
    if alpha is None:
        return GateResult(name="significance", status="skipped", explanation="switched off (alpha off)")
    if statistics is None:
        return GateResult(name="significance", status="skipped", threshold=alpha, explanation="needs --before")
    test = statistics.wilcoxon
    if test.p_value is None:
        return GateResult(
            name="significance",
            status="inconclusive",
            threshold=alpha,
            n=test.n_nonzero,
            explanation=f"too few pairs for the Wilcoxon test: {test.note}",
        )
    passed = test.p_value < alpha
    return GateResult(
        name="significance",
        status="passed" if passed else "failed",
        value=test.p_value,
        threshold=alpha,
        n=test.n_nonzero,
        explanation=f"one-sided Wilcoxon p {test.p_value} {'<' if passed else '>='} alpha {alpha} "
        f"({test.n_nonzero} changed of n={test.n_pairs} paired prompts)"
        + ("" if passed else ": no significant robustness improvement"),
    )


def robustness_gain_gate(
    cases: Sequence[PairedCase], statistics: PairedStatistics | None, settings: GateSettings
) -> GateResult:
    """The mean per-prompt robustness gain (or the lower end of its bootstrap interval) against
    ``min_robustness_gain``; the point figure is computed exactly from the paired prompts."""
    minimum = settings.min_robustness_gain
    if minimum is None:
        return GateResult(
            name="robustness_gain", status="skipped", explanation="switched off (min-robustness-gain off)"
        )
    if statistics is None:
        return GateResult(name="robustness_gain", status="skipped", threshold=minimum, explanation="needs --before")
    differences = robustness_differences(cases)
    if not differences:
        return GateResult(
            name="robustness_gain", status="inconclusive", threshold=minimum, n=0,
            explanation="no prompt is measured on both sides: no gain to measure",
        )
    gain = sum(differences, Fraction(0)) / len(differences)
    where = f"n={len(differences)} paired prompts"
    if settings.robustness_gate == "point":
        passed = gain >= exact_decimal(minimum)
        return GateResult(
            name="robustness_gain", status="passed" if passed else "failed", value=float(gain), threshold=minimum,
            n=len(differences),
            explanation=f"mean robustness gain {float(gain)} {'>=' if passed else '<'} min-robustness-gain "
            f"{minimum} ({where})",
        )
    return _lower_bound_decision("robustness_gain", "mean robustness gain", statistics.bootstrap, minimum, where)


def _lower_bound_decision(
    name: GateName, figure: str, interval: BootstrapInterval | None, minimum: float, where: str
) -> GateResult:
    """A change gated on its paired bootstrap interval: the lower end >= ``minimum`` passes, the upper
    end < ``minimum`` fails, and an interval that straddles it is inconclusive (more prompts decide)."""
    if interval is None or interval.low is None or interval.high is None:
        note = interval.note if interval is not None and interval.note else "no interval"
        return GateResult(
            name=name, status="inconclusive", threshold=minimum, n=interval.n if interval else 0,
            explanation=f"{figure}: {note}; the lower-bound gate needs an interval",
        )
    level = f"{interval.confidence:.0%}"
    span = f"{level} paired bootstrap interval [{interval.low}, {interval.high}] (estimate {interval.estimate}, {where})"
    if interval.low >= minimum:
        return GateResult(
            name=name, status="passed", value=interval.low, threshold=minimum, n=interval.n,
            explanation=f"{figure} lower bound {interval.low} >= {minimum}: {span}",
        )
    if interval.high < minimum:
        return GateResult(
            name=name, status="failed", value=interval.high, threshold=minimum, n=interval.n,
            explanation=f"{figure} upper bound {interval.high} < {minimum}: {span}",
        )
    return GateResult(
        name=name, status="inconclusive", value=interval.low, threshold=minimum, n=interval.n,
        explanation=f"{figure}: the {span} straddles {minimum}; more prompts are needed to decide",
    )


def accuracy_gate(
    before: SideSummary | None, after: SideSummary, statistics: PairedStatistics | None, settings: GateSettings
) -> GateResult:
    """The accuracy drop, on every input or on the requests, against ``max_accuracy_drop``: the point
    drop, or (``accuracy_gate="lower-bound"``) the lower end of the change's paired bootstrap interval."""
    limit = settings.max_accuracy_drop
    if limit is None:
        return GateResult(name="accuracy", status="skipped", explanation="switched off (max-accuracy-drop off)")
    if before is None:
        return GateResult(name="accuracy", status="skipped", threshold=limit, explanation="needs --before")
    on_inputs = settings.accuracy_on == "inputs"
    old, new = (before.input_accuracy, after.input_accuracy) if on_inputs else (before.accuracy, after.accuracy)
    if old is None or new is None or old.n == 0 or new.n == 0:
        return GateResult(
            name="accuracy", status="inconclusive", threshold=limit, n=0, explanation="no cases to measure accuracy on"
        )
    counted = f"{new.n} inputs (requests and variants)" if on_inputs else f"{new.n} prompts"
    if settings.accuracy_gate == "lower-bound":
        assert statistics is not None  # a before always comes with its statistics
        interval = statistics.input_accuracy_change if on_inputs else statistics.request_accuracy_change
        figure = "accuracy change " + ("over every input" if on_inputs else "on the requests")
        result = _lower_bound_decision("accuracy", figure, interval, -limit, f"n={counted}")
        # Shown as a drop beside the limit the user set: the largest (or, failed, the smallest) drop allowed.
        value = None if result.value is None else 0.0 - result.value  # never -0.0
        return result.model_copy(update={"threshold": limit, "value": value})
    drop = Fraction(old.successes, old.n) - Fraction(new.successes, new.n)
    passed = drop <= exact_decimal(limit)
    return GateResult(
        name="accuracy",
        status="passed" if passed else "failed",
        value=float(drop),
        threshold=limit,
        n=new.n,
        explanation=f"accuracy drop {float(drop)} {'<=' if passed else '>'} max-accuracy-drop {limit} "
        f"(accuracy {old.rate} -> {new.rate}, n={counted})",
    )


def latency_gate(before: SideSummary | None, after: SideSummary, settings: GateSettings) -> GateResult:
    """The relative increase of the median latency per generation against ``max_latency_increase``."""
    limit = settings.max_latency_increase
    if limit is None:
        return GateResult(name="latency", status="skipped", explanation="switched off (max-latency-increase off)")
    if before is None:
        return GateResult(name="latency", status="skipped", threshold=limit, explanation="needs --before")
    if not before.median_latency_s or after.median_latency_s is None:
        return GateResult(
            name="latency",
            status="inconclusive",
            threshold=limit,
            explanation=f"no timed generations to compare (generations with an LM call: "
            f"before {before.latency_n}, after {after.latency_n})",
        )
    increase = after.median_latency_s / before.median_latency_s - 1.0
    passed = increase <= limit
    return GateResult(
        name="latency",
        status="passed" if passed else "failed",
        value=increase,
        threshold=limit,
        n=after.latency_n,
        explanation=f"median latency increase {increase} {'<=' if passed else '>'} max-latency-increase {limit} "
        f"(median {before.median_latency_s} s over n={before.latency_n} -> {after.median_latency_s} s over "
        f"n={after.latency_n} generations)",
    )


def fragile_fixed_gate(
    cases: Sequence[PairedCase], statistics: PairedStatistics | None, settings: GateSettings
) -> GateResult:
    """An improvement claim must fix min(min_fixed, prompts fragile before) fragile prompts.

    Capped so that a run fixing every fragile prompt there was is never
    failed for there being too few; skipped when the mean difference is not > 0.
    """
    minimum = settings.min_fixed
    if minimum is None:
        return GateResult(name="fragile_fixed", status="skipped", explanation="switched off (min-fixed off)")
    if statistics is None:
        return GateResult(name="fragile_fixed", status="skipped", threshold=minimum, explanation="needs --before")
    mean = statistics.effect.mean_difference
    if mean is None or mean <= 0:
        reason = (
            "no prompt is measured on both sides: no improvement to check"
            if mean is None
            else f"not an improvement claim (mean robustness difference {mean} <= 0)"
        )
        return GateResult(name="fragile_fixed", status="skipped", threshold=minimum, explanation=reason)
    fragile_before = sum(1 for case in cases if case.fragile_before and case.fragile_after is not None)
    required = min(minimum, fragile_before)
    fixed = len(statistics.fixed_cases)
    passed = fixed >= required
    return GateResult(
        name="fragile_fixed",
        status="passed" if passed else "failed",
        value=float(fixed),
        threshold=float(required),
        n=fragile_before,
        explanation=f"fixed {fixed} of {fragile_before} fragile prompts {'>=' if passed else '<'} required {required} "
        f"(min-fixed {minimum}, fragile below {settings.fragile_threshold}; "
        f"newly broken {len(statistics.newly_broken_cases)})",
    )
