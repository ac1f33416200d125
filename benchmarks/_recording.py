"""Capture the exact prompts, grammars and settings tokdrift sends to llama.cpp, without running the model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tokdrift_cli.engines.llama_engine import DEFAULT_MAX_TOKENS, LlamaCppEngine, render_completion_prompt


@dataclass(frozen=True)
class RecordedCall:
    prompt: str
    schema: str
    temperature: float
    max_tokens: int
    seed: int
    stop: list[str] | None


class RecordingEngine(LlamaCppEngine):
    """Renders each request as the real engine does, keeps it, and answers with a fixed valid spec."""

    def __init__(self, answer: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.answer = answer
        self.recorded: list[RecordedCall] = []

    def complete(self, request: Any) -> Any:
        from dspy.lm15 import Message, Response, TextPart, Usage

        config = request.config
        response_format = getattr(config, "response_format", None) or {}
        self.recorded.append(
            RecordedCall(
                prompt=render_completion_prompt(self._messages(request)),
                schema=json.dumps(response_format.get("schema", {"type": "object"})),
                temperature=float(getattr(config, "temperature", 0.0) or 0.0),
                max_tokens=int(getattr(config, "max_tokens", None) or DEFAULT_MAX_TOKENS),
                seed=self.seed if getattr(config, "seed", None) is None else int(config.seed),
                stop=list(getattr(config, "stop", ()) or ()) or None,
            )
        )
        return Response(
            id="recorded",
            model="recorded",
            message=Message.assistant([TextPart(self.answer)]),
            finish_reason="stop",
            usage=Usage(input_tokens=0, output_tokens=0, total_tokens=0),
        )


def record_calls(module: Any, texts: list[str], *, model_path: Any, max_tokens: int) -> list[RecordedCall]:
    """What ``module`` would send for each text, in order (one call per predictor per text)."""
    import dspy

    from tokdrift_cli.programs.ir_generator import DEFAULT_DEMOS
    from tokdrift_cli.programs.runner import DspyIRRunner

    answer = DEFAULT_DEMOS[0].spec.model_dump_json()
    engine = RecordingEngine(answer, model_path=model_path)
    lm = dspy.LM("local/recording", engine=engine, cache=False, temperature=0.0, max_tokens=max_tokens)
    runner = DspyIRRunner(module, lm)
    for text in texts:
        runner.generate(text)
    return engine.recorded
