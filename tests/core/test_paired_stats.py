"""The paired tests of core.stats, each checked against a figure worked out another way."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import pytest

from tokdrift_cli.core.stats import (
    BOOTSTRAP_RESAMPLES,
    MIN_PAIRS,
    effect_size,
    exact_decimal,
    has_min_pairs,
    input_accuracy_change,
    mcnemar_exact,
    mean_difference_interval,
    rank_biserial,
    wilcoxon_greater,
)


def exact_wilcoxon_greater(differences: list[Fraction]) -> float:
    """P(W+ >= observed) under H0 by enumerating every sign assignment (no ties among |d|, no zeros)."""
    nonzero = sorted((d for d in differences if d != 0), key=abs)
    ranks = range(1, len(nonzero) + 1)
    observed = sum(rank for rank, d in zip(ranks, nonzero, strict=True) if d > 0)
    at_least = sum(
        1 for signs in product((0, 1), repeat=len(nonzero)) if sum(r * s for r, s in zip(ranks, signs, strict=True))
        >= observed
    )
    return at_least / 2 ** len(nonzero)


@pytest.mark.parametrize(
    ("n_pairs", "n_nonzero", "expected"),
    [(MIN_PAIRS, MIN_PAIRS, True), (MIN_PAIRS + 4, MIN_PAIRS, True), (MIN_PAIRS, MIN_PAIRS - 1, False),
     (MIN_PAIRS - 1, MIN_PAIRS - 1, False), (0, 0, False)],
)
def test_minimum_pairs_rule(n_pairs: int, n_nonzero: int, expected: bool) -> None:
    assert has_min_pairs(n_pairs, n_nonzero) is expected


def test_wilcoxon_matches_the_enumerated_null_distribution() -> None:
    differences = [Fraction(k, 10) for k in (1, -2, 3, 4, 5, 6, -7, 8)] + [Fraction(0)] * 3

    result = wilcoxon_greater(differences)

    assert (result.n_pairs, result.n_nonzero) == (11, 8)
    assert result.statistic == 1 + 3 + 4 + 5 + 6 + 8  # the sum of positive ranks, zeros left out
    assert result.p_value == pytest.approx(exact_wilcoxon_greater(differences), abs=1e-12)
    assert result.note is None


def test_wilcoxon_is_not_run_on_too_few_changed_prompts() -> None:
    differences = [Fraction(1, 5)] * (MIN_PAIRS - 1) + [Fraction(0)] * 10

    result = wilcoxon_greater(differences)

    assert result.p_value is None and result.statistic is None
    assert result.note is not None and f"{MIN_PAIRS - 1} of {MIN_PAIRS + 9}" in result.note


def test_bootstrap_of_the_mean_is_seeded_and_brackets_the_estimate() -> None:
    differences = [Fraction(k, 37) for k in (-5, -1, 0, 2, 3, 7, 11, 13, 17, 19, 23, 29)]

    first = mean_difference_interval(differences, 0.95, seed=3)
    again = mean_difference_interval(differences, 0.95, seed=3)
    other = mean_difference_interval(differences, 0.95, seed=4)

    assert first == again and (first.low, first.high) != (other.low, other.high)
    assert first.estimate == float(sum(differences) / len(differences))
    assert first.low is not None and first.high is not None
    assert min(differences) <= first.low < first.estimate < first.high <= max(differences)
    assert (first.n, first.n_resamples, first.seed, first.note) == (12, BOOTSTRAP_RESAMPLES, 3, None)


def test_bootstrap_narrows_with_confidence_and_needs_two_prompts() -> None:
    differences = [Fraction(k, 6) for k in (-1, 0, 1, 1, 2, 2, 3, 4)]
    wide, narrow = mean_difference_interval(differences, 0.99, 0), mean_difference_interval(differences, 0.8, 0)
    assert wide.low < narrow.low < narrow.high < wide.high  # type: ignore[operator]

    single = mean_difference_interval([Fraction(1, 2)], 0.95, 0)
    assert (single.estimate, single.low, single.high) == (0.5, None, None) and single.note
    empty = mean_difference_interval([], 0.95, 0)
    assert empty.estimate is None and empty.n == 0


def test_identical_differences_give_a_degenerate_interval() -> None:
    result = mean_difference_interval([Fraction(1, 4)] * 5, 0.95, 0)
    assert (result.low, result.high) in ((0.25, 0.25), (None, None))


def test_input_accuracy_change_is_pooled_and_resamples_prompts() -> None:
    # (change in inputs right, inputs) per prompt: pooled (2 - 1 + 6 + 0) / (6 + 6 + 12 + 6).
    per_prompt = [(2, 6), (-1, 6), (6, 12), (0, 6)]

    result = input_accuracy_change(per_prompt, 0.95, seed=0)

    assert result.estimate == 7 / 30 and result.n == 4
    assert result.low is not None and result.high is not None
    # Every resample is a pooled ratio of whole prompts: it lies between the smallest and largest prompt's ratio.
    assert -1 / 6 <= result.low <= result.estimate <= result.high <= 0.5
    assert input_accuracy_change(per_prompt, 0.95, seed=0) == result


def test_input_accuracy_change_without_enough_prompts() -> None:
    assert input_accuracy_change([], 0.95, 0).note == "not run: no prompt with gold"
    one = input_accuracy_change([(3, 6)], 0.95, 0)
    assert one.estimate == 0.5 and one.low is None and one.note == "not run: needs at least 2 prompts"


def test_mcnemar_is_a_two_sided_binomial_test_on_the_flips() -> None:
    pairs = [(False, True)] * 7 + [(True, False)] * 1 + [(True, True)] * 5 + [(False, False)] * 2

    result = mcnemar_exact(pairs)

    assert (result.n_pairs, result.wrong_to_right, result.right_to_wrong, result.n_discordant) == (15, 7, 1, 8)
    # P(X <= 1 or X >= 7) for X ~ Binomial(8, 1/2): (1 + 8 + 8 + 1) / 256.
    assert result.p_value == pytest.approx(18 / 256, abs=1e-12)


def test_mcnemar_without_flips_tests_nothing() -> None:
    result = mcnemar_exact([(True, True), (False, False)])
    assert result.p_value is None and result.n_discordant == 0 and result.note


def test_rank_biserial_from_signed_ranks() -> None:
    # |d| ranks: 0.1 -> 1, 0.2 -> 2.5, 0.2 -> 2.5, 0.4 -> 4; R+ = 1 + 2.5 + 4, R- = 2.5.
    differences = [Fraction(1, 10), Fraction(-1, 5), Fraction(1, 5), Fraction(2, 5), Fraction(0)]
    assert rank_biserial(differences) == pytest.approx((7.5 - 2.5) / 10)
    assert rank_biserial([Fraction(1, 3)] * 3) == 1.0
    assert rank_biserial([Fraction(0)] * 3) is None


def test_effect_size_is_exact_before_it_is_a_float() -> None:
    differences = [Fraction(1, 3), Fraction(1, 6), Fraction(-1, 2), Fraction(0)]

    effect = effect_size(differences)

    assert effect.mean_difference == float(Fraction(0))
    assert effect.median_difference == float(Fraction(1, 12))  # (0 + 1/6) / 2, not a float average
    assert (effect.n, effect.n_nonzero) == (4, 3)
    assert effect_size([]).mean_difference is None and effect_size([]).median_difference is None
    assert effect_size([Fraction(1, 7)] * 3).median_difference == float(Fraction(1, 7))


@pytest.mark.parametrize("text", ["0.9", "0.1", "0.02", "0.413", "1.0", "0.0"])
def test_exact_decimal_is_the_decimal_as_written(text: str) -> None:
    assert exact_decimal(float(text)) == Fraction(text)


def test_exact_decimal_is_not_the_binary_float() -> None:
    assert exact_decimal(0.9) == Fraction(9, 10) != Fraction(0.9)
