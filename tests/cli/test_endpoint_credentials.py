"""A key inside --api-base calls the model but lands in no file and no message."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.fakes import FakeEngine
from tokdrift_cli.artifacts.baseline import BaselineArtifact, BaselineConfig
from tokdrift_cli.artifacts.checkpoint import fingerprint
from tokdrift_cli.artifacts.io import read_artifact
from tokdrift_cli.cli.app import run
from tokdrift_cli.engines.resolve import ModelSettings, identify_model
from tokdrift_cli.errors import ModelError
from tokdrift_cli.workflows.resume import resume_fingerprint
from tokdrift_cli.workflows.run import model_settings


def config_with(api_base: str) -> BaselineConfig:
    return BaselineConfig(
        suite="s.jsonl", model="openai/m", program="default", variants_per_prompt=2, seed=0, temperature=0.0,
        max_tokens=256, api_base=api_base,
    )


KEYED = "http://user:SECRETKEY@gpu.example:8000/v1?api_key=QUERYSECRET"
STORED = "http://user:***@gpu.example:8000/v1?api_key=***"


def test_the_config_calls_with_the_key_and_stores_it_masked() -> None:
    config = config_with(KEYED)
    assert model_settings(config).api_base == KEYED  # what calls the model
    assert config.model_dump(mode="json")["api_base"] == STORED  # what an artifact and a fingerprint see
    other_key = config.model_copy(update={"api_base": KEYED.replace("SECRETKEY", "OTHERKEY")})
    assert resume_fingerprint(other_key, "m", "p") == resume_fingerprint(config, "m", "p")


def test_a_url_without_a_key_keeps_its_fingerprint() -> None:
    """Committed artifacts were fingerprinted before masking existed; their fingerprints must not move."""
    config = config_with("http://localhost:8000/v1")
    settings = config.model_dump(mode="json", exclude={"limit", "fragile_threshold"}, exclude_defaults=True)
    assert settings["api_base"] == "http://localhost:8000/v1"
    expected = fingerprint({"config": settings, "model_id": "m", "program_hash": "p"})
    assert resume_fingerprint(config, "m", "p") == expected


def test_the_model_fingerprint_records_the_endpoint_without_its_key() -> None:
    assert identify_model("openai/m", ModelSettings(api_base=KEYED)).fingerprint == STORED
    assert identify_model("openai/m", ModelSettings(api_base="http://h:1/v1")).fingerprint == "http://h:1/v1"


@pytest.fixture
def fake_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from tokdrift_cli.engines import llama_engine

    fake = FakeEngine()
    monkeypatch.setattr(llama_engine, "weights_fingerprint", lambda path: "0123456789abcdef")
    monkeypatch.setattr(llama_engine.LlamaCppEngine, "load", lambda self: None)
    monkeypatch.setattr(llama_engine.LlamaCppEngine, "complete", lambda self, request: fake.complete(request))


def test_no_file_a_run_writes_holds_the_key(
    fake_local_model: None, mini_suite_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "b.json"
    command = ["baseline", "--suite", str(mini_suite_path), "--variants", "1", "--api-base", KEYED, "-o", str(output)]
    assert run(command) == 0
    assert read_artifact(output, BaselineArtifact).config.api_base == STORED
    assert run(command) == 0  # the same command again: up to date, though the key is not stored
    err = capsys.readouterr().err
    assert "is up to date with this config" in err
    for path in tmp_path.rglob("*"):
        assert b"SECRETKEY" not in path.read_bytes() and b"QUERYSECRET" not in path.read_bytes()
    assert "SECRETKEY" not in err
    assert orjson.loads(output.read_bytes())["config"]["api_base"] == STORED


def test_an_error_message_with_the_endpoint_is_printed_masked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokdrift_cli.engines import resolve

    def unreachable(requested: str) -> None:
        raise ModelError("the model is unreachable (failed to connect to user:SECRETKEY@gpu.example:8000)")

    monkeypatch.setattr(resolve, "_check_provider", unreachable)
    code = run(["baseline", "--model", "openai/m", "--api-base", KEYED, "-o", str(tmp_path / "b.json")])
    err = capsys.readouterr().err
    assert code == 4 and "user:***@gpu.example" in err and "SECRETKEY" not in err
