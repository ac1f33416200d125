"""Sortedness and int parity read with the signature's element types: rule tables, near misses, evaluation."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokdrift_cli.core.equivalence.typed_predicates import assertion_atoms, element_type, signature_types
from tokdrift_cli.core.ir import Assertion, FunctionSignature, Parameter

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, database=None)

TYPES: dict[str, str] = {
    "xs": "list[int]",
    "words": "List[str]",
    "fs": "list[float]",
    "pairs": "list[tuple[int, int]]",
    "point": "tuple[int, ...]",
    "seen": "set[int]",
    "n": "int",
    "x": "float",
    "maybe": "Optional[int]",
}


def atoms(predicate: str, types: dict[str, str] = TYPES, returns: str = "list[int]") -> frozenset[str]:
    signature = FunctionSignature(
        name="f", parameters=[Parameter(name=n, type_hint=t) for n, t in types.items()], returns=returns
    )
    return assertion_atoms([Assertion(predicate=predicate)], signature_types(signature))


@pytest.mark.parametrize(
    ("hint", "element"),
    [
        ("list[int]", "int"),
        ("List[str]", "str"),
        ("Set[int]", "int"),
        ("frozenset[float]", "float"),
        ("Tuple[int, ...]", "int"),
        ("tuple[int, int]", None),
        ("list[tuple[int, int]]", None),
        ("list[Optional[int]]", None),
        ("list", None),
        ("dict[str, int]", None),
        ("int", None),
        ("", None),
    ],
)
def test_element_type(hint: str, element: str | None) -> None:
    assert element_type(hint) == element


SORTED_SAME = [
    ("result == sorted(result)", "all(result[i] <= result[i + 1] for i in range(len(result) - 1))"),
    ("result == sorted(result)", "all(a <= b for a, b in zip(result, result[1:]))"),
    ("sorted(result) == result", "all(result[i + 1] >= result[i] for i in range(len(result) - 1))"),
    ("words == sorted(words)", "all(p <= q for p, q in zip(words, words[1:]))"),
    ("xs == sorted(xs) and n > 0", "n >= 1 and all(xs[k] <= xs[k + 1] for k in range(len(xs) - 1))"),
]

SORTED_DIFFERENT = [
    ("result == sorted(result)", "all(result[i] < result[i + 1] for i in range(len(result) - 1))"),
    ("result == sorted(result)", "all(result[i] >= result[i + 1] for i in range(len(result) - 1))"),
    ("result == sorted(result)", "result == sorted(result, reverse=True)"),
    ("result == sorted(result)", "all(a < b for a, b in zip(result, result[1:]))"),
    ("result == sorted(result)", "all(b <= a for a, b in zip(result, result[1:]))"),
    ("result == sorted(result)", "all(xs[i] <= xs[i + 1] for i in range(len(xs) - 1))"),
    ("result == sorted(result)", "all(result[i] <= result[i + 1] for i in range(len(result)))"),
    ("result == sorted(result)", "all(result[i] <= result[i + 2] for i in range(len(result) - 2))"),
    ("result == sorted(result)", "all(a <= b for a, b in zip(result, result[2:]))"),
    ("result == sorted(result)", "all(a <= b for a, b in zip(result, xs[1:]))"),
    # floats may hold NaN, tuples never equal a list, pairs and unknown elements have no known order
    ("fs == sorted(fs)", "all(a <= b for a, b in zip(fs, fs[1:]))"),
    ("point == sorted(point)", "all(a <= b for a, b in zip(point, point[1:]))"),
    ("pairs == sorted(pairs)", "all(a <= b for a, b in zip(pairs, pairs[1:]))"),
    ("seen == sorted(seen)", "all(a <= b for a, b in zip(seen, seen[1:]))"),
]

PARITY_SAME = [
    ("all(x % 2 == 0 for x in result)", "all(x % 2 != 1 for x in result)"),
    ("all(not x % 2 for x in result)", "all(x % 2 == 0 for x in result)"),
    ("all(x % 2 == 1 for x in result)", "all(x % 2 != 0 for x in result)"),
    ("all(x % 2 for x in result)", "all(x % 2 == 1 for x in result)"),
    ("any(v % 2 != 0 for v in seen)", "any(v % 2 for v in seen)"),
    ("all(v % 2 == 0 for v in point if v > 0)", "all(not v % 2 for v in point if v >= 1)"),
    ("n % 2 == 0", "not n % 2"),
    ("n % 2 != 0", "n % 2 == 1"),
    ("n % 2", "n % 2 == 1"),
]

PARITY_DIFFERENT = [
    ("all(x % 2 == 0 for x in result)", "all(x % 2 == 1 for x in result)"),
    ("all(x % 2 != 1 for x in result)", "all(x % 2 != 0 for x in result)"),
    ("all(x % 2 == 0 for x in fs)", "all(x % 2 != 1 for x in fs)"),
    ("all(x % 3 == 0 for x in result)", "all(x % 3 != 1 for x in result)"),
    ("x % 2 == 0", "x % 2 != 1"),
    ("maybe % 2 == 0", "maybe % 2 != 1"),
    ("all(x % 2 == 0 for x in result for y in xs)", "all(x % 2 != 1 for x in result for y in xs)"),
    ("all(x % 2 == 0 for x in words)", "all(x % 2 != 1 for x in words)"),
    ("sum(x % 2 for x in result) == 0", "sum(x % 2 == 1 for x in result) == 0"),
]


@pytest.mark.parametrize(("a", "b"), SORTED_SAME + PARITY_SAME)
def test_same_meaning_gives_the_same_atoms(a: str, b: str) -> None:
    assert atoms(a) == atoms(b)


@pytest.mark.parametrize(("a", "b"), SORTED_DIFFERENT + PARITY_DIFFERENT)
def test_near_misses_stay_apart(a: str, b: str) -> None:
    assert atoms(a) != atoms(b)


@pytest.mark.parametrize("shadow", ["sorted", "all", "zip", "range"])
def test_a_parameter_that_shadows_an_element_builtin_turns_the_element_rules_off(shadow: str) -> None:
    types = {**TYPES, shadow: "int"}
    assert atoms("xs == sorted(xs)", types) != atoms("all(a <= b for a, b in zip(xs, xs[1:]))", types)
    assert atoms("all(x % 2 == 0 for x in xs)", types) != atoms("all(x % 2 != 1 for x in xs)", types)
    assert atoms("n % 2 == 0", types) == atoms("not n % 2", types)  # needs no builtin


VALUES: dict[str, st.SearchStrategy[Any]] = {
    "xs": st.lists(st.integers(-4, 4), max_size=5),
    "words": st.lists(st.sampled_from(["", "a", "ab", "b"]), max_size=4),
    "seen": st.sets(st.integers(-4, 4), max_size=4),
    "point": st.lists(st.integers(-4, 4), max_size=4).map(tuple),
    "n": st.integers(-9, 9),
    "result": st.lists(st.integers(-4, 4), max_size=5),
}


def _value(expression: str, env: dict[str, Any]) -> Any:
    """Evaluated with the names as globals, which generator expressions see."""
    return eval(compile(ast.parse(expression, mode="eval"), "<predicate>", "eval"), dict(env))


@pytest.mark.parametrize("predicate", sorted({p for pair in SORTED_SAME + PARITY_SAME for p in pair} - {"x % 2"}))
@PROPERTY_SETTINGS
@given(env=st.fixed_dictionaries(VALUES))
def test_property_rewritten_atoms_hold_exactly_when_the_predicate_holds(predicate: str, env: dict[str, Any]) -> None:
    rewritten = atoms(predicate)
    assert bool(_value(predicate, env)) == all(_value(atom, env) for atom in rewritten), (predicate, sorted(rewritten))
