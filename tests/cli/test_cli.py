"""The command line as a user meets it: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from tokdrift_cli.cli.app import run
from tokdrift_cli.core.suite import default_suite_path

PROMPT = "Write a function named count_vowels that takes a string text and returns the number of vowels."


def gold_ir(name: str = "count_vowels", param_type: str = "str") -> dict[str, object]:
    return {
        "intent": {"summary": "Count vowels."},
        "signature": {"name": name, "parameters": [{"name": "text", "type_hint": param_type}], "returns": "int"},
        "effects": [],
        "assertions": [],
    }


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert lines and lines[0].startswith("error:")
    return " ".join(lines)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.startswith("tokdrift ")


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("baseline", "variants", "compare-ir", "suite"):
        assert command in out


def test_suite_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["suite", "validate", str(default_suite_path())]) == 0
    assert "45 cases" in capsys.readouterr().err


def test_suite_validate_lists_every_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = json.dumps({"id": "a", "prompt": "p", "category": "c", "gold": gold_ir()})
    bad_schema = json.dumps({"id": "b", "prompt": "p", "category": "c", "gold": gold_ir(), "extra": 1})
    suite = tmp_path / "suite.jsonl"
    suite.write_text(f"{good}\n{{not json\n{bad_schema}\n")
    assert run(["suite", "validate", str(suite)]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "line 3" in err and "extra: unknown field" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--suite", "/nonexistent/suite.jsonl"], "suite file not found"),
        (["--model", "gpt4"], "unknown model"),
        (["--model", "nosuchprovider/x"], "unknown model provider"),
        (["--model", "local:/nonexistent/model.gguf"], "model file not found"),
        (["--program", "nosuchmodule_xyz:build"], "cannot import"),
        (["--program", "json:nosuchattr"], "has no attribute"),
        (["--program", "nocolon"], "use 'default'"),
    ],
)
def test_baseline_bad_inputs_exit_2(
    arguments: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["baseline", "--output", str(tmp_path / "b.json"), *arguments])
    assert code == 2
    assert expected in one_line_error(capsys.readouterr().err)


def test_baseline_bad_suite_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "bad.jsonl"
    suite.write_text('{"id": "x"}\n')
    assert run(["baseline", "--suite", str(suite), "--output", str(tmp_path / "b.json")]) == 2
    message = one_line_error(capsys.readouterr().err)
    assert "line 1" in message and "suite validate" in message


def test_baseline_unreadable_gguf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"this is not a model")
    assert run(["baseline", "--model", f"local:{fake}", "--output", str(tmp_path / "b.json")]) == 2
    assert "not a GGUF" in one_line_error(capsys.readouterr().err)


def test_baseline_truncated_gguf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF" + b"\x00" * 64)
    assert run(["baseline", "--model", f"local:{fake}", "--output", str(tmp_path / "b.json")]) == 2
    assert "cannot load GGUF" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"kind": "analysis", "schema_version": 1}, "'analysis' artifact"),
        ({"kind": "baseline", "schema_version": 99}, "upgrade tokdrift"),
        ({"kind": "baseline", "schema_version": 1, "cases": "nope"}, "corrupt baseline artifact"),
    ],
)
def test_baseline_refuses_foreign_output(
    content: dict[str, object], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "b.json"
    output.write_bytes(orjson.dumps(content))
    code = run(["baseline", "--suite", str(default_suite_path()), "--model", "local", "--output", str(output)])
    assert code == 2
    assert expected in one_line_error(capsys.readouterr().err)
    assert orjson.loads(output.read_bytes()) == content  # nothing lost


def test_variants_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["variants", PROMPT, "--format", "json", "-n", "4", "--seed", "3"]) == 0
    variants = json.loads(capsys.readouterr().out)
    assert 1 <= len(variants) <= 4
    for variant in variants:
        assert variant["text"] != PROMPT and variant["rule_ids"]


def test_variants_unknown_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["variants", PROMPT, "--rule", "no.such.rule"]) == 2
    assert "unknown rule id" in one_line_error(capsys.readouterr().err)


def test_project_settings_fill_defaults_below_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.tokdrift.commands.variants]\ncount = 1\n")
    monkeypatch.chdir(tmp_path)
    assert run(["variants", PROMPT, "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert run(["variants", PROMPT, "--format", "json", "-n", "3"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def _with_summary(ir: dict[str, Any], summary: str) -> dict[str, Any]:
    return {**ir, "intent": {"summary": summary}}


def _with_effect(ir: dict[str, Any], effect: str) -> dict[str, Any]:
    return {**ir, "effects": [effect]}


LOGS_VOWELS = "Logs each vowel it finds."


@pytest.mark.parametrize(
    ("first", "second", "code", "outcome"),
    [
        (gold_ir(), gold_ir(name="countVowels"), 0, "same"),
        (gold_ir(), gold_ir(param_type="list[str]"), 1, "different"),
        # A rewording the text tier cannot judge leaves the comparison undecided, in effects as in the intent.
        (
            _with_effect(gold_ir(), LOGS_VOWELS),
            _with_effect(gold_ir(), "Writes every vowel it meets to the log."),
            3,
            "undecided",
        ),
        (gold_ir(), _with_summary(gold_ir(), "Tally up the vowels of some text."), 3, "undecided"),
    ],
)
def test_compare_ir(
    first: dict[str, Any],
    second: dict[str, Any],
    code: int,
    outcome: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first_path, second_path = tmp_path / "a.json", tmp_path / "b.json"
    first_path.write_bytes(orjson.dumps(first))
    second_path.write_bytes(orjson.dumps(second))
    assert run(["compare-ir", str(first_path), str(second_path), "--format", "json"]) == code
    verdicts = json.loads(capsys.readouterr().out)
    assert verdicts["equivalent"] is (code == 0)
    assert verdicts["outcome"] == outcome
    tiers = {verdict["field"]: verdict["tier"] for verdict in verdicts["verdicts"]}
    assert tiers["intent"] == "deterministic" and tiers["name"] == "structural"


def test_compare_ir_table_names_the_deciding_tier(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first_path, second_path = tmp_path / "a.json", tmp_path / "b.json"
    first_path.write_bytes(orjson.dumps(_with_effect(gold_ir(), "Raises ValueError when text is empty.")))
    second_path.write_bytes(orjson.dumps(_with_effect(gold_ir(param_type="bytes"), "Raises TypeError when text is empty.")))
    assert run(["compare-ir", str(first_path), str(second_path)]) == 1
    table = capsys.readouterr().out
    assert "decided by" in table and "NOT equivalent" in table
    parameters_row = next(line for line in table.splitlines() if "parameters" in line)
    assert "differs" in parameters_row and "structural" in parameters_row and "yes" in parameters_row.split()
    effects_row = next(line for line in table.splitlines() if "effects" in line)
    assert "differs" in effects_row and "deterministic" in effects_row and "as undecided" in effects_row
    assert "exceptions" in table


def test_compare_ir_table_shows_a_free_text_difference_that_only_withholds_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first_path, second_path = tmp_path / "a.json", tmp_path / "b.json"
    first_path.write_bytes(orjson.dumps(_with_summary(gold_ir(), "Sort the numbers in ascending order.")))
    second_path.write_bytes(orjson.dumps(_with_summary(gold_ir(), "Sort the numbers in descending order.")))
    assert run(["compare-ir", str(first_path), str(second_path)]) == 3
    table = capsys.readouterr().out
    assert "decided by" in table and "undecided" in table and "equivalent" not in table.splitlines()[0]
    intent_row = next(line for line in table.splitlines() if "intent" in line)
    assert "differs" in intent_row and "deterministic" in intent_row and "as undecided" in intent_row
    assert "order" in intent_row and "direction" in " ".join(table.split())


def test_compare_ir_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "a.json", tmp_path / "b.json"
    good.write_bytes(orjson.dumps(gold_ir()))
    bad.write_bytes(orjson.dumps({"intent": {"summary": "x"}, "signature": {"name": "f"}, "oops": 1}))
    assert run(["compare-ir", str(good), str(bad)]) == 2
    assert "oops: unknown field" in one_line_error(capsys.readouterr().err)


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["baseline", "--no-such-option"]) == 2
    assert "No such option" in capsys.readouterr().err


def test_compare_ir_directory_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["compare-ir", str(tmp_path), str(tmp_path)]) == 2
    assert "IR file expected, got a directory" in one_line_error(capsys.readouterr().err)


def test_error_messages_keep_their_brackets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A message holding "[...]" must reach the user verbatim, not be eaten as a style tag.
    assert run(["variants", "x", "--rule", "no[such]rule"]) == 2
    assert "no[such]rule" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("command", [["variants", PROMPT], ["compare-ir"]])
def test_json_output_is_format_json_and_the_old_flag_still_works(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if command == ["compare-ir"]:
        path = tmp_path / "ir.json"
        path.write_text(json.dumps(gold_ir()))
        command = ["compare-ir", str(path), str(path)]
    assert run([*command, "--format", "json"]) == 0
    new = capsys.readouterr()
    assert run([*command, "--json"]) == 0
    old = capsys.readouterr()
    assert json.loads(old.out) == json.loads(new.out)
    assert "old spelling of --format json" in old.err and "old spelling" not in new.err
    assert run([*command[:1], "--help"]) == 0
    assert "--json" not in capsys.readouterr().out
