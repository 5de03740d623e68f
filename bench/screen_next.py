"""Benchmark: `litsift screen next --n 50` on 10,000 and 50,000 records, time and memory.

    python bench/screen_next.py build/bench

For each size, a synthetic review (bench/lib/bigreview.py: one CSV export, no duplicates,
1 in 20 records on topic) is written to a temporary folder and used as a reviewer would:

1. `litsift run` (import, dedup, screening; it also computes the ranker's features);
2. a first `screen next --reviewer ann --n 50`;
3. the next batch, after ann decided the first (one inclusion, 49 exclusions);
4. a batch for a second reviewer, bob (dual screening: his queue differs from ann's);
5. a batch after ann took and decided 4,850 more at once (her file is then ~7 MB of YAML,
   all of it new), and the batch after that, with 5,000 decisions in her file;
6. `screen next` without `litsift run` first (cold: it identifies and deduplicates).

Each command runs in a fresh process: wall-clock and CPU seconds and peak resident memory
of that process (CPU seconds are the steadier figure on a shared machine). Then, in one
process, the stages screen next runs are timed one by one, to show where the time goes.
Also measured: the peak memory of refusing a 50 MB file of random bytes at import.
Results in build/bench/screen_next.json and screen_next.md. The targets of issue 19 are
5 s and 500 MB at 50,000 records.
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
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(done.returncode, round(seconds, 2), round(usage.ru_utime + usage.ru_stime, 2),
      usage.ru_maxrss // 1024)
sys.stderr.write(done.stderr[-2000:])
"""
STAGES = """
import json, resource, sys, time
t = time.perf_counter()
from litsift import runner, screen
from litsift.models import Stage
from litsift.store import Review
out = {"imports": time.perf_counter() - t}
review = Review.find(sys.argv[1])
t = time.perf_counter()
result = runner.run(review, until="dedup", record=False)
out["cached identify + dedup"] = time.perf_counter() - t
records = [c.canonical for c in result.dedup.clusters]
t = time.perf_counter()
state = review.screening.load(result.aliases(), [r.id for r in records])
out["reviewer files"] = time.perf_counter() - t
t = time.perf_counter()
screened = screen.screen(records, review.protocol, state)
out["statuses + stopping rule"] = time.perf_counter() - t
t = time.perf_counter()
screen.next_batch(records, review.protocol, state, "ann", Stage.TITLE_ABSTRACT, 50,
                  result=screened, features=runner.ranker_features(review))
out["ranking (cached features)"] = time.perf_counter() - t
out = {k: round(v, 2) for k, v in out.items()}
out["peak MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(out))
"""


def measured(args: list[str]) -> dict[str, float]:
    """Wall and CPU seconds and peak MB of one command in a fresh process (exit 0)."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], capture_output=True, text=True, check=True
    )
    code, seconds, cpu, peak = done.stdout.split()
    assert code == "0", f"{args[3:]} failed: {done.stderr[-500:]}"
    return {"seconds": float(seconds), "cpu s": float(cpu), "peak MB": int(peak)}


def litsift(*args: str) -> list[str]:
    return [sys.executable, "-m", "litsift", *args]


def screen_next(root: Path, reviewer: str, n: int = 50) -> dict[str, float]:
    return measured(
        litsift("screen", "next", "-r", reviewer, "--n", str(n), "--root", str(root), "--quiet")
    )


def decide(root: Path, reviewer: str) -> None:
    """The reviewer decides every blank entry: the first of each batch (ranked most
    relevant) an inclusion, the others exclusions."""
    path = root / "data" / "screening" / "title-abstract" / f"{reviewer}.yaml"
    batches = path.read_text().split("\n# next ")
    out = []
    for batch in batches:
        batch = batch.replace("  decision:\n  reason:\n", "  decision: include\n  reason:\n", 1)
        out.append(batch.replace("  decision:\n  reason:\n", "  decision: exclude\n  reason: E1\n"))
    path.write_text("\n# next ".join(out))


def one_size(n: int, tmp: Path) -> dict[str, object]:
    root = bigreview.make(tmp / f"review-{n}", n)
    cold = bigreview.make(tmp / f"cold-{n}", n)
    row: dict[str, object] = {"records": n}
    row["litsift run"] = measured(litsift("run", "--root", str(root), "--quiet"))
    row["first batch"] = screen_next(root, "ann")
    decide(root, "ann")
    row["next batch"] = screen_next(root, "ann")
    decide(root, "ann")
    row["second reviewer"] = screen_next(root, "bob")
    screen_next(root, "ann", 5_000 - 150)
    decide(root, "ann")
    # the first read of a file that grew by 4,850 entries parses them all; the next reads
    # parse only what changed (the reviewer-file memo), as batch after batch does
    row["after a 4,850-record append"] = screen_next(root, "ann")
    decide(root, "ann")
    row["after 5,000 decisions"] = screen_next(root, "ann")
    row["cold (no run before)"] = screen_next(cold, "ann")
    stages = subprocess.run(
        [sys.executable, "-c", STAGES, str(root)], capture_output=True, text=True, check=True
    )
    row["stages"] = json.loads(stages.stdout)
    return row


def random_import(tmp: Path) -> dict[str, object]:
    root = bigreview.make(tmp / "review-random", 10)
    blob = tmp / "random.csv"
    blob.write_bytes(random.Random(0).randbytes(50 << 20))
    command = litsift("import", str(blob), "--source", "export", "--root", str(root))
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        capture_output=True,
        text=True,
        check=True,
    )
    code, seconds, _cpu, peak = done.stdout.split()
    return {"exit code": int(code), "seconds": float(seconds), "peak MB": int(peak)}


STEPS = (
    "litsift run",
    "first batch",
    "next batch",
    "second reviewer",
    "after a 4,850-record append",
    "after 5,000 decisions",
    "cold (no run before)",
)


def markdown(rows: list[dict], rejected: dict) -> str:
    lines = [
        "## screen next --n 50 (time and peak memory of the process)",
        "",
        f"Machine load average at the start: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores (wall seconds scale with it; CPU seconds less). "
        "Targets: 5 s, 500 MB at 50,000.",
        "",
        "| records | step | wall s | CPU s | peak MB |",
        "|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        for step in STEPS:
            m = r[step]
            lines.append(
                f"| {r['records']:,} | {step} | {m['seconds']} | {m['cpu s']} | {m['peak MB']} |"
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
