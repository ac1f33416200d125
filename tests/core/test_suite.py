"""Suites: every bad line reported with its number, whole-suite refusal, shipped suites."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tokdrift_cli.core.suite import (
    FunctionTest,
    Suite,
    SuiteCase,
    SuiteInvalidError,
    SuiteProblem,
    check_suite_lines,
    default_suite_path,
    load_suite,
)
from tokdrift_cli.errors import InputError

MINI_SUITE = Path(__file__).resolve().parents[2] / "tokdrift_cli" / "data" / "suites" / "mini.jsonl"


def case(case_id: str = "c-1", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": case_id,
        "prompt": f"Write a function for {case_id}.",
        "category": "simple",
        "gold": {"intent": {"summary": "Do it."}, "signature": {"name": "f", "returns": "int"}},
    }
    data.update(changes)
    return data


def line(data: Any) -> bytes:
    return json.dumps(data).encode()


def jsonl(*lines: bytes) -> bytes:
    return b"\n".join(lines) + b"\n"


def write_suite(tmp_path: Path, *lines: bytes, name: str = "suite.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(jsonl(*lines))
    return path


# --------------------------------------------------------------------------- check_suite_lines


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(jsonl(line(case()), b"{not json"), [(2, "not valid JSON")], id="invalid-json"),
        pytest.param(jsonl(b"[1, 2]", line(case())), [(1, "expected a JSON object")], id="array"),
        pytest.param(jsonl(b'"a string"'), [(1, "expected a JSON object")], id="string"),
        pytest.param(
            jsonl(line(case(prompt="   "))), [(1, "prompt: Value error, must not be empty")], id="blank-prompt"
        ),
        pytest.param(jsonl(line(case(id=""))), [(1, "id: Value error, must not be empty")], id="empty-id"),
        pytest.param(jsonl(line(case(category="\t"))), [(1, "category: Value error")], id="blank-category"),
        pytest.param(jsonl(line(case(colour="red"))), [(1, "colour: unknown field")], id="unknown-field"),
        pytest.param(
            jsonl(line({k: v for k, v in case().items() if k != "gold"})), [(1, "gold: Field required")], id="no-gold"
        ),
        pytest.param(
            jsonl(line(case(gold={"intent": {"summary": "x"}, "signature": {"name": "f", "parameters": [{"n": 1}]}}))),
            [(1, "gold.signature.parameters.0.n: unknown field")],
            id="bad-gold",
        ),
        pytest.param(
            jsonl(line(case(tests=[{"args": [1], "expect": 2}]))), [(1, "tests.0.expect: unknown field")], id="bad-test"
        ),
        pytest.param(
            jsonl(line(case("a")), line(case("b")), line(case("a"))),
            [(3, "duplicate id 'a' (first on line 1)")],
            id="duplicate-id",
        ),
    ],
)
def test_bad_line_is_reported_with_its_number(raw: bytes, expected: list[tuple[int, str]]) -> None:
    _, problems = check_suite_lines(raw)

    assert [problem.line for problem in problems] == [number for number, _ in expected]
    for problem, (_, text) in zip(problems, expected, strict=True):
        assert text in problem.message


def test_every_bad_line_is_reported_and_good_lines_are_kept() -> None:
    raw = jsonl(
        line(case("ok-1")),
        b"{oops",
        b"42",
        line(case("bad", prompt="")),
        line(case("ok-2")),
        line(case("ok-1")),
        line(case("bad-2", extra=True)),
    )

    cases, problems = check_suite_lines(raw)

    assert [c.id for c in cases] == ["ok-1", "ok-2"]
    assert [p.line for p in problems] == [2, 3, 4, 6, 7]


def test_blank_lines_are_skipped_but_still_counted() -> None:
    raw = b"\n" + line(case("a")) + b"\n   \n\t\n" + b"{bad\n\n" + line(case("b")) + b"\n\n"

    cases, problems = check_suite_lines(raw)

    assert [c.id for c in cases] == ["a", "b"]
    assert problems == [SuiteProblem(5, problems[0].message)]
    assert problems[0].message.startswith("not valid JSON")


def test_crlf_line_endings_are_read() -> None:
    cases, problems = check_suite_lines(line(case("a")) + b"\r\n" + line(case("b")) + b"\r\n")

    assert problems == []
    assert [c.id for c in cases] == ["a", "b"]


@pytest.mark.parametrize("raw", [b"", b"\n\n", b"   \n\t\n"], ids=["empty", "newlines", "whitespace"])
def test_empty_suite_is_a_problem(raw: bytes) -> None:
    cases, problems = check_suite_lines(raw)

    assert cases == []
    assert problems == [SuiteProblem(0, "the suite has no cases")]


def test_valid_case_is_parsed_fully() -> None:
    data = case(
        "v-1",
        paraphrases=["Another way to say it."],
        tests=[{"args": [1, 2], "expected": 3}, {"kwargs": {"x": 0}, "raises": "ValueError"}],
        base_id="base-1",
        rule_ids=["casing", "spacing"],
    )

    cases, problems = check_suite_lines(jsonl(line(data)))

    assert problems == []
    (parsed,) = cases
    assert parsed.gold.signature.name == "f"
    assert parsed.paraphrases == ["Another way to say it."]
    assert parsed.tests == [
        FunctionTest(args=[1, 2], expected=3),
        FunctionTest(kwargs={"x": 0}, raises="ValueError"),
    ]
    assert parsed.rule_ids == ["casing", "spacing"]


def test_problem_str_names_the_line() -> None:
    assert str(SuiteProblem(7, "expected a JSON object")) == "line 7: expected a JSON object"


# --------------------------------------------------------------------------- base_case_id


@pytest.mark.parametrize(
    ("base_id", "expected"),
    [(None, "case-7"), ("case-1", "case-1")],
)
def test_base_case_id(base_id: str | None, expected: str) -> None:
    assert SuiteCase.model_validate(case("case-7", base_id=base_id)).base_case_id == expected


# --------------------------------------------------------------------------- load_suite


def test_load_suite_reads_cases_and_hash(tmp_path: Path) -> None:
    path = write_suite(tmp_path, line(case("a", category="b-cat")), line(case("b", category="a-cat")), line(case("c")))

    suite = load_suite(path)

    assert isinstance(suite, Suite)
    assert suite.path == path
    assert [c.id for c in suite.cases] == ["a", "b", "c"]
    assert suite.categories == ["a-cat", "b-cat", "simple"]
    assert suite.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_sha256_is_stable_and_follows_the_bytes(tmp_path: Path) -> None:
    path = write_suite(tmp_path, line(case("a")), line(case("b")))
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(path.read_bytes())

    first, second, same_bytes = load_suite(path), load_suite(path), load_suite(copy)
    path.write_bytes(path.read_bytes() + b"\n")  # a trailing blank line: same cases, other bytes
    changed = load_suite(path)

    assert first.sha256 == second.sha256 == same_bytes.sha256
    assert changed.cases == first.cases
    assert changed.sha256 != first.sha256


@pytest.mark.parametrize(
    ("lines", "first", "more"),
    [
        pytest.param([b"{bad"], "line 1: not valid JSON", None, id="one-problem"),
        pytest.param(
            [line(case("a")), b"[]", b"{bad", line(case("a"))], "line 2: expected a JSON object", 2, id="three"
        ),
        pytest.param([line(case(prompt=" ")), b"1"], "line 1: prompt: Value error, must not be empty", 1, id="two"),
    ],
)
def test_load_suite_refuses_a_bad_suite(tmp_path: Path, lines: list[bytes], first: str, more: int | None) -> None:
    path = write_suite(tmp_path, *lines)

    with pytest.raises(SuiteInvalidError) as caught:
        load_suite(path)

    error = caught.value
    message = str(error)
    assert isinstance(error, InputError)
    assert message.startswith(f"{path}: {first}")
    assert f"tokdrift suite validate {path}" in message
    assert error.path == path
    assert len(error.problems) == (more or 0) + 1
    if more is None:
        assert "more)" not in message
    else:
        assert f"(and {more} more)" in message


def test_load_suite_refuses_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")

    with pytest.raises(SuiteInvalidError, match="the suite has no cases"):
        load_suite(path)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda tmp: tmp / "missing.jsonl", "suite file not found", id="missing"),
        pytest.param(lambda tmp: tmp, "suite file expected, got a directory", id="directory"),
    ],
)
def test_load_suite_unreadable_path(tmp_path: Path, make: Any, expected: str) -> None:
    path = make(tmp_path)

    with pytest.raises(InputError, match=expected) as caught:
        load_suite(path)

    assert str(path) in str(caught.value)
    assert not isinstance(caught.value, SuiteInvalidError)


# --------------------------------------------------------------------------- shipped suites


def test_default_suite_path_points_into_the_package() -> None:
    path = default_suite_path()

    assert path.is_file()
    assert path.name == "core.jsonl"
    assert path.parent.name == "suites"


def test_shipped_core_suite_is_large_and_balanced() -> None:
    suite = load_suite(default_suite_path())
    per_category = Counter(case.category for case in suite.cases)

    assert len(suite.cases) >= 40
    assert len(per_category) >= 5
    assert all(count >= 5 for count in per_category.values()), per_category
    assert suite.categories == sorted(per_category)


def test_shipped_core_suite_cases_carry_function_tests() -> None:
    suite = load_suite(default_suite_path())

    assert all(case.tests for case in suite.cases)
    assert all(case.base_case_id == case.id for case in suite.cases)


def test_shipped_mini_suite_loads() -> None:
    suite = load_suite(MINI_SUITE)

    assert len(suite.cases) >= 1
    assert suite.sha256 == hashlib.sha256(MINI_SUITE.read_bytes()).hexdigest()
    assert all(case.gold.signature.name for case in suite.cases)
