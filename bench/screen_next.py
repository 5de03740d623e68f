"""Benchmark: `litsift screen next --n 50` on 10,000 and 50,000 records, time and memory.

    python bench/screen_next.py build/bench

For each size, a synthetic review (bench/lib/bigreview.py: one CSV export, no duplicates,
1 in 20 records on topic) is written to a temporary folder and `litsift screen next
--reviewer ann --n 50` runs in a fresh process, twice (a first batch, then the next one
with those 50 decided): wall-clock seconds and peak resident memory of that process.
Then, in one process, the stages it runs are timed one by one (identify, dedup, screening
state and statuses, ranking), to show where the time goes. Also measured: the peak memory
of refusing a 50 MB file of random bytes at import. Results in build/bench/screen_next.json
and screen_next.md. The targets of issue 19 are 5 s and 500 MB at 50,000 records.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench" / "lib"))

import bigreview  # noqa: E402

SIZES = (10_000, 50_000)
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(done.returncode, round(seconds, 2), peak)
sys.stderr.write(done.stderr[-2000:])
"""
STAGES = """
import json, resource, sys, time
from litsift import runner, screen
from litsift.models import Stage
from litsift.store import Review
review = Review.find(sys.argv[1])
out = {}
t = time.perf_counter()
ident = runner.identify(review)
out["identify"] = time.perf_counter() - t
t = time.perf_counter()
result = runner.run(review, until="dedup", record=False)
out["identify + dedup"] = time.perf_counter() - t
records = [c.canonical for c in result.dedup.clusters]
t = time.perf_counter()
state = review.screening.load(result.aliases(), [r.id for r in records])
screen.screen(records, review.protocol, state)
out["screening state + statuses"] = time.perf_counter() - t
t = time.perf_counter()
screen.next_batch(records, review.protocol, state, "ann", Stage.TITLE_ABSTRACT, 50)
out["next_batch (statuses + ranking)"] = time.perf_counter() - t
out = {k: round(v, 2) for k, v in out.items()}
out["peak MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(out))
"""


def measured(args: list[str]) -> tuple[int, float, int]:
    """(exit code, seconds, peak MB) of one command in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], capture_output=True, text=True, check=True
    )
    code, seconds, peak = done.stdout.split()
    return int(code), float(seconds), int(peak)


def litsift(*args: str) -> list[str]:
    return [sys.executable, "-m", "litsift", *args]


def one_size(n: int, tmp: Path) -> dict[str, object]:
    root = bigreview.make(tmp / f"review-{n}", n)
    row: dict[str, object] = {"records": n}
    for label in ("first batch", "next batch"):
        code, seconds, peak = measured(
            litsift("screen", "next", "-r", "ann", "--n", "50", "--root", str(root))
        )
        assert code == 0, f"screen next failed on {n} records"
        row[label] = {"seconds": seconds, "peak MB": peak}
        path = root / "data" / "screening" / "title-abstract" / "ann.yaml"
        path.write_text(
            path.read_text()
            .replace("  decision:\n", "  decision: exclude\n")
            .replace("  reason:\n", "  reason: E1\n")
        )
    stages = subprocess.run(
        [sys.executable, "-c", STAGES, str(root)], capture_output=True, text=True, check=True
    )
    row["stages"] = json.loads(stages.stdout)
    return row


def random_import(tmp: Path) -> dict[str, object]:
    root = bigreview.make(tmp / "review-random", 10)
    blob = tmp / "random.csv"
    blob.write_bytes(random.Random(0).randbytes(50 << 20))
    code, seconds, peak = measured(
        litsift("import", str(blob), "--source", "export", "--root", str(root))
    )
    return {"exit code": code, "seconds": seconds, "peak MB": peak}


def markdown(rows: list[dict], rejected: dict) -> str:
    lines = [
        "## screen next --n 50 (time and peak memory of the process)",
        "",
        f"Machine load average at the start: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores (figures scale with it). Targets: 5 s, 500 MB at 50,000.",
        "",
        "| records | first batch s | MB | next batch s | MB |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        a, b = r["first batch"], r["next batch"]
        lines.append(
            f"| {r['records']:,} | {a['seconds']} | {a['peak MB']} | {b['seconds']} | "
            f"{b['peak MB']} |"
        )
    lines += ["", "Where the time goes (seconds, one process):", ""]
    names = list(rows[0]["stages"])
    lines += ["| records | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names)]
    for r in rows:
        lines.append(
            f"| {r['records']:,} | " + " | ".join(str(r["stages"][k]) for k in names) + " |"
        )
    lines += [
        "",
        f"A 50 MB file of random bytes is refused at import (exit {rejected['exit code']}) "
        f"in {rejected['seconds']} s with a peak of {rejected['peak MB']} MB.",
        "",
    ]
    return "\n".join(lines)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        rows = [one_size(n, Path(tmp)) for n in SIZES]
        rejected = random_import(Path(tmp))
    data = {
        "sizes": rows,
        "random 50 MB import": rejected,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "screen_next.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "screen_next.md").write_text(markdown(rows, rejected))
    print(markdown(rows, rejected))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/bench"))
