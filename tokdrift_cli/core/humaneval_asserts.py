"""HumanEval's ``check(candidate)`` asserts as suite tests: the ones that are data, the rest counted by reason.

Asserts of ``check`` whose call arguments and expected value are
literals, or constant arithmetic such as ``3 * 19``, become
:class:`FunctionTest` records: ``candidate(a) == b`` (either side),
``candidate(a) is True/False/None``, ``candidate(a)`` (expects ``True``),
``not candidate(a)`` (expects ``False``), ``abs(candidate(a) - b) < tol``
(expects ``b``; suite tests compare numbers with a tolerance) and
``tuple(candidate(a)) == tuple([...])`` (expects the list). Everything
else - loops over random inputs, references to helpers - is counted, by
reason, and left out.

JSON has no tuples: an expected tuple is stored as a list, which the
sandbox's test judge matches against a returned tuple (a test's expected
value is JSON, so a tuple or set result matches a list of it). A tuple in the
*arguments* would reach the function as a list, which can change what it
does, so such tests are left out; so are values JSON cannot hold (sets,
non-string dict keys, non-finite floats, integers beyond 64 bits).
"""

from __future__ import annotations

import ast
import math
import operator
from collections import Counter
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from tokdrift_cli.core.suite import FunctionTest

# Constant arithmetic allowed in test arguments ("3 * 19", "0 ** 0"), with size limits.
_OPERATORS: Final[Mapping[type[ast.operator], Callable[[Any, Any], Any]]] = MappingProxyType(
    {
        ast.Add: operator.add,
        ast.Sub: operator.sub,
        ast.Mult: operator.mul,
        ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv,
        ast.Mod: operator.mod,
        ast.Pow: operator.pow,
    }
)
_MAX_EXPONENT: Final = 64
_MAX_SEQUENCE: Final = 10_000
_INT64_MIN: Final = -(2**63)
_UINT64_END: Final = 2**64


def find_function(module: ast.Module, name: str) -> ast.FunctionDef | None:
    """The module's top-level function of that name."""
    for statement in module.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == name:
            return statement
    return None


class _NotConvertible(Exception):
    """A test statement that cannot become data; the message is the reason (a short category)."""


def _constant(node: ast.expr) -> Any:
    """The value of a literal, or of constant arithmetic on literals (also inside a list or tuple)."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _constant(node.left), _constant(node.right)
        _check_operands(node.op, left, right)
        try:
            return _OPERATORS[type(node.op)](left, right)
        except (ArithmeticError, TypeError, ValueError) as error:
            raise _NotConvertible("arithmetic error in a value") from error
    if isinstance(node, ast.Tuple | ast.List):
        items = [_constant(item) for item in node.elts if not isinstance(item, ast.Starred)]
        if len(items) == len(node.elts):
            return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _constant(node.operand)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    raise _NotConvertible("value is not a literal")


def _check_operands(op: ast.operator, left: Any, right: Any) -> None:
    """Refuse arithmetic whose result could be huge (``9 ** 9 ** 9``, ``"a" * 10**9``)."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
    if isinstance(op, ast.Pow) and not (numbers and abs(right) <= _MAX_EXPONENT and abs(left) <= 2**32):
        raise _NotConvertible("value is not a literal")
    if isinstance(op, ast.Mult) and not numbers:
        count = right if isinstance(left, str | list | tuple) else left
        if not isinstance(count, int) or count > _MAX_SEQUENCE:
            raise _NotConvertible("value is not a literal")


def _json_value(value: Any, *, where: str) -> Any:
    """``value`` as JSON data; tuples become lists only for expected values (see the module docstring)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not _INT64_MIN <= value < _UINT64_END:
            raise _NotConvertible("integer beyond 64 bits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotConvertible("non-finite float")
        return value
    if isinstance(value, tuple):
        if where == "argument":
            raise _NotConvertible("tuple argument")
        return [_json_value(item, where=where) for item in value]
    if isinstance(value, list):
        return [_json_value(item, where=where) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise _NotConvertible("dict with non-string keys")
        return {key: _json_value(item, where=where) for key, item in value.items()}
    raise _NotConvertible(f"{type(value).__name__} value")


def _is_call_of(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _call_arguments(call: ast.Call) -> tuple[list[Any], dict[str, Any]]:
    args = []
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            raise _NotConvertible("unpacked arguments")
        args.append(_json_value(_constant(arg), where="argument"))
    kwargs = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            raise _NotConvertible("unpacked arguments")
        kwargs[keyword.arg] = _json_value(_constant(keyword.value), where="argument")
    return args, kwargs


def _unwrapped_tuple(node: ast.expr, candidate: str) -> ast.Call | None:
    """``candidate(...)`` inside ``tuple(candidate(...))``."""
    if _is_call_of(node, "tuple") and len(node.args) == 1 and not node.keywords:  # type: ignore[attr-defined]
        inner = node.args[0]  # type: ignore[attr-defined]
        if _is_call_of(inner, candidate):
            return inner  # type: ignore[return-value]
    return None


def _tuple_literal(node: ast.expr) -> Any:
    """The value of ``tuple(LITERAL)`` or of a literal."""
    if _is_call_of(node, "tuple") and len(node.args) == 1 and not node.keywords:  # type: ignore[attr-defined]
        return list(_constant(node.args[0]))  # type: ignore[attr-defined]
    return _constant(node)


def _equality(left: ast.expr, right: ast.expr, candidate: str) -> tuple[ast.Call, Any]:
    for call_side, value_side in ((left, right), (right, left)):
        if _is_call_of(call_side, candidate):
            return call_side, _constant(value_side)  # type: ignore[return-value]
        if (inner := _unwrapped_tuple(call_side, candidate)) is not None:
            return inner, _tuple_literal(value_side)
    raise _NotConvertible("unsupported assert form")


def _tolerance(left: ast.expr, candidate: str) -> tuple[ast.Call, Any]:
    """``abs(candidate(x) - y)`` or ``abs(y - candidate(x))`` -> (the call, y)."""
    if _is_call_of(left, "abs") and len(left.args) == 1:  # type: ignore[attr-defined]
        inner = left.args[0]  # type: ignore[attr-defined]
        if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub):
            for call_side, value_side in ((inner.left, inner.right), (inner.right, inner.left)):
                if _is_call_of(call_side, candidate):
                    return call_side, _constant(value_side)  # type: ignore[return-value]
    raise _NotConvertible("unsupported assert form")


def _test_from_assert(test: ast.expr, candidate: str) -> tuple[ast.Call, Any]:
    """(the candidate call, the expected value) of one asserted expression."""
    if _is_call_of(test, candidate):
        return test, True  # type: ignore[return-value]
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _is_call_of(test.operand, candidate):
        return test.operand, False  # type: ignore[return-value]
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.Eq):
            return _equality(test.left, right, candidate)
        if isinstance(op, ast.Is) and _is_call_of(test.left, candidate):
            value = _constant(right)
            if value is True or value is False or value is None:
                return test.left, value  # type: ignore[return-value]
        if isinstance(op, ast.Lt | ast.LtE) and isinstance(_constant(right), int | float):
            return _tolerance(test.left, candidate)
    raise _NotConvertible("unsupported assert form")


def _convert_statement(statement: ast.stmt, candidate: str) -> FunctionTest:
    if not isinstance(statement, ast.Assert):
        raise _NotConvertible(f"{type(statement).__name__.lower()} statement")
    call, expected = _test_from_assert(statement.test, candidate)
    args, kwargs = _call_arguments(call)
    return FunctionTest(args=args, kwargs=kwargs, expected=_json_value(expected, where="expected"))


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(inner, ast.Name) and inner.id == name for inner in ast.walk(node))


def convert_tests(test_source: str) -> tuple[list[FunctionTest], Counter[str]]:
    """The tests of a HumanEval ``check(candidate)`` that are data, and the others counted by reason.

    Statements that do not call the candidate (imports, ``assert True``
    markers) are neither tests nor counted. Duplicate tests are kept once.
    """
    try:
        module = ast.parse(test_source)
    except SyntaxError:
        return [], Counter({"test code is not valid Python": 1})
    check = find_function(module, "check")
    if check is None or not check.args.args:
        return [], Counter({"no check(candidate) function": 1})
    candidate = check.args.args[0].arg
    tests: list[FunctionTest] = []
    unconverted: Counter[str] = Counter()
    for statement in check.body:
        if not _mentions(statement, candidate):
            continue
        try:
            test = _convert_statement(statement, candidate)
        except _NotConvertible as reason:
            unconverted[str(reason)] += 1
            continue
        if test not in tests:
            tests.append(test)
    return tests, unconverted
