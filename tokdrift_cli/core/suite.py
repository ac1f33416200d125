"""Suites: JSONL files of prompts, each with a gold IR.

One case a line::

    {"id": "...", "prompt": "...", "category": "...", "gold": <IR>,
     "paraphrases": ["hand-written variant", ...], "tests": [{"args": [...], "expected": ...}],
     "names": {"function": "open", "parameters": "open"}}

``names`` (optional) says which names of the gold signature the request
leaves open (:class:`~tokdrift_cli.core.gold.NamingPolicy`); without it every
name is fixed, so accuracy never guesses from the prompt's text.

A suite is read whole and every bad line is reported with its line number, so
a user fixes a file in one pass rather than one error at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from tokdrift_cli.core.files import read_input
from tokdrift_cli.core.gold import FIXED_NAMES, NamingPolicy, policy_from_prompt
from tokdrift_cli.core.ir import IR, describe_validation_error
from tokdrift_cli.errors import InputError


class FunctionTest(BaseModel):
    """One call of the specified function and what it must return."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None
    raises: str | None = None


class SuiteCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    prompt: str
    category: str
    gold: IR
    paraphrases: list[str] = Field(default_factory=list)
    tests: list[FunctionTest] = Field(default_factory=list)
    names: NamingPolicy = Field(default_factory=NamingPolicy)
    # Set on augmented lines: which base case this line came from and how.
    base_id: str | None = None
    rule_ids: list[str] = Field(default_factory=list)

    @field_validator("id", "prompt", "category")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("names")
    @classmethod
    def _names_of_the_gold(cls, names: NamingPolicy, info: ValidationInfo) -> NamingPolicy:
        gold = info.data.get("gold")
        unknown = names.unknown_parameters(gold.signature) if isinstance(gold, IR) else []
        if unknown:
            known = ", ".join(p.name for p in gold.signature.parameters) or "none"  # type: ignore[union-attr]
            raise ValueError(f"parameters: {', '.join(map(repr, unknown))} not in the gold signature (has: {known})")
        return names

    @property
    def base_case_id(self) -> str:
        """The id of the original prompt, for splits that keep paraphrases together."""
        return self.base_id or self.id


@dataclass(frozen=True)
class SuiteProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Suite:
    path: Path
    cases: tuple[SuiteCase, ...]
    sha256: str

    @property
    def categories(self) -> list[str]:
        return sorted({case.category for case in self.cases})


class SuiteInvalidError(InputError):
    """A suite file has bad lines; all of them are listed."""

    def __init__(self, path: Path, problems: Sequence[SuiteProblem]):
        self.path = path
        self.problems = list(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{path}: {first}{more}; run `tokdrift suite validate {path}` for all")


def check_suite_lines(raw: bytes) -> tuple[list[SuiteCase], list[SuiteProblem]]:
    """Parse every line, collecting problems instead of stopping at the first."""
    cases: list[SuiteCase] = []
    problems: list[SuiteProblem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            problems.append(SuiteProblem(number, f"not valid JSON ({error})"))
            continue
        if not isinstance(data, dict):
            problems.append(SuiteProblem(number, "expected a JSON object"))
            continue
        try:
            case = SuiteCase.model_validate(data)
        except ValidationError as error:
            problems.append(SuiteProblem(number, describe_validation_error(error)))
            continue
        if case.id in seen:
            problems.append(SuiteProblem(number, f"duplicate id {case.id!r} (first on line {seen[case.id]})"))
            continue
        seen[case.id] = number
        cases.append(case)
    if not cases and not problems:
        problems.append(SuiteProblem(0, "the suite has no cases"))
    return cases, problems


def read_suite_bytes(path: Path) -> bytes:
    return read_input(path, "suite file")


def load_suite(path: Path) -> Suite:
    """Read a suite, refusing it whole if any line is bad."""
    raw = read_suite_bytes(path)
    cases, problems = check_suite_lines(raw)
    if problems:
        raise SuiteInvalidError(path, problems)
    return Suite(path=path, cases=tuple(cases), sha256=hashlib.sha256(raw).hexdigest())


def mark_open_names(raw: bytes) -> tuple[bytes, list[str]]:
    """The suite with ``names`` added where a line has none and its prompt never mentions a name.

    An aid for writing suites (``tokdrift suite mark-names``), whose result a
    person reviews: a request that describes a parameter in the gold's word
    ("takes a sentence") keeps it fixed. Lines that already say ``names``, or
    whose prompt mentions every name, are kept byte for byte. Returns the new
    bytes and the ids of the lines marked; the suite must be valid.
    """
    lines = raw.splitlines(keepends=True)
    marked: list[str] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        data = orjson.loads(line)
        case = SuiteCase.model_validate(data)
        policy = policy_from_prompt(case.prompt, case.gold.signature)
        if "names" in data or policy == FIXED_NAMES:
            continue
        data["names"] = policy.model_dump(mode="json", exclude_defaults=True)
        lines[index] = orjson.dumps(data) + line[len(line.rstrip(b"\r\n")) :]
        marked.append(case.id)
    return b"".join(lines), marked


def default_suite_path() -> Path:
    """The core suite shipped with the package."""
    return Path(__file__).resolve().parent.parent / "data" / "suites" / "core.jsonl"
