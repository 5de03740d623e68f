"""Snapshot search benchmark: boolean queries over a synthetic OpenAlex snapshot of 5 M works.

Usage: python bench/snapshot.py OUT_DIR [--works 5000000] [--cache DIR] [--workers 2]
       [--rebuild-index] [--skip-fts]

1. Builds once, cached outside the repository (default ~/.cache/litsift-bench/), a
   synthetic OpenAlex works snapshot in the real layout (data/jsonl/manifest.json,
   works/updated_date=.../part_NNNN.gz, 100,000 works a file). Vocabulary: every word of
   the real titles (and abstracts) under ../shared/realworld, ranked by frequency there,
   then synthetic words for the long tail; words are drawn Zipf-Mandelbrot distributed
   (exponent 1.0, offset 2.7). Titles have 4-20 words, 70% of works have an abstract of
   about 170 words (log-normal), as OpenAlex works roughly do. Works are generated with
   numpy per file and written by `--workers` processes.
2. Indexes it with `litsift snapshot index` (cached too; `--rebuild-index` measures again):
   the per-file tables, then the merge of the token tables into sorted shards, timed apart.
   The 1 M figures use shards merged (by the same code) from the first 1 M works' rows.
3. Runs the flagship query (queries/llm-optimisation.yaml) and three other boolean queries
   on the first 1 M works and on all 5 M: hits, query latency cold (a new process and
   connection) and warm (median of 3), time to read the hits' records from the snapshot,
   peak memory of the query process.
4. Measures DuckDB's FTS extension (package duckdb-extension-fts) on the first 1 M works:
   build time and size, and a conjunctive word query, beside the token table.
5. Extrapolates to 250 M works from the 1 M -> 5 M growth, and compares with the time the
   same records would take through the OpenAlex API (200 records a page, 10 requests/s as
   litsift paces it, 100/s the API's maximum).
Writes OUT_DIR/snapshot.json and OUT_DIR/snapshot.md. No network is touched.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from litsift.ids import fold  # noqa: E402
from litsift.search.query import QuerySpec, build_query  # noqa: E402
from litsift.search.snapshot import (  # noqa: E402
    DuckDBEngine,
    build_index,
    compile_query,
    default_folder,
    open_index,
    open_snapshot,
)
from litsift.search.snapshot import index as index_mod  # noqa: E402
from litsift.search.snapshot.search import Indexed, fetch  # noqa: E402
from litsift.store import load_query  # noqa: E402

GENERATOR_VERSION = 1
PER_FILE = 100_000
VOCAB_SIZE = 300_000
ZIPF_S, ZIPF_Q = 1.0, 2.7
REALWORLD = Path(os.environ.get("LITSIFT_SHARED", ROOT.parent / "shared")) / "realworld"
OTHER_QUERIES = {
    "phrase-not": '"neural network*" AND (pruning OR quantization OR distillation) NOT survey',
    "scoped": 'title:(transformer* OR attention) AND abstract:("language model*" OR translation)',
    "broad-or": "(deep OR machine) AND learning AND (clinical OR patient*)",
}
API_PAGE, API_RATE, API_MAX_RATE = 200, 10.0, 100.0


# --------------------------------------------------------------------------- vocabulary


def real_words() -> Counter:
    """Word counts over the real titles and abstracts in ../shared/realworld."""
    counts: Counter = Counter()
    csv.field_size_limit(10**9)
    for path in sorted((REALWORLD / "screening").glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            for row in csv.DictReader(fh):
                counts.update(fold(row.get("title")).split())
                counts.update(fold(row.get("abstract")).split())
    papers = REALWORLD / "llm-efficiency-papers" / "efficientpaper.jsonl"
    if papers.is_file():
        for line in papers.read_text(encoding="utf-8").splitlines():
            counts.update(fold(json.loads(line).get("title")).split())
    for path in sorted((REALWORLD / "api" / "openalex").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for work in data.get("results", []) if isinstance(data, dict) else []:
            counts.update(fold(work.get("title")).split())
    return counts


def vocabulary() -> list[str]:
    counts = real_words()
    words = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    rng = np.random.default_rng(12345)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    seen = set(words)
    while len(words) < VOCAB_SIZE:
        n = int(rng.integers(4, 11))
        w = "".join(letters[rng.integers(0, 26, n)])
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words[:VOCAB_SIZE]


# --------------------------------------------------------------------------- generator


def _zipf_probs(n: int) -> np.ndarray:
    p = 1.0 / (np.arange(1, n + 1) + ZIPF_Q) ** ZIPF_S
    return p / p.sum()


def _inverted(words: list[str]) -> str:
    index: dict[str, list[int]] = {}
    for pos, w in enumerate(words):
        index.setdefault(w, []).append(pos)
    return json.dumps(index, separators=(",", ":"))


def _write_file(args: tuple) -> tuple[str, int, int]:
    path, start, count, seed, date = args
    vocab = _VOCAB
    rng = np.random.default_rng(seed)
    cdf = _CDF
    title_len = rng.integers(4, 21, count)
    has_abs = rng.random(count) < 0.7
    abs_len = np.clip(rng.lognormal(math.log(160), 0.45, count), 20, 600).astype(int)
    abs_len[~has_abs] = 0
    total = int(title_len.sum() + abs_len.sum())
    draws = np.searchsorted(cdf, rng.random(total))
    draws = np.minimum(draws, len(vocab) - 1)
    words = vocab[draws].tolist()
    years = rng.integers(1990, 2027, count)
    types = rng.choice(
        ["article", "article", "article", "preprint", "book-chapter", "review"], count
    )
    conf = rng.random(count) < 0.25
    nrefs = rng.poisson(8, count)
    at = 0
    tmp = Path(str(path) + ".tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=1) as fh:
        lines = []
        for i in range(count):
            n = start + i
            t = words[at : at + title_len[i]]
            at += title_len[i]
            a = words[at : at + abs_len[i]]
            at += abs_len[i]
            title = " ".join(t).capitalize()
            refs = rng.integers(1, max(n, 2), nrefs[i]) if nrefs[i] else ()
            work = (
                f'{{"id":"https://openalex.org/W{n}","doi":"https://doi.org/10.5555/syn.{n}",'
                f'"title":{json.dumps(title)},"display_name":{json.dumps(title)},'
                f'"publication_year":{years[i]},"type":"{types[i]}","language":"en",'
                f'"authorships":[{{"author":{{"display_name":"Author {n % 99991}"}}}}],'
                f'"primary_location":{{"source":{{"display_name":"Venue {n % 997}",'
                f'"type":"{"conference" if conf[i] else "journal"}"}}}},'
                f'"abstract_inverted_index":{_inverted(a) if a else "null"},'
                f'"referenced_works":['
                + ",".join(f'"https://openalex.org/W{r}"' for r in refs)
                + f'],"updated_date":"{date}T00:00:00"}}'
            )
            lines.append(work)
            if len(lines) >= 5000:
                fh.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return str(path), path.stat().st_size, count


_VOCAB: np.ndarray = np.array([])
_CDF: np.ndarray = np.array([])


def _init(vocab: list[str]) -> None:
    global _VOCAB, _CDF
    _VOCAB = np.array(vocab, dtype=object)
    _CDF = np.cumsum(_zipf_probs(len(vocab)))


def generate(root: Path, works: int, workers: int) -> dict:
    """The synthetic snapshot under root (skipped when a complete one is cached)."""
    marker = root / "complete.json"
    want = {"generator": GENERATOR_VERSION, "works": works, "per_file": PER_FILE}
    if marker.is_file() and json.loads(marker.read_text())["params"] == want:
        return json.loads(marker.read_text())
    shutil.rmtree(root, ignore_errors=True)
    base = root / "data" / "jsonl"
    vocab = vocabulary()
    files = math.ceil(works / PER_FILE)
    jobs = []
    for n in range(files):
        date = f"2026-{1 + n * 6 // files:02d}-{1 + n % 28:02d}"
        path = base / "works" / f"updated_date={date}" / f"part_{n:04d}.gz"
        count = min(PER_FILE, works - n * PER_FILE)
        jobs.append((path, 1 + n * PER_FILE, count, 1000 + n, date))
    start = time.perf_counter()
    with mp.get_context("spawn").Pool(workers, initializer=_init, initargs=(vocab,)) as pool:
        done = []
        for k, result in enumerate(pool.imap(_write_file, jobs), start=1):
            done.append(result)
            print(f"generated {k}/{files} files", file=sys.stderr, flush=True)
    entries = [
        {
            "url": "s3://openalex/data/jsonl/works/" + str(Path(p).relative_to(base / "works")),
            "meta": {"content_length": size, "record_count": count},
        }
        for p, size, count in done
    ]
    (base / "manifest.json").write_text(json.dumps({"entries": entries}), encoding="utf-8")
    info = {
        "params": want,
        "seconds": round(time.perf_counter() - start, 1),
        "bytes": sum(e["meta"]["content_length"] for e in entries),
        "vocabulary": len(vocab),
        "real_words": len(real_words()),
    }
    marker.write_text(json.dumps(info), encoding="utf-8")
    return info


# --------------------------------------------------------------------------- measuring


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _subset(indexed: Indexed, files: int) -> Indexed:
    """The index of the first `files` data files alone, as `litsift snapshot index` would
    merge it: shards written by its own merge from the full index's shards (cached)."""
    keep = dict(sorted(indexed.parts.items())[:files])
    if len(keep) == len(indexed.parts):
        return indexed
    folder = indexed.folder / f"bench-subset-{files}"
    state = index_mod.read_state(indexed.folder)
    if index_mod.token_files(index_mod.read_state(folder), folder) in (None, []):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        sub = {
            "schema_version": state["schema_version"],
            "parts": {rel: d for rel, d in state["parts"].items() if d["no"] in keep},
            # the full index's shards, by absolute path, as the generation to merge from
            "merged": {
                **state["merged"],
                "shards": [str(indexed.folder / rel) for rel in state["merged"]["shards"]],
            },
        }
        index_mod.merge_tokens(folder, sub, threads=2)
    tokens = index_mod.token_files(index_mod.read_state(folder), folder)
    return Indexed(indexed.snapshot, indexed.folder, keep, tuple(tokens or ()))


def _query_child(conn, folder: str, root: str, files: int, queries: dict) -> None:
    snap = open_snapshot(root)
    indexed = _subset(open_index(snap, Path(folder)), files)
    out = {}
    for name, sql in queries.items():
        engine = DuckDBEngine()
        engine.load(indexed.files())
        t = time.perf_counter()
        rows = engine.rows(sql)
        first = time.perf_counter() - t
        warm, cpu = [], []
        for _ in range(5):
            t, c = time.perf_counter(), time.process_time()
            engine.rows(sql)
            warm.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        engine.close()
        out[name] = {
            "hits": len(rows),
            "cold_s": round(first, 3),
            "warm_s": round(statistics.median(warm), 3),
            # CPU seconds of all DuckDB threads: steadier than wall time on a shared machine
            "warm_cpu_s": round(statistics.median(cpu), 3),
            "rows": [int(r[1]) for r in rows[:20000]],
        }
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    conn.send(out)
    conn.close()


def run_queries(folder: Path, root: Path, files: int, queries: dict) -> dict:
    """Queries in a fresh process (its own peak memory), first cold then warm."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_query_child, args=(child, str(folder), str(root), files, queries))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def fetch_time(indexed: Indexed, wids: list[int]) -> tuple[float, int]:
    t = time.perf_counter()
    records = fetch(indexed, wids, "bench")
    return time.perf_counter() - t, len(records)


def measure_fts(folder: Path, indexed: Indexed, files: int, out_dir: Path) -> dict:
    try:
        import duckdb_extension_fts
    except ImportError:
        return {"skipped": "duckdb-extension-fts is not installed (make bench installs it)"}
    import duckdb

    ext = next(Path(duckdb_extension_fts.__file__).parent.rglob("fts.duckdb_extension"))
    db = out_dir / "fts-bench.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(f"LOAD '{ext}'")
    con.execute("SET memory_limit = '6GB'")
    con.execute("SET preserve_insertion_order = false")
    sub = _subset(indexed, files)
    t = time.perf_counter()
    # the folded words back from the token table, one index file at a time; BM25 needs no
    # word order, and an ordered string_agg ran out of 6 GB on one file of 100,000 works
    con.execute("CREATE TABLE docs (wid BIGINT, ti VARCHAR, ab VARCHAR)")
    listed = ", ".join(f"'{p}'" for p in sub.files()["tokens"])
    for no in sorted(sub.parts):  # a data file's works at a time: the shards split by token
        con.execute(
            "INSERT INTO docs SELECT wid, "
            "string_agg(CASE WHEN f = 1 THEN token END, ' ') AS ti, "
            "string_agg(CASE WHEN f = 2 THEN token END, ' ') AS ab "
            f"FROM read_parquet([{listed}]) WHERE (wid >> 32) = {no} GROUP BY wid"
        )
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(
        "PRAGMA create_fts_index('docs', 'wid', 'ti', 'ab', stemmer = 'none', "
        "stopwords = 'none', ignore = '[^a-z0-9 ]', strip_accents = 0, lower = 0)"
    )
    build_s = time.perf_counter() - t
    con.execute("CHECKPOINT")
    size = db.stat().st_size
    q = "training inference"
    t = time.perf_counter()
    fts_hits = con.execute(
        "SELECT count(*) FROM (SELECT wid, fts_main_docs.match_bm25(wid, ?, conjunctive := 1) "
        "AS s FROM docs) WHERE s IS NOT NULL",
        [q],
    ).fetchone()[0]
    fts_s = time.perf_counter() - t
    con.close()
    db.unlink(missing_ok=True)
    engine = DuckDBEngine()
    engine.load(sub.files())
    sql = compile_query(build_query(QuerySpec(name="w", query="training inference"))).sql
    engine.rows(sql)
    t = time.perf_counter()
    token_hits = len(engine.rows(sql))
    token_s = time.perf_counter() - t
    engine.close()
    return {
        "works": sum(1 for _ in sub.parts) * PER_FILE,
        "load_text_s": round(load_s, 1),
        "build_s": round(build_s, 1),
        "size_bytes": size,
        "query": q,
        "fts_conjunctive_s": round(fts_s, 3),
        "fts_hits": int(fts_hits),
        "token_table_s": round(token_s, 3),
        "token_table_hits": token_hits,
    }


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--works", type=int, default=5_000_000)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "litsift-bench")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rebuild-index", action="store_true")
    ap.add_argument("--skip-fts", action="store_true")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    root = args.cache / f"snapshot-{args.works}"
    root.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(root).free
    need = args.works * 2600  # raw files and index, measured at about 2.2 KB a work
    if not (root / "complete.json").is_file() and free < need:
        print(
            f"not enough disk: {free / 1e9:.1f} GB free, {need / 1e9:.1f} GB needed",
            file=sys.stderr,
        )
        return 1
    gen = generate(root, args.works, args.workers)
    snap = open_snapshot(root)
    folder = default_folder(root, snap.format)
    timing = folder / "bench-build.json"
    if args.rebuild_index:
        shutil.rmtree(folder, ignore_errors=True)
    # always run the build: a no-op on a complete index, and it adds what an index cached by
    # an older litsift lacks (seek points, merged shards), timing each step it does
    marks: dict[str, float] = {}

    def mark(step: str, what: str):
        def report(done: int, total: int, *rest: int) -> None:
            marks[step] = time.perf_counter()
            print(f"{what} {done}/{total}", file=sys.stderr)

        return report

    t = time.perf_counter()
    report = build_index(
        snap,
        folder,
        workers=args.workers,
        progress=mark("files", "indexed files"),
        seek_progress=mark("seek", "seek points for files"),
        merge_progress=mark("merge", "merged shards"),
    )
    end = time.perf_counter()
    files_end = marks.get("files", t) if report.built else t
    seek_end = marks.get("seek", files_end)
    steps = {
        "seek_seconds": round(seek_end - files_end, 1) if "seek" in marks else None,
        "merge_seconds": round(end - seek_end, 1) if report.shards else None,
        "shards": report.shards or None,
        "peak_rss_merge_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        if report.shards
        else None,
    }
    build = json.loads(timing.read_text()) if timing.is_file() and not report.built else {}
    if report.built:
        build = {
            "seconds": round(end - t, 1),
            "works": report.works,
            "peak_rss_worker_mb": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
            ),
            "measured": time.strftime("%Y-%m-%d"),
        }
    done_now = {k: v for k, v in steps.items() if v is not None}
    if done_now:
        build.update(done_now, steps_measured=time.strftime("%Y-%m-%d"))
        if not report.built:  # the files were indexed earlier: add the new steps' time
            build["seconds"] = round(build["seconds"] + end - t, 1)
    timing.write_text(json.dumps(build), encoding="utf-8")
    build = json.loads(timing.read_text())
    tokens = _du(folder / "tokens") + _du(folder / index_mod.MERGED)
    build["size_bytes"] = {
        "works": _du(folder / "works"),
        "tokens": tokens,
        "refs": _du(folder / "refs"),
    }
    indexed = open_index(snap, folder)
    flagship = load_query(ROOT / "queries" / "llm-optimisation.yaml")
    queries = {"flagship": compile_query(flagship).sql}
    for name, text in OTHER_QUERIES.items():
        queries[name] = compile_query(build_query(QuerySpec(name=name, query=text))).sql
    all_files = len(indexed.parts)
    one_m = max(1, min(all_files, 1_000_000 // PER_FILE))
    _subset(indexed, one_m)  # merged here (once, cached), not in the measured query process
    scales = {}
    for label, files in (("1M", one_m), ("5M", all_files)):
        print(f"querying {label}", file=sys.stderr)
        scales[label] = run_queries(folder, root, files, queries)
    sub = _subset(indexed, all_files)
    for name in queries:
        wids = scales["5M"][name].pop("rows")
        scales["1M"][name].pop("rows")
        seconds, n = fetch_time(sub, wids)
        scales["5M"][name]["fetch_records"] = n
        scales["5M"][name]["fetch_s"] = round(seconds, 2)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "snapshot": {**gen, "files": all_files, "release_date": snap.release_date},
        "index_build": build,
        "queries": {k: v for k, v in queries.items()},
        "scales": scales,
        "fts": {"skipped": "not run yet"},
    }
    result["summary"] = summarise(result, args.works, one_m * PER_FILE)
    _write(args.out, result)  # the query figures survive a failure of the FTS comparison
    if args.skip_fts:
        result["fts"] = {"skipped": "--skip-fts"}
    else:
        import duckdb

        try:
            result["fts"] = measure_fts(folder, indexed, one_m, args.out)
        except duckdb.Error as e:
            result["fts"] = {"skipped": f"failed: {str(e).splitlines()[0]}"}
    _write(args.out, result)
    return 0


def _write(out: Path, result: dict) -> None:
    (out / "snapshot.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (out / "snapshot.md").write_text(markdown(result), encoding="utf-8")


def summarise(result: dict, works: int, small: int) -> dict:
    out = {}
    big, little = result["scales"]["5M"], result["scales"]["1M"]
    ratio = works / small
    for name in result["queries"]:
        b, s = big[name]["warm_s"], little[name]["warm_s"]
        exponent = math.log(b / s) / math.log(ratio) if s > 0 and b > 0 and ratio > 1 else None
        hits = big[name]["hits"]
        api_pages = max(1, math.ceil(hits / API_PAGE))
        local = b + big[name].get("fetch_s", 0.0)
        per_work = 250_000_000 / works
        out[name] = {
            "growth_exponent": round(exponent, 2) if exponent is not None else None,
            "warm_250M_s_linear": round(b * per_work, 1),
            "api_seconds_at_10rps": round(api_pages / API_RATE, 1),
            "api_seconds_at_100rps": round(api_pages / API_MAX_RATE, 1),
            "api_over_snapshot": round(api_pages / API_RATE / local, 1) if local else None,
        }
    build = result["index_build"]
    out["index_250M_hours_linear"] = round(build["seconds"] * 250_000_000 / works / 3600, 1)
    size = sum(build["size_bytes"].values())
    out["index_250M_gb_linear"] = round(size * 250_000_000 / works / 1e9, 1)
    return out


def markdown(r: dict) -> str:
    s, b, summ = r["snapshot"], r["index_build"], r["summary"]
    size = sum(b["size_bytes"].values())
    lines = [
        "# Snapshot search (bench/snapshot.py)",
        "",
        f"Synthetic OpenAlex snapshot: {s['params']['works']:,} works in {s['files']} files, "
        f"{s['bytes'] / 1e9:.2f} GB gzip JSON Lines; vocabulary {s['vocabulary']:,} words "
        f"({s['real_words']:,} real words from ../shared/realworld). Generated in "
        f"{s['seconds']:.0f} s. Machine: {r['machine']['cpus']} cores (shared).",
        "",
        f"Index build: {b['seconds']:.0f} s ({b['works'] / b['seconds']:,.0f} works/s, "
        f"measured {b['measured']}), {size / 1e9:.2f} GB "
        + ", ".join(f"{k} {v / 1e9:.2f} GB" for k, v in b["size_bytes"].items())
        + f"; peak worker memory {b['peak_rss_worker_mb']:.0f} MB"
        + (f"; of which seek points {b['seek_seconds']:.0f} s" if "seek_seconds" in b else "")
        + (
            f", merging the token tables into {b['shards']} shards "
            f"{b['merge_seconds']:.0f} s (peak {b['peak_rss_merge_mb']:.0f} MB)."
            if "merge_seconds" in b
            else "."
        ),
        "",
        "| query | works | hits | cold s | warm s | warm CPU s | peak MB | records read s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label in ("1M", "5M"):
        sc = r["scales"][label]
        for name in r["queries"]:
            q = sc[name]
            lines.append(
                f"| {name} | {label} | {q['hits']:,} | {q['cold_s']:.2f}"
                + f" | {q['warm_s']:.2f} | {q.get('warm_cpu_s', float('nan')):.2f}"
                + f" | {sc['peak_rss_mb']:.0f} | "
                + (f"{q['fetch_s']:.1f}" if "fetch_s" in q else "")
                + " |"
            )
    lines += [
        "",
        "Cold: the first run in a new process and connection (the OS page cache is not "
        "dropped: that would slow every other user of this shared machine). Warm: median of "
        "5 more runs; CPU: their median CPU seconds over all threads. Records read: the "
        "first 20,000 hits (by id) read and parsed from the snapshot files.",
        "",
        "| query | growth exponent 1M->5M | warm at 250M (linear) | API at 10 req/s | "
        "API at 100 req/s | API / snapshot |",
        "|---|---|---|---|---|---|",
    ]
    for name in r["queries"]:
        q = summ[name]
        lines.append(
            f"| {name} | {q['growth_exponent']} | {q['warm_250M_s_linear']} s | "
            f"{q['api_seconds_at_10rps']} s | {q['api_seconds_at_100rps']} s | "
            f"{q['api_over_snapshot']}x |"
        )
    lines += [
        "",
        f"Index at 250 M works (linear): {summ['index_250M_hours_linear']} h on this machine, "
        f"{summ['index_250M_gb_linear']} GB.",
        "",
    ]
    fts = r["fts"]
    if "skipped" in fts:
        lines.append(f"DuckDB FTS extension: not measured ({fts['skipped']}).")
    else:
        lines.append(
            f"DuckDB FTS extension on {fts['works']:,} works: loading the text "
            f"{fts['load_text_s']} s + create_fts_index {fts['build_s']} s, "
            f"{fts['size_bytes'] / 1e9:.2f} GB; conjunctive '{fts['query']}' "
            f"{fts['fts_conjunctive_s']} s ({fts['fts_hits']:,} hits) vs the token table "
            f"{fts['token_table_s']} s ({fts['token_table_hits']:,} hits)."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
