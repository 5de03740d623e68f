"""CLI benchmark: start-up of `litsift --help` and `litsift status`, and a cold and a warm
`litsift run` of the flagship review, for this tree and for an earlier commit.

Usage: python bench/cli.py OUT_DIR [--repeat 5] [--before REF]

Each variant runs in a temporary copy of its own flagship review (review.yaml, queries/,
data/, templates/), so the repository's build/ is never touched:
- `--help`: the top-level help text;
- `status`: after one run (what a reviewer types between decisions);
- cold run: with no build/ at all (nothing cached, every file written);
- warm run: again, with nothing changed.
For the earlier commit (`--before`, default a75b63c, the last commit before the store
refactor and the stage cache of issue 12) its src/ and review are extracted with
`git archive` and run with this virtual environment's interpreter and libraries. Times are
medians of `--repeat` runs: wall seconds and the child's CPU seconds (user + system), the
steadier figure on a shared machine. Writes OUT_DIR/cli.json and OUT_DIR/cli.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REVIEW = ("review.yaml", "queries", "data", "templates")
BEFORE = "a75b63c"


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run; a failure stops the bench."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}: {err.strip()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime


def median(runs: list[tuple[float, float]]) -> dict[str, float]:
    return {
        "wall_s": round(statistics.median(w for w, _ in runs), 3),
        "cpu_s": round(statistics.median(c for _, c in runs), 3),
    }


def copy_review(src: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in REVIEW:
        path = src / name
        if path.is_dir():
            shutil.copytree(path, dest / name)
        elif path.is_file():
            shutil.copy2(path, dest / name)
    return dest


def extract(ref: str, dest: Path) -> Path:
    """src/ and the review folder of commit `ref`, as files under `dest`."""
    listed = subprocess.run(
        ["git", "ls-tree", "--name-only", ref], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    present = [name for name in REVIEW if name in listed.split()]
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "src", *present],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def measure(name: str, src: Path, review_src: Path, work: Path, repeat: int) -> dict:
    """The four figures for one version of litsift (its code under `src`)."""
    env = os.environ | {"PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
    cli = [sys.executable, "-c", "import sys; from litsift.cli import main; sys.exit(main())"]
    folder = copy_review(review_src, work / name)
    timed([*cli, "--help"], folder, env)  # compile bytecode caches out of the figures
    env.pop("PYTHONDONTWRITEBYTECODE")
    figures: dict[str, dict[str, float]] = {}
    figures["help"] = median([timed([*cli, "--help"], folder, env) for _ in range(repeat)])
    cold = []
    for _ in range(repeat):
        shutil.rmtree(folder / "build", ignore_errors=True)
        cold.append(timed([*cli, "run"], folder, env))
    figures["run_cold"] = median(cold)
    figures["run_warm"] = median([timed([*cli, "run"], folder, env) for _ in range(repeat)])
    figures["status"] = median([timed([*cli, "status"], folder, env) for _ in range(repeat)])
    return figures


def markdown(result: dict) -> str:
    rows = [
        "## CLI start-up and warm runs (`bench/cli.py`)",
        "",
        f"Median of {result['repeat']} runs each; flagship review of each version; "
        f"CPU = user + system seconds of the process. Before = `{result['before']}`.",
        "",
        "| command | before wall s | before CPU s | now wall s | now CPU s | CPU now/before |",
        "|---|---|---|---|---|---|",
    ]
    now, before = result["now"], result.get("before_figures")
    for key, label in (
        ("help", "`litsift --help`"),
        ("status", "`litsift status`"),
        ("run_cold", "`litsift run`, cold"),
        ("run_warm", "`litsift run`, warm"),
    ):
        b = before[key] if before else {"wall_s": "-", "cpu_s": "-"}
        ratio = f"{now[key]['cpu_s'] / b['cpu_s']:.2f}" if before and b["cpu_s"] else "-"
        rows.append(
            f"| {label} | {b['wall_s']} | {b['cpu_s']} | {now[key]['wall_s']} | "
            f"{now[key]['cpu_s']} | {ratio} |"
        )
    cold, warm = now["run_cold"], now["run_warm"]
    rows += [
        "",
        f"Warm run now: {cold['cpu_s'] / warm['cpu_s']:.1f}x less CPU than cold "
        f"({cold['wall_s'] / warm['wall_s']:.1f}x in wall time).",
        "",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", default=BEFORE, help="git ref to compare with ('' for none)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="litsift-bench-cli-") as tmp:
        work = Path(tmp)
        result: dict = {
            "repeat": args.repeat,
            "before": args.before,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0],
        }
        print("measuring this tree", file=sys.stderr)
        result["now"] = measure("now", ROOT / "src", ROOT, work, args.repeat)
        if args.before:
            print(f"measuring {args.before}", file=sys.stderr)
            old = extract(args.before, work / "before-src")
            result["before_figures"] = measure("before", old / "src", old, work, args.repeat)
    (args.out / "cli.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    (args.out / "cli.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
