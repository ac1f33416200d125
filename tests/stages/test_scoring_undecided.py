"""The scoring rule with undecided comparisons: counted apart, never robust and never a flip.

Each row of the table is a prompt's original and its variants' generations (real IRs, compared
by the real checker): what robustness (same / decided) and the undecided share (undecided /
variants with both IRs) must come out, with their n.
"""

from __future__ import annotations

import pytest

from tokdrift_cli.core.equivalence import IRField, Outcome
from tokdrift_cli.core.ir import IR, Effect, FunctionSignature, Intent, Parameter
from tokdrift_cli.core.records import Generation
from tokdrift_cli.core.robustness import Tally
from tokdrift_cli.core.suite import SuiteCase
from tokdrift_cli.core.variants import ControlVariant
from tokdrift_cli.stages.scoring import PlannedVariant, score_case, summarize


def spec(
    summary: str = "Add two integers.",
    name: str = "add_numbers",
    effect: str = "Logs the sum it returns.",
    returns: str = "int",
) -> IR:
    return IR(
        intent=Intent(summary=summary),
        signature=FunctionSignature(
            name=name, parameters=[Parameter(name="a", type_hint="int"), Parameter(name="b", type_hint="int")],
            returns=returns,
        ),
        effects=[Effect(description=effect)],
    )


SAME = Generation(ir=spec())
SAME_REWORDED = Generation(ir=spec(summary="Adds two integers."))  # the text tier finds this the same
DIFFERENT = Generation(ir=spec(name="multiply_numbers"))  # a decided difference
DIFFERENT_RETURNS = Generation(ir=spec(returns="float"))  # a decided difference
UNDECIDED = Generation(ir=spec(effect="Writes every total it computes to the log."))  # wording the tier cannot judge
# The free-text tier finds the intent different (contrast lexicon: add / subtract), which withholds
# "same" but is no flip: the outcome is undecided.
CHANGED_INTENT = Generation(ir=spec(summary="Subtract two integers."))
FAILED = Generation(error="not JSON", error_kind="parse")

CASE = SuiteCase(id="c1", prompt="Write add_numbers.", category="simple", gold=spec())


def scored(original: Generation, variants: list[Generation]):  # type: ignore[no-untyped-def]
    planned = [(PlannedVariant(text=f"variant {i}", rule_ids=("token.casing.camel",)), g) for i, g in enumerate(variants)]
    return score_case(CASE, original, planned)


def test_the_fixtures_are_what_the_table_says() -> None:
    result = scored(SAME, [SAME, SAME_REWORDED, DIFFERENT, DIFFERENT_RETURNS, UNDECIDED, CHANGED_INTENT, FAILED])
    assert [v.outcome for v in result.variants] == [
        Outcome.SAME, Outcome.SAME, Outcome.DIFFERENT, Outcome.DIFFERENT, Outcome.UNDECIDED, Outcome.UNDECIDED,
        Outcome.DIFFERENT,
    ]
    assert [v.robust for v in result.variants] == [True, True, False, False, None, None, False]
    assert [v.failed for v in result.variants] == [False, False, False, False, False, False, True]
    compared = [v.versus_original for v in result.variants]
    assert [c.differing_fields if c else None for c in compared] == [
        [], [], [IRField.NAME], [IRField.RETURNS], [], [], None,
    ]
    assert compared[4] is not None and compared[4].undecided_fields == [IRField.EFFECTS]
    changed_intent = compared[5]
    assert changed_intent is not None and changed_intent.verdict(IRField.INTENT).outcome is Outcome.DIFFERENT
    assert changed_intent.undecided_fields == [IRField.INTENT]


# original, variants -> (robust, decided), (undecided, variants with both IRs), unmeasurable
TABLE = [
    pytest.param(SAME, [SAME, SAME, DIFFERENT], (2, 3), (0, 3), False, id="all decided"),
    pytest.param(SAME, [SAME, UNDECIDED, DIFFERENT, FAILED], (1, 3), (1, 3), False, id="one of each"),
    pytest.param(SAME, [SAME, UNDECIDED, UNDECIDED, UNDECIDED], (1, 1), (3, 4), False, id="mostly undecided"),
    pytest.param(SAME, [UNDECIDED, UNDECIDED], (0, 0), (2, 2), True, id="all undecided: unmeasurable"),
    pytest.param(SAME, [UNDECIDED, FAILED], (0, 1), (1, 1), False, id="a failure is decided, not compared"),
    pytest.param(SAME, [FAILED, FAILED], (0, 2), (0, 0), False, id="only failures"),
    pytest.param(FAILED, [SAME, UNDECIDED, FAILED], (0, 0), (0, 0), False, id="original failed: unmeasured"),
    pytest.param(SAME, [], (0, 0), (0, 0), False, id="no variants"),
]


@pytest.mark.parametrize(("original", "variants", "robust", "undecided", "unmeasurable"), TABLE)
def test_scoring_rule(
    original: Generation,
    variants: list[Generation],
    robust: tuple[int, int],
    undecided: tuple[int, int],
    unmeasurable: bool,
) -> None:
    result = scored(original, variants)
    assert (result.robustness.successes, result.robustness.n) == robust
    assert (result.undecided_share.successes, result.undecided_share.n) == undecided
    assert result.robustness.rate == (robust[0] / robust[1] if robust[1] else None)
    assert result.variant_tally().unmeasurable is unmeasurable
    summary = summarize([result], fragile_threshold=0.9, wall_time_s=0.0, resumed_generations=0, lm_calls=0)
    assert (summary.robustness.successes, summary.robustness.n) == robust
    assert (summary.undecided_share.successes, summary.undecided_share.n) == undecided
    assert summary.unmeasurable_cases == (["c1"] if unmeasurable else [])
    assert (summary.unmeasured_cases == ["c1"]) is (robust[1] == 0)
    # An unmeasurable prompt is never fragile; a measured one is judged on its decided variants only.
    assert (summary.fragile_cases == ["c1"]) is (robust[1] > 0 and robust[0] / robust[1] < 0.9)


def test_undecided_is_neither_robust_nor_a_flip_per_rule_family_group_and_category() -> None:
    result = scored(SAME, [SAME, UNDECIDED, UNDECIDED, DIFFERENT])
    summary = summarize([result], fragile_threshold=0.9, wall_time_s=0.0, resumed_generations=0, lm_calls=0)
    for rows in (summary.per_rule, summary.per_family, summary.per_group):
        (row,) = rows
        assert (row.flips, row.n) == (1, 2)  # one flip among two decided variants
        assert row.undecided_share is not None and (row.undecided_share.successes, row.undecided_share.n) == (2, 4)
    (category,) = summary.per_category
    assert (category.robustness.successes, category.robustness.n) == (1, 2)
    assert (category.undecided_share.successes, category.undecided_share.n) == (2, 4)


def test_repeats_agree_disagree_or_stay_undecided() -> None:
    result = score_case(CASE, SAME, [], repeats=[SAME_REWORDED, DIFFERENT, UNDECIDED, FAILED])
    assert result.repeat_agreements == [True, False, None, False]


@pytest.mark.parametrize(
    ("counts", "robust", "flips", "undecided"),
    [
        (Tally(), (0, 0), (0, 0), (0, 0)),
        (Tally(same=3, different=1), (3, 4), (1, 4), (0, 4)),
        (Tally(same=1, different=1, undecided=2, failed=1), (1, 3), (2, 3), (2, 4)),
        (Tally(undecided=5), (0, 0), (0, 0), (5, 5)),
        (Tally(failed=2), (0, 2), (2, 2), (0, 0)),
    ],
)
def test_tally_figures(
    counts: Tally, robust: tuple[int, int], flips: tuple[int, int], undecided: tuple[int, int]
) -> None:
    assert (counts.robustness().successes, counts.robustness().n) == robust
    assert (counts.flip_rate().successes, counts.flip_rate().n) == flips
    assert (counts.undecided_share().successes, counts.undecided_share().n) == undecided
    assert counts + counts == Tally(counts.same * 2, counts.different * 2, counts.undecided * 2, counts.failed * 2)


# original, controls -> (changed, decided), (undecided, controls with both IRs)
CONTROL_TABLE = [
    pytest.param(SAME, [DIFFERENT, DIFFERENT_RETURNS, SAME], (2, 3), (0, 3), id="all decided"),
    pytest.param(SAME, [DIFFERENT, UNDECIDED, SAME, FAILED], (1, 2), (1, 3), id="one of each: a failure is not judged"),
    pytest.param(SAME, [UNDECIDED, UNDECIDED], (0, 0), (2, 2), id="all undecided: not 0, not measured"),
    pytest.param(FAILED, [DIFFERENT, UNDECIDED], (0, 0), (0, 0), id="original failed"),
]


@pytest.mark.parametrize(("original", "controls", "changed", "undecided"), CONTROL_TABLE)
def test_sensitivity_follows_the_same_rule(
    original: Generation, controls: list[Generation], changed: tuple[int, int], undecided: tuple[int, int]
) -> None:
    planned = [(ControlVariant(text=f"control {i}", rule_id="control.negation"), g) for i, g in enumerate(controls)]
    result = score_case(CASE, original, [], controls=planned)
    assert result.sensitivity is not None and result.sensitivity_undecided_share is not None
    assert (result.sensitivity.successes, result.sensitivity.n) == changed
    assert (result.sensitivity_undecided_share.successes, result.sensitivity_undecided_share.n) == undecided
    assert all(c.changed is None for c in result.controls if c.outcome in (None, Outcome.UNDECIDED))
    summary = summarize([result], fragile_threshold=0.9, wall_time_s=0.0, resumed_generations=0, lm_calls=0)
    assert summary.sensitivity == result.sensitivity
    assert summary.sensitivity_undecided_share == result.sensitivity_undecided_share
    (rule,) = summary.per_control_rule or [None]
    if rule is not None:
        assert (rule.flips, rule.n) == changed and rule.undecided_share == result.sensitivity_undecided_share
