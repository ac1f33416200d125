"""An in-process DSPy engine on llama-cpp-python.

It speaks DSPy's engine contract (``complete(Request) -> Response``) so the
whole DSPy stack (adapters, demos, optimizers) runs unchanged on a GGUF file
with no network and no key. Two things make a small model usable here:

* a JSON schema from the adapter becomes a llama.cpp grammar, so every answer
  parses;
* one ``Llama`` object is not thread-safe, so calls are serialised by a lock.
  llama.cpp keeps the evaluated prompt between calls and re-reads only what
  differs, so a shared few-shot prefix is paid for once.

The weights are loaded without llama.cpp's extra CPU buffer types (weight
repacking for AMX and similar kernels): on a CPU with AMX, a source build of
llama-cpp-python 0.3.36 crashed with a segmentation fault on its first decode
with them, and ran normally without. The answers do not depend on the buffer
layout; only the speed of some quantisations might.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import threading
from pathlib import Path
from typing import Any

from tokdrift_cli.errors import ModelError

DEFAULT_CONTEXT = 4096
DEFAULT_MAX_TOKENS = 384


def weights_fingerprint(path: Path) -> str:
    """A short, stable id for a weights file (sha256 of its bytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _without_extra_buffer_types() -> Any:
    """While a ``Llama`` is built, its model parameters turn weight repacking off.

    ``Llama.__init__`` takes the parameters from ``llama_model_default_params``
    and offers no argument for ``use_extra_bufts``, so the default is adjusted
    for the duration of the constructor (under a lock, so two engines never race on it).
    """
    import llama_cpp.llama_cpp as native

    original = native.llama_model_default_params

    def defaults() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    with _CONSTRUCTION_LOCK:
        native.llama_model_default_params = defaults
        try:
            yield
        finally:
            native.llama_model_default_params = original


_CONSTRUCTION_LOCK = threading.Lock()


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(getattr(part, "text", "") or "" for part in content)


class LlamaCppEngine:
    """A DSPy engine backed by one ``llama_cpp.Llama`` in this process."""

    # Read by DSPy's capability check: JSONAdapter then sends a JSON schema.
    supports_response_schema = True
    supports_function_calling = False
    supports_reasoning = False
    supported_params = frozenset({"response_format", "temperature", "max_tokens", "stop", "seed", "top_p"})

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = DEFAULT_CONTEXT,
        n_threads: int | None = None,
        seed: int = 0,
        prompt_format: str = "completion",
    ):
        self.model_path = model_path
        self.prompt_format = prompt_format
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.seed = seed
        self._lock = threading.Lock()
        self._llama: Any = None
        self._grammars: dict[str, Any] = {}
        self.calls = 0

    def _model(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama

            # llama.cpp prints loader chatter on the C-level stderr; keep it out of the user's terminal.
            with _quiet_native_stderr(), _without_extra_buffer_types():
                try:
                    self._llama = Llama(
                        model_path=str(self.model_path),
                        n_ctx=self.n_ctx,
                        n_threads=self.n_threads,
                        seed=self.seed,
                        verbose=False,
                    )
                except (ValueError, RuntimeError) as error:
                    raise ModelError(f"cannot load GGUF model {self.model_path}: {error}") from None
        return self._llama

    def load(self) -> None:
        """Load the weights now, so a bad file fails before any work starts."""
        with self._lock:
            self._model()

    def _grammar(self, schema: dict[str, Any]) -> Any:
        from llama_cpp import LlamaGrammar

        key = json.dumps(schema)
        if key not in self._grammars:
            with _quiet_native_stderr():
                self._grammars[key] = LlamaGrammar.from_string(grammar_text(schema), verbose=False)
        return self._grammars[key]

    def complete(self, request: Any) -> Any:
        from dspy.lm15 import Message, Response, TextPart, Usage

        config = request.config
        response_format = getattr(config, "response_format", None) or {}
        temperature = getattr(config, "temperature", None)
        max_tokens = getattr(config, "max_tokens", None) or DEFAULT_MAX_TOKENS
        stop = list(getattr(config, "stop", ()) or ())
        seed = getattr(config, "seed", None)
        with self._lock:
            llama = self._model()
            schema = constrained_schema(response_format)
            grammar = None if schema is None else self._grammar(schema)
            sampling = {
                "grammar": grammar,
                "temperature": 0.0 if temperature is None else float(temperature),
                "max_tokens": max_tokens,
                "stop": stop or None,
                "seed": self.seed if seed is None else seed,
            }
            try:
                if self.prompt_format == "chat":
                    result = llama.create_chat_completion(messages=chat_messages(request), **sampling)
                    text = result["choices"][0]["message"].get("content") or ""
                else:
                    prompt = render_completion_prompt(chat_messages(request))
                    result = llama.create_completion(prompt=prompt, **sampling)
                    text = result["choices"][0].get("text") or ""
            except ValueError as error:
                if "context window" not in str(error):
                    raise
                # A prompt longer than the context: the input's fault, said the way DSPy knows it.
                from dspy.lm15 import ContextLengthError

                raise ContextLengthError(str(error)) from None
            self.calls += 1
        choice = result["choices"][0]
        usage = result.get("usage") or {}
        finish = "length" if choice.get("finish_reason") == "length" else "stop"
        return Response(
            id=result.get("id"),
            model=str(result.get("model") or self.model_path.name),
            message=Message.assistant([TextPart(text)]),
            finish_reason=finish,
            usage=Usage(
                input_tokens=int(usage.get("prompt_tokens", 0)),
                output_tokens=int(usage.get("completion_tokens", 0)),
                total_tokens=int(usage.get("total_tokens", 0)),
            ),
        )

    def stream(self, request: Any) -> Any:
        from dspy.lm15 import response_to_events

        return response_to_events(self.complete(request))

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                with contextlib.suppress(Exception):
                    self._llama.close()
                self._llama = None


def chat_messages(request: Any) -> list[dict[str, str]]:
    """A DSPy request's system text and turns as plain chat messages."""
    messages = []
    if request.system is not None:
        messages.append({"role": "system", "content": _text_of(request.system)})
    for message in request.messages:
        messages.append({"role": message.role, "content": message.text or ""})
    return messages


def constrained_schema(response_format: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a request's ``response_format`` holds the answer to (None: unconstrained)."""
    if response_format.get("type") == "json_schema":
        return dict(response_format["schema"])
    if response_format.get("type") == "json_object":
        return {"type": "object"}
    return None


def grammar_text(schema: dict[str, Any]) -> str:
    """The llama.cpp grammar (GBNF) that holds an answer to ``schema``.

    Key order matters: the grammar makes the model write properties in schema order, which must
    match the order the demos show.
    """
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(json.dumps(schema))


def render_completion_prompt(messages: list[dict[str, str]]) -> str:
    """Chat turns as a plain few-shot document; small models follow this far better than a chat template."""
    lines = []
    for message in messages:
        if message["role"] == "system":
            lines.append(message["content"].strip() + "\n")
        elif message["role"] == "user":
            lines.append(f"Request: {message['content'].strip()}")
        else:
            lines.append(f"Answer: {message['content'].strip()}\n")
    lines.append("Answer:")
    return "\n".join(lines)


@contextlib.contextmanager
def _quiet_native_stderr() -> Any:
    """Silence the C library's writes to fd 2 for the duration (Python stderr too)."""
    try:
        saved = os.dup(2)
    except OSError:  # no real fd 2 (e.g. captured in tests): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
