"""A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe``: open a page, run script, click, shoot.

Chromium reads commands on fd 3 and writes replies on fd 4, each a JSON
message ended by a NUL byte. Only what the browser tests need: no websocket,
no extra package.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import subprocess
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--force-color-profile=srgb",  # screenshot pixels keep the exact CSS colours
    "--window-size=1200,2400",
]


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def render_page(html: str, tmp_path: Path, name: str) -> tuple[Path, str]:
    """``html`` as a headless Chromium screenshot (its path) and the DOM it builds (after scripts ran)."""
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    screenshot = tmp_path / f"{name}.png"
    shot = run_chromium(tmp_path, f"--screenshot={screenshot}", page.as_uri())
    assert screenshot.exists(), shot.stderr[-2000:]
    dump = run_chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dump.returncode == 0, dump.stderr[-2000:]
    return screenshot, dump.stdout


class Browser:
    def __init__(self, chromium: Path, profile: Path, flags: list[str]) -> None:
        to_chrome_read, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_write = os.pipe()
        # The child's fd 3 and 4 are the pipe ends; dup2 them in after fork, before exec.
        command = [str(chromium), *flags, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]

        # Copy the child's ends to free descriptors above 4 (never a fixed number: in a long test run that
        # number may already be open, even be one of these pipes), so wiring 3 and 4 cannot overwrite them.
        child_read = fcntl.fcntl(to_chrome_read, fcntl.F_DUPFD, 5)
        child_write = fcntl.fcntl(from_chrome_write, fcntl.F_DUPFD, 5)

        def wire() -> None:
            os.dup2(child_read, 3)
            os.dup2(child_write, 4)

        self._process = subprocess.Popen(  # noqa: S603
            command, pass_fds=(3, 4, child_read, child_write), preexec_fn=wire,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for descriptor in (to_chrome_read, from_chrome_write, child_read, child_write):
            os.close(descriptor)
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def open(self, url: str, width: int, height: int) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)[
            "sessionId"
        ]
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                          "mobile": False})
        self.send("Page.enable")
        self.send("Page.navigate", {"url": url})
        self.evaluate(
            "new Promise(done => document.readyState === 'complete' ? done(true) : "
            "addEventListener('load', () => done(true)))"
        )

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True}
        )
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click (press and release) at the middle of the element, scrolled into view first.

        The page's own work queued by the previous click (a ``hashchange`` handler that scrolls) runs
        before the element is measured, so the click lands where the element is, not where it was.
        """
        box = self.evaluate(
            "(async () => { await new Promise(done => setTimeout(done, 50));"
            f" const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block: 'center'}});"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left",
                                                   "clickCount": 1})

    def screenshot(self, path: Path, selector: str | None = None) -> None:
        """The viewport, or the element's box (scrolled to the top of the page) when ``selector`` is given."""
        params: dict[str, Any] = {"format": "png"}
        if selector is not None:
            box = self.evaluate(
                f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                " return [r.x + scrollX, r.y + scrollY, r.width, Math.min(r.height, 3000)]; })()"
            )
            params.update(clip={"x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1},
                          captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", params)["data"]))

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (RuntimeError, OSError):
            pass
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
