from __future__ import annotations

import math
from typing import Any

import pytest

from tokdrift_cli.codegen.differential import (
    CallAgreement,
    DifferentialVerdict,
    compare_functions,
    compare_results,
    values_agree,
)
from tokdrift_cli.codegen.inputs import generate_inputs
from tokdrift_cli.codegen.judging import calls_from_tests, check_against_tests, judge_tests
from tokdrift_cli.codegen.sandbox import (
    CallOutcome,
    CallStatus,
    FunctionCall,
    SandboxLimits,
    SandboxResult,
    run_function,
)
from tokdrift_cli.codegen.sandbox.child import codec
from tokdrift_cli.core.ir import Parameter
from tokdrift_cli.core.suite import FunctionTest, load_suite

LIMITS = SandboxLimits(call_seconds=1.0, wall_seconds=15.0, memory_bytes=256 << 20)


def enc(value: Any) -> Any:
    return codec.encode_value(value)


# ---------------------------------------------------------------- values_agree


@pytest.mark.parametrize(
    ("left", "right", "agree"),
    [
        (1, 1.0, True),
        (0.1 + 0.2, 0.3, True),
        (1e-12, 0, True),
        (1e9, 1e9 + 0.5, True),  # relative tolerance
        (1.0, 1.001, False),
        (10**30, 10**30 + 1, False),  # integers are exact
        (True, 1, False),
        (True, True, True),
        (False, None, False),
        (math.nan, math.nan, True),
        (math.inf, -math.inf, False),
        (math.inf, 1e308, False),
        ("a", "a", True),
        ("a", "b", False),
        (None, None, True),
        (None, 0, False),
        ([1, [2.0, 3]], [1.0, [2, 3 + 1e-12]], True),
        ([1, 2], [1, 2, 3], False),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ((1, 2), [1, 2], False),
        ((1, 2.0), (1.0, 2), True),
        ({1, 2}, {2, 1}, True),
        ({1, 2}, frozenset({1, 2}), False),
        ({1: "a"}, {1: "a"}, True),
        ({1: "a"}, {"1": "a"}, False),
        (b"ab", b"ab", True),
        (b"ab", "ab", False),
        (2**5000, 2**5000, True),
        (1 + 2j, 1 + 2.0000000000001j, True),
    ],
)
def test_values_agree_between_implementations(left: Any, right: Any, agree: bool) -> None:
    assert values_agree(enc(left), enc(right)) is agree
    assert values_agree(enc(right), enc(left)) is agree


@pytest.mark.parametrize(
    ("actual", "expected", "agree"),
    [
        ((1, 2), [1, 2], True),
        ((1, 2), [2, 1], False),
        ({3, 1, 2}, [2, 3, 1], True),
        (frozenset({"b", "a"}), ["a", "b"], True),
        ({1, 2}, [1, 2, 2], False),
        ({1: "a", 2: "b"}, {"1": "a", "2": "b"}, True),
        ({1.5: "a", True: "b", None: "c"}, {"1.5": "a", "true": "b", "null": "c"}, True),
        ({(1, 2): "a"}, {"(1, 2)": "a"}, False),
        ({1: "a", "1": "b"}, {"1": "a"}, False),
        ([(1, 2), (3, 4)], [[1, 2], [3, 4]], True),
        ({"k": (1,)}, {"k": [1]}, True),
        (b"x", ["x"], False),
        (0.30000000000000004, 0.3, True),
    ],
)
def test_values_agree_with_a_json_expectation(actual: Any, expected: Any, agree: bool) -> None:
    assert values_agree(enc(actual), enc(expected), expected_is_json=True) is agree


# ---------------------------------------------------------------- compare_results (no processes)


def outcome(index: int, status: CallStatus, value: Any = None, error: str | None = None) -> CallOutcome:
    return CallOutcome(
        index=index,
        status=status,
        value=enc(value) if status is CallStatus.OK else None,
        value_repr=repr(value) if status in (CallStatus.OK, CallStatus.NOT_SERIALISABLE) else None,
        error_type=error,
        error_message="boom" if error else None,
    )


def result(*outcomes: CallOutcome, load: CallOutcome | None = None) -> SandboxResult:
    return SandboxResult(
        load=load or CallOutcome(index=-1, status=CallStatus.OK),
        outcomes=outcomes,
        processes=(),
        wall_seconds=0.0,
        stderr_tail="",
        boundary="none",
    )


CALLS2 = [FunctionCall(args=(2, 5)), FunctionCall(args=(0,))]


def test_identical_results_are_equivalent() -> None:
    left = result(outcome(0, CallStatus.OK, 7), outcome(1, CallStatus.RAISED, error="ValueError"))
    verdict = compare_results(left, left, CALLS2, "f")
    assert verdict.equivalent is True
    assert verdict.reason == "all 2 calls agree"
    assert (verdict.agreed, verdict.disagreed, verdict.inconclusive) == (2, 0, 0)
    assert "both raised ValueError" in verdict.comparisons[1].detail


def test_a_different_value_names_the_call() -> None:
    left = result(outcome(0, CallStatus.OK, 7), outcome(1, CallStatus.OK, 1))
    right = result(outcome(0, CallStatus.OK, 8), outcome(1, CallStatus.OK, 1))
    verdict = compare_results(left, right, CALLS2, "f")
    assert verdict.equivalent is False
    assert verdict.reason == "call 0 f(2, 5): 7 != 8"
    assert verdict.disagreed == 1 and verdict.agreed == 1


@pytest.mark.parametrize(
    ("left", "right", "agreement", "text"),
    [
        (outcome(0, CallStatus.RAISED, error="ValueError"), outcome(0, CallStatus.RAISED, error="TypeError"), "differ", "raised ValueError: boom vs raised TypeError"),
        (outcome(0, CallStatus.OK, 1), outcome(0, CallStatus.RAISED, error="KeyError"), "differ", "1 vs raised KeyError"),
        (outcome(0, CallStatus.NOT_SERIALISABLE), outcome(0, CallStatus.OK, [1]), "differ", "uncomparable"),
        (outcome(0, CallStatus.NOT_SERIALISABLE), outcome(0, CallStatus.NOT_SERIALISABLE), "inconclusive", "neither result"),
        (outcome(0, CallStatus.TIMEOUT), outcome(0, CallStatus.OK, 1), "inconclusive", "the first implementation timed out"),
        (outcome(0, CallStatus.OK, 1), outcome(0, CallStatus.MEMORY), "inconclusive", "the second implementation ran out of memory"),
        (outcome(0, CallStatus.OK, 1), outcome(0, CallStatus.REFUSED), "inconclusive", "refused by the sandbox"),
        (outcome(0, CallStatus.CRASHED), outcome(0, CallStatus.CRASHED), "inconclusive", "crashed"),
        (outcome(0, CallStatus.TOO_LARGE), outcome(0, CallStatus.OK, 1), "inconclusive", "too large"),
        (outcome(0, CallStatus.NOT_RUN), outcome(0, CallStatus.OK, 1), "inconclusive", "did not run"),
    ],
)  # fmt: skip
def test_call_comparison_table(left: CallOutcome, right: CallOutcome, agreement: str, text: str) -> None:
    verdict = compare_results(result(left), result(right), CALLS2[:1], "f")
    assert verdict.comparisons[0].agreement is CallAgreement(agreement)
    assert text in verdict.comparisons[0].detail
    expected = {"differ": False, "inconclusive": None}[agreement]
    assert verdict.equivalent is expected
    assert verdict.reason == verdict.comparisons[0].detail


def test_a_difference_outweighs_an_inconclusive_call() -> None:
    left = result(outcome(0, CallStatus.TIMEOUT), outcome(1, CallStatus.OK, 1))
    right = result(outcome(0, CallStatus.OK, 1), outcome(1, CallStatus.OK, 2))
    verdict = compare_results(left, right, CALLS2, "f")
    assert verdict.equivalent is False
    assert (verdict.agreed, verdict.disagreed, verdict.inconclusive) == (0, 1, 1)


def test_a_module_that_failed_to_load_raises_on_every_call() -> None:
    broken = result(
        outcome(0, CallStatus.NOT_RUN),
        outcome(1, CallStatus.NOT_RUN),
        load=CallOutcome(index=-1, status=CallStatus.RAISED, error_type="SyntaxError", error_message="bad"),
    )
    healthy = result(outcome(0, CallStatus.OK, 7), outcome(1, CallStatus.OK, 0))
    assert compare_results(broken, healthy, CALLS2).equivalent is False
    assert compare_results(broken, broken, CALLS2).equivalent is True
    slow_load = result(
        outcome(0, CallStatus.NOT_RUN),
        outcome(1, CallStatus.NOT_RUN),
        load=CallOutcome(index=-1, status=CallStatus.TIMEOUT),
    )
    assert compare_results(slow_load, healthy, CALLS2).equivalent is None


def test_no_calls_is_inconclusive_and_mismatched_results_are_misuse() -> None:
    verdict = compare_results(result(), result(), [])
    assert verdict.equivalent is None
    assert verdict.reason == "there were no calls to compare"
    with pytest.raises(ValueError, match="cover exactly"):
        compare_results(result(outcome(0, CallStatus.OK, 1)), result(), CALLS2[:1])


# ---------------------------------------------------------------- end to end

LOOP_SUM = """
def total(values, start=0):
    result = start
    for value in values:
        result += value
    return result
"""
BUILTIN_SUM = """
def add_all(values, start=0):
    return sum(values, start)
"""
OFF_BY_ONE = """
def total(values, start=0):
    return sum(values, start) + (1 if len(values) > 2 else 0)
"""
SLOW = """
def total(values, start=0):
    while values:
        pass
    return start
"""


def test_equivalent_implementations_agree() -> None:
    calls = [
        FunctionCall(args=([1, 2, 3],)),
        FunctionCall(args=([0.1, 0.2],), kwargs={"start": 1}),
        FunctionCall(args=([],)),
    ]
    verdict = compare_functions(LOOP_SUM, "total", BUILTIN_SUM, "add_all", calls, LIMITS)
    assert isinstance(verdict, DifferentialVerdict)
    assert verdict.equivalent is True, verdict.reason
    assert verdict.agreed == 3


def test_a_real_difference_is_found_and_explained() -> None:
    calls = [FunctionCall(args=([1, 2],)), FunctionCall(args=([2, 5, 0],))]
    verdict = compare_functions(LOOP_SUM, "total", OFF_BY_ONE, "total", calls, LIMITS)
    assert verdict.equivalent is False
    assert verdict.reason == "call 1 total([2, 5, 0]): 7 != 8"


def test_a_timeout_makes_a_call_inconclusive_not_different() -> None:
    limits = LIMITS.model_copy(update={"call_seconds": 0.5})
    calls = [FunctionCall(args=([],)), FunctionCall(args=([1],))]
    verdict = compare_functions(LOOP_SUM, "total", SLOW, "total", calls, limits)
    assert verdict.equivalent is None
    assert (verdict.agreed, verdict.inconclusive) == (1, 1)
    assert "timed out" in verdict.reason


def test_generated_inputs_drive_a_comparison() -> None:
    parameters = [Parameter(name="values", type_hint="List[int]"), Parameter(name="start", type_hint="int")]
    calls = generate_inputs(parameters, count=12, seed=3)
    verdict = compare_functions(LOOP_SUM, "total", BUILTIN_SUM, "add_all", calls, LIMITS)
    assert verdict.equivalent is True and verdict.agreed == 12
    assert compare_functions(LOOP_SUM, "total", OFF_BY_ONE, "total", calls, LIMITS).equivalent is False


# ---------------------------------------------------------------- check_against_tests

CELSIUS = "def celsius_to_fahrenheit(celsius):\n    return celsius * 9 / 5 + 32\n"


def test_a_correct_implementation_passes_a_suite_case() -> None:
    case = next(case for case in load_suite(_core_suite()).cases if case.id == "simple-001")
    verdict = check_against_tests(CELSIUS, "celsius_to_fahrenheit", case.tests, LIMITS)
    assert verdict.all_passed and verdict.passed == verdict.total == len(case.tests)
    assert verdict.first_failure is None


def test_a_wrong_implementation_fails_with_the_first_reason() -> None:
    tests = [FunctionTest(args=[0.0], expected=32.0), FunctionTest(args=[100.0], expected=212.0)]
    wrong = "def c(celsius):\n    return celsius * 2 + 32\n"
    verdict = check_against_tests(wrong, "c", tests, LIMITS)
    assert (verdict.passed, verdict.failed) == (1, 1)
    assert verdict.first_failure == "test 1 c(100.0): 232.0 != expected 212.0"
    assert not verdict.all_passed


SHAPES = """
import time

def shapes(kind):
    if kind == "tuple":
        return (1, 2)
    if kind == "set":
        return {3, 1, 2}
    if kind == "float":
        return 0.1 + 0.2
    if kind == "raise":
        raise ValueError("negative")
    if kind == "slow":
        time.sleep(30)
    if kind == "opaque":
        return (n for n in range(2))
    return None
"""


@pytest.mark.parametrize(
    ("test", "passed", "detail"),
    [
        (FunctionTest(args=["tuple"], expected=[1, 2]), True, "(1, 2) == expected [1, 2]"),
        (FunctionTest(args=["set"], expected=[2, 3, 1]), True, "=="),
        (FunctionTest(args=["float"], expected=0.3), True, "=="),
        (FunctionTest(args=["none"]), True, "None == expected None"),
        (FunctionTest(args=["raise"], raises="ValueError"), True, "raised ValueError: negative"),
        (FunctionTest(args=["raise"], raises="builtins.ValueError"), True, "raised ValueError"),
        (FunctionTest(args=["raise"], raises="TypeError"), False, "(expected TypeError)"),
        (FunctionTest(args=["raise"], expected=1), False, "(expected 1)"),
        (FunctionTest(args=["tuple"], raises="ValueError"), False, "returned (1, 2), expected ValueError"),
        (FunctionTest(args=["slow"], expected=None), False, "timed out"),
        (FunctionTest(args=["opaque"], expected=[0, 1]), False, "uncomparable"),
    ],
)
def test_judging_one_test(test: FunctionTest, passed: bool, detail: str) -> None:
    limits = LIMITS.model_copy(update={"call_seconds": 0.5})
    verdict = check_against_tests(SHAPES, "shapes", [test], limits)
    assert verdict.results[0].passed is passed, verdict.results[0].detail
    assert detail in verdict.results[0].detail


def test_code_that_does_not_load_fails_every_test() -> None:
    tests = [FunctionTest(args=[1], expected=1)] * 2
    verdict = check_against_tests("def f(:\n", "f", tests, LIMITS)
    assert verdict.failed == 2
    assert verdict.first_failure is not None and "did not load (SyntaxError" in verdict.first_failure
    slow = run_function(
        "while True:\n    pass\n", "f", calls_from_tests(tests), LIMITS.model_copy(update={"call_seconds": 0.5})
    )
    assert "did not load (timeout)" in (judge_tests(slow, tests).first_failure or "")


def test_judge_tests_misuse() -> None:
    with pytest.raises(ValueError, match="cover exactly"):
        judge_tests(result(), [FunctionTest(args=[1])])


def test_calls_from_tests_keep_args_and_kwargs() -> None:
    calls = calls_from_tests([FunctionTest(args=[1, "a"], kwargs={"k": [2]}, expected=3)])
    assert calls == [FunctionCall(args=(1, "a"), kwargs={"k": [2]})]


# ---------------------------------------------------------------- generate_inputs


def params(*hints: str) -> list[Parameter]:
    return [Parameter(name=f"p{i}", type_hint=hint) for i, hint in enumerate(hints)]


def test_generation_is_deterministic_for_a_seed() -> None:
    parameters = params("int", "List[str]", "Dict[str, int]", "Optional[float]", "tuple[int, ...]", "set[str]")
    assert generate_inputs(parameters, 20, seed=7) == generate_inputs(parameters, 20, seed=7)
    assert generate_inputs(parameters, 20, seed=7) != generate_inputs(parameters, 20, seed=8)
    assert generate_inputs(parameters, 0, seed=7) == []
    with pytest.raises(ValueError):
        generate_inputs(parameters, -1, seed=7)


@pytest.mark.parametrize(
    ("hint", "check"),
    [
        ("int", lambda v: type(v) is int),
        ("float", lambda v: type(v) is float),
        ("bool", lambda v: type(v) is bool),
        ("str", lambda v: type(v) is str),
        ("string", lambda v: type(v) is str),
        ("bytes", lambda v: type(v) is bytes),
        ("complex", lambda v: type(v) is complex),
        ("None", lambda v: v is None),
        ("List[int]", lambda v: type(v) is list and all(type(x) is int for x in v)),
        ("list[str]", lambda v: type(v) is list and all(type(x) is str for x in v)),
        ("list[float]", lambda v: type(v) is list and all(type(x) is float for x in v)),
        ("Dict[str, int]", lambda v: type(v) is dict and all(type(k) is str and type(x) is int for k, x in v.items())),
        ("tuple[int, str]", lambda v: type(v) is tuple and len(v) == 2 and type(v[0]) is int and type(v[1]) is str),
        ("Tuple[int, ...]", lambda v: type(v) is tuple and all(type(x) is int for x in v)),
        ("set[int]", lambda v: type(v) is set and all(type(x) is int for x in v)),
        ("FrozenSet[str]", lambda v: type(v) is frozenset),
        ("Optional[int]", lambda v: v is None or type(v) is int),
        ("int | str", lambda v: type(v) in (int, str)),
        ("Literal['a', 'b']", lambda v: v in ("a", "b")),
        ("Literal[x]", lambda v: type(v) in (int, str)),
        ("dict[list[int], str]", lambda v: type(v) is dict and all(type(k) is tuple for k in v)),
        ("set[dict[str, int]]", lambda v: type(v) is set and all(type(x) is str for x in v)),
        ("list[list[list[list[list[list[int]]]]]]", lambda v: type(v) is list),
        ("Callable[[int], int]", lambda v: type(v) in (int, str)),
        ("SomeCustomType", lambda v: type(v) in (int, str)),
        ("numpy.ndarray", lambda v: type(v) in (int, str)),
        ("a list of numbers", lambda v: type(v) in (int, str)),
        ("Any", lambda v: type(v) in (int, str)),
    ],
)
def test_generated_values_have_the_declared_type(hint: str, check: Any) -> None:
    calls = generate_inputs(params(hint), 25, seed=1)
    for generated in calls:
        assert check(generated.args[0]), (hint, generated.args[0])


def test_the_first_call_uses_the_simplest_values() -> None:
    first = generate_inputs(
        params("int", "float", "str", "list[int]", "dict[str, int]", "bool", "Optional[int]"), 3, 0
    )[0]
    assert first.args == (0, 0.0, "", [], {}, False, 0)


def test_generated_calls_can_be_sent_to_the_sandbox() -> None:
    parameters = params("int", "list[float]", "dict[str, int]", "tuple[int, str]", "Optional[str]", "set[int]", "bytes")
    calls = generate_inputs(parameters, 10, seed=5)
    source = "def f(*args):\n    return [type(a).__name__ for a in args]\n"
    outcomes = run_function(source, "f", calls, LIMITS).outcomes
    assert all(o.status is CallStatus.OK for o in outcomes)
    assert outcomes[1].value[:4] == ["int", "list", "dict", "tuple"]


def _core_suite():  # type: ignore[no-untyped-def]
    from tokdrift_cli.core.suite import default_suite_path

    return default_suite_path()


def test_expected_values_allow_the_humaneval_tolerance_but_implementations_do_not() -> None:
    from tokdrift_cli.codegen.differential import values_agree

    assert values_agree(0.5 + 5e-7, 0.5, expected_is_json=True)
    assert not values_agree(0.5 + 5e-7, 0.5)
    assert not values_agree(0.5 + 5e-6, 0.5, expected_is_json=True)
