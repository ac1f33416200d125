"""Do two implementations of one spec behave the same? Run both on the same inputs and compare.

Two pieces of generated code can differ in every token and still implement the
same function; only running them tells. :func:`compare_functions` runs each
implementation once in the sandbox (one process per implementation, all calls
in it) and compares the outcomes call by call. :func:`check_against_tests` uses
the same machinery to run one implementation against a suite case's tests.

Comparison rules (:func:`values_agree`):

* Numbers agree within ``math.isclose(rel_tol=1e-9, abs_tol=1e-9)``, at any
  depth inside containers; integers against integers are exact. ``1`` and
  ``1.0`` agree (Python's ``==``); ``True`` and ``1`` do not (a different type
  of answer). NaN agrees with NaN, so "both return NaN" is agreement.
  Against a test's expected value the absolute tolerance is 1e-6, the
  convention of HumanEval's own checks (``abs(candidate(x) - y) < 1e-6``).
* Containers agree element by element; dicts and sets regardless of order.
  Between two implementations a tuple and a list differ. Against a test's
  ``expected`` value, which is JSON and so has no tuples or sets, a tuple
  matches a list and a set matches a list of the same elements in any order.
* Two calls that both raise agree when the exception type names are equal;
  messages are ignored (they are prose, and generated code words them freely).
* A call that cannot be judged on either side - timeout, out of memory,
  crashed process, refused by the sandbox, value too large, never run - makes
  that call *inconclusive*, never *different*: a limit of the harness is not
  evidence that the functions differ. A value with no comparable form (a
  generator, say) is inconclusive against another such value, and different
  from a plain value or an exception.

The verdict for a pair is ``False`` as soon as one call differs, ``True`` only
if every call agrees, and ``None`` (inconclusive) otherwise.

When a case has no tests, :func:`generate_inputs` makes calls from the
parameter types, deterministically for a seed.
"""

from __future__ import annotations

import ast
import math
import random
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, ClassVar, Final

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.codegen import _sandbox_child as codec
from tokdrift_cli.codegen.sandbox import (
    CallOutcome,
    CallStatus,
    FunctionCall,
    SandboxLimits,
    SandboxResult,
    run_function,
)
from tokdrift_cli.core.ir import Parameter
from tokdrift_cli.core.suite import FunctionTest
from tokdrift_cli.core.types import canonical_type

__all__ = [
    "ABS_TOL",
    "REL_TOL",
    "CallAgreement",
    "CallComparison",
    "DifferentialVerdict",
    "TestCaseResult",
    "TestRunVerdict",
    "calls_from_tests",
    "check_against_tests",
    "compare_functions",
    "compare_results",
    "generate_inputs",
    "judge_tests",
    "values_agree",
]

REL_TOL: Final = 1e-9
ABS_TOL: Final = 1e-9
TEST_ABS_TOL: Final = 1e-6

_INCONCLUSIVE_STATUS: Final = {
    CallStatus.TIMEOUT: "timed out",
    CallStatus.MEMORY: "ran out of memory",
    CallStatus.CRASHED: "crashed the sandbox process",
    CallStatus.REFUSED: "was refused by the sandbox",
    CallStatus.TOO_LARGE: "returned a value too large to compare",
    CallStatus.NOT_RUN: "did not run",
}


class CallAgreement(StrEnum):
    AGREE = "agree"
    DIFFER = "differ"
    INCONCLUSIVE = "inconclusive"


class CallComparison(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int
    agreement: CallAgreement
    #: ``call 3 f(2, 5): 7 != 8``
    detail: str


class DifferentialVerdict(BaseModel):
    """Whether two implementations behaved the same on every call, and the first reason if not."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: True: every call agreed; False: at least one differed; None: no difference, but not all calls could be judged.
    equivalent: bool | None
    reason: str
    agreed: int
    disagreed: int
    inconclusive: int
    comparisons: tuple[CallComparison, ...]


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


# ---------------------------------------------------------------- comparing values


def values_agree(left: Any, right: Any, *, expected_is_json: bool = False) -> bool:
    """Whether two values in the sandbox's tagged encoding agree (see the module docstring).

    ``expected_is_json=True`` reads ``right`` as a plain JSON expectation, so a
    tuple or set on the left may match a list on the right.
    """
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        if isinstance(left, int) and isinstance(right, int):
            return left == right
        return math.isclose(left, right, rel_tol=REL_TOL, abs_tol=TEST_ABS_TOL if expected_is_json else ABS_TOL)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            values_agree(a, b, expected_is_json=expected_is_json) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, dict) and isinstance(right, dict):
        return _dicts_agree(left, right, expected_is_json)
    if expected_is_json and isinstance(left, dict) and isinstance(right, list):
        return _container_matches_list(left, right)
    return type(left) is type(right) and left == right


def _tag(value: dict[str, Any]) -> str | None:
    if len(value) == 1:
        key = next(iter(value))
        if key in codec.TAGS:
            return key
    return None


def _dicts_agree(left: dict[str, Any], right: dict[str, Any], loose: bool) -> bool:
    left_tag, right_tag = _tag(left), _tag(right)
    if loose and left_tag == codec.DICT and right_tag is None:
        left = _json_keyed(left[codec.DICT])
        if left is None:
            return False
        left_tag = None
    if left_tag != right_tag:
        return False
    if left_tag is None:
        return left.keys() == right.keys() and all(
            values_agree(left[key], right[key], expected_is_json=loose) for key in left
        )
    # Sets arrive sorted by their encoding, so they compare element by element.
    return values_agree(left[left_tag], right[left_tag], expected_is_json=loose)


def _json_keyed(pairs: list[list[Any]]) -> dict[str, Any] | None:
    """A dict with non-string keys as JSON would write it (``{1: x}`` -> ``{"1": x}``), or None."""
    spelled: dict[str, Any] = {}
    for key, value in pairs:
        if isinstance(key, bool) or key is None:
            text = {True: "true", False: "false", None: "null"}[key]
        elif isinstance(key, int | float | str):
            text = str(key)
        else:
            return None
        spelled[text] = value
    return spelled if len(spelled) == len(pairs) else None


def _container_matches_list(left: dict[str, Any], right: list[Any]) -> bool:
    """A tuple or set against a JSON list (JSON has neither)."""
    tag = _tag(left)
    if tag == codec.TUPLE:
        return values_agree(left[tag], right, expected_is_json=True)
    if tag in (codec.SET, codec.FROZENSET):
        expected = sorted((codec.encode_value(item) for item in right), key=codec.canonical_json)
        return values_agree(left[tag], expected, expected_is_json=True)
    return False


# ---------------------------------------------------------------- comparing outcomes


class _Kind(StrEnum):
    VALUE = "value"
    RAISED = "raised"
    OPAQUE = "opaque"
    UNKNOWN = "unknown"


def _observe(result: SandboxResult, index: int) -> tuple[_Kind, CallOutcome]:
    """What one side did on a call, as something comparable; a failed load counts for every call."""
    outcome = result.outcomes[index] if result.loaded else result.load
    kinds = {CallStatus.OK: _Kind.VALUE, CallStatus.RAISED: _Kind.RAISED, CallStatus.NOT_SERIALISABLE: _Kind.OPAQUE}
    return kinds.get(outcome.status, _Kind.UNKNOWN), outcome


def _describe(kind: _Kind, outcome: CallOutcome) -> str:
    if kind is _Kind.VALUE:
        return outcome.value_repr or "None"
    if kind is _Kind.RAISED:
        message = f": {outcome.error_message}" if outcome.error_message else ""
        return f"raised {outcome.error_type}{message}"
    if kind is _Kind.OPAQUE:
        return f"returned an uncomparable {outcome.value_repr}"
    return _INCONCLUSIVE_STATUS.get(outcome.status, outcome.status.value)


def _compare_call(index: int, label: str, left: SandboxResult, right: SandboxResult) -> CallComparison:
    (kind_a, a), (kind_b, b) = _observe(left, index), _observe(right, index)
    prefix = f"call {index} {label}"
    if _Kind.UNKNOWN in (kind_a, kind_b):
        side = "first" if kind_a is _Kind.UNKNOWN else "second"
        outcome, kind = (a, kind_a) if kind_a is _Kind.UNKNOWN else (b, kind_b)
        detail = f"{prefix}: the {side} implementation {_describe(kind, outcome)}"
        return CallComparison(index=index, agreement=CallAgreement.INCONCLUSIVE, detail=detail)
    if kind_a is kind_b is _Kind.OPAQUE:
        detail = f"{prefix}: neither result has a comparable form"
        return CallComparison(index=index, agreement=CallAgreement.INCONCLUSIVE, detail=detail)
    if kind_a is kind_b is _Kind.VALUE:
        same = values_agree(a.value, b.value)
        detail = f"{prefix}: {a.value_repr} {'==' if same else '!='} {b.value_repr}"
    elif kind_a is kind_b is _Kind.RAISED:
        same = a.error_type == b.error_type
        detail = (
            f"{prefix}: both raised {a.error_type}"
            if same
            else f"{prefix}: {_describe(kind_a, a)} vs {_describe(kind_b, b)}"
        )
    else:
        same = False
        detail = f"{prefix}: {_describe(kind_a, a)} vs {_describe(kind_b, b)}"
    agreement = CallAgreement.AGREE if same else CallAgreement.DIFFER
    return CallComparison(index=index, agreement=agreement, detail=detail)


def compare_results(
    first: SandboxResult, second: SandboxResult, calls: Sequence[FunctionCall], function_name: str = "f"
) -> DifferentialVerdict:
    """Compare two sandbox runs over the same ``calls`` (see the module docstring for the rules)."""
    if len(first.outcomes) != len(calls) or len(second.outcomes) != len(calls):
        raise ValueError("both results must cover exactly the given calls")
    comparisons = tuple(
        _compare_call(index, call.describe(function_name), first, second) for index, call in enumerate(calls)
    )
    counts = {agreement: 0 for agreement in CallAgreement}
    for comparison in comparisons:
        counts[comparison.agreement] += 1
    if counts[CallAgreement.DIFFER]:
        equivalent: bool | None = False
        reason = next(c.detail for c in comparisons if c.agreement is CallAgreement.DIFFER)
    elif counts[CallAgreement.INCONCLUSIVE] or not comparisons:
        equivalent = None
        reason = next(
            (c.detail for c in comparisons if c.agreement is CallAgreement.INCONCLUSIVE),
            "there were no calls to compare",
        )
    else:
        equivalent = True
        reason = f"all {len(comparisons)} calls agree"
    return DifferentialVerdict(
        equivalent=equivalent,
        reason=reason,
        agreed=counts[CallAgreement.AGREE],
        disagreed=counts[CallAgreement.DIFFER],
        inconclusive=counts[CallAgreement.INCONCLUSIVE],
        comparisons=comparisons,
    )


def compare_functions(
    first_source: str,
    first_name: str,
    second_source: str,
    second_name: str,
    calls: Sequence[FunctionCall],
    limits: SandboxLimits | None = None,
) -> DifferentialVerdict:
    """Run both implementations on ``calls`` (one sandbox process each) and compare them call by call."""
    first = run_function(first_source, first_name, calls, limits)
    second = run_function(second_source, second_name, calls, limits)
    return compare_results(first, second, calls, first_name)


# ---------------------------------------------------------------- tests


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
    what = _describe(_Kind.OPAQUE, outcome) if outcome.status is CallStatus.NOT_SERIALISABLE else None
    what = what or _INCONCLUSIVE_STATUS.get(outcome.status, outcome.status.value)
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
    source: str, function_name: str, tests: Sequence[FunctionTest], limits: SandboxLimits | None = None
) -> TestRunVerdict:
    """Run ``source`` on every test in one sandbox process and count passes and failures.

    Unlike a comparison, a test that times out or is refused fails: the code
    has to pass within the limits. ``raises`` passes when the exception type
    name matches; otherwise the value must agree with ``expected`` under the
    same tolerance as :func:`values_agree` (JSON lists match tuples and sets).
    """
    result = run_function(source, function_name, calls_from_tests(tests), limits)
    return judge_tests(result, tests, function_name)


# ---------------------------------------------------------------- generated inputs

_INTS: Final = (0, 1, -1, 2, 3, 5, 7, 10, 42, 100, -7, 13)
_FLOATS: Final = (0.0, 1.0, -1.5, 0.5, 2.25, 3.14159, 100.0, -0.001)
_WORDS: Final = ("", "a", "abc", "hello world", "Racecar", "a1b2", "  padded ", "UPPER", "x,y,z", "héllo", "level")
_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz ABC"


def generate_inputs(parameters: Sequence[Parameter], count: int, seed: int) -> list[FunctionCall]:
    """``count`` calls with arguments drawn from the parameters' types; the same seed gives the same calls.

    Handles ``int``, ``float``, ``bool``, ``str``, ``bytes``, ``None``, lists,
    sets, dicts, tuples (fixed and variable length), unions and ``Optional``,
    and ``Literal``. Anything else gets small ints or short strings. The first
    call uses the simplest value of each type (0, "", []), where edge-case bugs
    live.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    nodes = [_type_node(parameter.type_hint) for parameter in parameters]
    calls = []
    for index in range(count):
        maker = _Maker(rng, simplest=index == 0)
        calls.append(FunctionCall(args=tuple(maker.make(node, 0) for node in nodes)))
    return calls


def _type_node(type_hint: str) -> ast.expr | None:
    try:
        return ast.parse(canonical_type(type_hint), mode="eval").body
    except SyntaxError:
        return None


class _Maker:
    """Makes one value of a parsed canonical type."""

    _MAX_DEPTH = 4

    def __init__(self, rng: random.Random, simplest: bool):
        self.rng = rng
        self.simplest = simplest

    def make(self, node: ast.expr | None, depth: int) -> Any:
        if node is None or depth > self._MAX_DEPTH:
            return self._unknown()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._union(_union_members(node), depth)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            return self._generic(node.value.id, _arguments(node), depth)
        if isinstance(node, ast.Constant) and node.value is None:
            return None
        if isinstance(node, ast.Name):
            maker = self._scalars().get(node.id)
            return maker() if maker else self._unknown()
        return self._unknown()

    def _scalars(self) -> dict[str, Callable[[], Any]]:
        return {
            "int": self._int,
            "float": self._float,
            "bool": lambda: False if self.simplest else self.rng.random() < 0.5,
            "str": self._str,
            "bytes": lambda: self._str().encode(),
            "None": lambda: None,
            "complex": lambda: complex(self._float(), self._float()),
        }

    def _int(self) -> int:
        if self.simplest:
            return 0
        return self.rng.choice(_INTS) if self.rng.random() < 0.6 else self.rng.randint(-1000, 1000)

    def _float(self) -> float:
        if self.simplest:
            return 0.0
        return self.rng.choice(_FLOATS) if self.rng.random() < 0.5 else round(self.rng.uniform(-100, 100), 3)

    def _str(self) -> str:
        if self.simplest:
            return ""
        if self.rng.random() < 0.6:
            return self.rng.choice(_WORDS)
        return "".join(self.rng.choice(_LETTERS) for _ in range(self.rng.randint(1, 10)))

    def _unknown(self) -> Any:
        return self._int() if self.rng.random() < 0.5 else self._str()

    def _length(self) -> int:
        return 0 if self.simplest else self.rng.randint(0, 5)

    def _union(self, members: list[ast.expr], depth: int) -> Any:
        concrete = [member for member in members if not (isinstance(member, ast.Constant) and member.value is None)]
        if concrete and (self.simplest or len(concrete) == len(members) or self.rng.random() < 0.75):
            return self.make(self.rng.choice(concrete) if not self.simplest else concrete[0], depth + 1)
        return None

    def _generic(self, base: str, args: list[ast.expr], depth: int) -> Any:
        first = args[0] if args else None
        if base == "list":
            return [self.make(first, depth + 1) for _ in range(self._length())]
        if base in ("set", "frozenset"):
            items = {_hashable(self.make(first, depth + 1)) for _ in range(self._length())}
            return items if base == "set" else frozenset(items)
        if base == "dict":
            value_node = args[1] if len(args) > 1 else None
            return {
                _hashable(self.make(first, depth + 1)): self.make(value_node, depth + 1) for _ in range(self._length())
            }
        if base == "tuple":
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
                return tuple(self.make(first, depth + 1) for _ in range(self._length()))
            return tuple(self.make(arg, depth + 1) for arg in args)
        if base == "Literal" and args:
            choice = args[0] if self.simplest else self.rng.choice(args)
            try:
                return ast.literal_eval(choice)
            except ValueError:
                return self._unknown()
        return self._unknown()


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    return [node]


def _arguments(node: ast.Subscript) -> list[ast.expr]:
    if isinstance(node.slice, ast.Tuple):
        return list(node.slice.elts)
    return [node.slice]


def _hashable(value: Any) -> Any:
    """A set element or dict key: lists become tuples, other unhashables their repr."""
    if isinstance(value, list):
        return tuple(_hashable(item) for item in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value
