"""Benchmark: prioritised screening, litsift vs ASReview's default model, side by side.

    python bench/screen.py build/bench

Replays each labelled set in ../shared/realworld/screening/ from one included and one
excluded record (seeds 1-5) with litsift (`litsift.screen.prioritise.simulate`) and with
ASReview (`asreview simulate`, its default model, the same number of priors), and writes
build/bench/screen.json and build/bench/screen.md. Both tools' screening orders are scored by
the same function (WSS@95, recall after 10% screened, records screened to find every
inclusion); seconds are wall-clock per simulation (ASReview's include its process start-up).

ASReview is installed from PyPI into its own virtualenv under the output folder
(build/bench/.venv-asreview); when that is not possible the table says so and lists
litsift alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
from pathlib import Path
from statistics import mean

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from litsift.screen import prioritise  # noqa: E402

SHARED = Path(os.environ.get("LITSIFT_SHARED", ROOT.parent / "shared")) / "realworld"
DATASETS = ("Kitchenham_2010.csv", "Nagtegaal_2019.SUBSET.csv")
SEEDS = (1, 2, 3, 4, 5)
ASREVIEW = "asreview==3.0.8"
REFERENCE = {"Kitchenham_2010.csv": (0.674, 15.0), "Nagtegaal_2019.SUBSET.csv": (0.597, 8.0)}


def asreview_bin(out: Path) -> tuple[Path | None, str]:
    """The asreview executable in its own venv, installing it if needed."""
    env = out / ".venv-asreview"
    exe = env / "bin" / "asreview"
    if exe.exists():
        return exe, "installed"
    try:
        venv.create(env, with_pip=True)
        subprocess.run(
            [str(env / "bin" / "pip"), "install", "-q", ASREVIEW],
            check=True,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    except (OSError, subprocess.SubprocessError) as e:
        detail = getattr(e, "stderr", "") or str(e)
        return None, f"could not install {ASREVIEW}: {detail.strip().splitlines()[-1:]}"
    return (exe, "installed now") if exe.exists() else (None, "asreview not found after install")


def asreview_order(exe: Path, csv: Path, seed: int) -> tuple[list[int], float]:
    """Row indexes in ASReview's screening order (priors left out) and wall seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "sim.asreview"
        start = time.perf_counter()
        subprocess.run(
            [
                str(exe),
                "simulate",
                str(csv),
                "--n-prior-included",
                "1",
                "--n-prior-excluded",
                "1",
                "--prior-seed",
                str(seed),
                "--seed",
                str(seed),
                "-o",
                str(project),
            ],
            check=True,
            capture_output=True,
            timeout=1800,
            cwd=tmp,  # asreview leaves a cache file in its working folder
        )
        seconds = time.perf_counter() - start
        with zipfile.ZipFile(project) as z:
            name = next(n for n in z.namelist() if n.endswith("results.db"))
            z.extract(name, tmp)
        with sqlite3.connect(Path(tmp) / name) as db:
            rows = db.execute(
                "SELECT record.dataset_row, results.querier FROM results JOIN record "
                "ON record.record_id = results.record_id ORDER BY results.rowid"
            ).fetchall()
    order = [int(row) for row, querier in rows if querier is not None]  # priors: no querier
    return order, seconds


def score_order(order: list[int], labels: np.ndarray, priors: int = 2) -> dict[str, float]:
    """Metrics of an order that may stop once every inclusion is found."""
    seen = set(order)
    rest = [i for i in range(len(labels)) if i not in seen]
    found = labels[order + rest][: len(labels) - priors]
    wss95, recall10, screened_all = prioritise.metrics(found)
    return {"wss95": wss95, "recall10": recall10, "screened_all": screened_all}


def run_litsift(texts: list[str], labels: np.ndarray) -> list[dict[str, float]]:
    return [prioritise.simulate(texts, labels, seed).as_dict() for seed in SEEDS]


def run_asreview(exe: Path, csv: Path, labels: np.ndarray, cache: Path) -> list[dict]:
    """ASReview per seed; results are kept in `cache` (keyed by version, file hash, seed)
    because ASReview is deterministic for a seed and slow to replay."""
    saved = json.loads(cache.read_text()) if cache.exists() else {}
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()[:16]
    rows = []
    for seed in SEEDS:
        key = f"{ASREVIEW}|{csv.name}|{digest}|{seed}"
        if key not in saved:
            order, seconds = asreview_order(exe, csv, seed)
            saved[key] = score_order(order, labels) | {
                "seconds": round(seconds, 2),
                "n": len(labels),
            }
            cache.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")
        rows.append(saved[key])
    return rows


def summary(rows: list[dict[str, float]]) -> dict[str, float]:
    return {
        k: round(mean(r[k] for r in rows), 4)
        for k in ("wss95", "recall10", "screened_all", "seconds")
    }


def main(out: Path) -> int:
    out = out.resolve()  # asreview runs in a temporary working folder
    out.mkdir(parents=True, exist_ok=True)
    exe, how = asreview_bin(out)
    print(f"asreview: {how}", file=sys.stderr)
    results: dict[str, object] = {
        "seeds": list(SEEDS),
        "asreview": ASREVIEW,
        "asreview_status": how,
        "datasets": {},
    }
    for name in DATASETS:
        csv = SHARED / "screening" / name
        if not csv.is_file():
            print(f"{csv} absent: skipped", file=sys.stderr)
            continue
        texts, labels = prioritise.load_labelled(csv)
        entry: dict[str, object] = {"n": len(labels), "included": int(labels.sum())}
        if "--asreview-only" not in sys.argv:
            entry["litsift"] = run_litsift(texts, labels)
        if exe is not None:
            try:
                entry["asreview"] = run_asreview(
                    exe, csv, labels, out / "screen-asreview-cache.json"
                )
            except (
                OSError,
                subprocess.SubprocessError,
                KeyError,
                StopIteration,
                sqlite3.Error,
                zipfile.BadZipFile,
            ) as e:
                entry["asreview_error"] = f"{type(e).__name__}: {e}"
        results["datasets"][name] = entry  # type: ignore[index]
        print(f"{name}: done", file=sys.stderr)
    (out / "screen.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    (out / "screen.md").write_text(markdown(results))
    return 0


def markdown(results: dict) -> str:
    lines = [
        "## Screening prioritisation (seeds 1-5, one included + one excluded prior)",
        "",
        "| dataset | tool | WSS@95 | recall@10% | screened to find all | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in results["datasets"].items():
        for tool in ("litsift", "asreview"):
            if tool in entry:
                s = summary(entry[tool])
                label = tool if tool == "litsift" else results["asreview"]
                lines.append(
                    f"| {name} | {label} | {s['wss95']:.3f} | {s['recall10']:.3f} | "
                    f"{s['screened_all']:.0f} | {s['seconds']:.1f} |"
                )
        ref_wss, ref_s = REFERENCE.get(name, (None, None))
        if ref_wss is not None:
            lines.append(
                f"| {name} | asreview (reference, PRODUCT.md) | {ref_wss:.3f} | | | ~{ref_s:.0f} |"
            )
        if "asreview_error" in entry:
            lines.append(f"| {name} | asreview | failed: {entry['asreview_error']} | | | |")
    if not str(results["asreview_status"]).startswith("installed"):
        lines.append("")
        lines.append(f"ASReview not run: {results['asreview_status']}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(Path(args[0] if args else "build/bench")))
