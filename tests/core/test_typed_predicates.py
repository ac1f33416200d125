"""Assertions read with the signature's types: one table per rule, its near misses, and proof by evaluation.

The property tests evaluate a predicate and its rewritten atoms on random values of the
declared types: a rule that changed the meaning of any predicate would fail there.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokdrift_cli.core.equivalence import IRField, Outcome, compare_irs
from tokdrift_cli.core.equivalence.typed_predicates import (
    assertion_atoms,
    builtin_type,
    signature_types,
)
from tokdrift_cli.core.ir import IR, Assertion, FunctionSignature, Intent, Parameter

PROPERTY_SETTINGS = settings(max_examples=50, deadline=None, database=None)

TYPES: dict[str, str] = {
    "s": "str",
    "data": "bytes",
    "xs": "list[int]",
    "point": "tuple[int, ...]",
    "table": "dict[str, int]",
    "seen": "set[int]",
    "frozen": "frozenset[int]",
    "n": "int",
    "x": "float",
    "flag": "bool",
    "maybe": "Optional[str]",
    "either": "int | float",
    "thing": "Any",
    "record": "Record",
}


def signature(types: dict[str, str] = TYPES, returns: str | None = "int") -> FunctionSignature:
    return FunctionSignature(
        name="f", parameters=[Parameter(name=n, type_hint=t) for n, t in types.items()], returns=returns
    )


def atoms(predicate: str, returns: str | None = "int") -> frozenset[str]:
    return assertion_atoms([Assertion(predicate=predicate)], signature_types(signature(returns=returns)))


def same(a: str, b: str, returns: str | None = "int") -> bool:
    return atoms(a, returns) == atoms(b, returns)


# --------------------------------------------------------------------------- the types a signature gives


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("str", "str"),
        ("Text", "str"),
        ("List[int]", "list"),
        ("list", "list"),
        ("typing.Dict[str, int]", "dict"),
        ("Tuple[int, ...]", "tuple"),
        ("FrozenSet[str]", "frozenset"),
        ("integer", "int"),
        ("float", "float"),
        ("bool", "bool"),
        ("bytes", "bytes"),
        ("Optional[str]", None),
        ("str | None", None),
        ("int | float", None),
        ("Any", None),
        ("", None),
        (None, None),
        ("Record", None),
        ("a list of ints", None),
        ("Sequence[int]", None),
    ],
)
def test_builtin_type_reads_only_plain_builtins(hint: str | None, expected: str | None) -> None:
    assert builtin_type(hint) == expected


def test_signature_types_fold_names_and_give_result_the_return_type() -> None:
    types = signature_types(signature({"maxValue": "int", "Words": "List[str]", "opt": "Optional[int]"}, "bool"))
    assert types == {"max_value": "int", "words": "list", "result": "bool"}


def test_a_name_with_two_types_and_a_parameter_named_result_are_left_untyped() -> None:
    types = signature_types(signature({"count": "int", "Count": "str", "result": "str"}, returns="int"))
    assert types == {}
    assert signature_types(signature({"result": "str"}, returns="str")) == {"result": "str"}


@pytest.mark.parametrize("builtin", ["len", "bool", "isinstance"])
def test_a_parameter_that_shadows_a_builtin_turns_the_rules_off(builtin: str) -> None:
    types = signature_types(signature({"s": "str", builtin: "int"}))
    assert types is None
    assert assertion_atoms([Assertion(predicate="s")], types) != assertion_atoms(
        [Assertion(predicate="s != ''")], types
    )


# --------------------------------------------------------------------------- rule tables


EQUAL = {
    "emptiness": [
        ("len(s) > 0", "s"),
        ("len(s) > 0", 's != ""'),
        ("bool(s)", "s != ''"),
        ('not s == ""', "len(s) >= 1"),
        ("len(s) != 0", "not not s"),
        ("not s", "len(s) == 0"),
        ("s == str()", "len(s) < 1"),
        ("not len(s)", "s == ''"),
        ("data", "data != b''"),
        ("xs", "len(xs) > 0"),
        ("xs != []", "bool(xs)"),
        ("xs == list()", "not xs"),
        ("point", "point != ()"),
        ("table", "table != {}"),
        ("seen", "seen != set()"),
        ("frozen", "frozen != frozenset()"),
        ("result == (not xs)", "result == (len(xs) == 0)"),
        ("s and len(s) <= 20", "0 < len(s) <= 20"),
        ("n if s else 0", "n if len(s) > 0 else 0"),
    ],
    "integer bounds": [
        ("n >= 1", "n > 0"),
        ("n <= 9", "n < 10"),
        ("n > -1", "n >= 0"),
        ("-2 < n", "n >= -1"),
        ("result >= 1", "result > 0"),
        ("len(xs) > 1", "len(xs) >= 2"),
        ("len(thing) >= 1", "len(thing) > 0"),
        ("len(xs) <= 0", "len(xs) == 0"),
    ],
    "numbers and flags": [
        ("n", "n != 0"),
        ("not n", "n == 0"),
        ("bool(x)", "x != 0"),
        ("flag == True", "flag"),
        ("flag is False", "not flag"),
        ("flag != False or n > 0", "flag or n >= 1"),
    ],
    "isinstance": [
        ("isinstance(thing, (int, float))", "isinstance(thing, int) or isinstance(thing, float)"),
        ("isinstance(thing, (int, float))", "isinstance(thing, (float, int))"),
        ("isinstance(thing, (int,))", "isinstance(thing, int)"),
        (
            "isinstance(thing, int) or thing is None or isinstance(thing, str)",
            "thing is None or isinstance(thing, (str, int))",
        ),
    ],
}

EQUAL["parity of a length and squares"] = [
    ("len(xs) % 2 == 1", "len(xs) % 2 != 0"),
    ("len(s) % 2 != 1", "len(s) % 2 == 0"),
    ("result == n ** 2", "result == n * n"),
    ("result * result <= n < (result + 1) ** 2", "result ** 2 <= n and n < (result + 1) * (result + 1)"),
]

EQUAL["De Morgan"] = [
    ("not any(v <= 0 for v in xs)", "all(v > 0 for v in xs)"),
    ("not all(v >= 0 for v in xs)", "any(v < 0 for v in xs)"),
    ("not any(not v for v in xs)", "all(v for v in xs)"),
    ("not (n > 0 or s)", "n <= 0 and not s"),
    ("not (n > 0 and flag)", "n <= 0 or not flag"),
    ("not any(xs[i] > xs[i + 1] for i in range(len(xs) - 1))", "xs == sorted(xs)"),
]

DIFFERENT = {
    "parity and square near misses": [
        ("len(xs) % 2 == 1", "len(xs) % 2 == 0"),
        ("x % 2 != 0", "x % 2 == 1"),  # a float's remainder may be 0.5
        ("result == n ** 2", "result == n * 2"),
        ("result == n ** 3", "result == n * n * n"),
    ],
    "De Morgan near misses": [
        ("not any(v < 0 for v in xs)", "all(v > 0 for v in xs)"),
        ("not all(v > 0 for v in xs)", "any(v < 0 for v in xs)"),
        ("not (n > 0 and flag)", "n <= 0 and not flag"),
        ("not any(v <= 0 for v in xs)", "any(v > 0 for v in xs)"),
    ],
    "emptiness near misses": [
        ("s", "s.strip()"),
        ("len(s) > 0", "len(s.split()) > 0"),
        ('s != ""', 's != " "'),
        ("not s", "len(s) > 0"),
        ("s", "s is not None"),
        ("xs", "xs is not None"),
        ("len(xs) > 1", "len(xs) > 0"),
        ("s", 's != "0"'),
        ("data", "data != ''"),  # bytes are never equal to a str
        ("point", "point != []"),  # a tuple is never equal to a list
        ("seen", "seen != {}"),  # {} is a dict
        ("result == xs", "result == (len(xs) > 0)"),  # a bare name that is a value, not a truth value
        ("all(s for s in xs)", "all(len(s) > 0 for s in xs)"),  # the loop rebinds s
    ],
    "unknown or union types": [
        ("maybe", 'maybe != ""'),
        ("maybe", "len(maybe) > 0"),
        ("thing", "len(thing) > 0"),
        ("thing >= 1", "thing > 0"),
        ("either >= 1", "either > 0"),
        ("record", "record is not None"),
    ],
    "integer near misses": [
        ("n > 0", "n >= 0"),
        ("n >= 2", "n > 0"),
        ("n", "n > 0"),
        ("x >= 1", "x > 0"),
        ("x <= 9", "x < 10"),
        ("len(xs) >= 0", "len(xs) > 0"),
        ("n > 0.5", "n >= 1"),
        ("0 <= n < len(xs)", "0 <= n <= len(xs)"),
    ],
    "flags and isinstance near misses": [
        ("flag == True", "not flag"),
        ("n == True", "n"),  # an int compared with True is n == 1
        ("isinstance(thing, (int, float))", "isinstance(thing, int)"),
        ("type(thing) is int", "isinstance(thing, int)"),
        ("isinstance(thing, int) or isinstance(n, float)", "isinstance(thing, (float, int))"),
    ],
}


@pytest.mark.parametrize(("a", "b"), [pair for pairs in EQUAL.values() for pair in pairs], ids=lambda value: str(value))
def test_equal_given_the_types(a: str, b: str) -> None:
    assert same(a, b), (atoms(a), atoms(b))


@pytest.mark.parametrize(
    ("a", "b"), [pair for pairs in DIFFERENT.values() for pair in pairs], ids=lambda value: str(value)
)
def test_near_misses_stay_apart(a: str, b: str) -> None:
    assert not same(a, b), atoms(a)


def test_the_return_type_decides_for_result() -> None:
    assert same("result >= 1", "result > 0", returns="int")
    assert not same("result >= 1", "result > 0", returns="float")
    assert not same("result >= 1", "result > 0", returns="Optional[int]")
    assert same("result", "result != []", returns="List[str]")
    assert not same("result", "result != []", returns="Optional[List[str]]")


def test_without_types_the_type_free_form_is_kept() -> None:
    def untyped(predicate: str) -> frozenset[str]:
        return assertion_atoms([Assertion(predicate=predicate)])

    assert untyped("len(s) > 0") != untyped('s != ""')
    assert untyped("x > 0") == untyped("0 < x")
    assert untyped("(y := s)") == atoms("(y := s)")  # := binds a name: left as written


def _ir(predicate: str, type_hint: str) -> IR:
    return IR(
        intent=Intent(summary="Check a value."),
        signature=FunctionSignature(
            name="check", parameters=[Parameter(name="s", type_hint=type_hint)], returns="bool"
        ),
        assertions=[Assertion(predicate=predicate)],
    )


def test_the_verdict_says_when_the_types_made_assertions_equal() -> None:
    verdict = compare_irs(_ir("len(s) > 0", "str"), _ir('s != ""', "str")).verdict(IRField.ASSERTIONS)
    assert verdict.outcome is Outcome.SAME and "given the types" in verdict.reason
    plain = compare_irs(_ir("len(s) > 0", "str"), _ir("0 < len(s)", "str")).verdict(IRField.ASSERTIONS)
    assert plain.outcome is Outcome.SAME and "given the types" not in plain.reason
    unknown = compare_irs(_ir("len(s) > 0", "Optional[str]"), _ir('s != ""', "Optional[str]"))
    assert unknown.verdict(IRField.ASSERTIONS).outcome is Outcome.DIFFERENT


# --------------------------------------------------------------------------- proof by evaluation

VALUES: dict[str, st.SearchStrategy[Any]] = {
    "s": st.sampled_from(["", " ", "0", "a", "ab"]) | st.text(max_size=3),
    "xs": st.lists(st.integers(-3, 3), max_size=3),
    "point": st.lists(st.integers(-3, 3), max_size=3).map(tuple),
    "table": st.dictionaries(st.sampled_from("ab"), st.integers(), max_size=2),
    "n": st.integers(-5, 25),
    "x": st.sampled_from([0.0, -0.0, 0.5, 1.0, 9.5, -1.5]) | st.floats(allow_nan=True),
    "flag": st.booleans(),
    "either": st.sampled_from([0, 1, 0.5, -0.5, 2.0]),
    "result": st.integers(-3, 3),
}

PREDICATES = [
    "len(s) > 0", "s", "bool(s)", 'not s == ""', "not s", "not len(s)", "len(s) < 1", 's != ""', "s == str()",
    "xs", "xs != []", "not xs", "len(xs) != 0", "len(xs) <= 0", "len(xs) > 1", "point", "point != ()",
    "table", "table != {}", "n", "not n", "n > 0", "n >= 1", "n < 10", "n <= 9", "-2 < n", "n > -1",
    "x", "not x", "bool(x)", "x > 0", "x >= 1", "-1 < x", "x < 10", "either > 0", "flag == True", "flag is False", "flag != False", "not flag == True",
    "result > 0", "result < 1", "0 < len(s) <= 20", "s and len(s) <= 20", "xs or not flag",
    "n if s else x", "result == (not xs)", "bool(xs) == flag", "not (len(s) > 0 and n > 0)",
    "isinstance(n, (int, float))", "isinstance(x, int) or isinstance(x, float)", "0 <= n < len(xs)",
    "not any(v <= 0 for v in xs)", "not all(v % 2 == 0 for v in xs)", "not any(not v for v in xs)",
    "not (n > 0 or len(s) > 0)", "not (n < 0 and not s)", "not (xs and flag)",
    "len(xs) % 2 != 0", "len(s) % 2 != 1", "n ** 2 > 4", "n * n > 4",
]  # fmt: skip


def _truth(expression: str, env: dict[str, Any]) -> bool:
    return bool(eval(compile(ast.parse(expression, mode="eval"), "<predicate>", "eval"), {}, dict(env)))


@pytest.mark.parametrize("predicate", PREDICATES)
@PROPERTY_SETTINGS
@given(env=st.fixed_dictionaries(VALUES))
def test_property_rewritten_atoms_hold_exactly_when_the_predicate_holds(predicate: str, env: dict[str, Any]) -> None:
    rewritten = atoms(predicate)
    assert all(isinstance(ast.parse(atom, mode="eval"), ast.Expression) for atom in rewritten)
    assert _truth(predicate, env) == all(_truth(atom, env) for atom in rewritten), (predicate, sorted(rewritten))


@PROPERTY_SETTINGS
@given(st.sampled_from(["result == (not xs)", "bool(xs) == flag", "n if s else x"]), st.fixed_dictionaries(VALUES))
def test_property_rewrites_inside_values_keep_the_value(predicate: str, env: dict[str, Any]) -> None:
    """Below the top level a rewrite must keep the value, not only the truth value."""
    (rewritten,) = atoms(predicate)
    original = eval(predicate, {}, dict(env))
    again = eval(rewritten, {}, dict(env))
    both_nan = isinstance(original, float) and isinstance(again, float) and math.isnan(original) and math.isnan(again)
    assert original == again or both_nan, (predicate, rewritten)


@pytest.mark.parametrize(
    "predicate",
    ["not " * 400 + "s", "-" * 900 + "n > 0", "f(" * 150 + "s" + ")" * 150, "s and " * 300 + "s", "n + " * 600 + "n"],
)
def test_deep_or_long_predicates_never_raise(predicate: str) -> None:
    assert atoms(predicate)
