"""``--api-prompt completion``: a server asked exactly as the in-process engine asks its model.

Runs go through the real command line and DSPy, over HTTP to the fake OpenAI-compatible server
(tests/fake_server.py), which serves ``/v1/completions`` as well as ``/v1/chat/completions``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dspy.lm15 import Config, Message, Request

from tests.conftest import MINI_SUITE
from tests.fake_server import FakeOpenAIServer, free_port
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.decoding import StructuredOutput
from tokdrift_cli.engines.completion_endpoint import CompletionEndpointEngine
from tokdrift_cli.engines.decoding import DecodingPlan
from tokdrift_cli.engines.llama_engine import LlamaCppEngine
from tokdrift_cli.errors import ExitCode

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "count": {"type": "integer"}},
    "required": ["name", "count"],
    "additionalProperties": False,
}


@pytest.fixture(autouse=True)
def _keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy")
    monkeypatch.setattr("tokdrift_cli.engines.resolve.PROVIDER_RETRIES", 0)


def _baseline(api_base: str, output: Path, *extra: str) -> int:
    return run(
        [
            "baseline", "--model", "openai/fake", "--api-base", api_base, "--suite", str(MINI_SUITE),
            "--variants", "1", "--no-paraphrases", "--max-tokens", "77", "--request-timeout", "0.5",
            "--output", str(output), *extra,
        ]
    )


def _irs(output: Path) -> list[object]:
    return [generation.ir for generation in read_artifact(output, BaselineArtifact).generations()]


def test_completion_route_carries_the_document_grammar_and_in_process_sampler(tmp_path: Path) -> None:
    from llama_cpp import LlamaGrammar

    with FakeOpenAIServer(served_model="smollm2.gguf") as server:
        assert _baseline(server.api_base, tmp_path / "completion.json", "--api-prompt", "completion") == 0
        assert _baseline(server.api_base, tmp_path / "chat.json") == 0
        completion_bodies = [b for b, p in zip(server.bodies, server.paths, strict=True) if p == "/v1/completions"]
        keys = {k for k, p in zip(server.authorizations, server.paths, strict=True) if p == "/v1/completions"}
    assert keys == {"Bearer sk-test-dummy"}  # an openai/ model's endpoint gets the OpenAI key
    assert len(completion_bodies) == 8  # one per generation, no probe
    for body in completion_bodies:
        assert "messages" not in body and "response_format" not in body
        assert body["prompt"].startswith("Write the specification") and body["prompt"].endswith("\nAnswer:")
        assert {k: body[k] for k in ("temperature", "seed", "max_tokens", "repeat_penalty")} == {
            "temperature": 0.0, "seed": 0, "max_tokens": 77, "repeat_penalty": 1.0,
        }
        assert (body["top_k"], body["top_p"], body["min_p"]) == (40, 0.95, 0.05)
        LlamaGrammar.from_string(body["grammar"], verbose=False)  # a grammar llama.cpp reads
    # The same answers either way from a server that answers both routes alike.
    assert _irs(tmp_path / "completion.json") == _irs(tmp_path / "chat.json")
    artifact = read_artifact(tmp_path / "completion.json", BaselineArtifact)
    assert artifact.config.api_prompt == "completion"
    decoding = artifact.summary.decoding
    assert decoding is not None and decoding.served_model == "smollm2.gguf"
    assert decoding.structured_output is StructuredOutput.JSON_SCHEMA and not decoding.probed
    assert (decoding.max_tokens, decoding.max_tokens_sent_as) == (77, "max_tokens")
    cost = artifact.summary.cost  # usage comes from the server's answers
    assert cost is not None and cost.lm_calls == 8 and cost.input_tokens > 0 and cost.output_tokens > 0


class _RecordingLlama:
    """Stands in for ``llama_cpp.Llama``: keeps what ``create_completion`` was given."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def create_completion(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"choices": [{"text": "{}", "finish_reason": "stop"}], "usage": {}}


def test_the_server_gets_the_in_process_engines_prompt_grammar_and_settings(tmp_path: Path) -> None:
    request = Request(
        model="m",
        system="Answer in JSON.",
        messages=(Message.user("first"), Message.assistant("{}"), Message.user("second")),
        config=Config(
            max_tokens=55, temperature=0.0, stop=("\n\n",), seed=3,
            response_format={"type": "json_schema", "schema": SCHEMA},
        ),
    )
    local = LlamaCppEngine(tmp_path / "unused.gguf", seed=3)
    local._llama = llama = _RecordingLlama()
    local.complete(request)
    plan = DecodingPlan(StructuredOutput.JSON_SCHEMA, provider="openai", max_tokens=55, max_tokens_sent_as="max_tokens")
    remote = CompletionEndpointEngine("http://127.0.0.1:1/v1", "m", timeout=1.0, seed=3, plan=plan)
    body = remote.body(request)
    remote.close()
    sent = llama.calls[0]
    assert body["prompt"] == sent["prompt"]
    assert body["grammar"] == sent["grammar"]._grammar
    assert (body["max_tokens"], body["stop"], body["seed"], body["temperature"]) == (
        sent["max_tokens"], sent["stop"], sent["seed"], sent["temperature"],
    )


def test_a_hung_server_times_out_and_a_refused_connection_is_unreachable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAIServer(mode="hang") as server:
        assert _baseline(server.api_base, tmp_path / "hung.json", "--api-prompt", "completion") == ExitCode.RUNTIME
        assert server.requests == 5  # the breaker, after 5 calls of 0.5 s
    assert "did not answer within the request timeout 5 times" in capsys.readouterr().err
    never = f"http://127.0.0.1:{free_port()}/v1"
    assert _baseline(never, tmp_path / "never.json", "--api-prompt", "completion") == ExitCode.RUNTIME
    err = capsys.readouterr().err
    assert "unreachable" in err and "Traceback" not in err


def test_a_rate_limit_stops_the_run_and_it_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "limited.json"
    with FakeOpenAIServer(mode="rate_limited") as server:
        assert _baseline(server.api_base, output, "--api-prompt", "completion") == ExitCode.RUNTIME
        assert "refused 5 times in a row with a rate limit" in capsys.readouterr().err
        server.revive()
        assert _baseline(server.api_base, output, "--api-prompt", "completion") == 0
    assert all(generation.ok for generation in read_artifact(output, BaselineArtifact).generations())


def test_a_prompt_over_the_context_window_is_an_input_failure(tmp_path: Path) -> None:
    output = tmp_path / "too_long.json"
    with FakeOpenAIServer(mode="context_window") as server:
        assert _baseline(server.api_base, output, "--api-prompt", "completion") == ExitCode.RUNTIME
    assert {g.error_kind for g in read_artifact(output, BaselineArtifact).generations()} == {"input"}


def test_the_prompt_route_is_part_of_what_a_resume_must_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "run.json"
    with FakeOpenAIServer() as server:
        assert _baseline(server.api_base, output) == 0
        capsys.readouterr()
        assert _baseline(server.api_base, output, "--api-prompt", "chat") == 0  # the default, said: same run
        assert "up to date" in capsys.readouterr().err
        assert _baseline(server.api_base, output, "--api-prompt", "completion") == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "--api-prompt default there, 'completion' now" in err


def test_completion_without_an_endpoint_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command = ["baseline", "--model", "openai/fake", "--suite", str(MINI_SUITE), "--api-prompt", "completion"]
    assert run([*command, "--output", str(tmp_path / "out.json")]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "--api-prompt completion asks an --api-base server" in err and "Traceback" not in err


def test_an_endpoint_of_another_provider_never_receives_the_openai_key(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        command = ["baseline", "--model", "hosted_vllm/fake", "--api-base", server.api_base, "--api-prompt", "completion"]
        assert run([*command, "--suite", str(MINI_SUITE), "--limit", "1", "--output", str(tmp_path / "o.json")]) == 0
        assert server.authorizations and set(server.authorizations) == {None}
