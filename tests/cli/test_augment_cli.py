"""`tokdrift augment` as a user meets it: help, refusals, exit codes, one-line errors.

The fake engine cannot be reached through --model, so runs with it are tested
at the workflow level (tests/stages/test_augment.py). Here a provider model
string stands in: it is resolved without any network call, and every case
below is refused before a generation would start.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from tests.cli.test_cli import one_line_error
from tokdrift_cli.artifacts.checkpoint import checkpoint_path_for
from tokdrift_cli.cli.app import run

OFFLINE_MODEL = "openai/gpt-4o-mini"  # resolved lazily: no key and no network needed to refuse


@pytest.fixture(autouse=True)
def _no_provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def augment(*arguments: str) -> int:
    return run(["augment", *arguments])


def test_help_explains_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert augment("--help") == 0
    out = " ".join(capsys.readouterr().out.split())
    for text in ("--factor", "--verify", "--paraphrase-model", "--summary", "--restart", "base_id", "rule_ids",
                 "checkpointed"):
        assert text in out


def test_top_level_help_lists_augment(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    assert "augment" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--factor", "0"], "--factor"),
        (["--factor", "many"], "--factor"),
        (["--verify", "vibes"], "--verify"),
        (["--limit", "0"], "--limit"),
        (["--model-paraphrases", "-1"], "--model-paraphrases"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_bad_option_values_exit_2(
    arguments: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert augment("--output", str(tmp_path / "a.jsonl"), *arguments) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "a.jsonl").exists()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--suite", "/nonexistent/suite.jsonl"], "suite file not found"),
        (["--model", "gpt4"], "unknown model"),
        (["--model", OFFLINE_MODEL, "--paraphrase-model", "nosuchprovider/x"], "unknown model provider"),
        (["--model", "local:/nonexistent/model.gguf"], "model file not found"),
        (["--program", "nocolon"], "use 'default'"),
        (["--shard", "3/2"], "K must be between 1 and N"),
    ],
)
def test_bad_inputs_exit_2_with_one_line(
    arguments: list[str], expected: str, tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = [] if "--suite" in arguments else ["--suite", str(mini_suite_path)]
    assert augment("--output", str(tmp_path / "a.jsonl"), *suite, *arguments) == 2
    assert expected in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "a.jsonl").exists()


def test_bad_suite_line_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "bad.jsonl"
    suite.write_text('{"id": "x"}\n')
    assert augment("--suite", str(suite), "--output", str(tmp_path / "a.jsonl")) == 2
    assert "line 1" in one_line_error(capsys.readouterr().err)


def test_output_over_the_suite_is_refused(tmp_path: Path, mini_suite_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "suite.jsonl"
    suite.write_bytes(mini_suite_path.read_bytes())
    assert augment("--suite", str(suite), "--output", str(suite), "--model", OFFLINE_MODEL) == 2
    assert "is the input suite" in one_line_error(capsys.readouterr().err)
    assert suite.read_bytes() == mini_suite_path.read_bytes()


def test_an_augmented_suite_is_refused(tmp_path: Path, mini_suite_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    first = json.loads(mini_suite_path.read_text().splitlines()[0])
    suite = tmp_path / "augmented.jsonl"
    suite.write_text(json.dumps({**first, "id": "mini-001~v1", "base_id": "mini-001", "paraphrases": []}) + "\n")
    assert augment("--suite", str(suite), "--output", str(tmp_path / "again.jsonl"), "--model", OFFLINE_MODEL) == 2
    assert "already holds augmented lines" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"checkpoint_of": "augment", "fingerprint": "made-by-another-config"}, "different config"),
        ({"checkpoint_of": "baseline", "fingerprint": "x"}, "not a augment checkpoint"),
    ],
)
def test_foreign_checkpoint_is_refused(
    header: dict[str, str], expected: str, tmp_path: Path, mini_suite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "augmented.jsonl"
    checkpoint = checkpoint_path_for(output)
    # It holds finished work (an empty one of this kind would protect nothing and be replaced).
    content = orjson.dumps(header) + b"\n" + orjson.dumps({"key": "k", "unit": {}}) + b"\n"
    checkpoint.write_bytes(content)
    code = augment("--suite", str(mini_suite_path), "--output", str(output), "--model", OFFLINE_MODEL)
    assert code == 2
    message = one_line_error(capsys.readouterr().err)
    assert expected in message and "--restart" in message
    assert checkpoint.read_bytes() == content  # refusing never deletes
    assert not output.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"kind": "baseline", "schema_version": 1}, "'baseline' artifact"),
        ({"kind": "augment_summary", "schema_version": 99}, "upgrade tokdrift"),
        ({"kind": "augment_summary", "schema_version": 1, "cases": "nope"}, "corrupt augment_summary"),
    ],
)
def test_foreign_summary_is_refused(
    content: dict[str, object], expected: str, tmp_path: Path, mini_suite_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "augmented.jsonl"
    summary = tmp_path / "summary.json"
    summary.write_bytes(orjson.dumps(content))
    code = augment("--suite", str(mini_suite_path), "--output", str(output), "--summary", str(summary),
                   "--model", OFFLINE_MODEL)
    assert code == 2
    assert expected in one_line_error(capsys.readouterr().err)
    assert orjson.loads(summary.read_bytes()) == content


def test_existing_unrelated_output_is_not_overwritten(tmp_path: Path, mini_suite_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "notes.jsonl"
    output.write_text("my own data\n")
    assert augment("--suite", str(mini_suite_path), "--output", str(output), "--model", OFFLINE_MODEL) == 2
    assert "pass --restart" in one_line_error(capsys.readouterr().err)
    assert output.read_text() == "my own data\n"


def test_progress_bar_total_shrinks_and_tables_render(tmp_path: Path, mini_suite_path: Path) -> None:
    from rich.console import Console

    from tests.fakes import FakeEngine
    from tests.stages.test_augment import run as run_stage
    from tokdrift_cli.cli.commands.augment import AugmentProgressBar, augment_table, rule_mix_table

    with AugmentProgressBar("generations") as bar:
        result = run_stage(mini_suite_path, FakeEngine(), factor=3, verify="original", progress=bar)
    task = bar._progress.tasks[0]
    assert task.total == bar.total == task.completed == bar.calls  # ends full, nothing reused
    assert bar.cases_done == 4

    console = Console(record=True, width=120)
    console.print(augment_table(result.artifact, tmp_path / "out.jsonl"))
    console.print(rule_mix_table(result.artifact))
    text = console.export_text()
    assert "validation (kept / tried)" in text and "cases reaching the factor" in text and "framing" in text
