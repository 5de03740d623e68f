"""The workbench in real headless Chromium, with the keyboard only.

Screens records with each key, picks a reason, writes a note, skips, undoes, opens the
progress view, is killed with SIGKILL mid-session, restarts with a key remapped in
review.yaml, and leaves reviewer files and an audit chain that say exactly what was done.
Saves a screenshot of the screening view to build/test-browser/workbench/screenshot.png.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from devtools import Browser, chromium
from helpers_workbench import Server
from synthetic import make_review

from litsift.models import Stage
from litsift.store import Review
from litsift.store.audit import read_events
from litsift.store.screening import IdResolver, load_reviewer_file

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
SHOWN = "document.querySelector('#record').dataset.id || ''"
STATUS = "document.getElementById('status').textContent"


@pytest.fixture
def browser():
    binary = chromium()
    if binary is None:
        pytest.skip("Chromium is not installed (apt install chromium)")
    tools = Browser(binary)
    yield tools
    tools.close()


def shown(browser: Browser, previous: str = "") -> str:
    """The id of the record on screen (once it is not `previous`)."""
    return browser.wait(
        f"(function () {{ var id = {SHOWN}; return id !== {previous!r} && id; }})()"
    )


def key(browser: Browser, k: str, expect: str) -> str:
    """Press a key and wait for the status line to say `expect` (saved, undone, ...)."""
    before = browser.js(STATUS)
    browser.press(k)
    return browser.wait(
        f"(function () {{ var s = {STATUS}; return s !== {before!r} && s.indexOf({expect!r}) === 0"
        " && s; })()"
    )


def test_screening_with_the_keyboard_survives_a_kill(browser, tmp_path) -> None:
    root = make_review(tmp_path / "review", 30, titles={0: XSS})
    review = Review.find(root)
    ann = review.screening.reviewer_file(Stage.TITLE_ABSTRACT, "ann")
    ann.parent.mkdir(parents=True)
    ann.write_text("# ann's decisions\n- id: syn-00000\n")  # a blank entry: shown first
    server = Server(root, "ann")
    try:
        browser.goto(server.url)
        first = shown(browser)
        assert first == "syn-00000"
        # the markup title is text: no alert, no image, no script element from it
        assert browser.js("document.querySelector('#record h2').textContent") == XSS
        assert browser.js("document.querySelectorAll('#record img, #record script').length") == 0
        assert browser.js("window.__alerts") == [] and browser.js("window.__errors") == []
        assert browser.js("document.querySelectorAll('#record mark').length") > 0  # highlights
        assert "i" in browser.js("document.getElementById('keys').textContent")
        decided: dict[str, tuple[str, str | None, str | None]] = {}

        assert "include" in key(browser, "i", "saved")
        decided[first] = ("include", None, None)
        second = shown(browser, first)
        key(browser, "m", "saved")
        decided[second] = ("maybe", None, None)
        third = shown(browser, second)
        browser.press("x")  # exclude: the reasons appear, then a number picks one
        browser.wait("!document.getElementById('reasons').hidden")
        assert "(E2)" in key(browser, "2", "saved")
        decided[third] = ("exclude", "E2", None)
        fourth = shown(browser, third)
        browser.press("n")  # a note for the next decision
        browser.wait("document.activeElement.id === 'note'")
        browser.type("needs a second look")
        browser.press("Enter")
        key(browser, "1", "saved")  # a number alone: exclude with that reason
        decided[fourth] = ("exclude", "E1", "needs a second look")
        fifth = shown(browser, fourth)
        key(browser, "s", "skipped")
        sixth = shown(browser, fifth)
        key(browser, "i", "saved")
        key(browser, "u", "undone")  # undo: sixth is undecided and back on screen
        assert shown(browser) == sixth
        browser.press("p")
        browser.wait(
            "document.getElementById('progress-body').textContent.indexOf('safe to stop') >= 0"
        )
        browser.screenshot(ROOT / "build" / "test-browser" / "workbench" / "screenshot.png")
        key(browser, "i", "saved")
        decided[sixth] = ("include", None, None)
        server.kill()  # SIGKILL mid-session, with the page still open
        browser.press("i")
        browser.wait(
            "document.getElementById('banner').textContent.indexOf('does not answer') >= 0"
        )

        # remap include to y in review.yaml, restart, carry on with the new key
        text = (root / "review.yaml").read_text() + "workbench:\n  keys: {include: y}\n"
        (root / "review.yaml").write_text(text)
        server = Server(root, "ann")
        browser.goto(server.url)
        current = shown(browser)
        assert current not in decided
        assert "y" in browser.js("document.getElementById('keys').textContent")
        browser.press("i")  # no longer bound: nothing happens
        time.sleep(0.3)
        assert browser.js(SHOWN) == current and not browser.js(STATUS).startswith("saved")
        key(browser, "y", "saved")
        decided[current] = ("include", None, None)
        assert browser.js("window.__errors") == []
    finally:
        server.stop()

    resolve = IdResolver.build({}, [f"syn-{i:05d}" for i in range(30)])
    loaded = load_reviewer_file(ann, Stage.TITLE_ABSTRACT, review.protocol, resolve)
    got = {
        e.record_id: (e.decision.value, e.reason, e.note)
        for e in loaded.entries
        if e.decision is not None
    }
    assert got == decided
    assert ann.read_text().startswith("# ann's decisions\n- id: syn-00000\n  decision: include\n")
    assert review.audit.verify() == []
    events = [(e.record, e.old, e.new) for e in read_events(review.audit_log)]
    assert events.count((sixth, None, "include")) == 2 and (sixth, "include", None) in events
    last = {}
    for rid, _, new in events:
        last[rid] = new
    assert {rid: v for rid, v in last.items() if v} == {r: d[0] for r, d in decided.items()}
