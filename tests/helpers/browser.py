"""One headless Chromium for many pages, driven through the DevTools protocol on a pipe.

``--remote-debugging-pipe`` has Chromium read commands from fd 3 and write replies to fd 4
(JSON, each message ended by NUL): no port, no WebSocket library. A test loads page after
page in one tab, reads the DOM back, sets the viewport width and takes screenshots; the
browser is closed (and waited for) when the ``with`` block ends.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.helpers.paths import write_whole

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TIMEOUT = 120  # seconds for one reply or page load: a hung browser fails the test
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


class Browser:
    """A headless Chromium with one tab (see the module doc)."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # The child gets the pipe ends as fd 3 (commands) and fd 4 (replies).
        command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe"]
        self._process = subprocess.Popen(
            command,
            pass_fds=(3, 4),
            preexec_fn=_fds(to_chrome_r, from_chrome_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next = 0
        try:  # (a failed start leaves no Chromium behind: no `with` block ever runs)
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            attached = self.call("Target.attachToTarget", targetId=target, flatten=True)
            self._session = attached["sessionId"]
            self.call("Page.enable", session=True)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                self.call("Browser.close")
            except (OSError, RuntimeError):
                self._process.kill()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung browser
            self._process.kill()
            self._process.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its reply (events in between are dropped, but a
        page load is waited for by :meth:`open`)."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise RuntimeError(f"Chromium said nothing for {TIMEOUT} s")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(raw)
        return parsed

    def width(self, width: int, height: int = 900) -> None:
        """Set the viewport (a phone: 390 wide, as a device of that width would show it)."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )

    def open(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        self.call("Page.navigate", session=True, url=url)
        while True:
            event = self._read()
            if event.get("method") == "Page.loadEventFired":
                return

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-serialisable)."""
        result = self.call(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, target: Path) -> None:
        """The whole page as a PNG."""
        data = self.call(
            "Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True
        )
        write_whole(target, base64.b64decode(data["data"]))


def _fds(commands: int, replies: int) -> Any:
    def move() -> None:
        high_commands, high_replies = os.dup(commands), os.dup(replies)  # 3 or 4 may be taken
        os.dup2(high_commands, 3)
        os.dup2(high_replies, 4)

    return move
