"""Benchmark: prioritised screening, litsift vs ASReview's default model, side by side.

    python bench/screen.py build/bench

Every labelled CSV under ../shared/realworld/screening/ (all of them, globbed, so no set
can be left out by choice) is replayed with seeds 1-5. For each seed one included and one
excluded record are drawn (`prioritise.choose_priors`) and both tools start from those same
two rows: litsift through `prioritise.simulate`, ASReview 3.0.8 through its own CLI
(`asreview simulate --prior-idx I E`, its default model elas_u4). Both screening orders are
scored by the same functions: WSS@95, WSS@100, recall after 10% screened and records
screened to find every inclusion. ASReview reads a copy of each set reduced to title,
abstract and label_included, so it scores the same labels as litsift. litsift runs its
shipped default (`prioritise.DEFAULT`, chosen by bench/screen_select.py leave-one-dataset-
out; that script writes the procedure and its table to screen-select.md).

The stopping rule (hypergeometric test, target recall 0.95, confidence 0.95) is checked in
each litsift run; the table gives the recall reached and the work saved where it said
stop, and over every set and seed the share of runs that stopped at recall >= 0.95.

Seconds: litsift's are measured in-process (features + replay); ASReview's are the wall
time of its CLI (start-up included) and, beside them, the time its own log spans from the
first to the last label (start-up and feature extraction excluded).

ASReview is installed from PyPI into its own virtualenv under the output folder
(<out>/.venv-asreview) and never becomes a dependency of litsift. Its results are cached in
<out>/screen-asreview-cache.json, keyed by ASReview version, the set's sha256, the seed
and the prior rows, so a rerun is cheap and a fresh output folder recomputes everything.
When ASReview cannot be installed the tables list litsift alone and say why.

Writes <out>/screen.json and <out>/screen.md. A labelled CSV that cannot be scored (no
label_included column, a label other than 0/1, no inclusion) stops the benchmark with one
line naming the file, exit code 2.
"""

from __future__ import annotations

import csv
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
from dataclasses import asdict
from pathlib import Path
from statistics import mean

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from litsift.errors import LitsiftError  # noqa: E402
from litsift.screen import prioritise  # noqa: E402

SHARED = Path(os.environ.get("LITSIFT_SHARED", ROOT.parent / "shared")) / "realworld"
SEEDS = (1, 2, 3, 4, 5)
ASREVIEW = "asreview==3.0.8"
ASREVIEW_FAILURES = (
    OSError,
    RuntimeError,
    subprocess.SubprocessError,
    KeyError,
    StopIteration,
    sqlite3.Error,
    zipfile.BadZipFile,
)
METRICS = ("wss95", "wss100", "recall10", "screened_all", "seconds")


def labelled_sets(folder: Path) -> list[Path]:
    """Every labelled CSV of the folder, in name order."""
    return sorted(folder.glob("*.csv"))


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


def reduced_copy(data: prioritise.LabelledSet, folder: Path) -> Path:
    """The set as ASReview should read it: title, abstract, label_included, same row order."""
    path = folder / (Path(data.path).stem + ".csv")
    # read as load_labelled reads it (a byte-order mark, "Title"), so the rows are the same
    frame = prioritise.read_labelled_frame(Path(data.path))
    with path.open("w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst)
        writer.writerow(["title", "abstract", prioritise.LABEL])
        for title, abstract, label in zip(
            frame["title"], frame["abstract"], data.labels, strict=True
        ):
            writer.writerow([title, abstract, int(label)])
    return path


def asreview_order(exe: Path, csv_path: Path, priors: tuple[int, int], seed: int) -> dict:
    """ASReview's screening order (row indexes, priors left out) and its timings."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "sim.asreview"
        command = [str(exe), "simulate", str(csv_path), "--prior-idx", *map(str, priors)]
        command += ["--seed", str(seed), "-o", str(project)]
        start = time.perf_counter()
        # cwd: asreview leaves a cache file in its working folder
        subprocess.run(command, check=True, capture_output=True, timeout=3600, cwd=tmp)
        seconds = time.perf_counter() - start
        with zipfile.ZipFile(project) as z:
            name = next(n for n in z.namelist() if n.endswith("results.db"))
            z.extract(name, tmp)
        with sqlite3.connect(Path(tmp) / name) as db:
            rows = db.execute(
                "SELECT record.dataset_row, results.querier, results.time FROM results "
                "JOIN record ON record.record_id = results.record_id ORDER BY results.rowid"
            ).fetchall()
    prior_rows = sorted(int(r) for r, querier, _ in rows if querier is None)
    if prior_rows != sorted(priors):
        raise RuntimeError(f"asreview used priors {prior_rows}, not {sorted(priors)}")
    times = [t for _, _, t in rows]
    return {
        "order": [int(r) for r, querier, _ in rows if querier is not None],
        "seconds": round(seconds, 2),
        "loop_seconds": round(max(times) - min(times), 2),
    }


def score_order(order: list[int], labels: np.ndarray, priors: tuple[int, int]) -> dict:
    """The shared metrics of a screening order that may stop once every inclusion is found."""
    found = labels[prioritise.complete(order, len(labels), priors)]
    wss95, recall10, screened_all = prioritise.metrics(found)
    return {
        "wss95": wss95,
        "wss100": prioritise.wss(found, 1.0),
        "recall10": recall10,
        "screened_all": screened_all,
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_asreview(
    exe: Path, data: prioritise.LabelledSet, digest: str, cache: Path, tmp: Path
) -> list[dict]:
    """ASReview per seed, from the cache when this version, set, seed and priors were run."""
    saved = json.loads(cache.read_text()) if cache.exists() else {}
    reduced = reduced_copy(data, tmp)
    rows = []
    for seed in SEEDS:
        priors = prioritise.choose_priors(data.labels, seed)
        key = f"{ASREVIEW}|{digest}|seed {seed}|priors {priors[0]} {priors[1]}"
        if key not in saved:
            run = asreview_order(exe, reduced, priors, seed)
            saved[key] = score_order(run["order"], data.labels, priors) | {
                "seconds": run["seconds"],
                "loop_seconds": run["loop_seconds"],
            }
            cache.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")
        rows.append(saved[key] | {"seed": seed})
    return rows


def run_litsift(data: prioritise.LabelledSet) -> list[dict]:
    rows = []
    for seed in SEEDS:
        sim = prioritise.simulate(data, seed, priors=prioritise.choose_priors(data.labels, seed))
        rows.append(sim.as_dict() | {"seed": seed})
    return rows


def summary(rows: list[dict]) -> dict[str, float]:
    keys = [k for k in (*METRICS, "loop_seconds") if all(k in r for r in rows)]
    return {k: round(mean(r[k] for r in rows), 4) for k in keys}


def main(out: Path) -> int:
    out = out.resolve()  # asreview runs in a temporary working folder
    out.mkdir(parents=True, exist_ok=True)
    paths = labelled_sets(SHARED / "screening")
    try:
        sets = [prioritise.load_labelled(p) for p in paths]
    except LitsiftError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    exe, how = (None, "skipped (--litsift-only)")
    if "--litsift-only" not in sys.argv:
        exe, how = asreview_bin(out)
    print(f"asreview: {how}", file=sys.stderr)
    results: dict = {"seeds": list(SEEDS), "asreview": ASREVIEW, "asreview_status": how}
    results["datasets"] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path, data in zip(paths, sets, strict=True):
            digest = sha256(path)
            entry: dict = {"n": len(data.labels), "included": data.included, "sha256": digest}
            entry["litsift"] = run_litsift(data)
            if exe is not None:
                try:
                    cache = out / "screen-asreview-cache.json"
                    entry["asreview"] = run_asreview(exe, data, digest, cache, Path(tmp))
                except ASREVIEW_FAILURES as e:
                    entry["asreview_error"] = f"{type(e).__name__}: {e}"
            results["datasets"][path.name] = entry
            print(f"{path.name}: done", file=sys.stderr)
    results["means"] = means(results["datasets"])
    results["stopping"] = stopping(results["datasets"])
    results["litsift_model"] = asdict(prioritise.DEFAULT)
    (out / "screen.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    (out / "screen.md").write_text(markdown(results))
    return 0


def means(datasets: dict) -> dict[str, dict[str, float]]:
    """Per tool: the mean over sets of each set's mean over seeds (sets weigh the same)."""
    out = {}
    for tool in ("litsift", "asreview"):
        per_set = [summary(e[tool]) for e in datasets.values() if tool in e]
        if per_set and len(per_set) == len(datasets):
            out[tool] = {k: round(mean(s[k] for s in per_set), 4) for k in per_set[0]}
    return out


def _cells(s: dict[str, float] | None) -> list[str]:
    if s is None:
        return ["", "", "", "", ""]
    return [
        f"{s['wss95']:.3f}",
        f"{s['wss100']:.3f}",
        f"{s['recall10']:.3f}",
        f"{s['screened_all']:.0f}",
        f"{s['seconds']:.1f}",
    ]


def markdown(results: dict) -> str:
    lines = [
        "## Screening prioritisation (seeds "
        f"{results['seeds'][0]}-{results['seeds'][-1]}, the same one included + one "
        "excluded prior for both tools)",
        "",
        f"Means over seeds; L = litsift (`prioritise.DEFAULT`, chosen by "
        f"bench/screen_select.py: see screen-select.md), A = {results['asreview']} (its "
        "default model elas_u4).",
        "",
        "| dataset | n | incl. | WSS@95 L | WSS@95 A | WSS@100 L | WSS@100 A | recall@10% L "
        "| recall@10% A | screened to find all L | A | seconds L | A |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = list(results["datasets"].items())
    for name, entry in rows:
        lit = summary(entry["litsift"])
        asr = summary(entry["asreview"]) if "asreview" in entry else None
        lines.append(_row(name, entry["n"], entry["included"], lit, asr))
    m = results.get("means", {})
    if "litsift" in m:
        lines.append(_row("**mean over sets**", "", "", m["litsift"], m.get("asreview")))
    lines.append("")
    for name, entry in rows:
        if "asreview_error" in entry:
            lines.append(f"ASReview failed on {name}: {entry['asreview_error']}")
    if "asreview" in m and "litsift" in m:
        a, lit = m["asreview"], m["litsift"]
        lines.append(
            f"Simulation time, mean per run: litsift {lit['seconds']:.2f} s, ASReview "
            f"{a['seconds']:.2f} s wall ({a['loop_seconds']:.2f} s between its first and last "
            f"label); ASReview / litsift = {a['seconds'] / lit['seconds']:.1f}x wall, "
            f"{a['loop_seconds'] / lit['seconds']:.1f}x loop only."
        )
        wins = sum(
            summary(e["litsift"])["wss95"] >= summary(e["asreview"])["wss95"]
            for _, e in rows
            if "asreview" in e
        )
        lines.append(f"litsift's mean WSS@95 is at least ASReview's on {wins} of {len(rows)} sets.")
    lines += ["", *stop_lines(results)]
    if not str(results["asreview_status"]).startswith("installed"):
        lines.append(f"ASReview not run: {results['asreview_status']}")
    return "\n".join(lines) + "\n"


def stopping(datasets: dict) -> dict[str, float]:
    """The stopping rule over every set and seed: how often it kept its promise, work saved."""
    runs = [r for e in datasets.values() for r in e["litsift"]]
    if not runs:
        return {}
    met = [r["stop_recall"] >= r["stop"]["recall"] for r in runs]
    return {
        "runs": len(runs),
        "share_reaching_target": round(sum(met) / len(runs), 4),
        "work_saved_mean": round(mean(r["stop_work_saved"] for r in runs), 4),
        "work_saved_worst": min(r["stop_work_saved"] for r in runs),
        "recall_mean": round(mean(r["stop_recall"] for r in runs), 4),
        "recall_worst": min(r["stop_recall"] for r in runs),
    }


def stop_lines(results: dict) -> list[str]:
    s = results.get("stopping")
    if not s:
        return []
    rule = next(iter(results["datasets"].values()))["litsift"][0]["stop"]
    lines = [
        f"### Stopping rule (hypergeometric test, target recall {rule['recall']}, "
        f"confidence {rule['confidence']}), litsift's runs",
        "",
        "| dataset | recall at stop: mean | worst | work saved at stop: mean | worst |",
        "|---|---|---|---|---|",
    ]
    for name, entry in results["datasets"].items():
        rows = entry["litsift"]
        lines.append(
            f"| {name} | {mean(r['stop_recall'] for r in rows):.3f} | "
            f"{min(r['stop_recall'] for r in rows):.3f} | "
            f"{mean(r['stop_work_saved'] for r in rows):.3f} | "
            f"{min(r['stop_work_saved'] for r in rows):.3f} |"
        )
    lines += [
        "",
        f"Over all {s['runs']} runs the rule stopped at a recall of at least "
        f"{rule['recall']} in {s['share_reaching_target']:.1%} of them (target: at least "
        f"{rule['confidence']:.0%}); work saved at the stop: mean {s['work_saved_mean']:.3f}, "
        f"worst {s['work_saved_worst']:.3f}.",
    ]
    return lines


def _row(name: str, n: object, incl: object, lit: dict, asr: dict | None) -> str:
    lc, ac = _cells(lit), _cells(asr)
    cells = [c for pair in zip(lc, ac, strict=True) for c in pair]
    return f"| {name} | {n} | {incl} | " + " | ".join(cells) + " |"


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(Path(args[0] if args else "build/bench")))
