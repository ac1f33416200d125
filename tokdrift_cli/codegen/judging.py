"""Does one implementation pass a suite case's tests? Run it once on every test and judge in the parent.

The expected values stay in this process: the sandbox only reports what the
function returned or raised, and the judging happens here, so code that tampers
with its results can claim no more than a function could have returned.

A test passes when the call returned a value that agrees with ``expected``
under :func:`~tokdrift_cli.codegen.differential.values_agree` (a JSON list
matches a tuple or a set), or raised the exception type ``raises`` names. Unlike
a comparison between two implementations, a call that timed out, crashed or was
refused fails: the code has to pass within the limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.codegen.differential import INCONCLUSIVE_STATUS, values_agree
from tokdrift_cli.codegen.sandbox import (
    CallOutcome,
    CallStatus,
    FunctionCall,
    SandboxLimits,
    SandboxResult,
    run_function,
)
from tokdrift_cli.codegen.sandbox.child import codec
from tokdrift_cli.core.suite import FunctionTest

__all__ = ["TestCaseResult", "TestRunVerdict", "calls_from_tests", "check_against_tests", "judge_tests"]


class TestCaseResult(BaseModel):
    __test__: ClassVar[bool] = False  # not a pytest test class

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int
    passed: bool
    detail: str


class TestRunVerdict(BaseModel):
    """How one implementation did against a case's tests."""

    __test__: ClassVar[bool] = False

    model_config = ConfigDict(extra="forbid", frozen=True)

    passed: int
    failed: int
    first_failure: str | None
    results: tuple[TestCaseResult, ...]

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @property
    def all_passed(self) -> bool:
        return self.failed == 0


def calls_from_tests(tests: Sequence[FunctionTest]) -> list[FunctionCall]:
    return [FunctionCall(args=tuple(test.args), kwargs=dict(test.kwargs)) for test in tests]


def _names_match(actual: str | None, expected: str) -> bool:
    """``ValueError`` matches ``builtins.ValueError``: only the last dotted part is compared."""
    return actual is not None and actual.rpartition(".")[2] == expected.strip().rpartition(".")[2]


def _judge_test(index: int, label: str, test: FunctionTest, outcome: CallOutcome, loaded: bool) -> TestCaseResult:
    prefix = f"test {index} {label}"
    if not loaded:
        error = f"{outcome.error_type}: {outcome.error_message}" if outcome.error_type else outcome.status.value
        return TestCaseResult(index=index, passed=False, detail=f"{prefix}: the code did not load ({error})")
    if outcome.status is CallStatus.OK:
        if test.raises is not None:
            return TestCaseResult(
                index=index, passed=False, detail=f"{prefix}: returned {outcome.value_repr}, expected {test.raises}"
            )
        expected = codec.encode_value(test.expected)
        passed = values_agree(outcome.value, expected, expected_is_json=True)
        relation = "==" if passed else "!="
        detail = f"{prefix}: {outcome.value_repr} {relation} expected {codec.short_repr(test.expected)}"
        return TestCaseResult(index=index, passed=passed, detail=detail)
    if outcome.status is CallStatus.RAISED:
        passed = test.raises is not None and _names_match(outcome.error_type, test.raises)
        wanted = f"expected {test.raises}" if test.raises else f"expected {codec.short_repr(test.expected)}"
        detail = f"{prefix}: raised {outcome.error_type}: {outcome.error_message} ({wanted})"
        return TestCaseResult(index=index, passed=passed, detail=detail)
    if outcome.status is CallStatus.NOT_SERIALISABLE:
        what = f"returned an uncomparable {outcome.value_repr}"
    else:
        what = INCONCLUSIVE_STATUS.get(outcome.status, outcome.status.value)
    return TestCaseResult(index=index, passed=False, detail=f"{prefix}: {what}")


def judge_tests(result: SandboxResult, tests: Sequence[FunctionTest], function_name: str = "f") -> TestRunVerdict:
    """Score a sandbox run of ``calls_from_tests(tests)`` against the tests' expectations."""
    if len(result.outcomes) != len(tests):
        raise ValueError("the result must cover exactly the given tests")
    results = tuple(
        _judge_test(
            index,
            call.describe(function_name),
            test,
            result.outcomes[index] if result.loaded else result.load,
            result.loaded,
        )
        for index, (test, call) in enumerate(zip(tests, calls_from_tests(tests), strict=True))
    )
    passed = sum(1 for item in results if item.passed)
    first_failure = next((item.detail for item in results if not item.passed), None)
    return TestRunVerdict(passed=passed, failed=len(results) - passed, first_failure=first_failure, results=results)


def check_against_tests(
    source: str,
    function_name: str,
    tests: Sequence[FunctionTest],
    limits: SandboxLimits | None = None,
    *,
    allow_unsandboxed: bool = False,
) -> TestRunVerdict:
    """Run ``source`` on every test in one sandbox process and count passes and failures.

    Unlike a comparison, a test that times out or is refused fails: the code
    has to pass within the limits. ``raises`` passes when the exception type
    name matches; otherwise the value must agree with ``expected`` under the
    same tolerance as :func:`values_agree` (JSON lists match tuples and sets).
    ``allow_unsandboxed`` as for :func:`~tokdrift_cli.codegen.sandbox.run_function`.
    """
    result = run_function(source, function_name, calls_from_tests(tests), limits, allow_unsandboxed=allow_unsandboxed)
    return judge_tests(result, tests, function_name)
