"""The end-to-end code stage on the real embedded model: prompt -> IR -> code -> sandbox."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tokdrift_cli.cli.app import run

pytestmark = pytest.mark.integration

MINI = Path(__file__).resolve().parents[2] / "tokdrift_cli" / "data" / "suites" / "mini.jsonl"


def test_end_to_end_runs_the_real_model_through_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "e2e.json"
    args = ["end-to-end", "--suite", str(MINI), "--limit", "1", "--variants", "1"]
    assert run([*args, "--no-paraphrases", "--code-max-tokens", "96", "--output", str(output)]) == 0
    artifact = orjson.loads(output.read_bytes())
    case = artifact["cases"][0]
    assert artifact["kind"] == "code_baseline" and artifact["summary"]["stage"] == "end-to-end"
    assert case["ir_generation"]["lm_calls"] == 1 and case["ir"]["signature"]["name"]
    assert case["code"]["lm_calls"] == 1
    assert case["inputs"] == "tests"
    # Whatever the 135M model wrote, it was judged: by its tests and against the variant's code.
    assert case["tests"]["total"] == 3
    assert case["variants"][0]["verdict"]["method"] in ("ast", "execution", "generation")
    assert artifact["summary"]["lm_calls"] >= 3
    assert "code robustness" in capsys.readouterr().err
