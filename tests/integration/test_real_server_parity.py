"""The same weights, in-process and behind a real OpenAI-compatible server: the same measurement?

Starts ``llama_cpp.server`` (the ``server`` extra of llama-cpp-python) on the embedded GGUF on a
free loopback port, runs a small baseline through ``--api-base`` (chat messages, and ``--api-prompt completion``: the
in-process prompt, grammar and sampler) and the same baseline with ``--model local``, and compares
them IR by IR. The agreement is printed (run with ``-s``) and
reported in docs/models.md; what the test holds fixed is what parity needs: the server is asked
with a schema in the form it enforces, every answer parses, the cap is the one it reads, and the
artifact records the form, the cap and the model the server reported.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import MINI_SUITE
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.decoding import StructuredOutput
from tokdrift_cli.engines.resolve import embedded_weights_path

pytestmark = pytest.mark.integration
pytest.importorskip("llama_cpp.server.app", reason="the server extra of llama-cpp-python is not installed")

# llama_cpp.server as its command line starts it, but with the weights loaded without llama.cpp's extra CPU
# buffer types, as the in-process engine loads them (with them, a source build crashes on its first decode on
# CPUs with AMX: see tokdrift_cli/engines/llama_engine.py).
LAUNCH = """
import sys
import uvicorn
from llama_cpp.server.app import create_app
from llama_cpp.server.settings import ModelSettings, ServerSettings
from tokdrift_cli.engines.llama_engine import _without_extra_buffer_types
path, port = sys.argv[1], int(sys.argv[2])
with _without_extra_buffer_types():
    app = create_app(
        server_settings=ServerSettings(host="127.0.0.1", port=port),
        model_settings=[ModelSettings(model=path, n_ctx=4096, seed=0, verbose=False)],
    )
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
"""

COMMON = ["--suite", str(MINI_SUITE), "--limit", "2", "--variants", "2", "--no-paraphrases", "--max-tokens", "256"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-c", LAUNCH, str(embedded_weights_path()), str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as answer:
                    json.load(answer)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("llama_cpp.server did not start")
                time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> BaselineArtifact:
    output = tmp_path_factory.mktemp("local") / "local.json"
    assert run(["baseline", *COMMON, "--model", "local", "--output", str(output)]) == 0
    return read_artifact(output, BaselineArtifact)


def _remote_run(server: str, output: Path, *extra: str) -> BaselineArtifact:
    command = ["baseline", *COMMON, "--model", "openai/smollm2", "--api-base", server, "--output", str(output)]
    assert run([*command, *extra]) == 0
    return read_artifact(output, BaselineArtifact)


def _identical_irs(route: str, remote_run: BaselineArtifact, local_run: BaselineArtifact) -> int:
    """How many generations gave the same IR both ways (printed, with every differing pair)."""
    pairs = list(zip(remote_run.generations(), local_run.generations(), strict=True))
    assert len(pairs) == 6
    same = sum(1 for a, b in pairs if a.ir == b.ir)
    print(f"\nlocal vs remote ({route}): {same} of {len(pairs)} IRs identical")
    for (a, b), case in zip(pairs, [c.case_id for c in remote_run.cases for _ in c.generations()], strict=True):
        if a.ir != b.ir:
            print(f"  {case}: remote {a.raw or (a.ir and a.ir.model_dump_json())}\n  {case}: local  {b.ir and b.ir.model_dump_json()}")
    return same


def test_chat_route_compared_ir_by_ir(
    server: str, local_run: BaselineArtifact, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "not-needed-by-a-local-server")
    remote_run = _remote_run(server, tmp_path / "remote.json")

    decoding = remote_run.summary.decoding
    assert decoding is not None
    # llama.cpp's server refuses OpenAI's json_schema form and enforces json_object with a schema.
    assert decoding.structured_output is StructuredOutput.JSON_OBJECT and decoding.probed
    assert decoding.served_model and decoding.served_model.endswith(".gguf")
    assert (decoding.max_tokens, decoding.max_tokens_sent_as) == (256, "max_tokens")
    # Schema-constrained: every remote answer parses, as every local one does.
    assert all(generation.ok for generation in remote_run.generations())
    assert all(generation.ok for generation in local_run.generations())
    _identical_irs("chat", remote_run, local_run)


def test_completion_route_gives_the_local_irs(
    server: str, local_run: BaselineArtifact, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process prompt, grammar and sampler sent to /v1/completions: the same weights, the same answers."""
    monkeypatch.setenv("OPENAI_API_KEY", "not-needed-by-a-local-server")
    remote_run = _remote_run(server, tmp_path / "remote.json", "--api-prompt", "completion")

    decoding = remote_run.summary.decoding
    assert decoding is not None and decoding.structured_output is StructuredOutput.JSON_SCHEMA
    assert decoding.served_model and decoding.served_model.endswith(".gguf")
    assert all(generation.ok for generation in remote_run.generations())
    same = _identical_irs("completion", remote_run, local_run)
    assert same == 6
