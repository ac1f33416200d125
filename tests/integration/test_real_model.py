"""End to end on the real embedded model: the product path, no fakes.

Each test runs `tokdrift` as a user would (a subprocess), on two prompts of
the mini suite, so the whole file takes about a minute on two cores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.cli.app import run

pytestmark = pytest.mark.integration

MINI = Path(__file__).resolve().parents[2] / "tokdrift_cli" / "data" / "suites" / "mini.jsonl"
COMMON = ["--suite", str(MINI), "--limit", "2", "--variants", "2", "--no-paraphrases"]


def tokdrift(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "tokdrift_cli", *arguments],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


def test_baseline_runs_real_model_and_rerun_makes_no_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process, so coverage sees the engine and the CLI rendering.
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "baseline.json"
    assert run(["baseline", *COMMON, "--output", str(output)]) == 0
    stderr = capsys.readouterr().err
    artifact = orjson.loads(output.read_bytes())
    summary = artifact["summary"]
    assert artifact["kind"] == "baseline" and artifact["schema_version"] == BaselineArtifact.SCHEMA_VERSION
    assert artifact["provenance"]["model_id"].startswith("local/smollm2-135m-instruct-q4_1@")
    assert summary["cases"] == 2 and summary["variants"] == 4
    assert summary["lm_calls"] == 6
    # The grammar path: every answer must parse.
    assert summary["schema_valid"]["successes"] == 6
    for case in artifact["cases"]:
        assert case["original"]["ir"]["signature"]["name"]
        assert case["original"]["latency_s"] > 0
        for variant in case["variants"]:
            assert variant["rule_ids"]
            assert variant["robust"] in (True, False)
    assert "robustness" in stderr and "generations" in stderr
    assert not Path(str(output) + ".checkpoint.jsonl").exists()

    before = output.read_bytes()
    assert run(["baseline", *COMMON, "--output", str(output)]) == 0
    assert "up to date" in capsys.readouterr().err
    assert output.read_bytes() == before  # no LM call, and the measured figures are kept

    # A different threshold reuses every generation but rewrites the summary.
    assert run(["baseline", *COMMON, "--fragile-threshold", "0.5", "--output", str(output)]) == 0
    again = orjson.loads(output.read_bytes())
    assert again["summary"]["lm_calls"] == 0
    assert again["summary"]["resumed_generations"] == 6
    assert [c["robustness"] for c in again["cases"]] == [c["robustness"] for c in artifact["cases"]]


def test_kill_and_resume_redoes_no_finished_call(tmp_path: Path) -> None:
    output = tmp_path / "baseline.json"
    checkpoint = Path(str(output) + ".checkpoint.jsonl")
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tokdrift_cli", "baseline", *COMMON, "--output", str(output)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if checkpoint.exists() and len(checkpoint.read_bytes().splitlines()) >= 3:  # header + 2 units
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = len(checkpoint.read_bytes().splitlines()) - 1
    assert 2 <= finished < 6
    assert not output.exists()

    changed = tokdrift("baseline", *COMMON, "--seed", "7", "--output", str(output), cwd=tmp_path)
    assert changed.returncode == 2
    assert "different config" in changed.stderr and "Traceback" not in changed.stderr

    resumed = tokdrift("baseline", *COMMON, "--output", str(output), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    summary = orjson.loads(output.read_bytes())["summary"]
    assert summary["resumed_generations"] == finished
    assert summary["lm_calls"] == 6 - finished


def test_engine_chat_format_and_json_object_mode() -> None:
    """The engine's other paths: chat template, plain JSON mode, close and reload."""
    from dspy.lm15 import Config, Message, Request

    from tokdrift_cli.engines.llama_engine import LlamaCppEngine
    from tokdrift_cli.engines.resolve import embedded_weights_path

    engine = LlamaCppEngine(embedded_weights_path(), prompt_format="chat", n_ctx=512)
    request = Request(
        model="local/smollm2",
        messages=(Message.user("Give a JSON object with a key name."),),
        system="Answer with JSON only.",
        config=Config(max_tokens=24, temperature=0.0, response_format={"type": "json_object"}),
    )
    response = engine.complete(request)
    text = response.message.parts[0].text
    assert text.lstrip().startswith("{")
    assert response.usage.input_tokens > 0 and engine.calls == 1
    engine.close()
    assert engine.complete(request).message.parts[0].text == text  # reloads, deterministic at temperature 0
    engine.close()
