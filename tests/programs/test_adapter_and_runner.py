"""The compact adapter and the runner, through DSPy with the fake engine."""

from __future__ import annotations

from pathlib import Path

import dspy
import pytest
from dspy.utils.exceptions import (
    AdapterParseError,
    ContextWindowExceededError,
    LMError,
    LMInvalidRequestError,
    LMRateLimitError,
    LMServerError,
    LMTimeoutError,
    LMTransportError,
    LMUnexpectedError,
)

from tests.fakes import FakeEngine, fake_lm
from tokdrift_cli.programs.compact_adapter import CompactJSONAdapter
from tokdrift_cli.programs.ir_generator import GenerateFunctionSpec, SpecDraft, build_default_program
from tokdrift_cli.programs.runner import DspyIRRunner, classify_error, scrub


class TwoOutputs(dspy.Signature):
    """Answer."""

    question: str = dspy.InputField()
    context: str = dspy.InputField()
    answer: str = dspy.OutputField()
    score: int = dspy.OutputField()


def test_format_sends_instruction_demos_and_request() -> None:
    program = build_default_program()
    messages = CompactJSONAdapter().format(GenerateFunctionSpec, program.generate.demos, {"request": "Write f."})
    assert messages[0]["role"] == "system" and "Answer with JSON only." in messages[0]["content"]
    assert [m["role"] for m in messages[1:]] == ["user", "assistant"] * 3 + ["user"]
    assert messages[-1]["content"] == "Write f."
    assert messages[2]["content"].startswith('{"signature": ')


def test_partial_demos_are_skipped() -> None:
    demos = [{"request": "only a request"}]
    messages = CompactJSONAdapter().format(GenerateFunctionSpec, demos, {"request": "r"})
    assert len(messages) == 2


def test_multi_field_signatures_use_a_wrapper_object() -> None:
    adapter = CompactJSONAdapter()
    assert adapter.request_text(TwoOutputs, {"question": "q", "context": "c"}) == "question: q\ncontext: c"
    assert adapter.answer_text(TwoOutputs, {"answer": "a", "score": 3}) == '{"answer": "a", "score": 3}'
    assert adapter.parse(TwoOutputs, '{"answer": "a", "score": 3}') == {"answer": "a", "score": 3}
    schema = adapter.response_format(TwoOutputs).model_json_schema()
    assert set(schema["properties"]) == {"answer", "score"}
    assert adapter.response_format(GenerateFunctionSpec) is SpecDraft


@pytest.mark.parametrize(
    ("completion", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"answer": "a"}', "no field 'score'"),
        ('{"answer": "a", "score": "many"}', "does not match its type"),
    ],
)
def test_parse_errors_are_adapter_parse_errors(completion: str, message: str) -> None:
    with pytest.raises(AdapterParseError, match=message):
        CompactJSONAdapter().parse(TwoOutputs, completion)


def test_parse_tolerates_raw_newlines_in_strings() -> None:
    parsed = CompactJSONAdapter().parse(TwoOutputs, '{"answer": "line one\nline two", "score": 1}')
    assert parsed["answer"] == "line one\nline two"


def test_engine_receives_the_schema() -> None:
    engine = FakeEngine()
    DspyIRRunner(build_default_program(), fake_lm(engine)).generate("Write a function named f_g.")
    response_format = engine.response_formats[0]
    assert response_format["type"] == "json_schema"
    assert "pattern" in response_format["schema"]["properties"]["signature"]


def test_runner_records_tokens_and_calls() -> None:
    engine = FakeEngine()
    generation = DspyIRRunner(build_default_program(), fake_lm(engine)).generate("Please write add_two.")
    assert generation.ok and generation.lm_calls == 1
    assert generation.input_tokens > 0 and generation.output_tokens > 0
    assert generation.ir is not None and generation.ir.signature.name == "add_two"


def test_runner_records_program_bugs() -> None:
    class Broken(dspy.Module):
        def forward(self, request: str) -> dspy.Prediction:
            raise ZeroDivisionError("oops")

    generation = DspyIRRunner(Broken(), fake_lm(FakeEngine())).generate("x")
    assert not generation.ok and generation.error_kind == "program"
    assert generation.error == "ZeroDivisionError: oops"


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (TimeoutError("slow"), "timeout"),
        (LMError("down"), "provider"),
        (KeyError("x"), "program"),
        (LMTimeoutError("request timed out"), "timeout"),
        (LMTransportError("read timed out waiting for headers: no bytes for 1s"), "timeout"),
        (LMTransportError("failed to connect to 127.0.0.1:9: Connection refused"), "provider"),
        (LMServerError("Connection error."), "provider"),
        (LMRateLimitError("Rate limit reached"), "rate_limit"),
        (ContextWindowExceededError(message="maximum context length is 16 tokens"), "input"),
        (LMUnexpectedError("Requested tokens (600) exceed context window of 512"), "input"),
        (LMInvalidRequestError("maximum context length is 4096 tokens (context_length_exceeded)"), "input"),
    ],
)
def test_classify_error(error: BaseException, kind: str) -> None:
    assert classify_error(error) == kind


@pytest.mark.parametrize(
    "secret",
    ["sk-abcdefghijklmnop1234", "Bearer abcdefghijklmnop", "api_key=supersecretvalue"],
)
def test_scrub_removes_credentials(secret: str) -> None:
    cleaned = scrub(f"provider said: bad request with {secret} in it")
    assert secret not in cleaned and "[redacted]" in cleaned


def test_scrub_caps_length() -> None:
    assert len(scrub("x" * 5000)) == 300


def test_a_prompt_over_the_local_context_window_is_an_input_failure(tmp_path: Path) -> None:
    """llama.cpp refuses a prompt longer than its context with a ValueError: an input error on that case."""
    from tokdrift_cli.engines.llama_engine import LlamaCppEngine

    class TooSmall:
        def create_completion(self, **_: object) -> dict[str, object]:
            raise ValueError("Requested tokens (700) exceed context window of 512")

    engine = LlamaCppEngine(tmp_path / "unused.gguf")
    engine._llama = TooSmall()  # stands in for the loaded weights
    lm = dspy.LM("local/too-small", engine=engine, cache=False, max_tokens=64)
    generation = DspyIRRunner(build_default_program(), lm).generate("Write a very long request.")
    assert not generation.ok and generation.error_kind == "input"
    assert "exceed context window" in (generation.error or "")


def test_other_local_engine_errors_stay_what_they_were(tmp_path: Path) -> None:
    from tokdrift_cli.engines.llama_engine import LlamaCppEngine

    class Broken:
        def create_completion(self, **_: object) -> dict[str, object]:
            raise ValueError("bad grammar")

    engine = LlamaCppEngine(tmp_path / "unused.gguf")
    engine._llama = Broken()
    lm = dspy.LM("local/broken", engine=engine, cache=False, max_tokens=64)
    generation = DspyIRRunner(build_default_program(), lm).generate("Write f.")
    assert generation.error_kind == "provider" and "bad grammar" in (generation.error or "")
