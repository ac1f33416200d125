"""The sequential decision: its error rate by simulation, how early it stops, and its pieces.

Each simulated run visits a fixed population of per-prompt observations in a fresh random order
(what `baseline --until-decided` does with a deterministic generator) and stops at the first
decision. A wrong decision is "failed" when the population's mean is >= the threshold, "passed"
when it is below. Its rate must stay at or below alpha: checked against the 99.9% upper
Clopper-Pearson bound of the observed rate, so that Monte Carlo noise alone cannot fail the test.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from tokdrift_cli.core.sequential import decide_runs, observation, sequential_state, visiting_order

RUNS = 2000
ALPHA = 0.05
THRESHOLD = 0.5


def population(mean: float, size: int, variants: int, rng: np.random.Generator) -> np.ndarray:
    """Per-prompt robustness over ``variants`` variants with prompts of varying difficulty, mean exactly ``mean``
    over the population (rounded to the nearest possible total)."""
    per_prompt = rng.binomial(variants, rng.beta(2 * mean + 0.05, 2 * (1 - mean) + 0.05, size)) / variants
    target = round(mean * size * variants)
    counts = (per_prompt * variants).round().astype(int)
    while counts.sum() != target:  # nudge single prompts until the population's mean is the one asked for
        index = rng.integers(size)
        step = 1 if counts.sum() < target else -1
        if 0 <= counts[index] + step <= variants:
            counts[index] += step
    return counts / variants


def orders(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return values[np.argsort(rng.random((RUNS, values.size)), axis=1)]


@pytest.mark.parametrize(
    ("mean", "size"),
    [
        (0.5, 120),  # at the threshold: "passed" is right, "failed" wrong
        (0.49, 200),  # just below
        (0.51, 200),  # just above
        (0.45, 60),
        (0.55, 60),
    ],
)
def test_wrong_decisions_stay_at_or_below_alpha(mean: float, size: int) -> None:
    rng = np.random.default_rng(int(mean * 1000) + size)
    values = population(mean, size, 5, rng)
    decision, decided_at, _ = decide_runs(orders(values, rng), THRESHOLD, ALPHA, size)
    right = 1 if values.mean() >= THRESHOLD else -1
    assert (decision != 0).all() and (decided_at <= size).all()  # every run decides by its last prompt
    wrong = int(((decision != 0) & (decision != right)).sum())
    upper = binomtest(wrong, RUNS).proportion_ci(confidence_level=0.999, method="exact").high
    assert wrong / RUNS <= ALPHA and upper <= ALPHA + 0.02, f"{wrong} wrong of {RUNS}"


def test_wrong_decisions_stay_below_alpha_for_fresh_populations_at_the_threshold() -> None:
    """Every run a new population drawn around the threshold, so its mean falls on either side."""
    rng = np.random.default_rng(7)
    size = 80
    values = (rng.random((RUNS, size)) < THRESHOLD).astype(float)
    decision, _, _ = decide_runs(values, THRESHOLD, ALPHA, size)
    right = np.where(values.mean(axis=1) >= THRESHOLD, 1, -1)
    wrong = int(((decision != 0) & (decision != right)).sum())
    assert binomtest(wrong, RUNS).proportion_ci(confidence_level=0.999, method="exact").high <= ALPHA + 0.02
    assert wrong / RUNS <= ALPHA


def test_a_clear_effect_stops_with_far_fewer_prompts() -> None:
    rng = np.random.default_rng(3)
    values = population(0.9, 200, 5, rng)
    decision, decided_at, certain = decide_runs(orders(values, rng), THRESHOLD, ALPHA, 200)
    assert (decision == 1).all() and not certain.any()  # decided by the bets, not by exhaustion
    assert np.median(decided_at) <= 20 and decided_at.max() < 60


def test_certain_bounds_decide_without_betting() -> None:
    # 6 of 10 prompts at 1: the mean is >= 0.6 whatever the other 4 are (too few for the bets to decide).
    decision, decided_at, certain = decide_runs([[1.0] * 6], 0.6, 0.05, 10)
    assert (decision[0], decided_at[0], certain[0]) == (1, 6, True)
    # 5 zeros of 10: the mean can be at most 0.5 < 0.6.
    decision, decided_at, certain = decide_runs([[0.0] * 5], 0.6, 0.05, 10)
    assert (decision[0], decided_at[0], certain[0]) == (-1, 5, True)
    # A mean exactly at the threshold passes, whatever rounding the float sums make.
    decision, _, _ = decide_runs([[0.2, 0.4, 0.6, 0.8, 0.4, 0.6, 0.2, 0.8]], 0.5, 0.05, 8)
    assert decision[0] == 1


def test_state_reports_the_decision_and_bounds_that_contain_the_running_mean() -> None:
    values = [1.0, 0.8, 1.0, 1.0, 0.6, 1.0, 1.0, 1.0, 0.8, 1.0, 1.0, 1.0]
    state = sequential_state(values, 0.5, 0.05, 45, 5)
    assert state.seen == 12 and state.population == 45 and state.max_variants == 5
    assert state.decision == "passed" and state.decided_at is not None and state.decided_at <= 12
    assert 0.5 <= state.low <= sum(values) / 12 <= state.high <= 1.0
    empty = sequential_state([], 0.5, 0.05, 45, 5)
    assert (empty.decision, empty.low, empty.high, empty.decided_at) == ("undecided", 0.0, 1.0, None)


def test_observation_is_bounded_and_on_the_threshold_side_of_pooled_robustness() -> None:
    assert observation(4, 5, 0.5, 5) == 0.8  # every variant decided: the prompt's robustness
    assert observation(0, 0, 0.7, 5) == 0.7  # nothing decided: neutral
    assert observation(2, 2, 0.9, 6) == pytest.approx(0.9 + 0.2 / 6)
    with pytest.raises(ValueError):
        observation(3, 2, 0.5, 5)
    # Mean of the observations >= X exactly when pooled robustness >= X, whatever the decided counts.
    rng = np.random.default_rng(1)
    for _ in range(200):
        decided = rng.integers(0, 7, 30)
        same = rng.binomial(decided, 0.6)
        if decided.sum() == 0:
            continue
        threshold = float(rng.choice([0.5, 0.6, same.sum() / decided.sum()]))
        mean = np.mean([observation(int(s), int(d), threshold, 6) for s, d in zip(same, decided, strict=True)])
        assert (mean >= threshold - 1e-12) == (same.sum() / decided.sum() >= threshold - 1e-12)


def test_visiting_order_is_seeded_and_a_permutation() -> None:
    ids = [f"case-{index}" for index in range(30)]
    assert visiting_order(ids, 0) == visiting_order(list(reversed(ids)), 0)
    assert visiting_order(ids, 0) != visiting_order(ids, 1)
    assert sorted(visiting_order(ids, 3)) == sorted(ids)
