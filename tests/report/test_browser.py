"""The HTML report in real headless Chromium, driven over the DevTools protocol.

Chromium's `--remote-debugging-pipe` speaks the DevTools protocol over file descriptors 3
and 4 (JSON messages ending in NUL), so no websocket client or driver is needed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from litsift import runner, updates
from litsift.models import Arm, SourceKind
from litsift.report.diagram import diagram
from litsift.report.flow import ArmFlow, PrismaFlow, SourceCount
from litsift.report.mermaid import node_id, prisma_mermaid
from litsift.store import Review

ROOT = Path(__file__).resolve().parents[2]
# fetched by tools/fetch_mermaid.py (make test and .ci/run call it)
MERMAID_JS = ROOT / ".cache" / "mermaid" / "mermaid-11.12.1.min.js"
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

    def evaluate(self, expression: str, *, wait: bool = False):
        """The value of `expression` (with `wait`, of the promise it returns)."""
        params = {"expression": expression, "returnByValue": True, "awaitPromise": wait}
        result = self.send("Runtime.evaluate", params)
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
  var text = Array.from(g.querySelectorAll('text')).map(function (t) {
    return t.textContent; }).join(' ');
  var panel = document.getElementById('box-' + g.dataset.box);
  return [g.dataset.box, text, panel ? panel.querySelectorAll('li').length : -1];
})"""


def heading_count(text: str) -> int:
    """The count a box's heading shows: the first '(n = N)' of its text."""
    found = re.search(r"\(n = (\d+)\)", text)
    assert found, text
    return int(found.group(1))


VISIBLE_ROWS_JS = """Array.from(document.querySelectorAll('#included-table tbody tr'))
  .filter(function (r) { return getComputedStyle(r).display !== 'none'; }).length"""


def test_report_in_chromium(browser, built):
    review, result = built
    index = review.build / "report" / "index.html"
    browser.open(index.as_uri())

    # every PRISMA box shows the computed count, in its text and in its list of records
    boxes = diagram(result.prisma).boxes
    computed = {b.key: b.n for b in boxes}
    listed = {b.key: len(b.members or ()) for b in boxes}
    shown = browser.evaluate(BOXES_JS)
    assert {key for key, _, _ in shown} == set(computed)
    for key, text, items in shown:
        assert heading_count(text) == computed[key], (key, text)
        assert items == listed[key], key
    screened = computed["databases-screened"] + computed["other-screened"]
    flow = result.prisma
    assert screened == flow.screened > 0 and computed["included"] == flow.included_studies > 0

    # clicking a box opens its list of records
    browser.evaluate(
        "document.querySelector('#prisma-diagram g.box[data-box=\"other-screened\"]')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    assert browser.evaluate("document.getElementById('box-other-screened').open") is True

    # filtering the included studies by class
    total = browser.evaluate(VISIBLE_ROWS_JS)
    assert total == len(runner.included_records(result)) == result.prisma.included_reports
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
        "Array.from(document.querySelectorAll('#box-other-screened li')).map(function (li) {"
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


# --------------------------------------------------------------------------- Mermaid

MERMAID_PAGE = """<!doctype html><meta charset="utf-8"><div id="out"></div>
<script src="%s"></script>
<script>mermaid.initialize({startOnLoad: false, securityLevel: "strict"});</script>"""

RENDER_JS = """mermaid.render("prisma", %s).then(function (r) {
  var out = document.getElementById("out");
  out.innerHTML = r.svg;
  return {
    nodes: Array.from(out.querySelectorAll("g.node")).map(function (g) {
      return [g.id, g.textContent]; }),
    edges: out.querySelectorAll("g.edgePaths path, .edgePaths path").length,
    bold: out.querySelectorAll("b").length,
  };
}, function (e) { return {error: String(e && e.message || e)}; })"""


def render_mermaid(browser: DevTools, tmp: Path, text: str) -> dict:
    if not MERMAID_JS.is_file():
        pytest.skip("Mermaid is not fetched (python3 tools/fetch_mermaid.py)")
    page = tmp / "mermaid.html"
    page.write_text(MERMAID_PAGE % MERMAID_JS.as_uri(), encoding="utf-8")
    browser.open(page.as_uri())
    return browser.evaluate(RENDER_JS % json.dumps(text), wait=True)


def check_rendered(rendered: dict, flow: PrismaFlow) -> None:
    """Every PRISMA box is one node showing its count, and every arrow is drawn."""
    assert "error" not in rendered, rendered
    nodes = {name.split("-")[1]: text for name, text in rendered["nodes"]}
    d = diagram(flow)
    expected = {node_id(b.key): b.n for b in d.boxes}
    assert set(nodes) == set(expected)
    for key, n in expected.items():
        assert f"(n = {n})" in nodes[key], (key, nodes[key])
    assert rendered["edges"] == len(d.arrows) == prisma_mermaid(d).count(" --> ")


def test_mermaid_flow_renders_in_chromium(browser, built, tmp_path):
    """The Mermaid PRISMA flow parses and renders with Mermaid itself (as GitHub draws it)."""
    review, result = built
    markdown = (review.build / "report" / "prisma.md").read_text(encoding="utf-8")
    text = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    check_rendered(render_mermaid(browser, tmp_path, text), result.prisma)

    # platform names with quotes and markup stay text
    hostile = PrismaFlow(
        databases=ArmFlow(
            Arm.DATABASES,
            (SourceCount("db", SourceKind.DATABASE, 'A "quoted" <b>DB</b> & co', 5),),
            duplicates=1,
            screened=4,
            excluded_screening=1,
            excluded_screening_reasons={"E1": 1},
            sought=3,
            assessed=3,
            included_reports=3,
        ),
        other=ArmFlow(Arm.OTHER),
        included_studies=3,
        declared=frozenset({Arm.DATABASES}),
    )
    rendered = render_mermaid(browser, tmp_path, prisma_mermaid(diagram(hostile)))
    check_rendered(rendered, hostile)
    assert rendered["bold"] == 0
    identified = dict((k.split("-")[1], t) for k, t in rendered["nodes"])["databases_identified"]
    assert 'A "quoted" <b>DB</b> & co (n = 5)' in identified


UPDATE_BIB = """@article{miao2023spotserve_again,
  title = {SpotServe: Serving Generative Large Language Models on Preemptible Instances},
  author = {Miao, Xupeng and Shi, Chunan},
  year = {2023},
  eprint = {2311.15566},
  archiveprefix = {arXiv}
}

@article{new2023,
  title = {A New Record Found by the Update about Language Model Inference},
  author = {Nobody, Anne},
  year = {2023},
  journal = {Journal of Tests}
}
"""


def test_updated_flagship_report_shows_previous_arm(browser, flagship, tmp_path):
    """Freeze the flagship as v1, import two records, and read the update's report."""
    import datetime as dt

    before = runner.run(Review(flagship), until="screen", record=False).prisma
    studies, reports = before.included_studies, before.included_reports
    updates.freeze(Review(flagship), "v1", dt.date(2026, 11, 28))
    (flagship / "data" / "imports" / "curated" / "update.bib").write_text(UPDATE_BIB)
    with (flagship / "review.yaml").open("a", encoding="utf-8") as f:
        f.write("update_of: v1\n")
    review = Review(flagship)
    new = {
        r.title: r.id for r in runner.identify(review).records if r.origin.startswith("update.bib")
    }
    preprint = new["SpotServe: Serving Generative Large Language Models on Preemptible Instances"]
    other = new["A New Record Found by the Update about Language Model Inference"]
    # the arXiv preprint of SpotServe is a new report of an included study, not a duplicate
    for stage, lines in (
        (
            "title-abstract",
            [f"{preprint}, decision: include", f"{other}, decision: exclude, reason: E1"],
        ),
        ("full-text", [f"{preprint}, decision: include"]),
    ):
        with (flagship / "data" / "screening" / stage / "reviewer1.yaml").open("a") as f:
            f.writelines(f"- {{id: {line}}}\n" for line in lines)
    result = runner.run(review, until="report")
    p = result.prisma
    assert (p.previous_studies, p.identified, p.duplicates, p.screened) == (studies, 2, 0, 2)
    assert (p.included_reports, p.included_studies) == (1, 0)
    assert (p.total_studies, p.total_reports) == (studies, reports + 1)
    browser.open((review.build / "report" / "index.html").as_uri())
    shown = {key: text for key, text, _ in browser.evaluate(BOXES_JS)}
    computed = {b.key: b.n for b in diagram(p).boxes}
    assert set(shown) == set(computed)
    for key, text in shown.items():
        assert heading_count(text) == computed[key], (key, text)
    assert f"Total studies included in review (n = {studies})" in shown["total"]
    assert "New studies included in review (n = 0)" in shown["included"]
    assert browser.evaluate("window.__errors") == []
    # the Mermaid flow of the update renders with its previous arm too
    markdown = (review.build / "report" / "prisma.md").read_text(encoding="utf-8")
    text = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    check_rendered(render_mermaid(browser, tmp_path, text), p)


# --------------------------------------------------------------------------- the diagram itself

DIAGRAM_JS = """(function () {
  var root = document.querySelector('#prisma-diagram svg') || document.documentElement;
  return Array.from(root.querySelectorAll('g.box, g.title')).map(function (g) {
    var rect = g.querySelector('rect').getBoundingClientRect();
    var spill = Array.from(g.querySelectorAll('text')).filter(function (t) {
      var b = t.getBoundingClientRect();
      return b.left < rect.left - 0.5 || b.right > rect.right + 0.5 ||
             b.top < rect.top - 0.5 || b.bottom > rect.bottom + 0.5;
    }).map(function (t) { return t.textContent; });
    var text = Array.from(g.querySelectorAll('text')).map(function (t) {
      return t.textContent; }).join(' ');
    return {key: g.dataset.box || '', cls: g.getAttribute('class'), n: g.dataset.n,
            x: rect.left, w: rect.width, h: rect.height, text: text, spill: spill};
  });
})()"""


@pytest.mark.parametrize("page", ["prisma.html", "prisma.svg"])
def test_prisma_diagram_shows_both_columns_and_every_box(browser, built, page):
    """Both identification columns, every box with its number, and no text outside its box;
    the screenshot is the one the README links (build/test-browser/)."""
    review, result = built
    browser.open((review.build / "report" / page).as_uri())
    drawn = browser.evaluate(DIAGRAM_JS)
    expected = {b.key: b.n for b in diagram(result.prisma).boxes}
    boxes = {d["key"]: d for d in drawn if d["cls"] == "box"}
    assert set(boxes) == set(expected)
    for key, d in boxes.items():
        assert d["w"] > 50 and d["h"] > 10, key
        assert int(d["n"]) == expected[key] == heading_count(d["text"]), key
        assert d["spill"] == [], (key, d["spill"])
    titles = [d["text"] for d in drawn if d["cls"] == "title"]
    assert titles == [
        "Identification of new studies via databases and registers",
        "Identification of new studies via other methods",
    ]
    assert boxes["databases-identified"]["x"] < boxes["other-identified"]["x"]
    assert boxes["included"]["x"] == boxes["databases-identified"]["x"]
    shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    out = ROOT / "build" / "test-browser" / page.replace(".", "-") / "screenshot.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(shot["data"]))
    assert out.read_bytes().startswith(b"\x89PNG")
