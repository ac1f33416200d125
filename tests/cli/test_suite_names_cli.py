"""`suite mark-names` and malformed `names` on the command line: a reviewed aid, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import one_line_error
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.gold import NamingPolicy
from tokdrift_cli.core.suite import default_suite_path, load_suite

UNNAMED = Path(__file__).resolve().parents[2] / "examples" / "suites" / "unnamed.jsonl"


def line(case_id: str, prompt: str, **extra: object) -> str:
    gold = {"intent": {"summary": "s"}, "signature": {"name": "filter_by_length", "parameters": [
        {"name": "words", "type_hint": "list[str]"}, {"name": "min_length", "type_hint": "int"}], "returns": "list[str]"}}
    return json.dumps({"id": case_id, "prompt": prompt, "category": "c", "gold": gold, **extra})


def test_mark_names_opens_only_what_prompts_never_mention(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        line("named", "Write filter_by_length(words, min_length)."),
        line("unnamed", "Write a function that keeps the strings at least a given length long."),
        line("words", "Write a function that keeps the words at least a given length long."),
        line("kept", "Write a function that keeps long strings.", names={"function": ["keep_long"]}),
    ]
    suite = tmp_path / "suite.jsonl"
    suite.write_text("\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:]) + "\n")
    output = tmp_path / "marked.jsonl"
    assert run(["suite", "mark-names", str(suite), "-o", str(output)]) == 0
    err = capsys.readouterr().err
    assert "marked 2 lines with open names: unnamed, words" in err
    marked = {case.id: case.names for case in load_suite(output).cases}
    assert marked == {
        "named": NamingPolicy(),
        "unnamed": NamingPolicy(function="open", parameters="open"),
        "words": NamingPolicy(function="open", parameters={"min_length": "open"}),
        "kept": NamingPolicy(function=("keep_long",)),
    }
    before, after = suite.read_bytes().splitlines(), output.read_bytes().splitlines()
    assert len(before) == len(after)
    assert [a == b for a, b in zip(before, after, strict=True)] == [True, False, True, False, True]


@pytest.mark.parametrize("shipped", [default_suite_path(), UNNAMED], ids=["core", "unnamed"])
def test_mark_names_leaves_shipped_suites_alone(shipped: Path, tmp_path: Path) -> None:
    """The core suite names everything, and the example suite says `names` on every line already."""
    output = tmp_path / "out.jsonl"
    assert run(["suite", "mark-names", str(shipped), "--output", str(output)]) == 0
    assert output.read_bytes() == shipped.read_bytes()


def test_mark_names_refuses_its_input_as_output_and_a_bad_suite(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "suite.jsonl"
    suite.write_text(line("a", "Write a function.") + "\n")
    assert run(["suite", "mark-names", str(suite), "-o", str(suite)]) == 2
    assert "is the input suite" in one_line_error(capsys.readouterr().err)
    suite.write_text(line("a", "Write a function.", names={"function": "opne"}) + "\n")
    assert run(["suite", "mark-names", str(suite), "-o", str(tmp_path / "out.jsonl")]) == 2
    assert "line 1: names.function" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "out.jsonl").exists()


def test_a_malformed_policy_fails_validate_and_every_stage_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = tmp_path / "suite.jsonl"
    suite.write_text(line("a", "Write a function.", names={"parameters": {"text": "open"}}) + "\n")
    assert run(["suite", "validate", str(suite)]) == 2
    err = capsys.readouterr().err
    assert "line 1: names: Value error, parameters: 'text' not in the gold signature" in err
    for command in ("baseline", "augment"):
        assert run([command, "--suite", str(suite), "--dry-run"]) == 2
        assert "line 1: names: Value error, parameters: 'text'" in one_line_error(capsys.readouterr().err)
