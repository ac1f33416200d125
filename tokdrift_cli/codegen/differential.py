"""Do two implementations of one spec behave the same? Run both on the same inputs and compare.

Two pieces of generated code can differ in every token and still implement the
same function; only running them tells. :func:`compare_functions` runs each
implementation once in the sandbox (one process per implementation, all calls
in it) and compares the outcomes call by call. Running one implementation
against a suite case's tests is :mod:`tokdrift_cli.codegen.judging`; making
inputs from a signature is :mod:`tokdrift_cli.codegen.inputs`.

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

Values arrive from the sandbox already validated as well-formed encodings
(:mod:`tokdrift_cli.codegen.sandbox.protocol`), so nothing here can fail on
what the code returned.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from tokdrift_cli.codegen.sandbox import (
    CallOutcome,
    CallStatus,
    FunctionCall,
    SandboxLimits,
    SandboxResult,
    run_function,
)
from tokdrift_cli.codegen.sandbox.child import codec

__all__ = [
    "ABS_TOL",
    "INCONCLUSIVE_STATUS",
    "REL_TOL",
    "TEST_ABS_TOL",
    "CallAgreement",
    "CallComparison",
    "DifferentialVerdict",
    "compare_functions",
    "compare_results",
    "values_agree",
]

REL_TOL: Final = 1e-9
ABS_TOL: Final = 1e-9
TEST_ABS_TOL: Final = 1e-6

INCONCLUSIVE_STATUS: Final = {
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
    return INCONCLUSIVE_STATUS.get(outcome.status, outcome.status.value)


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
    *,
    allow_unsandboxed: bool = False,
) -> DifferentialVerdict:
    """Run both implementations on ``calls`` (one sandbox process each) and compare them call by call.

    ``allow_unsandboxed`` as for :func:`~tokdrift_cli.codegen.sandbox.run_function`.
    """
    first = run_function(first_source, first_name, calls, limits, allow_unsandboxed=allow_unsandboxed)
    second = run_function(second_source, second_name, calls, limits, allow_unsandboxed=allow_unsandboxed)
    return compare_results(first, second, calls, first_name)
