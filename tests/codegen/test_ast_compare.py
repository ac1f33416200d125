"""Code equivalence by syntax tree after consistent renaming."""

from __future__ import annotations

import pytest

from tokdrift_cli.codegen.ast_compare import CodeComparison, compare_code, normalised_dump

COUNT_VOWELS = '''
from typing import List


def count_vowels(text: str) -> int:
    """Count the vowels in text."""
    total = 0
    for char in text.lower():
        if char in "aeiou":
            total += 1
    return total
'''

COUNT_VOWELS_RENAMED = """
def countVowels(s: str) -> int:
    # a comment, different spacing
    n   =   0
    for c in s.lower():
        if c in "aeiou":
            n += 1
    return (n)
"""

EQUIVALENT = [
    pytest.param("def f(a, b):\n    return a + b", "def g(x, y):\n    return x + y", id="consistent-rename"),
    pytest.param(COUNT_VOWELS, COUNT_VOWELS_RENAMED, id="real-code-locals-docstring-imports"),
    pytest.param(
        "from typing import List, Optional\ndef f(a: List[int]) -> Optional[int]:\n    return None",
        "from __future__ import annotations\ndef f(b: list[int]) -> int | None:\n    return None",
        id="typing-spellings",
    ),
    pytest.param(
        "def f(x: 'int'):\n    y: List[str] = []", "def f(x: int):\n    y: list[str] = []", id="string-annotation"
    ),
    pytest.param('def f():\n    """Only a docstring."""', "def f():\n    pass", id="docstring-only-body"),
    pytest.param(
        "def f(xs):\n    return [x * 2 for x in xs if x]",
        "def f(items):\n    return [item * 2 for item in items if item]",
        id="comprehension",
    ),
    pytest.param(
        "def f(xs):\n    key = lambda v: -v\n    return sorted(xs, key=key)",
        "def f(ys):\n    k = lambda w: -w\n    return sorted(ys, key=k)",
        id="lambda-and-keyword-names-kept",
    ),
    pytest.param(
        "def f(p):\n    try:\n        return int(p)\n    except ValueError as error:\n        raise TypeError(error)",
        "def f(q):\n    try:\n        return int(q)\n    except ValueError as e:\n        raise TypeError(e)",
        id="except-name",
    ),
    pytest.param(
        "class Box:\n    def __init__(self, v):\n        self.value = v",
        "class Crate:\n    def __init__(me, w):\n        me.value = w",
        id="class-and-method",
    ),
    pytest.param(
        "def f(p):\n    match p:\n        case [first, *rest]:\n            return first\n        case {'k': v, **others}:\n"
        "            return v\n        case _:\n            return None",
        "def f(q):\n    match q:\n        case [a, *b]:\n            return a\n        case {'k': c, **d}:\n"
        "            return c\n        case _:\n            return None",
        id="match-bindings",
    ),
    pytest.param(
        "counter = 0\ndef bump():\n    global counter\n    counter += 1",
        "calls = 0\ndef bump():\n    global calls\n    calls += 1",
        id="global",
    ),
    pytest.param(
        "def f(x):\n    if (n := len(x)) > 2:\n        return n",
        "def f(y):\n    if (m := len(y)) > 2:\n        return m",
        id="walrus",
    ),
]

DIFFERENT = [
    pytest.param("def f(a, b):\n    return a + b", "def f(a, b):\n    return a + a", "Name.id b vs a", id="a+b-vs-a+a"),
    pytest.param(
        "def f(a, b):\n    return a - b",
        "def f(b, a):\n    return a - b",
        "the same name bound at another position",
        id="swapped-parameters",
    ),
    pytest.param(
        "def f(a, b):\n    return f(a, b)", "def f(a, b):\n    return f(b, a)", "Name.id a vs b", id="swapped-arguments"
    ),
    pytest.param("def f(a, b):\n    return a", "def f(a, b, c):\n    return a", "2 vs 3 parameters", id="arity"),
    pytest.param(
        "def f(x):\n    y = 1\n    return x + y",
        "def f(x):\n    y = 1\n    z = 2\n    return x + y",
        "2 vs 3 statements in body",
        id="statement-count",
    ),
    pytest.param(
        "def f(x):\n    y = x\n    return y",
        "def f(x):\n    y = x\n    raise NotImplementedError",
        "function f differs at line 3: Return vs Raise",
        id="return-vs-raise",
    ),
    pytest.param("def f(x):\n    return len(x)", "def f(x):\n    return sum(x)", "len", id="different-builtin"),
    pytest.param("def f():\n    return 1", "def f():\n    return True", "1 vs True", id="int-vs-bool"),
    pytest.param("def f():\n    return 0.0", "def f():\n    return -0.0", "Constant vs UnaryOp", id="sign"),
    pytest.param("def f(x: int):\n    pass", "def f(x: float):\n    pass", "'int' vs 'float'", id="annotation"),
    pytest.param("import math as m\nx = m.pi", "import math as mm\nx = mm.pi", "m", id="import-names-kept"),
    pytest.param("def f(x):\n    return x.real", "def f(x):\n    return x.imag", "real", id="attribute-kept"),
    pytest.param(
        "def f(x):\n    return [1, 2]", "def f(x):\n    return [1, 2, 3]", "b has an extra Constant", id="list-length"
    ),
    pytest.param(
        "def f(x):\n    return x\ndef g(y):\n    return y",
        "def f(x):\n    return x",
        "2 vs 1 statements in body",
        id="extra-function",
    ),
]


@pytest.mark.parametrize(("source_a", "source_b"), EQUIVALENT)
def test_equivalent_pairs(source_a: str, source_b: str) -> None:
    result = compare_code(source_a, source_b)
    assert isinstance(result, CodeComparison)
    assert result.equivalent, result.reason
    assert "same syntax tree" in result.reason
    assert compare_code(source_b, source_a).equivalent


@pytest.mark.parametrize(("source_a", "source_b", "reason"), DIFFERENT)
def test_different_pairs_name_the_first_difference(source_a: str, source_b: str, reason: str) -> None:
    result = compare_code(source_a, source_b)
    assert not result.equivalent
    assert reason in result.reason
    assert not compare_code(source_b, source_a).equivalent


@pytest.mark.parametrize(
    ("source_a", "source_b", "reason"),
    [
        ("def f(:\n    pass", "def f():\n    pass", "syntax error in a: "),
        ("def f():\n    pass", "def f(:\n    pass", "syntax error in b: "),
        ("x = (", "y = )", "syntax error in a: "),
    ],
)
def test_syntax_errors_name_the_side(source_a: str, source_b: str, reason: str) -> None:
    result = compare_code(source_a, source_b)
    assert not result.equivalent
    assert result.reason.startswith(reason)
    assert "line 1" in result.reason


def test_both_sides_broken_reports_both() -> None:
    result = compare_code("def (", "return return", None, None)
    assert not result.equivalent
    assert "syntax error in a" in result.reason and "syntax error in b" in result.reason


def test_null_byte_is_reported_not_raised() -> None:
    result = compare_code("x = 1\x00", "x = 1")
    assert not result.equivalent
    assert "in a" in result.reason


def test_named_functions_are_compared_alone() -> None:
    a = "import os\n\ndef helper():\n    return 1\n\ndef solve(x):\n    return helper() + x"
    b = "def solution(y):\n    return helper() + y\n\ndef unrelated():\n    return os.getcwd()"
    assert compare_code(a, b, "solve", "solution").equivalent
    assert not compare_code(a, b).equivalent


def test_missing_named_function() -> None:
    result = compare_code("def f():\n    pass", "def g():\n    pass", "f", "h")
    assert not result.equivalent
    assert result.reason == "missing function in b: no top-level function named 'h'"


def test_class_scope_in_reason() -> None:
    result = compare_code("class A:\n    x = 1", "class A:\n    x = 2")
    assert result.reason == "class A differs at line 2: Constant.value 1 vs 2"


def test_reason_gives_both_lines_when_they_differ() -> None:
    result = compare_code("def f():\n    return 1", "\n\ndef f():\n    return 2")
    assert "at line 2 (line 4 in b)" in result.reason


def test_async_function_and_return_annotation() -> None:
    a = "async def f(x) -> List[int]:\n    return [await x]"
    b = "async def g(y) -> list[int]:\n    return [await y]"
    assert compare_code(a, b).equivalent
    assert not compare_code(a, b.replace("list[int]", "list[str]")).equivalent


def test_annotated_assignment_without_value_and_none() -> None:
    assert compare_code("x: None\n", "y: NoneType\n").equivalent


def test_normalised_dump_matches_verdict() -> None:
    assert normalised_dump(COUNT_VOWELS) == normalised_dump(COUNT_VOWELS_RENAMED)
    assert normalised_dump(COUNT_VOWELS, "count_vowels") == normalised_dump(COUNT_VOWELS_RENAMED, "countVowels")
    with pytest.raises(ValueError, match="syntax error"):
        normalised_dump("def (")
    with pytest.raises(ValueError, match="no top-level function"):
        normalised_dump("x = 1", "f")


def test_bijection_not_just_same_shape() -> None:
    # x and y each map to one name; a mapping that sends both to the same name is refused.
    assert not compare_code("def f(x, y):\n    return x * y", "def f(x, y):\n    return x * x").equivalent
    assert compare_code("def f(x, y):\n    return y * x", "def f(a, b):\n    return b * a").equivalent


def test_missing_value_is_described() -> None:
    result = compare_code("def f():\n    return", "def f():\n    return 1")
    assert result.reason == "function f differs at line 2: nothing vs Constant"


def test_names_in_global_statements() -> None:
    result = compare_code("def f():\n    global a, b", "def f():\n    global a, c")
    assert result.reason == "function f differs at line 2: 'b' vs 'c'"


def test_unparseably_deep_source_is_reported() -> None:
    result = compare_code("x = " + "-" * 200_000 + "1", "x = 1")
    assert not result.equivalent
    assert result.reason.startswith("cannot parse in a: ")
