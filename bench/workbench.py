"""Benchmark: the screening workbench's decision round trip on a 10,000-record review.

    python bench/workbench.py build/bench

Builds a synthetic review of 10,000 records (tests/workbench/synthetic.py) whose reviewer
already decided 2,000 of them (so the reviewer file and the audit log are not small), starts
`litsift screen serve`, opens it in headless Chromium and screens 300 records with the
keyboard (after 100 decisions posted by an HTTP client, timed too: the server's share
of the round trip). The round trip of a decision is measured in the page, from the keydown event to
the moment the server's answer (sent after the YAML file and the audit log are written and
fsynced) is on screen: the `litsift-decision` performance measure the page records. The
ranking of 10,000 records runs in the session's worker process after every 10 decisions,
so these figures include decisions made while it ran. Without Chromium the round trip is
measured from an HTTP client instead, and the table says so.

Writes build/bench/workbench.json and build/bench/workbench.md. Target: p95 < 50 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "workbench"))

from devtools import Browser, chromium  # noqa: E402
from helpers_workbench import Server  # noqa: E402
from synthetic import make_review  # noqa: E402

from litsift.store.screening import render_entry  # noqa: E402

RECORDS = 10_000
PRIOR = 2_000
DECISIONS = 300
HTTP_DECISIONS = 100
TARGET_MS = 50.0


def build(folder: Path) -> Path:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    root = make_review(folder, RECORDS)
    ann = root / "data" / "screening" / "title-abstract" / "ann.yaml"
    ann.parent.mkdir(parents=True)
    entries = []
    for i in range(RECORDS - PRIOR, RECORDS):  # decided in an earlier session
        verdict = {"decision": "exclude", "reason": "E1"} if i % 5 else {"decision": "include"}
        entries.append(render_entry({"id": f"syn-{i:05d}", "title": f"Record {i}", **verdict}))
    ann.write_text("".join(entries))
    return root


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def in_browser(server: Server, binary: str) -> list[float]:
    browser = Browser(binary)
    try:
        browser.goto(server.url)
        browser.wait("document.querySelector('#record').dataset.id")
        status = "document.getElementById('status').textContent"
        for i in range(DECISIONS):
            before = browser.js("document.querySelector('#record').dataset.id")
            browser.press("i" if i % 4 == 0 else str(1 + i % 3))
            saved = f"{status}.indexOf('saved: {before}') === 0"
            browser.wait(saved, timeout=60)
        measures = browser.js(
            "performance.getEntriesByName('litsift-decision').map(function (m) "
            "{ return m.duration; })"
        )
        return [float(m) for m in measures]
    finally:
        browser.close()


def over_http(server: Server, n: int) -> list[float]:
    state = server.http.get("/api/state").json()
    out = []
    for i in range(n):
        rid = state["record"]["id"]
        body = (
            {"id": rid, "decision": "include"}
            if i % 4 == 0
            else {"id": rid, "decision": "exclude", "reason": "E2"}
        )
        start = time.perf_counter()
        answer = server.post("/api/decide", body)
        out.append((time.perf_counter() - start) * 1000)
        state = answer.json()["state"]
    return out


def write_floor(out: Path) -> list[float]:
    """Milliseconds of one durable atomic write of 1 KB (fsync of file and folder): a
    decision makes three (reviewer file, audit log, its head), so this bounds it below."""
    from litsift.fileio import atomic_write

    probe, times = out / ".fsync-probe", []
    for _ in range(50):
        start = time.perf_counter()
        atomic_write(probe, b"x" * 1024)
        times.append((time.perf_counter() - start) * 1000)
    probe.unlink()
    return times


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    floor = write_floor(out)
    root = build(out / "workbench-review")
    started = time.perf_counter()
    server = Server(root, "ann")
    startup = time.perf_counter() - started
    binary = chromium()
    try:
        http = over_http(server, HTTP_DECISIONS)  # the server's share, without a browser
        times = in_browser(server, binary) if binary else over_http(server, DECISIONS)
    finally:
        server.stop()
    ann = root / "data" / "screening" / "title-abstract" / "ann.yaml"
    log = root / "data" / "audit" / "log.jsonl"
    result = {
        "records": RECORDS,
        "decided before": PRIOR,
        "decisions timed": len(times),
        "measured": "in Chromium, keydown to saved on screen" if binary else "HTTP client",
        "p50 ms": round(statistics.median(times), 1),
        "p95 ms": round(percentile(times, 0.95), 1),
        "max ms": round(max(times), 1),
        f"HTTP client alone, {HTTP_DECISIONS} decisions before: p50 ms": round(
            statistics.median(http), 1
        ),
        "HTTP client alone: p95 ms": round(percentile(http, 0.95), 1),
        "target p95 ms": TARGET_MS,
        "one atomic write of 1 KB: p50 ms": round(statistics.median(floor), 1),
        "one atomic write of 1 KB: p95 ms": round(percentile(floor, 0.95), 1),
        "load average (1 min) at the end": round(os.getloadavg()[0], 1),
        "startup s (load, dedup, first ranking)": round(startup, 1),
        "reviewer file KB at the end": ann.stat().st_size // 1024,
        "audit log events at the end": len(log.read_text().splitlines()),
    }
    (out / "workbench.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["## Screening workbench: decision round trip (10,000 records)", ""]
    lines += ["| measure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in result.items()]
    verdict = "met" if result["p95 ms"] < TARGET_MS else "NOT met"
    lines += ["", f"Target p95 < {TARGET_MS:g} ms: {verdict}.", ""]
    (out / "workbench.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/bench"))
