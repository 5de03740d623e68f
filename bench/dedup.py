"""Deduplication benchmark: litsift vs bib-dedupe on the labelled sets, and a scale run.

Usage: python bench/dedup.py OUT_DIR [--shared DIR] [--sizes 10000,50000,100000] [--no-bibdedupe]

Writes OUT_DIR/dedup.json and OUT_DIR/dedup.md. bib-dedupe is installed from PyPI into its own
virtualenv under OUT_DIR/.venv-bibdedupe; if that fails the comparison says so and the rest
still runs. Each scale size runs in a fresh subprocess so its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import string
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = ("haematology", "respiratory")
BIB_DEDUPE = "bib-dedupe"
# litsift is scored twice: pairs in one cluster (duplicates) and pairs in one study
# and once more after a reviewer answers its uncertain pairs (answers taken from the labels)
REVIEWED = "litsift + answers to its uncertain pairs"
TOOLS = ("litsift", "litsift (study level)", REVIEWED, "bib-dedupe")
# both tools scored again against the labels without the erratum and reply pairs
CORRECTED = "label-corrected"

# --------------------------------------------------------------------------- synthetic records

_WORDS = [
    "model",
    "language",
    "large",
    "training",
    "inference",
    "memory",
    "efficient",
    "parallel",
    "sparse",
    "attention",
    "quantization",
    "pruning",
    "distillation",
    "kernel",
    "scheduling",
    "serving",
    "throughput",
    "latency",
    "gpu",
    "cluster",
    "pipeline",
    "tensor",
    "data",
    "adaptive",
    "dynamic",
    "optimal",
    "scalable",
    "robust",
    "fast",
    "low-rank",
    "mixture",
    "experts",
    "cache",
    "compression",
    "decoding",
    "speculative",
    "batching",
    "federated",
    "graph",
    "network",
    "neural",
    "deep",
    "learning",
    "transformer",
    "architecture",
    "analysis",
    "evaluation",
    "study",
    "clinical",
    "trial",
    "patients",
    "treatment",
    "outcome",
    "effect",
    "randomized",
    "cohort",
    "risk",
    "factor",
    "protein",
    "gene",
    "expression",
    "cell",
    "tumor",
    "therapy",
    "disease",
    "syndrome",
    "acute",
    "chronic",
]
_VENUES = (
    ("Journal of Machine Learning Research", "J Mach Learn Res"),
    ("Proceedings of the National Academy of Sciences", "Proc Natl Acad Sci"),
    ("New England Journal of Medicine", "N Engl J Med"),
    ("IEEE Transactions on Parallel and Distributed Systems", "IEEE Trans Parallel Distrib Syst"),
    ("Pediatric Nephrology", "Pediatr Nephrol"),
    ("American Journal of Transplantation", "Am J Transplant"),
    ("Nature Reviews Nephrology", "Nat Rev Nephrol"),
    ("Advances in Neural Information Processing Systems", "NeurIPS"),
)
_ACCENTS = str.maketrans("aeiouc", "áéíöüç")


def _surname(rng: random.Random) -> str:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ran",
        "sen",
        "to",
        "vi",
        "zhu",
        "wang",
        "li",
        "ber",
        "ger",
        "mann",
        "son",
        "o",
        "ne",
        "da",
        "ric",
        "hu",
        "fe",
    ]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()


def _work(rng: random.Random, n: int) -> dict[str, object]:
    weights = [1 / (i + 1) for i in range(len(_WORDS))]
    title = " ".join(rng.choices(_WORDS, weights, k=rng.randint(6, 14))).capitalize()
    authors = [
        f"{_surname(rng)}, {rng.choice(string.ascii_uppercase)}{rng.choice('aeiou')}"
        f"{rng.choice('nrst')}"
        for _ in range(rng.randint(1, 7))
    ]
    first = rng.randint(1, 3000)
    venue = rng.choice(_VENUES)
    return {
        "work": n,
        "title": f"{title} {n}" if rng.random() < 0.02 else title,
        "authors": authors,
        "year": rng.randint(1995, 2024),
        "venue": venue[0],
        "abbrev": venue[1],
        "volume": str(rng.randint(1, 120)),
        "pages": f"{first}-{first + rng.randint(1, 15)}",
        "doi": f"10.{rng.randint(1000, 9999)}/x{n}" if rng.random() < 0.6 else None,
    }


def _typo(rng: random.Random, text: str) -> str:
    i = rng.randrange(len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _noisy_title(rng: random.Random, title: str) -> str:
    roll = rng.random()
    if roll < 0.2:
        return title.upper()
    if roll < 0.35:
        return title.translate(_ACCENTS) + "."
    if roll < 0.5:
        return _typo(rng, _typo(rng, title))  # two transpositions
    if roll < 0.6:
        return f"[{title}]"  # MEDLINE's translated-title brackets
    if roll < 0.65:
        return title + ". [Spanish]"
    return title


def _noisy(rng: random.Random, work: dict[str, object]) -> dict[str, object]:
    """Another database's copy of a work: the kinds of noise seen in real exports."""
    rec = dict(work)
    rec["title"] = _noisy_title(rng, str(rec["title"]))
    authors = list(rec["authors"])  # type: ignore[call-overload]
    if rng.random() < 0.5:
        authors = [a.split(",")[0] + ", " + a.split(", ")[1][0] + "." for a in authors]
    if rng.random() < 0.1:
        authors = authors[:1]  # "et al."
    rec["authors"] = authors
    if rng.random() < 0.5:
        rec["venue"] = rec["abbrev"]
    if rng.random() < 0.4:
        rec["doi"] = None
    elif rng.random() < 0.2:
        rec["doi"] = f"https://doi.org/{str(rec['doi']).upper()}" if rec["doi"] else None
    if rng.random() < 0.15:
        rec["pages"] = None
    elif rec["pages"] and rng.random() < 0.3:
        first, last = str(rec["pages"]).split("-")
        rec["pages"] = f"{first}-{last[-2:]}"  # 1201-1215 -> 1201-15
    if rng.random() < 0.1:
        rec["volume"] = None
    if rng.random() < 0.05 and rec["volume"]:
        rec["year"] = int(rec["year"]) + 1  # online-first vs print year  # type: ignore[call-overload]
    return rec


def synthetic(n: int, seed: int = 7) -> list[dict[str, object]]:
    """About n records: works (5% with a near-miss sibling paper), ~30% with 1-3 noisy copies."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    k = 0
    while len(out) < n:
        work = _work(rng, k)
        k += 1
        out.append(work)
        if rng.random() < 0.05:  # a near miss: same team, venue and year, another paper
            sibling = _work(rng, k)
            k += 1
            words = str(work["title"]).split()
            words[rng.randrange(len(words))] = rng.choice(_WORDS)
            sibling.update(
                title=" ".join(words),
                authors=work["authors"],
                year=work["year"],
                venue=work["venue"],
                abbrev=work["abbrev"],
            )
            out.append(sibling)
        if rng.random() < 0.3:
            out.extend(_noisy(rng, work) for _ in range(rng.randint(1, 3)))
    return out[:n]


def _records(rows: list[dict[str, object]]) -> list:
    from litsift.models import Record

    return [
        Record.build(
            source="synthetic",
            origin=str(i),
            title=r["title"],
            authors=r["authors"],
            year=r["year"],
            venue=r["venue"],
            volume=r["volume"],
            pages=r["pages"],
            doi=r["doi"],
        )
        for i, r in enumerate(rows)
    ]


def scale_one(n: int) -> dict[str, float]:
    """Deduplicate n synthetic records in this process: time, peak memory, accuracy."""
    from litsift.dedup import deduplicate
    from litsift.dedup.bench import pairs_of, score

    rows = synthetic(n)
    records = _records(rows)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    result = deduplicate(records)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    works: dict[object, list[str]] = {}
    for i, row in enumerate(rows):
        works.setdefault(row["work"], []).append(str(i))
    found = pairs_of([m.origin for m in c.members] for c in result.clusters)
    accuracy = score(pairs_of(works.values()), found, n, seconds)
    return {
        "records": n,
        "seconds": round(seconds, 2),
        "peak_mb": round(peak, 1),
        "records_mb": round(before, 1),
        "clusters": len(result.clusters),
        "records_per_second": round(n / seconds),
        "precision": accuracy.precision,
        "recall": accuracy.recall,
    }


def scale(sizes: list[int]) -> list[dict[str, float]]:
    rows = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--scale-one", str(n)],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout))
        print(f"scale {n}: {rows[-1]}", file=sys.stderr)
    return rows


# --------------------------------------------------------------------------- labelled sets


def litsift_sets(shared: Path, level: str) -> dict[str, dict[str, float]]:
    from litsift.dedup.bench import run_bench

    out = {}
    for name in SETS:
        folder = shared / "dedup" / name
        if folder.is_dir():
            out[name] = run_bench(folder, level=level)[0].model_dump()
    return out


def corrected_sets(
    shared: Path, clusters: dict[str, list[list[str]]], seconds: dict[str, float]
) -> tuple[dict[str, dict[str, float]], dict[str, list[dict]]]:
    """Scores against the labels without erratum and reply pairs, and those pairs."""
    from litsift.dedup.bench import (
        corrected,
        load_labels,
        load_records,
        non_duplicates,
        pairs_of,
        score,
    )

    scores, excluded = {}, {}
    for name, found in clusters.items():
        folder = shared / "dedup" / name
        records = load_records(folder)
        truth = pairs_of(load_labels(folder))
        pairs = non_duplicates(records, truth)
        excluded[name] = [e.model_dump() for e in pairs]
        merged = pairs_of(found)
        scores[name] = {
            **score(corrected(truth, pairs), merged, len(records), seconds[name]).model_dump(),
            "removed_pairs_merged": [f"{e.a};{e.b}" for e in pairs if (e.a, e.b) in merged],
        }
    return scores, excluded


def litsift_clusters(shared: Path) -> tuple[dict[str, list[list[str]]], dict[str, float]]:
    """litsift's report-level clusters (labelled ids) and seconds on each labelled set."""
    from litsift.dedup.bench import predicted_clusters, run_bench

    clusters, seconds = {}, {}
    for name in SETS:
        folder = shared / "dedup" / name
        if folder.is_dir():
            bench, result = run_bench(folder)
            clusters[name] = [list(c) for c in predicted_clusters(result)]
            seconds[name] = bench.seconds
    return clusters, seconds


def reviewed_sets(shared: Path) -> dict[str, dict[str, float]]:
    from litsift.dedup.bench import simulate_review

    out = {}
    for name in SETS:
        folder = shared / "dedup" / name
        if folder.is_dir():
            result, questions = simulate_review(folder)
            out[name] = {**result.model_dump(), "questions": questions}
    return out


_BIB_DEDUPE_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import pandas as pd
    from bib_dedupe.bib_dedupe import block, cluster, match, prep
    folder = sys.argv[1]
    records = pd.read_csv(folder + "/records_pre_merged.csv")
    start = time.perf_counter()
    prepared = prep(records, verbosity_level=0)
    matches = match(block(prepared, verbosity_level=0), verbosity_level=0)
    clusters = cluster(matches, verbosity_level=0)
    seconds = time.perf_counter() - start
    print(json.dumps({"clusters": [list(map(str, c)) for c in clusters], "seconds": seconds}))
""")


def bibdedupe_python(out_dir: Path, package: str = BIB_DEDUPE) -> Path | None:
    """A virtualenv with bib-dedupe from PyPI, or None (with a message) when it cannot be made."""
    venv = out_dir / ".venv-bibdedupe"
    python = venv / "bin" / "python"
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        probe = subprocess.run([str(python), "-c", "import bib_dedupe"], capture_output=True)
        if probe.returncode != 0:
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", package], check=True, timeout=900
            )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        print(f"bib-dedupe could not be installed ({e}); comparison skipped", file=sys.stderr)
        return None
    return python


def bibdedupe_sets(
    shared: Path, python: Path
) -> tuple[dict[str, dict[str, float]], dict[str, list[list[str]]], dict[str, float]]:
    """bib-dedupe's scores, clusters and seconds on each labelled set."""
    from litsift.dedup.bench import load_labels, pairs_of, score

    out, clusters, seconds = {}, {}, {}
    for name in SETS:
        folder = shared / "dedup" / name
        if not folder.is_dir():
            continue
        run = subprocess.run(
            [str(python), "-c", _BIB_DEDUPE_SCRIPT, str(folder)], capture_output=True, text=True
        )
        if run.returncode != 0:
            print(f"bib-dedupe failed on {name}: {run.stderr[-400:]}", file=sys.stderr)
            continue
        data = json.loads(run.stdout.strip().splitlines()[-1])
        truth = pairs_of(load_labels(folder))
        n = sum(1 for _ in (folder / "records_pre_merged.csv").open()) - 1
        out[name] = score(truth, pairs_of(data["clusters"]), n, data["seconds"]).model_dump()
        clusters[name], seconds[name] = data["clusters"], data["seconds"]
    return out, clusters, seconds


# --------------------------------------------------------------------------- report


def markdown(report: dict) -> str:
    lines = [
        "# Deduplication benchmark",
        "",
        "litsift is scored twice: *report level* counts pairs in one cluster (the duplicates",
        "PRISMA removes); *study level* also counts reports linked as one study (preprint and",
        "published version, erratum and article, conference abstract and paper), which the",
        "labels also group. litsift never merges errata, replies or abstracts into an article.",
        f"'{REVIEWED}': the uncertain pairs litsift writes for a reviewer are answered from",
        "the labels (questions asked are listed below), then litsift runs again.",
        "",
        "## Labelled sets (pairwise)",
        "",
        "| set | tool | precision | recall | F1 | false merges | records | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in SETS:
        for tool in TOOLS:
            row = report["labelled"].get(tool, {}).get(name)
            if row:
                lines.append(
                    f"| {name} | {tool} | {row['precision']} | {row['recall']} | "
                    f"{row['f1']} | {row['false_merges']} | {row['records']} | "
                    f"{row['seconds']} |"
                )
    for name, ratio in report["ratios"].items():
        lines.append(
            f"\n{name}: F1 litsift/bib-dedupe = {ratio['f1']}, "
            f"time bib-dedupe/litsift = {ratio['speedup']}x"
        )
    for name, row in report["labelled"].get(REVIEWED, {}).items():
        lines.append(f"\n{name}: {row['questions']} uncertain pairs answered")
    if report.get("bibdedupe_note"):
        lines.append(f"\n{report['bibdedupe_note']}")
    lines += corrected_markdown(report[CORRECTED])
    lines += [
        "",
        "## Scale (synthetic records with realistic noise)",
        "",
        "Peak MB is the whole process; 'input MB' is the peak before deduplication started",
        "(generating and holding the input records).",
        "",
        "| records | seconds | peak MB | input MB | records/s | clusters | precision | recall |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report["scale"]:
        lines.append(
            f"| {row['records']} | {row['seconds']} | {row['peak_mb']} | {row['records_mb']} | "
            f"{row['records_per_second']} | {row['clusters']} | {row['precision']} | "
            f"{row['recall']} |"
        )
    return "\n".join(lines) + "\n"


def corrected_markdown(view: dict) -> list[str]:
    """The label-corrected section: both tools' scores, then every excluded pair."""
    lines = [
        "",
        "## Label-corrected view (report level)",
        "",
        "The labels group errata and replies with the article they concern; the issue defines",
        "them as not duplicates. Below, both tools are scored against the labels without",
        "those pairs (a tool that merges one of them now counts a false merge). Every pair",
        "removed is listed with its evidence; pairs without evidence in the records stay.",
        "",
        "| set | tool | precision | recall | F1 | false merges | pairs removed |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in SETS:
        for tool, scores in view["scores"].items():
            row = scores.get(name)
            if row:
                removed = len(view["excluded_pairs"].get(name, []))
                lines.append(
                    f"| {name} | {tool} | {row['precision']} | {row['recall']} | {row['f1']} | "
                    f"{row['false_merges']} | {removed} |"
                )
    for name in SETS:
        for tool, scores in view["scores"].items():
            merged = scores.get(name, {}).get("removed_pairs_merged")
            if merged:
                lines.append(
                    f"\n{name}: {tool} merges {len(merged)} of the removed pairs: "
                    + ", ".join(merged)
                )
    for name, pairs in view["excluded_pairs"].items():
        if not pairs:
            continue
        lines += ["", f"Pairs removed from the {name} labels:", ""]
        lines += ["| ids | kind | evidence | titles |", "|---|---|---|---|"]
        for e in pairs:
            titles = " / ".join(t[:70].replace("|", "/") for t in e["titles"])
            lines.append(f"| {e['a']}, {e['b']} | {e['kind']} | {e['evidence']} | {titles} |")
    return lines


def _ratios(labelled: dict) -> dict[str, dict[str, float]]:
    out = {}
    for name in SETS:
        ours, theirs = labelled["litsift"].get(name), labelled.get("bib-dedupe", {}).get(name)
        if ours and theirs:
            out[name] = {
                "f1": round(ours["f1"] / theirs["f1"], 3) if theirs["f1"] else None,
                "speedup": round(theirs["seconds"] / ours["seconds"], 1),
            }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "build" / "bench")
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("LITSIFT_SHARED", ROOT.parent / "shared")) / "realworld",
    )
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--no-bibdedupe", action="store_true")
    parser.add_argument("--scale-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale_one:
        print(json.dumps(scale_one(args.scale_one)))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    labelled = {
        "litsift": litsift_sets(args.shared, "report"),
        "litsift (study level)": litsift_sets(args.shared, "study"),
        REVIEWED: reviewed_sets(args.shared),
    }
    clusters, seconds = litsift_clusters(args.shared)
    label_corrected = {}
    label_corrected["litsift"], excluded = corrected_sets(args.shared, clusters, seconds)
    note = ""
    if not args.no_bibdedupe:
        python = bibdedupe_python(args.out)
        if python:
            labelled["bib-dedupe"], theirs, their_seconds = bibdedupe_sets(args.shared, python)
            label_corrected["bib-dedupe"], _ = corrected_sets(args.shared, theirs, their_seconds)
        else:
            note = "bib-dedupe could not be installed from PyPI; no comparison."
    report = {
        "labelled": labelled,
        CORRECTED: {"scores": label_corrected, "excluded_pairs": excluded},
        "ratios": _ratios(labelled),
        "bibdedupe_note": note,
        "scale": scale([int(s) for s in args.sizes.split(",") if s]),
    }
    (args.out / "dedup.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    (args.out / "dedup.md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
