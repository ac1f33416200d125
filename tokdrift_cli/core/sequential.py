"""Sequential decisions: stop adding prompts once the robustness gate's decision can no longer change.

The question is whether the suite's pooled robustness, over decided variants, is at least a
threshold X (the gate ``--fail-under X`` on the mean). Prompts are the sampling units, visited in a
seeded random order without replacement, and after each prompt two one-sided tests are updated:

* H0 "robustness <= X": rejecting it decides *pass*;
* H0 "robustness >= X": rejecting it decides *fail*.

Each prompt gives one bounded observation: with s same and n decided variants, and k the largest
number of variants any prompt of the run can have, ``w = X + (s - X n) / k`` lies in [0, 1], and
the mean of w over the N prompts is >= X exactly when sum(s) / sum(n) >= X. (When every prompt has k
decided variants, w is the prompt's robustness.) A prompt with no decided variant gives w = X.

Each test is a betting test (Waudby-Smith & Ramdas, "Estimating means of bounded random variables
by betting", 2023, with their correction for sampling without replacement): the capital
K_t = prod_i (1 + lambda_i (w_i - m_i)), where m_i = (N X - sum_{j<i} w_j) / (N - i + 1) is the mean
the next prompt must have if the mean over all N is exactly X, and the bet lambda_i is chosen from
the earlier prompts only (predictable), truncated so the capital stays positive. Under its null
the capital is a nonnegative supermartingale, so by Ville's inequality it ever reaches 1/alpha
with probability at most alpha: the test may be looked at after every prompt, and stopping as soon
as either test rejects is valid (not a fixed-n test repeated). At most one of the nulls is false
(at X exactly, "pass" is right), so a wrong decision has probability at most alpha. Besides the
bets, the bounds that hold whatever the unseen prompts are (all 0, all 1) decide with certainty
when they can. After the last prompt the mean is known and the decision is exact.

Valid when the generator is deterministic (temperature 0, the default): the per-prompt outcomes
are then fixed numbers and only the visiting order is random. numpy does the arithmetic over many
runs at once (the simulation tests replay thousands of runs through this same function).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Decision = Literal["passed", "failed", "undecided"]
METHOD = "betting confidence sequence, sampling without replacement (Waudby-Smith & Ramdas)"
# Bets are truncated to this share of the largest bet that keeps the capital positive.
TRUNCATION = 0.5
# Beliefs about the next prompt before any is seen: a mean of 1/2 and a variance of 1/4, weighing one prompt.
PRIOR_MEAN, PRIOR_VARIANCE = 0.5, 0.25
_PASS, _FAIL = 1, -1
TOLERANCE = 1e-9


class SequentialState(BaseModel):
    """Where a sequential run stands after ``seen`` of ``population`` prompts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str = METHOD
    fail_under: float
    alpha: float
    population: int  # prompts the decision is about (the selected suite)
    max_variants: int  # k: the most variants a prompt has in this run
    seen: int  # prompts observed, in the visiting order
    decision: Decision
    decided_at: int | None  # prompts seen when it was decided
    certain: bool  # decided by bounds that hold whatever the unseen prompts are
    # One-sided bounds (each at 1 - alpha) on the mean of the observations, at the last prompt seen.
    low: float
    high: float


def visiting_order(case_ids: Sequence[str], seed: int) -> list[str]:
    """The seeded random order prompts are run in: stopping early is valid only for a random order."""
    order = sorted(case_ids)
    random.Random(f"tokdrift-visiting-order:{seed}").shuffle(order)
    return order


def observation(same: int, decided: int, fail_under: float, max_variants: int) -> float:
    """A prompt's bounded observation ``X + (same - X decided) / k`` in [0, 1]."""
    if max_variants < 1 or decided > max_variants or not 0 <= same <= decided:
        raise ValueError(f"need 0 <= same <= decided <= max_variants >= 1, got {same}, {decided}, {max_variants}")
    return min(1.0, max(0.0, fail_under + (same - fail_under * decided) / max_variants))


def decide_runs(observations: Any, threshold: Any, alpha: float, population: int) -> tuple[Any, Any, Any]:
    """Decide many runs at once: ``observations`` is runs x seen (seen <= population), in visiting order;
    ``threshold`` is one X for every run or one per run.

    Returns per run the decision (+1 pass, -1 fail, 0 undecided), the number of prompts seen when it
    was decided (0 if undecided) and whether the decision was certain.
    """
    import numpy as np

    values = np.atleast_2d(np.asarray(observations, dtype=float))
    runs, seen = values.shape
    if seen > population:
        raise ValueError(f"{seen} observations for a population of {population}")
    target, cap = population * np.broadcast_to(np.asarray(threshold, dtype=float), (runs,)), math.log(1 / alpha)
    decision = np.zeros(runs, dtype=int)
    decided_at = np.zeros(runs, dtype=int)
    certain = np.zeros(runs, dtype=bool)
    total = np.zeros(runs)
    squares = np.full(runs, PRIOR_VARIANCE)
    mean = np.full(runs, PRIOR_MEAN)
    log_up, log_down = np.zeros(runs), np.zeros(runs)
    for index in range(seen):
        open_runs = decision == 0
        if not open_runs.any():
            break
        remaining = population - index
        null_mean = (target - total) / remaining
        inside = (null_mean > 0) & (null_mean < 1)
        safe = np.where(inside, null_mean, 0.5)
        gap = mean - safe
        bet = gap / (squares / (index + 1) + gap**2)
        bet_up = np.where(inside, np.clip(bet, 0, TRUNCATION / safe), 0.0)
        bet_down = np.where(inside, np.clip(-bet, 0, TRUNCATION / (1 - safe)), 0.0)
        value = values[:, index]
        log_up += np.log1p(bet_up * (value - safe))
        log_down += np.log1p(-bet_down * (value - safe))
        total += value
        mean = (PRIOR_MEAN + total) / (index + 2)
        squares += (value - mean) ** 2
        # Sums of fractions in floats: a mean exactly at X must not fail by a rounding error.
        sure_pass = total >= target - TOLERANCE
        sure_fail = total + (remaining - 1) < target - TOLERANCE
        verdict = np.where(
            sure_pass | (log_up >= cap), _PASS, np.where(sure_fail | (log_down >= cap), _FAIL, 0)
        )
        newly = open_runs & (verdict != 0)
        decision[newly] = verdict[newly]
        decided_at[newly] = index + 1
        certain[newly] = (sure_pass | sure_fail)[newly]
    return decision, decided_at, certain


def _bounds(values: Sequence[float], alpha: float, population: int) -> tuple[float, float]:
    """One-sided bounds (each at 1 - alpha) on the mean over the population, after ``values``.

    Every point of a grid is tested as a threshold by the same bets: the largest one whose "mean <= it"
    was rejected is a lower bound, the smallest whose "mean >= it" was rejected an upper bound (a
    grid can only make them wider), within the bounds that hold whatever the unseen prompts are.
    """
    import numpy as np

    total = float(sum(values))
    low, high = total / population, (total + population - len(values)) / population
    if not values:
        return low, high
    grid = np.linspace(0.0, 1.0, 1001)
    verdict, _, _ = decide_runs(np.tile(np.asarray(values, dtype=float), (grid.size, 1)), grid, alpha, population)
    passed, failed = grid[verdict == _PASS], grid[verdict == _FAIL]
    if passed.size:
        low = max(low, float(passed.max()))
    if failed.size:
        high = min(high, float(failed.min()))
    return low, high


def sequential_state(
    values: Sequence[float], fail_under: float, alpha: float, population: int, max_variants: int
) -> SequentialState:
    """The decision after the observations ``values`` (in visiting order) of a run over ``population`` prompts."""
    decision, decided_at, certain = decide_runs([values] if values else [[]], fail_under, alpha, population)
    verdict = int(decision[0]) if values else 0
    low, high = _bounds(values, alpha, population)
    return SequentialState(
        fail_under=fail_under,
        alpha=alpha,
        population=population,
        max_variants=max_variants,
        seen=len(values),
        decision="passed" if verdict == _PASS else "failed" if verdict == _FAIL else "undecided",
        decided_at=int(decided_at[0]) if verdict else None,
        certain=bool(certain[0]) if verdict else False,
        low=low,
        high=high,
    )
