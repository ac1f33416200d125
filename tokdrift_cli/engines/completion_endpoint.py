"""A DSPy engine on an OpenAI-compatible server's ``/v1/completions`` route (``--api-prompt completion``).

A chat-completions endpoint renders the adapter's messages with the model's chat template and
samples with the server's defaults, so the same weights answer differently behind a server than
in-process. This engine sends the server what the in-process engine
(:class:`tokdrift_cli.engines.llama_engine.LlamaCppEngine`) decodes: the same few-shot document
(:func:`render_completion_prompt`), the same schema as a llama.cpp grammar (``grammar``, a GBNF
string, which ``llama_cpp.server`` reads on its completions route), and the in-process sampler
settings wherever the server's defaults differ (``repeat_penalty`` 1.1 on ``llama_cpp.server``
against 1.0 in ``Llama.create_completion``). Greedy answers then match token for token.

A failed call raises the error DSPy's own routes raise for it (timeout, refused connection, rate
limit, server error, prompt over the context window), so retries and the run's failure policy treat
it as any provider call.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from tokdrift_cli.engines.llama_engine import (
    DEFAULT_MAX_TOKENS,
    chat_messages,
    constrained_schema,
    grammar_text,
    render_completion_prompt,
)

if TYPE_CHECKING:
    from tokdrift_cli.engines.decoding import DecodingPlan

# Sampler settings of ``Llama.create_completion`` that ``llama_cpp.server``'s completion request
# defaults otherwise (its other defaults - top_k 40, top_p 0.95, min_p 0.05, no presence or frequency
# penalty - are the in-process ones too, and are sent anyway so no server default can differ).
IN_PROCESS_SAMPLER: dict[str, float | int] = {
    "repeat_penalty": 1.0,
    "top_k": 40,
    "top_p": 0.95,
    "min_p": 0.05,
    "presence_penalty": 0.0,
    "frequency_penalty": 0.0,
}


class CompletionEndpointEngine:
    """Completions of the in-process prompt, with the in-process grammar and sampler, from a server."""

    supports_response_schema = True
    supports_function_calling = False
    supports_reasoning = False
    supported_params = frozenset({"response_format", "temperature", "max_tokens", "stop", "seed", "top_p"})

    def __init__(
        self, api_base: str, model: str, *, timeout: float, seed: int, plan: DecodingPlan, api_key: str | None = None
    ) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.url = f"{api_base.rstrip('/')}/completions"
        self.model = model
        self.seed = seed
        self.plan = plan
        self._client = httpx.Client(headers=headers, timeout=timeout)
        self._grammars: dict[str, str] = {}
        self._lock = threading.Lock()

    def body(self, request: Any) -> dict[str, Any]:
        """The completion request for a DSPy request."""
        config = request.config
        temperature = getattr(config, "temperature", None)
        seed = getattr(config, "seed", None)
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": render_completion_prompt(chat_messages(request)),
            "temperature": 0.0 if temperature is None else float(temperature),
            "max_tokens": getattr(config, "max_tokens", None) or DEFAULT_MAX_TOKENS,
            "seed": self.seed if seed is None else seed,
            **IN_PROCESS_SAMPLER,
        }
        stop = list(getattr(config, "stop", ()) or ())
        if stop:
            body["stop"] = stop
        schema = constrained_schema(getattr(config, "response_format", None) or {})
        if schema is not None:
            body["grammar"] = self._grammar(schema)
        return body

    def _grammar(self, schema: dict[str, Any]) -> str:
        import json

        key = json.dumps(schema)
        with self._lock:
            if key not in self._grammars:
                self._grammars[key] = grammar_text(schema)
            return self._grammars[key]

    def complete(self, request: Any) -> Any:
        from dspy.lm15 import Message, Response, TextPart, Usage

        self.plan.mode()  # the first call asks the server which model it serves
        result = self._post(self.body(request))
        choice = (result.get("choices") or [{}])[0]
        usage = result.get("usage") or {}
        self.plan.observe(result.get("model"))
        return Response(
            id=result.get("id"),
            model=str(result.get("model") or self.model),
            message=Message.assistant([TextPart(str(choice.get("text") or ""))]),
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            usage=Usage(
                input_tokens=int(usage.get("prompt_tokens", 0)),
                output_tokens=int(usage.get("completion_tokens", 0)),
                total_tokens=int(usage.get("total_tokens", 0)),
            ),
        )

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        import httpx
        from dspy import lm15

        try:
            answer = self._client.post(self.url, json=body)
        except httpx.TimeoutException as error:
            raise lm15.TimeoutError(f"{self.url} timed out: {error}") from error
        except httpx.TransportError as error:
            raise lm15.TransportError(f"cannot reach {self.url}: {error}") from error
        if answer.status_code >= 400:
            raise http_error(answer.status_code, answer.text, answer.headers.get("Retry-After"))
        try:
            result = answer.json()
        except ValueError:
            raise lm15.ServerError(f"{self.url} answered with no JSON: {answer.text[:200]}") from None
        if not isinstance(result, dict):
            raise lm15.ServerError(f"{self.url} answered with {type(result).__name__}, not an object")
        return result

    def stream(self, request: Any) -> Any:
        from dspy.lm15 import response_to_events

        return response_to_events(self.complete(request))

    def close(self) -> None:
        self._client.close()


def http_error(status: int, text: str, retry_after: str | None = None) -> Exception:
    """The DSPy error for a server's error answer; the message keeps the server's words, which tell a prompt over
    the context window (the input's fault) from other refusals."""
    from dspy import lm15

    message = f"HTTP {status}: {text[:500]}"
    if status == 429:
        try:
            wait = float(retry_after) if retry_after is not None else None
        except ValueError:
            wait = None
        return lm15.RateLimitError(message, status=status, retry_after=wait)
    if status in (408, 504):
        return lm15.TimeoutError(message, status=status)
    if status < 500:
        return lm15.InvalidRequestError(message, status=status)
    return lm15.ServerError(message, status=status)
