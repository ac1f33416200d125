"""Rates with honest uncertainty, and the paired tests that compare two runs.

Every proportion tokdrift reports carries its n and a Wilson score interval
(scipy's implementation): with 5 variants a prompt at 100% robustness is
still only known to be above ~57%, and the report should say so.

The paired statistics compare a before and an after run prompt by prompt
(scipy.stats, nothing hand-rolled):

* One-sided paired Wilcoxon signed-rank test, H1: after > before, with
  ``zero_method="wilcox"``: prompts whose robustness did not change carry no
  evidence about the direction, so they are dropped and the test ranks the
  changed ones. ``method="auto"``: scipy uses the exact null distribution for
  up to 50 distinct non-zero differences, exhaustive permutations up to 13
  differences with ties, and the tie-corrected normal approximation otherwise.
  With fewer than ``MIN_PAIRS`` pairs or non-zero differences it is not run.
* Paired bootstrap percentile intervals (``scipy.stats.bootstrap``, 10000
  resamples, seeded): resampling per-prompt differences is resampling pairs.
* Exact McNemar test on accuracy flips: ``binomtest`` on the discordant pairs.
* The minimum detectable change for the n at hand (:func:`detectable_change`): the
  normal-approximation power formula with the observed variance of the per-prompt
  paired differences, so "no effect" can be told from "too few prompts".
* Matched-pairs rank-biserial correlation (R+ - R-) / (R+ + R-) over the
  non-zero differences ranked by ``scipy.stats.rankdata`` (Kerby 2014),
  consistent with the Wilcoxon statistic.

scipy and numpy are imported inside the functions: they are slow to import,
and the command line must start fast.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

DEFAULT_CONFIDENCE = 0.95
# The Wilcoxon test needs at least this many pairs and this many non-zero
# differences; with fewer the significance gate is inconclusive.
MIN_PAIRS = 6
BOOTSTRAP_RESAMPLES = 10_000
# The power the minimum detectable change is planned at.
DEFAULT_POWER = 0.8


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateEstimate(_Frozen):
    """``successes`` out of ``n``, with a Wilson interval; ``rate`` is None when n == 0."""

    successes: int
    n: int
    rate: float | None
    low: float | None
    high: float | None
    confidence: float = DEFAULT_CONFIDENCE

    def format(self, digits: int = 1) -> str:
        if self.rate is None or self.low is None or self.high is None:
            return "n/a (n=0)"
        return (
            f"{self.rate * 100:.{digits}f}% "
            f"[{self.low * 100:.{digits}f}, {self.high * 100:.{digits}f}] (n={self.n})"
        )


class WilcoxonResult(_Frozen):
    """One-sided paired Wilcoxon signed-rank test of after > before on per-prompt robustness."""

    n_pairs: int  # prompts measured on both sides
    n_nonzero: int  # pairs whose robustness changed (the ones the test ranks)
    statistic: float | None = None
    p_value: float | None = None
    alternative: Literal["greater"] = "greater"
    zero_method: Literal["wilcox"] = "wilcox"
    method: str = "auto"
    note: str | None = None


class BootstrapInterval(_Frozen):
    """Paired bootstrap percentile interval of an after - before difference, resampling prompts.

    For robustness: the mean per-prompt difference. For accuracy over every
    input: the pooled difference (inputs right after - before) / inputs.
    """

    n: int
    estimate: float | None
    low: float | None
    high: float | None
    confidence: float
    n_resamples: int
    method: Literal["percentile"] = "percentile"
    seed: int
    note: str | None = None


class McNemarResult(_Frozen):
    """Exact McNemar test on accuracy flips: binomial test on the discordant pairs (two-sided)."""

    n_pairs: int
    wrong_to_right: int
    right_to_wrong: int
    n_discordant: int
    p_value: float | None
    note: str | None = None


class DetectableChange(_Frozen):
    """The smallest true change that a test at ``alpha`` would detect with probability ``power`` at this n.

    (z_{1-alpha} + z_power) * SE one-sided, (z_{1-alpha/2} + z_power) * SE two-sided, with SE the
    standard error of the mean per-prompt contribution (sample standard deviation / sqrt(n)).
    """

    n: int
    change: float | None
    standard_error: float | None
    alpha: float
    power: float = DEFAULT_POWER
    sided: Literal["one-sided", "two-sided"]
    note: str | None = None


class EffectSize(_Frozen):
    n: int
    mean_difference: float | None
    median_difference: float | None
    # Matched-pairs rank-biserial correlation (Kerby): (R+ - R-) / (R+ + R-) over non-zero differences.
    rank_biserial: float | None
    n_nonzero: int


# --- rates -----------------------------------------------------------------------------------------


def wilson(successes: int, n: int, confidence: float = DEFAULT_CONFIDENCE) -> RateEstimate:
    """Proportion with a Wilson score interval; n == 0 gives an empty estimate, not 0%."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return RateEstimate(successes=0, n=0, rate=None, low=None, high=None, confidence=confidence)
    from scipy.stats import binomtest

    interval = binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return RateEstimate(
        successes=successes,
        n=n,
        rate=successes / n,
        low=float(interval.low),
        high=float(interval.high),
        confidence=confidence,
    )


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def exact_decimal(value: float) -> Fraction:
    """A threshold as the decimal the user wrote: 0.9 is 9/10, not the nearest binary float."""
    return Fraction(repr(value))


def _finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _mean(values: Sequence[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


# --- paired tests ----------------------------------------------------------------------------------


def has_min_pairs(n_pairs: int, n_nonzero: int, min_pairs: int = MIN_PAIRS) -> bool:
    """The minimum-pairs rule: below it a rank test says more about the sample size than about the change."""
    return n_pairs >= min_pairs and n_nonzero >= min_pairs


def wilcoxon_greater(differences: Sequence[Fraction], min_pairs: int = MIN_PAIRS) -> WilcoxonResult:
    """One-sided paired Wilcoxon signed-rank test of after > before on the per-prompt differences."""
    nonzero = [d for d in differences if d != 0]
    if not has_min_pairs(len(differences), len(nonzero), min_pairs):
        return WilcoxonResult(
            n_pairs=len(differences),
            n_nonzero=len(nonzero),
            note=f"not run: {len(nonzero)} of {len(differences)} paired prompts changed robustness; "
            f"the test needs at least {min_pairs} pairs and {min_pairs} changed",
        )
    from scipy.stats import wilcoxon

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns about ties and zeros; the method note says how they are handled
        result = wilcoxon([float(d) for d in differences], alternative="greater", zero_method="wilcox", method="auto")
    return WilcoxonResult(
        n_pairs=len(differences),
        n_nonzero=len(nonzero),
        statistic=_finite(result.statistic),
        p_value=_finite(result.pvalue),
    )


def percentile_interval(
    columns: Sequence[Sequence[float]], statistic: Callable[..., Any], confidence: float, seed: int
) -> tuple[float | None, float | None]:
    """scipy's seeded percentile bootstrap over prompts; several columns are resampled together (paired)."""
    import numpy as np
    from scipy.stats import bootstrap

    generator = np.random.default_rng(seed)
    # scipy >= 1.15 takes `rng`; older versions `random_state`.
    seeding = {"rng": generator} if "rng" in inspect.signature(bootstrap).parameters else {"random_state": generator}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # identical differences give a degenerate (but correct) interval
        result = bootstrap(
            tuple(np.asarray(column, dtype=float) for column in columns),
            statistic,
            paired=len(columns) > 1,
            n_resamples=BOOTSTRAP_RESAMPLES,
            confidence_level=confidence,
            method="percentile",
            vectorized=True,
            **seeding,
        )
    return _finite(result.confidence_interval.low), _finite(result.confidence_interval.high)


def mean_difference_interval(differences: Sequence[Fraction], confidence: float, seed: int) -> BootstrapInterval:
    """The mean per-prompt difference with a paired bootstrap percentile interval."""
    mean = _mean(differences)
    common = {
        "n": len(differences),
        "estimate": None if mean is None else float(mean),
        "confidence": confidence,
        "n_resamples": BOOTSTRAP_RESAMPLES,
        "seed": seed,
    }
    if len(differences) < 2:
        return BootstrapInterval(low=None, high=None, note="not run: needs at least 2 paired prompts", **common)
    import numpy as np

    low, high = percentile_interval([[float(d) for d in differences]], np.mean, confidence, seed)
    return BootstrapInterval(low=low, high=high, **common)


def _pooled(differences: Any, inputs: Any, axis: int = -1) -> Any:
    return differences.sum(axis=axis) / inputs.sum(axis=axis)


def input_accuracy_change(per_prompt: Sequence[tuple[int, int]], confidence: float, seed: int) -> BootstrapInterval:
    """(after - before inputs right) / inputs, from (change in inputs right, inputs) per prompt.

    The interval resamples prompts, not inputs: a prompt's request and
    variants tend to be right or wrong together, so resampling inputs would
    overstate the evidence.
    """
    common = {"n": len(per_prompt), "confidence": confidence, "n_resamples": BOOTSTRAP_RESAMPLES, "seed": seed}
    if not per_prompt:
        return BootstrapInterval(estimate=None, low=None, high=None, note="not run: no prompt with gold", **common)
    estimate = float(Fraction(sum(d for d, _ in per_prompt), sum(n for _, n in per_prompt)))
    if len(per_prompt) < 2:
        return BootstrapInterval(
            estimate=estimate, low=None, high=None, note="not run: needs at least 2 prompts", **common
        )
    columns = [[float(d) for d, _ in per_prompt], [float(n) for _, n in per_prompt]]
    low, high = percentile_interval(columns, _pooled, confidence, seed)
    return BootstrapInterval(estimate=estimate, low=low, high=high, **common)


def mcnemar_exact(pairs: Sequence[tuple[bool, bool]]) -> McNemarResult:
    """Exact McNemar test on (before right, after right) pairs: a two-sided binomial test on the flips."""
    wrong_to_right = sum(1 for old, new in pairs if not old and new)
    right_to_wrong = sum(1 for old, new in pairs if old and not new)
    discordant = wrong_to_right + right_to_wrong
    if discordant == 0:
        return McNemarResult(
            n_pairs=len(pairs),
            wrong_to_right=0,
            right_to_wrong=0,
            n_discordant=0,
            p_value=None,
            note="no accuracy flips: nothing to test",
        )
    from scipy.stats import binomtest

    p_value = binomtest(wrong_to_right, discordant, 0.5, alternative="two-sided").pvalue
    return McNemarResult(
        n_pairs=len(pairs),
        wrong_to_right=wrong_to_right,
        right_to_wrong=right_to_wrong,
        n_discordant=discordant,
        p_value=_finite(p_value),
    )


def rank_biserial(differences: Sequence[Fraction]) -> float | None:
    """Matched-pairs rank-biserial correlation over the non-zero differences; None when none changed."""
    nonzero = [d for d in differences if d != 0]
    if not nonzero:
        return None
    from scipy.stats import rankdata

    ranks = rankdata([abs(float(d)) for d in nonzero])
    positive = sum(float(rank) for rank, d in zip(ranks, nonzero, strict=True) if d > 0)
    negative = sum(float(rank) for rank, d in zip(ranks, nonzero, strict=True) if d < 0)
    return (positive - negative) / (positive + negative)


def effect_size(differences: Sequence[Fraction]) -> EffectSize:
    """Mean and median difference (computed exactly) and the rank-biserial correlation."""
    ordered = sorted(differences)
    middle = len(ordered) // 2
    if not ordered:
        median_difference = None
    elif len(ordered) % 2:
        median_difference = float(ordered[middle])
    else:
        median_difference = float((ordered[middle - 1] + ordered[middle]) / 2)
    mean = _mean(differences)
    return EffectSize(
        n=len(differences),
        mean_difference=None if mean is None else float(mean),
        median_difference=median_difference,
        rank_biserial=rank_biserial(differences),
        n_nonzero=sum(1 for d in differences if d != 0),
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the given order: p_(i) * (m - i + 1), made monotone, capped at 1.

    Controls the chance of any false flag at alpha under any dependence between the tests.
    """
    order = sorted(range(len(p_values)), key=lambda index: p_values[index])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, p_values[index] * (len(p_values) - rank)))
        adjusted[index] = running
    return adjusted


def wilcoxon_two_sided(differences: Sequence[float], min_pairs: int = MIN_PAIRS) -> tuple[float | None, int, str | None]:
    """(p, non-zero differences, note) of a two-sided signed-rank test; p None below the minimum-pairs rule."""
    nonzero = [d for d in differences if d != 0]
    if not has_min_pairs(len(differences), len(nonzero), min_pairs):
        return None, len(nonzero), f"not tested: {len(nonzero)} of {len(differences)} prompts differ (needs {min_pairs})"
    from scipy.stats import wilcoxon

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = wilcoxon(list(differences), alternative="two-sided", zero_method="wilcox", method="auto")
    return _finite(result.pvalue), len(nonzero), None


# --- power -----------------------------------------------------------------------------------------


def detectable_change(
    contributions: Sequence[float],
    alpha: float,
    *,
    sided: Literal["one-sided", "two-sided"],
    power: float = DEFAULT_POWER,
) -> DetectableChange:
    """The minimum detectable change of a mean over prompts, from its per-prompt contributions.

    A normal approximation with the observed variance: prompts are the sampling units, so the
    variance of their paired differences (or of a ratio's linearised residuals) is the one to
    plan with. Not run below 2 prompts or when the contributions do not vary (no variance to plan with).
    """
    common = {"n": len(contributions), "alpha": alpha, "power": power, "sided": sided}
    if len(contributions) < 2:
        return DetectableChange(change=None, standard_error=None, note="needs at least 2 paired prompts", **common)
    from statistics import stdev

    from scipy.stats import norm

    error = stdev(contributions) / math.sqrt(len(contributions))
    if error == 0:
        return DetectableChange(
            change=None, standard_error=0.0, note="the per-prompt differences do not vary: no variance to plan with",
            **common,
        )
    level = alpha if sided == "one-sided" else alpha / 2
    change = (float(norm.ppf(1 - level)) + float(norm.ppf(power))) * error
    return DetectableChange(change=change, standard_error=error, **common)


def ratio_residuals(per_prompt: Sequence[tuple[int, int]]) -> list[float]:
    """Linearised per-prompt contributions to a pooled ratio sum(change) / sum(inputs).

    (change_i - R * inputs_i) / mean inputs: their standard error is the ratio's, with prompts
    (not inputs) as the sampling units, the usual variance of a cluster ratio estimator.
    """
    if not per_prompt:
        return []
    total_inputs = sum(n for _, n in per_prompt)
    ratio = sum(d for d, _ in per_prompt) / total_inputs
    mean_inputs = total_inputs / len(per_prompt)
    return [(d - ratio * n) / mean_inputs for d, n in per_prompt]
