"""Rates with honest uncertainty.

Every proportion tokdrift reports carries its n and a Wilson score interval
(scipy's implementation): with 5 variants a prompt at 100% robustness is
still only known to be above ~57%, and the report should say so.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

DEFAULT_CONFIDENCE = 0.95


class RateEstimate(BaseModel):
    """``successes`` out of ``n``, with a Wilson interval; ``rate`` is None when n == 0."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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


def wilson(successes: int, n: int, confidence: float = DEFAULT_CONFIDENCE) -> RateEstimate:
    """Proportion with a Wilson score interval; n == 0 gives an empty estimate, not 0%."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return RateEstimate(successes=0, n=0, rate=None, low=None, high=None, confidence=confidence)
    from scipy.stats import binomtest  # scipy is slow to import; keep start-up fast

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
