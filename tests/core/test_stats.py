"""Rates with Wilson intervals, checked against the closed-form formula."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from tokdrift_cli.core.stats import DEFAULT_CONFIDENCE, RateEstimate, median, wilson


def wilson_reference(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """The Wilson score interval written out from its definition (no scipy)."""
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half_width = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half_width, centre + half_width


@pytest.mark.parametrize(
    ("successes", "n", "confidence"),
    [
        (8, 10, 0.95),
        (0, 5, 0.95),
        (5, 5, 0.95),
        (1, 1, 0.95),
        (0, 1, 0.95),
        (50, 100, 0.90),
        (3, 7, 0.99),
        (199, 200, 0.95),
        (17, 40, 0.80),
    ],
)
def test_wilson_matches_the_closed_form(successes: int, n: int, confidence: float) -> None:
    low, high = wilson_reference(successes, n, confidence)

    estimate = wilson(successes, n, confidence)

    assert estimate.successes == successes
    assert estimate.n == n
    assert estimate.confidence == confidence
    assert estimate.rate == pytest.approx(successes / n)
    assert estimate.low == pytest.approx(low, abs=1e-9)
    assert estimate.high == pytest.approx(high, abs=1e-9)
    assert 0.0 <= estimate.low <= estimate.rate <= estimate.high <= 1.0


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (8, 10, 0.490, 0.943),  # the textbook example
        (5, 5, 0.566, 1.000),  # 100% on 5 variants is only known to be above ~57%
        (0, 5, 0.000, 0.434),
    ],
)
def test_wilson_known_values(successes: int, n: int, low: float, high: float) -> None:
    estimate = wilson(successes, n)

    assert estimate.confidence == DEFAULT_CONFIDENCE == 0.95
    assert estimate.low == pytest.approx(low, abs=5e-4)
    assert estimate.high == pytest.approx(high, abs=5e-4)


def test_higher_confidence_gives_a_wider_interval() -> None:
    narrow, wide = wilson(8, 10, 0.80), wilson(8, 10, 0.99)

    assert wide.low < narrow.low < narrow.high < wide.high


def test_more_data_gives_a_narrower_interval() -> None:
    small, large = wilson(8, 10), wilson(80, 100)

    assert small.rate == large.rate
    assert large.high - large.low < small.high - small.low


def test_n_zero_has_no_rate_not_zero() -> None:
    estimate = wilson(0, 0, confidence=0.9)

    assert estimate == RateEstimate(successes=0, n=0, rate=None, low=None, high=None, confidence=0.9)
    assert estimate.format() == "n/a (n=0)"


@pytest.mark.parametrize(
    ("successes", "n"),
    [(-1, 5), (6, 5), (0, -1), (1, 0), (-1, -1)],
)
def test_invalid_counts_raise(successes: int, n: int) -> None:
    with pytest.raises(ValueError, match=rf"got {successes}/{n}"):
        wilson(successes, n)


@pytest.mark.parametrize(
    ("estimate", "digits", "expected"),
    [
        (wilson(8, 10), 1, "80.0% [49.0, 94.3] (n=10)"),
        (wilson(8, 10), 0, "80% [49, 94] (n=10)"),
        (wilson(8, 10), 2, "80.00% [49.02, 94.33] (n=10)"),
        (wilson(5, 5), 1, "100.0% [56.6, 100.0] (n=5)"),
        (wilson(0, 0), 1, "n/a (n=0)"),
        (RateEstimate(successes=1, n=3, rate=1 / 3, low=None, high=None), 1, "n/a (n=0)"),
    ],
)
def test_format(estimate: RateEstimate, digits: int, expected: str) -> None:
    assert estimate.format(digits) == expected


def test_format_default_is_one_digit() -> None:
    assert wilson(1, 3).format() == wilson(1, 3).format(1) == "33.3% [6.1, 79.2] (n=3)"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], None),
        ([3.0], 3.0),
        ([3.0, 1.0, 2.0], 2.0),
        ([4.0, 1.0, 3.0, 2.0], 2.5),
        ([1.5, -1.0], 0.25),
        ([5.0, 5.0, 1.0, 9.0, 5.0], 5.0),
    ],
)
def test_median(values: list[float], expected: float | None) -> None:
    before = list(values)

    assert median(values) == expected
    assert values == before  # the input is not sorted in place
