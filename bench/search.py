"""Search benchmark: paging throughput against a local fake API with a configured rate limit.

Usage: python bench/search.py OUT_DIR [--rate 20] [--latency 0.01] [--pages 60]

For each of OpenAlex (cursor), Crossref (cursor) and arXiv (offset) a local server on
127.0.0.1 serves `pages` pages with `latency` seconds per response while litsift's executor
is limited to `rate` requests per second; the throughput must reach 90% of the rate.
A second pass with injected faults (429 + Retry-After, 503, truncated body) counts retries,
and an offline replay measures reading the cache. Writes OUT_DIR/search.json and .md.
No network is touched.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # the fake API server lives with the tests

from fakeapi import FakeApis, Fault, make_works, write_review  # noqa: E402
from litsift.search import Settings, run_search  # noqa: E402
from litsift.search.executor import RetryPolicy  # noqa: E402
from litsift.store import Review  # noqa: E402

APIS = ("openalex", "crossref", "arxiv")
PAGE = 20


def _run(
    folder: Path,
    apis: tuple[str, ...],
    works: int,
    rate: float,
    latency: float,
    faults: list[Fault] | None = None,
) -> dict:
    shutil.rmtree(folder, ignore_errors=True)
    write_review(folder, list(apis))
    review = Review(folder)
    settings = Settings(
        page_size=PAGE,
        rates=dict.fromkeys(apis, rate),
        policy=RetryPolicy(attempts=5, base=0.05, cap=0.5, timeout=5),
        max_records=works,
    )
    out = {}
    with FakeApis(make_works(works), latency=latency, faults=faults) as fake:
        start = time.perf_counter()
        report = run_search(review, session_factory=fake.session_factory(), settings=settings)
        total = time.perf_counter() - start
        for e in report.entries:
            out[e.source] = {
                "pages": e.pages,
                "requests": e.requests,
                "retries": e.retries,
                "rate_limit_waits": e.rate_limit_waits,
                "retrieved": e.retrieved,
            }
    # each source runs in turn; its time is its own requests at the limited rate
    start = time.perf_counter()
    run_search(review, offline=True, settings=settings)
    replay = time.perf_counter() - start
    return {"sources": out, "seconds": round(total, 3), "replay_seconds": round(replay, 3)}


def _per_source_throughput(folder: Path, api: str, works: int, rate: float, latency: float) -> dict:
    shutil.rmtree(folder, ignore_errors=True)
    write_review(folder, [api])
    settings = Settings(page_size=PAGE, rates={api: rate}, max_records=works)
    with FakeApis(make_works(works), latency=latency) as fake:
        start = time.perf_counter()
        report = run_search(
            Review(folder), session_factory=fake.session_factory(), settings=settings
        )
        seconds = time.perf_counter() - start
        arrivals = sorted(s.at for s in fake.served)
    requests = report.entries[0].requests
    # n requests spaced 1/rate apart span (n - 1)/rate seconds at the server
    span = arrivals[-1] - arrivals[0]
    throughput = (len(arrivals) - 1) / span if span else 0.0
    end_to_end = requests / seconds if seconds else 0.0
    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        "requests_per_second": round(throughput, 2),
        "end_to_end_requests_per_second": round(end_to_end, 2),
        "rate_limit": rate,
        "ratio": round(throughput / rate, 3),
        "pass": throughput >= 0.9 * rate,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--rate", type=float, default=20.0)
    ap.add_argument("--latency", type=float, default=0.01)
    ap.add_argument("--pages", type=int, default=60)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out / "search-tmp"
    works = args.pages * PAGE
    throughput = {
        api: _per_source_throughput(work / api, api, works, args.rate, args.latency) for api in APIS
    }
    faults = [
        Fault("openalex", 3, "429", retry_after="1"),
        Fault("crossref", 5, "503"),
        Fault("arxiv", 7, "truncated"),
    ]
    faulty = _run(work / "faults", APIS, works // 3, args.rate, args.latency, faults)
    shutil.rmtree(work, ignore_errors=True)
    result = {
        "benchmark": "search",
        "python": platform.python_version(),
        "page_size": PAGE,
        "pages_per_source": args.pages,
        "latency_s": args.latency,
        "throughput": throughput,
        "faults": faulty,
        "pass": all(t["pass"] for t in throughput.values()),
    }
    (args.out / "search.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Search benchmark (local fake APIs, no network)",
        "",
        f"{args.pages} pages of {PAGE} records per source, {args.latency * 1000:.0f} ms "
        f"per response, executor rate limit {args.rate:g} requests/s.",
        "",
        "requests/s is measured at the server (first to last request); end to end",
        "includes loading the review, parsing, caching and writing records and logs.",
        "",
        "| source | requests | seconds | requests/s | end to end | of limit | >= 90% |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for api, t in throughput.items():
        lines.append(
            f"| {api} | {t['requests']} | {t['seconds']} | "
            f"{t['requests_per_second']} | {t['end_to_end_requests_per_second']} | "
            f"{t['ratio']:.1%} | "
            f"{'yes' if t['pass'] else 'NO'} |"
        )
    lines += [
        "",
        "With faults (429 + Retry-After 1 s, 503, truncated body):",
        "",
        "| source | pages | requests | retries | 429s | retrieved |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for api, s in faulty["sources"].items():
        lines.append(
            f"| {api} | {s['pages']} | {s['requests']} | {s['retries']} | "
            f"{s['rate_limit_waits']} | {s['retrieved']} |"
        )
    lines += [
        "",
        f"Fault run: {faulty['seconds']} s; offline replay of the same search from "
        f"the cache: {faulty['replay_seconds']} s.",
    ]
    (args.out / "search.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
