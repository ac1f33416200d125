"""Did the newest run get worse? The decision of `history check`, as pure functions of counts.

Each check compares one figure (robustness, accuracy, input accuracy, sensitivity) of the newest run
with a reference: the previous comparable run, or the pooled counts of a window of the last N
comparable runs. The drop is reference rate - newest rate, computed exactly from the counts.

* A drop is significant when a one-sided test of "the newest rate is lower" gives p < alpha: the
  paired Wilcoxon test of `validate` when the caller has both runs' per-prompt figures (it passes its
  p-value in), otherwise Fisher's exact test on the recorded counts (``scipy.stats.fisher_exact``).
  Fisher's test treats every variant as independent; variants of one prompt are not, so it is a
  little too eager on pooled robustness and input accuracy, which is why the paired test is preferred
  when the artifacts are at hand.
* A drop larger than ``max_drop`` (absolute, compared exactly) fails whatever its p-value.
* A figure one of the two runs did not measure is skipped; a figure with n = 0 on either side cannot
  be judged and is inconclusive, and so is a run with no earlier comparable run.

Why a window: a slide of one point per run is never significant between two neighbouring runs, but it
adds up; the pooled window has many times the evidence of one run and sits several points above the
newest after a few steps, so the window comparison catches what the previous-run comparison cannot,
while noise around a level leaves the window's rate at that level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE, RateEstimate, exact_decimal, wilson

CheckStatus = Literal["passed", "failed", "inconclusive", "skipped"]
Against = Literal["previous", "window", "history"]
TestMethod = Literal["paired wilcoxon", "fisher exact", "kendall trend"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrendSettings(_Frozen):
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    max_drop: float | None = Field(default=None, ge=0.0, le=1.0)
    window: int = Field(default=10, ge=2)


class TrendCheck(_Frozen):
    """One figure of the newest run against one reference, and the decision with the figure it was taken on."""

    metric: str
    against: Against
    status: CheckStatus
    newest: RateEstimate | None = None
    reference: RateEstimate | None = None
    reference_runs: int = 0
    drop: float | None = None  # reference rate - newest rate
    p_value: float | None = None
    method: TestMethod | None = None
    explanation: str

    @property
    def name(self) -> str:
        return self.metric if self.against == "history" else f"{self.metric} vs {self.against}"


def pooled(estimates: Sequence[RateEstimate], confidence: float = DEFAULT_CONFIDENCE) -> RateEstimate:
    """The runs' counts added up: the window's rate, with a Wilson interval over every counted item."""
    return wilson(sum(item.successes for item in estimates), sum(item.n for item in estimates), confidence)


def fisher_drop_p(reference: RateEstimate, newest: RateEstimate) -> float:
    """One-sided Fisher exact p of "the newest rate is lower than the reference's", from the counts."""
    from scipy.stats import fisher_exact

    table = [
        [newest.successes, newest.n - newest.successes],
        [reference.successes, reference.n - reference.successes],
    ]
    return float(fisher_exact(table, alternative="less").pvalue)


def downward_trend_p(rates: Sequence[float]) -> float | None:
    """One-sided p of "the rates fall over the runs" (Mann-Kendall: Kendall's tau of rate against run order,
    ``scipy.stats.kendalltau``); None with fewer than 3 runs or no variation to rank."""
    if len(rates) < 3 or len(set(rates)) < 2:
        return None
    from scipy.stats import kendalltau

    p_value = float(kendalltau(range(len(rates)), rates, alternative="less").pvalue)
    return None if math.isnan(p_value) else p_value  # NaN: nothing to rank


def _points(value: Fraction) -> str:
    return f"{float(value) * 100:.1f} points"


def compare(
    metric: str,
    against: Against,
    newest: RateEstimate | None,
    reference: RateEstimate | None,
    settings: TrendSettings,
    *,
    reference_runs: int = 1,
    given_p: tuple[TestMethod, float] | None = None,
) -> TrendCheck:
    """Decide one figure against one reference (see the module docstring for the rule); ``given_p`` is a
    test the caller ran instead of Fisher's (the paired test, the trend test) and its p-value."""
    common = {"metric": metric, "against": against, "newest": newest, "reference": reference}
    common["reference_runs"] = reference_runs
    if newest is None or reference is None:
        which = "the newest run" if newest is None else "the reference"
        return TrendCheck(**common, status="skipped", explanation=f"{metric} not measured in {which}")
    if newest.n == 0 or reference.n == 0:
        return TrendCheck(**common, status="inconclusive", explanation=f"{metric} has n = 0: nothing to compare")
    drop = Fraction(reference.successes, reference.n) - Fraction(newest.successes, newest.n)
    method, p_value = given_p if given_p is not None else ("fisher exact", fisher_drop_p(reference, newest))
    where = "the previous run" if against == "previous" else f"the last {reference_runs} runs pooled"
    figures = (
        f"{metric} {newest.format()} against {where} {reference.format()}: "
        f"{'drop' if drop >= 0 else 'rise'} of {_points(abs(drop))}, one-sided {method} p = {p_value:.3g}"
    )
    result = {**common, "drop": float(drop), "p_value": p_value, "method": method}
    if drop > 0 and p_value < settings.alpha:
        return TrendCheck(**result, status="failed", explanation=f"{figures} < alpha {settings.alpha}")
    if settings.max_drop is not None and drop > exact_decimal(settings.max_drop):
        limit = _points(exact_decimal(settings.max_drop))
        return TrendCheck(**result, status="failed", explanation=f"{figures}; larger than --max-drop ({limit})")
    return TrendCheck(**result, status="passed", explanation=figures)


def no_reference(reason: str) -> TrendCheck:
    return TrendCheck(metric="earlier run", against="history", status="inconclusive", explanation=reason)


