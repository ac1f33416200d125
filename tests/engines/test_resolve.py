"""--model resolution without loading weights or touching the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokdrift_cli.engines.llama_engine import render_completion_prompt, weights_fingerprint
from tokdrift_cli.engines.resolve import ModelSettings, check_gguf, embedded_weights_path, resolve_model
from tokdrift_cli.errors import InputError


def test_embedded_weights_ship_with_the_package() -> None:
    path = embedded_weights_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    check_gguf(path)  # a real GGUF header


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "not found"), (b"GGU", "not a GGUF"), (b"PK\x03\x04rest", "not a GGUF")],
)
def test_check_gguf_refuses_bad_files(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "m.gguf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        check_gguf(path)


def test_check_gguf_refuses_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a file"):
        check_gguf(tmp_path)


def test_fingerprint_tracks_content(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"GGUF one")
    b.write_bytes(b"GGUF two")
    assert weights_fingerprint(a) != weights_fingerprint(b)
    assert weights_fingerprint(a) == weights_fingerprint(a) and len(weights_fingerprint(a)) == 16


@pytest.mark.parametrize("model", ["gpt-4o", "openai/", "madeup/model"])
def test_unknown_models_are_usage_errors(model: str) -> None:
    with pytest.raises(InputError, match="unknown model"):
        resolve_model(model, ModelSettings())


def test_provider_model_records_endpoint_not_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-value-123456")
    resolved = resolve_model("openai/my-model", ModelSettings(api_base="http://127.0.0.1:9/v1"))
    assert not resolved.is_local and resolved.model_id == "openai/my-model"
    assert resolved.fingerprint == "http://127.0.0.1:9/v1"
    assert "sk-test" not in repr(resolved.fingerprint)
    resolved.close()  # nothing to close for a provider: must not fail


def test_completion_prompt_renders_turns() -> None:
    text = render_completion_prompt(
        [
            {"role": "system", "content": "Do it."},
            {"role": "user", "content": "req one"},
            {"role": "assistant", "content": "{\"a\": 1}"},
            {"role": "user", "content": "req two"},
        ]
    )
    assert text == 'Do it.\n\nRequest: req one\nAnswer: {"a": 1}\n\nRequest: req two\nAnswer:'


def test_provider_calls_carry_a_request_timeout_and_bounded_retries() -> None:
    from tokdrift_cli.engines.resolve import DEFAULT_REQUEST_TIMEOUT, PROVIDER_RETRIES

    default = resolve_model("openai/my-model", ModelSettings(api_base="http://127.0.0.1:9/v1"))
    assert default.lm.kwargs["timeout"] == DEFAULT_REQUEST_TIMEOUT and default.lm.num_retries == PROVIDER_RETRIES
    short = resolve_model("openai/my-model", ModelSettings(request_timeout=2.5))
    assert short.lm.kwargs["timeout"] == 2.5
    capped = short.with_max_tokens(64)  # the code stage's LM keeps both
    assert capped.kwargs["timeout"] == 2.5 and capped.num_retries == PROVIDER_RETRIES
