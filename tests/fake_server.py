"""A local OpenAI-compatible server for transport-failure tests.

It answers ``POST /v1/chat/completions`` with the fake engine's deterministic
answer for the last user message (and ``POST /v1/completions`` for the last request of a few-shot
document rendered as the in-process engine renders it, answered as ``text``), so a run through it gives the same IRs as a
run through :class:`tests.fakes.FakeEngine` (and a spec, the code stage's
request, gets a one-line function). Its ``mode`` can be switched
while it runs:

* ``healthy`` - answers every request;
* ``hang`` - accepts the connection, reads the request and never answers;
* ``rate_limited`` - answers 429 with a ``Retry-After: 0`` header;
* ``context_window`` - answers 400 the way OpenAI reports a prompt over the context window;
* ``down`` - the listening socket is closed: connections are refused (a killed server).

``kill_after`` answers that many requests and then goes ``down`` by itself.

Structured output: ``honours`` names the ``response_format`` types it enforces (by default
``json_schema`` and ``json_object``, the latter with a ``schema`` beside it, as llama.cpp's server
does); a request with another type is refused with 422, as llama.cpp's server refuses
``json_schema``. An enforced schema the natural answer does not fit gets the smallest answer that
does (a probe's ``{"probe": true}``); ``ignores`` names types accepted but not enforced. A type it
neither honours nor ignores is refused with ``refusal_status``: 500, as llama_cpp.server 0.3 answers
``json_schema`` ("1 validation error"), or 422. Every request body is kept in ``bodies``.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from tests.fakes import FakeEngine

MODES = ("healthy", "hang", "rate_limited", "context_window", "down")


def free_port() -> int:
    """A loopback port nothing listens on (the "never up" server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FakeOpenAIServer:
    """Serves the fake engine's answers on a loopback port, in a background thread."""

    def __init__(
        self,
        mode: str = "healthy",
        *,
        kill_after: int | None = None,
        port: int = 0,
        honours: tuple[str, ...] = ("json_schema", "json_object"),
        ignores: tuple[str, ...] = (),
        served_model: str | None = None,
        refusal_status: int = 500,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.honours = honours
        self.ignores = ignores
        self.served_model = served_model
        self.refusal_status = refusal_status
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []  # the route of each request body, in order
        self.authorizations: list[str | None] = []  # the Authorization header of each request body
        self.kill_after = kill_after
        self.answered = 0
        self.requests = 0
        self.prompts: list[str] = []
        self._lock = threading.Lock()
        self._release = threading.Event()  # lets hung handlers end when the server stops
        self._answers = FakeEngine()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = port
        self.start()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        """Listen (again, on the same port after :meth:`stop`) and serve in the background."""
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        server.daemon_threads = True
        self.port = int(server.server_address[1])
        self._release.clear()
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket: from now on connections are refused."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def revive(self, mode: str = "healthy") -> None:
        """Back up on the same port, answering again."""
        self.mode, self.kill_after = mode, None
        if self._server is None:
            self.start()

    def _next(self, prompt: str) -> str:
        """The mode this request is served under (``kill_after`` counts answered requests)."""
        with self._lock:
            self.requests += 1
            if self.kill_after is not None and self.answered >= self.kill_after:
                return "down"
            if self.mode == "healthy":
                self.answered += 1
                self.prompts.append(prompt)
            return self.mode

    def answer_to(self, prompt: str, response_format: dict[str, Any] | None) -> str:
        """The answer, held to the request's schema when this server enforces its form."""
        text = self.answer(prompt)
        schema = (response_format or {}).get("schema") or ((response_format or {}).get("json_schema") or {}).get("schema")
        if not schema or response_format.get("type") not in self.honours:  # type: ignore[union-attr]
            return text
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        required = set(schema.get("required", []))
        if isinstance(data, dict) and required <= set(data) and set(data) <= set(schema.get("properties", {})):
            return text
        return json.dumps(_smallest_instance(schema))

    def answer(self, prompt: str) -> str:
        """An IR for a request; for a spec (the code stage's request), a function implementing it."""
        try:
            spec = json.loads(prompt)
        except ValueError:
            return self._answers.answer(prompt)
        signature = str(spec.get("signature", "solve(x: int) -> int")) if isinstance(spec, dict) else "solve(x)"
        return json.dumps({"code": f"def {signature}:\n    return x\n"})

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _handler_for(owner: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if not self.path.rstrip("/").endswith("/models") or owner.served_model is None:
                self._send(404, {"error": {"message": "not found"}})
                return
            self._send(200, {"object": "list", "data": [{"id": owner.served_model, "object": "model"}]})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            owner.bodies.append(body)
            owner.paths.append(self.path)
            owner.authorizations.append(self.headers.get("Authorization"))
            completion_route = not self.path.rstrip("/").endswith("/chat/completions")
            prompt = _last_request_text(str(body.get("prompt") or "")) if completion_route else _last_user_text(
                body.get("messages") or []
            )
            response_format = body.get("response_format")
            kind = (response_format or {}).get("type")
            if kind not in (None, "text", *owner.honours, *owner.ignores):
                detail = {"loc": ["body", "response_format", "type"], "msg": "Input should be 'text' or 'json_object'"}
                self._send(owner.refusal_status, {"detail": [detail], "error": {"message": "1 validation error"}})
                return
            mode = owner._next(prompt)
            if mode == "hang":
                owner._release.wait()
                self.close_connection = True
                return
            if mode == "down":
                # Killed mid-run: the listening socket goes, and this connection is cut unanswered.
                threading.Thread(target=owner.stop, daemon=True).start()
                self.close_connection = True
                return
            if mode == "rate_limited":
                error = {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}
                self._send(429, {"error": error}, {"Retry-After": "0"})
                return
            if mode == "context_window":
                error = {
                    "message": "This model's maximum context length is 16 tokens. However, your messages resulted "
                    "in 300 tokens. Please reduce the length of the messages.",
                    "type": "invalid_request_error",
                    "param": "messages",
                    "code": "context_length_exceeded",
                }
                self._send(400, {"error": error})
                return
            text = owner.answer_to(prompt, response_format)
            if completion_route:
                self._send(200, _text_completion(body, prompt, text))
                return
            completion = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "fake"),  # echoed, as llama.cpp's server does
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split()),
                          "total_tokens": len(prompt.split()) + len(text.split())},
            }
            self._send(200, completion)

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _last_request_text(document: str) -> str:
    """The last request of a few-shot document (``Request: ...`` lines, ending in ``Answer:``)."""
    return document.rpartition("Request: ")[2].rpartition("\nAnswer:")[0]


def _text_completion(body: dict[str, Any], prompt: str, text: str) -> dict[str, Any]:
    return {
        "id": "cmpl-fake",
        "object": "text_completion",
        "created": 0,
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split()),
                  "total_tokens": len(prompt.split()) + len(text.split())},
    }


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    users = [message for message in messages if message.get("role") == "user"]
    content = users[-1].get("content") if users else ""
    if isinstance(content, list):  # content parts
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content or "")


def _smallest_instance(schema: dict[str, Any]) -> Any:
    """The plainest value a JSON schema allows (enough for the shapes the tests send)."""
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _smallest_instance(properties.get(name, {})) for name in schema.get("required", [])}
    return {"boolean": True, "string": "", "integer": 0, "number": 0, "array": []}.get(str(kind))
