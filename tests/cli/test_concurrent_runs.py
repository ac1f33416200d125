"""Two processes on one output: the second is refused at once and the first finishes with nothing redone."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.checkpoint import checkpoint_path_for
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.artifacts.outputs import lock_path_for
from tokdrift_cli.cli.app import run

# A `tokdrift baseline` whose embedded model is the fake engine, slowed down so that it is still running
# while the test starts a second command on the same output.
SLOW_RUN = textwrap.dedent(
    """
    import sys, time
    from tests.fakes import FakeEngine
    from tokdrift_cli.engines import llama_engine
    from tokdrift_cli.cli.app import run

    fake = FakeEngine()

    def slow_complete(self, request):
        time.sleep(0.3)
        return fake.complete(request)

    llama_engine.weights_fingerprint = lambda path: "0123456789abcdef"
    llama_engine.LlamaCppEngine.load = lambda self: None
    llama_engine.LlamaCppEngine.complete = slow_complete
    sys.exit(run(sys.argv[1:]))
    """
)


def _finished_units(checkpoint: Path) -> list[bytes]:
    lines = checkpoint.read_bytes().splitlines() if checkpoint.exists() else []
    return [line for line in lines[1:] if line.endswith(b"}")]


def test_a_second_run_with_restart_is_refused_and_the_first_redoes_nothing(
    mini_suite_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokdrift_cli.engines import llama_engine

    monkeypatch.setattr(llama_engine, "weights_fingerprint", lambda path: "0123456789abcdef")
    monkeypatch.setattr(llama_engine.LlamaCppEngine, "load", lambda self: None)
    output = tmp_path / "baseline.json"
    command = ["baseline", "--suite", str(mini_suite_path), "--variants", "3", "-o", str(output)]
    first = subprocess.Popen([sys.executable, "-c", SLOW_RUN, *command], cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(_finished_units(checkpoint_path_for(output))) < 2:
            assert first.poll() is None and time.monotonic() < deadline, "the first run ended before the test began"
            time.sleep(0.05)
        finished = _finished_units(checkpoint_path_for(output))
        assert run([*command, "--restart"]) == 4
        message = capsys.readouterr().err
        assert f"being written by another tokdrift process (pid {first.pid})" in message
        assert _finished_units(checkpoint_path_for(output))[: len(finished)] == finished  # nothing deleted
    finally:
        _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    summary = read_artifact(output, BaselineArtifact).summary
    assert (summary.lm_calls, summary.resumed_generations) == (summary.cases + summary.variants, 0)  # none redone
    assert not lock_path_for(output).exists() and not checkpoint_path_for(output).exists()
