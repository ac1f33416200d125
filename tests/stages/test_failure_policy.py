"""The run-level failure rules as plain functions: the breaker, the program check, the end-of-run check."""

from __future__ import annotations

import pytest

from tokdrift_cli.core.failures import failure_limit_exceeded, failure_share, holds_transient_failures, is_transient
from tokdrift_cli.core.records import Generation
from tokdrift_cli.errors import ExitCode, InputError, ModelError
from tokdrift_cli.stages.failure_policy import (
    BREAKER_AFTER,
    FailureBreaker,
    RunIncompleteError,
    check_finished,
    worth_keeping,
)

OK = (True, None, None)
DOWN = (False, "provider", "LMTransportError: connection refused\n\n  To fix: ...")


def _feed(breaker: FailureBreaker, outcomes: list[tuple[bool, str | None, str | None]]) -> None:
    for outcome in outcomes:
        breaker.see(*outcome)


@pytest.mark.parametrize(
    ("kind", "kept", "transient"),
    [(None, True, False), ("parse", True, False), ("input", True, False), ("program", False, False),
     ("provider", False, True), ("timeout", False, True), ("rate_limit", False, True)],
)
def test_what_a_checkpoint_keeps(kind: str | None, kept: bool, transient: bool) -> None:
    assert worth_keeping(kind) is kept
    assert is_transient(kind) is transient


def test_breaker_trips_on_consecutive_transport_failures_after_successes() -> None:
    breaker = FailureBreaker()
    _feed(breaker, [OK] * 20 + [DOWN] * (BREAKER_AFTER - 1))
    with pytest.raises(ModelError, match="failed 5 times in a row \\(LMTransportError: connection refused\\)"):
        breaker.see(*DOWN)


def test_breaker_never_up_says_unreachable_in_one_line() -> None:
    breaker = FailureBreaker()
    _feed(breaker, [DOWN] * (BREAKER_AFTER - 1))
    with pytest.raises(ModelError) as caught:
        breaker.see(*DOWN)
    assert "the model is unreachable" in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.exit_code == ExitCode.RUNTIME


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("timeout", "did not answer within the request timeout 5 times"),
        ("rate_limit", "refused 5 times in a row with a rate limit"),
    ],
)
def test_breaker_names_timeouts_and_rate_limits(kind: str, message: str) -> None:
    breaker = FailureBreaker()
    _feed(breaker, [OK, *[(False, kind, "slow")] * (BREAKER_AFTER - 1)])
    with pytest.raises(ModelError, match=message):
        breaker.see(False, kind, "slow")


def test_an_answer_of_any_kind_resets_the_count() -> None:
    breaker = FailureBreaker()
    pattern = [DOWN] * (BREAKER_AFTER - 1) + [(False, "parse", "not JSON")] + [DOWN] * (BREAKER_AFTER - 1)
    pattern += [(False, "input", "context window")] + [DOWN] * (BREAKER_AFTER - 1) + [OK]
    _feed(breaker, pattern * 3)  # never 5 in a row: no stop


def test_program_failing_the_same_way_on_its_first_generations_is_an_input_error() -> None:
    breaker = FailureBreaker(program="--program mine:make")
    broken = (False, "program", "TypeError: no ir")
    _feed(breaker, [broken, broken])
    with pytest.raises(InputError, match="--program mine:make fails the same way on its first 3 generations"):
        breaker.see(*broken)


@pytest.mark.parametrize(
    "first",
    [
        [(False, "program", "KeyError: 'a'"), (False, "program", "KeyError: 'b'"), (False, "program", "KeyError: 'c'")],
        [(False, "program", "TypeError: x"), OK, (False, "program", "TypeError: x")],
        [OK, (False, "program", "TypeError: x"), (False, "program", "TypeError: x")],
    ],
)
def test_program_check_needs_the_same_failure_on_each_of_the_first_generations(
    first: list[tuple[bool, str | None, str | None]],
) -> None:
    breaker = FailureBreaker()
    _feed(breaker, first + [(False, "program", "TypeError: x")] * 10)  # only the first generations count


def test_check_finished_refuses_transient_failures_and_counts_them() -> None:
    outcomes = [Generation(), Generation(error="x", error_kind="parse"), None,
                Generation(error="a", error_kind="timeout"), Generation(error="b\nmore", error_kind="provider")]
    expected = "2 generations failed on the model's side \\(provider: b\\).*retry those 2"
    with pytest.raises(RunIncompleteError, match=expected):
        check_finished(outcomes)
    check_finished(outcomes[:3])  # parse failures are results
    assert holds_transient_failures(outcomes) and not holds_transient_failures(outcomes[:3])


@pytest.mark.parametrize(
    ("failed", "total", "limit", "exceeded"),
    [(0, 0, 0.5, False), (5, 10, 0.5, False), (6, 10, 0.5, True), (1, 10, 0.0, True), (10, 10, 1.0, False)],
)
def test_failure_limit(failed: int, total: int, limit: float, exceeded: bool) -> None:
    assert failure_limit_exceeded(failed, total, limit) is exceeded
    assert failure_share(failed, total) == (failed / total if total else 0.0)
