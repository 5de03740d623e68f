"""The HTML report in real headless Chromium, driven over the DevTools protocol.

Chromium's `--remote-debugging-pipe` speaks the DevTools protocol over file descriptors 3
and 4 (JSON messages ending in NUL), so no websocket client or driver is needed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from litsift import runner
from litsift.review import Review

ROOT = Path(__file__).resolve().parents[1]
XSS = "<img src=x onerror=alert(1)>"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
    "--window-size=1280,2000",
]
# records every alert and script error before any page script runs
HOOK = (
    "window.__alerts = []; window.__errors = [];"
    "window.alert = function (m) { window.__alerts.push(String(m)); };"
    "window.addEventListener('error', function (e) {"
    " if (e.message) { window.__errors.push(String(e.message)); } }, true);"
)

pytestmark = pytest.mark.browser


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (apt install chromium)")


class DevTools:
    """A minimal DevTools-protocol session over Chromium's debugging pipe."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        cmd = [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"]
        # Chromium wants the pipe on fds 3 (commands) and 4 (replies); bash (not dash) can
        # move a descriptor above 9 there
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}', "bash", *cmd],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session = ""

    def send(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read(deadline))

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise AssertionError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise AssertionError("Chromium closed the debugging pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def close(self) -> None:
        self.session = ""
        with contextlib.suppress(AssertionError, OSError):
            self.send("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


XSS_BIB = """@article{xss2022,
  title = {%s},
  author = {Mallory, Eve},
  year = {2022},
  journal = {Journal of Tests}
}
"""


@pytest.fixture
def built(flagship: Path):
    """The flagship review plus one record whose title is markup, run end to end."""
    (flagship / "data" / "imports" / "curated" / "xss.bib").write_text(XSS_BIB % XSS)
    review = Review(flagship)
    result = runner.run(review, until="report")
    return review, result


@pytest.fixture
def browser():
    profile = Path(tempfile.mkdtemp(prefix="litsift-chromium-"))
    tools = DevTools(chromium_path(), profile)
    yield tools
    tools.close()
    shutil.rmtree(profile, ignore_errors=True)


BOXES_JS = """Array.from(document.querySelectorAll('#prisma-diagram g.box')).map(function (g) {
  var text = g.querySelector('text').textContent;
  var panel = document.getElementById('box-' + g.dataset.box);
  return [g.dataset.box, text, panel ? panel.querySelectorAll('li').length : -1];
})"""

VISIBLE_ROWS_JS = """Array.from(document.querySelectorAll('#included-table tbody tr'))
  .filter(function (r) { return getComputedStyle(r).display !== 'none'; }).length"""


def test_report_in_chromium(browser, built):
    review, result = built
    index = review.build / "report" / "index.html"
    browser.open(index.as_uri())

    # every PRISMA box shows the computed count, in its text and in its list of records
    computed = result.prisma.box_counts()
    listed = {k: len(v) for k, v in result.prisma.members.items()}
    shown = browser.evaluate(BOXES_JS)
    assert {key for key, _, _ in shown} == set(computed) - {"previous"}
    for key, text, items in shown:
        assert f"(n = {computed[key]})" in text, (key, text)
        assert items == listed[key], key
    assert computed["screened"] == 138 and computed["included"] == 110

    # clicking a box opens its list of records
    browser.evaluate(
        "document.querySelector('#prisma-diagram g.box[data-box=\"screened\"]')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    assert browser.evaluate("document.getElementById('box-screened').open") is True

    # filtering the included studies by class
    total = browser.evaluate(VISIBLE_ROWS_JS)
    assert total == len(runner.included_records(result)) == 110
    serving = sum("serving" in t.class_ids() for t in result.tags.values())
    browser.evaluate(
        "var s = document.getElementById('class-filter'); s.value = 'serving';"
        "s.dispatchEvent(new Event('change'))"
    )
    assert 0 < browser.evaluate(VISIBLE_ROWS_JS) == serving < total
    assert browser.evaluate("document.getElementById('shown-count').textContent") == (
        f"{serving} studies shown"
    )

    # the knowledge base browsed by year and class
    linked = [e for e in result.kb_entries if e.key in result.kb_links]
    browser.evaluate(
        "var y = document.getElementById('kb-year'); y.value = '2023';"
        "y.dispatchEvent(new Event('change'));"
        "var c = document.getElementById('kb-class'); c.value = 'training';"
        "c.dispatchEvent(new Event('change'))"
    )
    visible = browser.evaluate(
        "Array.from(document.querySelectorAll('#kb article'))"
        ".filter(function (a) { return getComputedStyle(a).display !== 'none'; }).length"
    )
    expected = sum(e.year == 2023 and "training" in e.classes for e in linked)
    assert 0 < visible == expected < len(linked)

    # the markup title is text in the page, and no script ran from it
    titles = browser.evaluate(
        "Array.from(document.querySelectorAll('#box-screened li')).map(function (li) {"
        " return li.firstChild.textContent.trim(); })"
    )
    assert XSS in titles
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert browser.evaluate("window.__alerts") == []
    assert browser.evaluate("window.__errors") == []
    assert not [e for e in browser.events if e.get("method") == "Page.javascriptDialogOpening"]

    shot = browser.send("Page.captureScreenshot", {"format": "png"})["data"]
    out = ROOT / "build" / "test-browser" / "report.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(shot))
    assert out.read_bytes().startswith(b"\x89PNG")
