"""A local OpenAI-compatible chat server that answers after a fixed delay (benchmark 5, and a test).

It stands in for a remote provider so concurrency can be measured without a
network or a key: every request sleeps ``delay`` seconds (the provider's
latency), then answers a valid spec whose content depends only on the last
user message, so results are identical however many workers ask.

    python benchmarks/fake_openai_server.py --port 8765 --delay 0.2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_NAME = re.compile(r"\b(?:named|called|function)\s+`?([A-Za-z_][A-Za-z0-9_]*)")


def answer_for(request_text: str) -> dict[str, Any]:
    """A spec that is a pure function of the request text."""
    found = _NAME.search(request_text)
    name = found.group(1) if found else "solve"
    digest = int(hashlib.sha256(request_text.encode()).hexdigest(), 16)
    kind = ["int", "str", "list[int]"][digest % 3]
    return {
        "signature": f"{name}(value: {kind}) -> {kind}",
        "summary": f"Handle the request for {name}.",
        "effects": [],
        "assertions": [],
    }


class _Handler(BaseHTTPRequestHandler):
    delay = 0.2
    requests = 0
    in_flight = 0
    max_in_flight = 0  # how many requests were ever served at the same time
    _count_lock = threading.Lock()

    def do_POST(self) -> None:  # the http.server API names it so
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        cls = type(self)
        with self._count_lock:
            cls.requests += 1
            cls.in_flight += 1
            cls.max_in_flight = max(cls.max_in_flight, cls.in_flight)
        time.sleep(self.delay)
        with self._count_lock:
            cls.in_flight -= 1
        user = [m for m in body.get("messages", []) if m.get("role") == "user"]
        text = user[-1]["content"] if user else ""
        if isinstance(text, list):  # content parts
            text = "".join(part.get("text", "") for part in text if isinstance(part, dict))
        content = json.dumps(answer_for(text))
        payload = {
            "id": "chatcmpl-local",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 30, "total_tokens": 130},
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # keep the terminal quiet
        return


@contextmanager
def serving(delay: float = 0.2, port: int = 0) -> Iterator[tuple[str, type[_Handler]]]:
    """Run the server in a thread; yields its base URL (``http://127.0.0.1:PORT/v1``) and handler class."""
    handler = type("Handler", (_Handler,), {"delay": delay, "_count_lock": threading.Lock()})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.2)
    args = parser.parse_args()
    with serving(args.delay, args.port) as (url, _):
        print(f"serving {url} (delay {args.delay} s); Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
