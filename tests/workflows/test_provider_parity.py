"""A provider behind --api-base is asked the way it answers: schema in a form it honours, cap it reads, cost counted.

Every run goes through the real command line, DSPy, LiteLLM and HTTP to the fake OpenAI-compatible
server (tests/fake_server.py), which refuses the forms it does not take with 422 as llama.cpp's
server does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MINI_SUITE
from tests.fake_server import FakeOpenAIServer
from tokdrift_cli.artifacts.baseline import BaselineArtifact
from tokdrift_cli.artifacts.checkpoint import checkpoint_path_for
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.core.decoding import StructuredOutput
from tokdrift_cli.errors import ExitCode
from tokdrift_cli.programs.cost import price_of

# 4 cases x (1 original + 1 variant)
GENERATIONS = 8


@pytest.fixture(autouse=True)
def _keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy")
    monkeypatch.setattr("tokdrift_cli.engines.resolve.PROVIDER_RETRIES", 0)


def _baseline(server: FakeOpenAIServer, output: Path, *extra: str, model: str = "openai/fake") -> int:
    return run(
        [
            "baseline", "--model", model, "--api-base", server.api_base, "--suite", str(MINI_SUITE),
            "--variants", "1", "--no-paraphrases", "--max-tokens", "77", "--output", str(output), *extra,
        ]
    )


def _generation_bodies(server: FakeOpenAIServer) -> list[dict[str, object]]:
    return [body for body in server.bodies if "Say hello." not in str(body.get("messages"))]


@pytest.mark.parametrize(
    ("honours", "expected", "probes"),
    [
        (("json_schema", "json_object"), StructuredOutput.JSON_SCHEMA, 1),
        (("json_object",), StructuredOutput.JSON_OBJECT, 2),  # llama.cpp's server: json_schema refused (500)
        ((), StructuredOutput.OFF, 3),  # both forms refused: a request without a schema tells refusal from down
    ],
)
def test_auto_probes_once_and_every_generation_uses_the_form_found(
    tmp_path: Path, honours: tuple[str, ...], expected: StructuredOutput, probes: int
) -> None:
    output = tmp_path / "remote.json"
    with FakeOpenAIServer(honours=honours, served_model="smollm2-135m.gguf") as server:
        assert _baseline(server, output) == 0
    generations = _generation_bodies(server)
    assert len(server.bodies) - len(generations) == probes
    assert len(generations) == GENERATIONS
    for body in generations:
        # The cap in the parameter every OpenAI-compatible server reads.
        assert body["max_tokens"] == 77 and "max_completion_tokens" not in body
        sent = body.get("response_format")
        if expected is StructuredOutput.OFF:
            assert sent is None
        else:
            assert isinstance(sent, dict)
            assert sent["type"] == expected.value.replace("-", "_")
            schema = sent["schema"] if expected is StructuredOutput.JSON_OBJECT else sent["json_schema"]["schema"]
            assert schema["required"] == ["signature", "summary", "effects", "assertions"]
    decoding = read_artifact(output, BaselineArtifact).summary.decoding
    assert decoding is not None
    assert decoding.structured_output is expected and decoding.probed
    assert decoding.provider == "openai" and decoding.served_model == "smollm2-135m.gguf"
    assert (decoding.max_tokens, decoding.max_tokens_sent_as) == (77, "max_tokens")


def test_a_form_refused_with_422_is_passed_over_too(tmp_path: Path) -> None:
    output = tmp_path / "refused.json"
    with FakeOpenAIServer(honours=("json_object",), refusal_status=422) as server:
        assert _baseline(server, output) == 0
    decoding = read_artifact(output, BaselineArtifact).summary.decoding
    assert decoding is not None and decoding.structured_output is StructuredOutput.JSON_OBJECT


def test_a_server_that_ignores_a_form_is_not_trusted_with_it(tmp_path: Path) -> None:
    output = tmp_path / "ignored.json"
    with FakeOpenAIServer(honours=("json_object",), ignores=("json_schema",)) as server:
        assert _baseline(server, output) == 0
    decoding = read_artifact(output, BaselineArtifact).summary.decoding
    assert decoding is not None and decoding.structured_output is StructuredOutput.JSON_OBJECT


def test_a_form_set_explicitly_is_sent_without_a_probe(tmp_path: Path) -> None:
    output = tmp_path / "explicit.json"
    with FakeOpenAIServer() as server:
        assert _baseline(server, output, "--structured-output", "json-object") == 0
    assert len(server.bodies) == GENERATIONS
    assert all(body["response_format"]["type"] == "json_object" for body in server.bodies)  # type: ignore[index]
    decoding = read_artifact(output, BaselineArtifact).summary.decoding
    assert decoding is not None and decoding.structured_output is StructuredOutput.JSON_OBJECT and not decoding.probed


def test_a_probe_that_cannot_reach_the_server_fails_like_a_call_and_the_rerun_probes_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "down.json"
    with FakeOpenAIServer(mode="rate_limited") as server:
        assert _baseline(server, output) == ExitCode.RUNTIME
        assert "rate limit" in capsys.readouterr().err
        server.revive()
        assert _baseline(server, output) == 0
    decoding = read_artifact(output, BaselineArtifact).summary.decoding
    assert decoding is not None and decoding.structured_output is StructuredOutput.JSON_SCHEMA


def test_a_run_on_an_unpriced_model_records_its_tokens_and_an_unknown_cost(tmp_path: Path) -> None:
    output = tmp_path / "unpriced.json"
    with FakeOpenAIServer() as server:
        assert _baseline(server, output, "--structured-output", "off") == 0
    artifact = read_artifact(output, BaselineArtifact)
    cost = artifact.summary.cost
    assert cost is not None and cost.usd is None
    assert cost.lm_calls == GENERATIONS
    assert cost.input_tokens == sum(g.input_tokens for g in artifact.generations()) > 0


def test_max_cost_stops_before_the_budget_is_passed_and_a_larger_budget_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    price = price_of("openai/gpt-4o-mini")
    assert price is not None
    output = tmp_path / "budget.json"
    with FakeOpenAIServer() as server:
        # The first call's cost, measured on a run of its own.
        assert _baseline(server, tmp_path / "one.json", "--limit", "1", "--variants", "0",
                         model="openai/gpt-4o-mini") == 0
        one = read_artifact(tmp_path / "one.json", BaselineArtifact).summary.cost
        assert one is not None and one.usd is not None and one.usd > 0
        budget = 3.5 * one.usd
        code = _baseline(server, output, "--max-cost", f"{budget:.10f}", model="openai/gpt-4o-mini")
        err = capsys.readouterr().err
        assert code == ExitCode.RUNTIME
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "--max-cost" in errors[0] and "spent $" in errors[0] and "left" in errors[0]
        assert not output.exists()
        kept = len(checkpoint_path_for(output).read_text().splitlines()) - 1
        assert 1 <= kept <= 3
        assert _baseline(server, output, "--max-cost", "1", model="openai/gpt-4o-mini") == 0
    artifact = read_artifact(output, BaselineArtifact)
    cost = artifact.summary.cost
    # The resumed run paid only for the rest, and for its own probe (counted with the generation it ran in).
    assert cost is not None and cost.lm_calls == GENERATIONS - kept + 1
    assert cost.usd == pytest.approx(price.usd(cost.input_tokens, cost.output_tokens))
    assert sum(g.lm_calls for g in artifact.generations()) == GENERATIONS + 2  # two runs, one probe each


def test_max_cost_on_a_model_without_a_price_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAIServer() as server:
        assert _baseline(server, tmp_path / "x.json", "--max-cost", "1") == ExitCode.USAGE
    assert server.bodies == []
    assert "no price is known for openai/fake" in capsys.readouterr().err


def test_dry_run_prices_a_known_model_and_says_when_the_price_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    common = ["baseline", "--suite", str(MINI_SUITE), "--dry-run", "--output", "never-written.json"]
    assert run([*common, "--model", "openai/gpt-4o-mini"]) == 0
    priced = capsys.readouterr().out
    line = next(line for line in priced.splitlines() if line.startswith("cost (estimated)"))
    assert "$" in line and "gpt-4o-mini" in line and "typical" in line
    assert run([*common, "--model", "local"]) == 0
    assert "unknown: no price" in capsys.readouterr().out
