"""The committed artifacts are still recognised as up to date by the command lines that made them.

Each command is re-run against a copy of its artifact with the model's loading
forbidden: it must say "up to date" and leave the file as it was. The shipped
suite's absolute path differs between machines, so the copy records where the
shipped suite is here (its content is still checked, by hash).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.suite import default_suite_path

BASELINES = REPO / "baselines"
SHIPPED_SUITE = "tokdrift_cli/data/suites/"

COMMANDS = {
    "baseline_core_local.json": ["baseline", "--controls", "3"],
    "before_test_local.json": ["baseline", "--split-from", "baselines/program_bootstrap.json"],
    "after_test_bootstrap.json": ["baseline", "--program", "baselines/program_bootstrap.json"],
    "after_test_bootstrap_aug.json": ["baseline", "--program", "baselines/program_bootstrap_aug.json"],
    "after_test_bootstrap_dev30.json": ["baseline", "--program", "baselines/program_bootstrap_dev30.json"],
    "after_test_base_first.json": ["baseline", "--program", "baselines/program_bootstrap_base_first.json"],
    "after_test_keep_base.json": ["baseline", "--program", "baselines/program_bootstrap_keep_base.json"],
    "after_test_gold_demos.json": ["baseline", "--program", "baselines/program_gold_demos.json"],
    "before_humaneval_test.json": ["baseline", "--suite", "examples/suites/humaneval.jsonl", "--split", "test"],
    "after_humaneval_test.json": [
        "baseline", "--suite", "examples/suites/humaneval.jsonl", "--split", "test",
        "--program", "baselines/program_gold_demos.json",
    ],
    "code_ir_to_code_templated.json": ["ir-to-code", "--code-generator", "templated"],
    "code_ir_to_code_local.json": ["ir-to-code"],
    "code_end_to_end_local.json": ["end-to-end"],
    "code_end_to_end_humaneval20.json": ["end-to-end", "--suite", "examples/suites/humaneval20.jsonl"],
}


def _no_model_load(*_: object) -> None:
    raise AssertionError("an up-to-date output must not load the model")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_committed_artifact_is_up_to_date(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokdrift_cli.engines.llama_engine import LlamaCppEngine

    source = BASELINES / name
    if not source.exists():
        pytest.skip(f"{name} is not committed")
    payload = orjson.loads(source.read_bytes())
    if SHIPPED_SUITE in payload["config"]["suite"]:
        payload["config"]["suite"] = str(default_suite_path().parent / Path(payload["config"]["suite"]).name)
    copy = tmp_path / name
    copy.write_bytes(orjson.dumps(payload))
    before = copy.read_bytes()
    monkeypatch.setattr(LlamaCppEngine, "load", _no_model_load)
    monkeypatch.chdir(REPO)  # program files and the humaneval suite are named relative to the repository

    code = run([*COMMANDS[name], "--output", str(copy)])

    err = capsys.readouterr().err
    assert code == 0, err
    assert "up to date" in err
    assert copy.read_bytes() == before
