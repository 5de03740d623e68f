"""Headless Chromium over its DevTools pipe, with the keyboard: for the workbench's browser
test, its screenshot tool and its benchmark.

`--remote-debugging-pipe` reads commands on descriptor 3 and answers on descriptor 4
(JSON, each message ending in NUL), so no driver and no websocket are needed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
# records alerts and script errors before any page script runs
HOOK = (
    "window.__alerts = []; window.__errors = [];"
    "window.alert = function (m) { window.__alerts.push(String(m)); };"
    "window.addEventListener('error', function (e) {"
    " window.__errors.push(String(e.message || e.type)); }, true);"
)
SPECIAL = {"Enter": ("Enter", 13, "\r"), "Escape": ("Escape", 27, "")}


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """One headless Chromium with one page, driven over the debugging pipe."""

    def __init__(self, binary: str, width: int = 1280, height: int = 900) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="litsift-chromium-"))
        to_r, self._to = os.pipe()
        self._from, from_w = os.pipe()
        cmd = [binary, *FLAGS, f"--window-size={width},{height}", f"--user-data-dir={self.profile}"]
        # descriptors 3 and 4 for Chromium: bash can move a descriptor there
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{to_r} 4>&{from_w}', "bash", *cmd, "about:blank"],
            pass_fds=(to_r, from_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_r)
        os.close(from_w)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []
        self.session = ""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        for method in ("Page.enable", "Runtime.enable"):
            self.send(method)
        self.send("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})

    def send(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._to, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise AssertionError("Chromium did not answer in time")
            chunk = os.read(self._from, 1 << 16)
            if not chunk:
                raise AssertionError("Chromium closed its debugging pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def goto(self, url: str, timeout: float = 30) -> None:
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read(deadline))

    def js(self, expression: str):
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression: str, timeout: float = 20):
        """The value of `expression` once it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            time.sleep(0.02)

    def press(self, key: str) -> None:
        """One key, as a person types it (keydown, the character, keyup)."""
        if key in SPECIAL:
            name, code, text = SPECIAL[key]
            down = {"type": "rawKeyDown" if not text else "keyDown", "key": name, "code": name}
            down |= {"windowsVirtualKeyCode": code, "text": text}
            self.send("Input.dispatchKeyEvent", down)
            self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": name, "code": name})
            return
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": key, "text": key})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key})

    def type(self, text: str) -> None:
        for char in text:
            self.press(char)

    def screenshot(self, path: Path) -> None:
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.session = ""
        with contextlib.suppress(AssertionError, OSError):
            self.send("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to)
        os.close(self._from)
        shutil.rmtree(self.profile, ignore_errors=True)
