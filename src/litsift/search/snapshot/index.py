"""`litsift snapshot index`: the token index a boolean query runs on, built file by file.

For each data file of the snapshot (one `updated_date=.../part_*` file) three Parquet
files are written under the index folder, then the file is recorded as done in
`state.json`; a re-run skips what is done (same size and modification time), so an
interrupted or failed build resumes where it stopped. Memory is bounded by one data file
per worker. Layout:
  state.json               which data files are indexed, their number, size, works
  works/p000000.parquet    wid, id, doi, year, doc_type
  tokens/p000000.parquet   token, wid, f, pos   (sorted by token, for row-group pruning)
  refs/p000000.parquet     wid, ref
  seek/p000000.*           where each work starts in the data file (JSON Lines; seek.py)
`wid` = file number << 32 | row in the file, so a hit leads back to its work.

Once every data file is indexed, the per-file token tables are merged into one table
sorted by token and cut into shards of about SHARD_BYTES by token range
(`tokens-merged/g000001/s00000.parquet`, ...): a term is then looked up in one shard
instead of once per data file (17 terms x 50 files for the flagship query on 5 M works:
1.95 s -> 0.56 s warm, bench/snapshot.py). A per-file token table is deleted once its rows
are in the shards, so the tokens are on disk once. A changed or vanished data file is
merged again from the current shards without its old rows; a merge writes a new
generation of shards, shard by shard (an interrupted merge resumes), and switches to it in
`state.json` only when it is complete, so a search always reads one consistent set.

Why a token table and not DuckDB's full-text extension, measured with bench/snapshot.py on
1 M works (README, "How fast"): create_fts_index took 754 s and 1.85 GB against 0.47 GB of
token table, and a conjunctive two-word query 6.6 s against 0.4 s. The token table is
also written per data file (resumable, readable in place by Spark) and answers phrases and
prefixes exactly from positions; FTS builds one index over one table in one go, ranks by
BM25 and keeps no positions, so it could only propose candidates.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from litsift.errors import InputError
from litsift.search.snapshot.layout import Format, PartFile, Snapshot, check_present
from litsift.search.snapshot.works import index_row, iter_works

SCHEMA_VERSION = 1
STATE = "state.json"
TABLES = ("works", "tokens", "refs")
MERGED = "tokens-merged"
SHARD_BYTES = 128 << 20  # about this much of the token table per merged shard
Progress = Callable[[int, int, int], None]  # (files done, files in all, works indexed)
StepProgress = Callable[[int, int], None]  # (steps done, steps in all): seek points, shards


@dataclass(frozen=True)
class IndexReport:
    folder: Path
    files: int
    built: int  # files indexed by this run
    skipped: int  # already indexed
    removed: int  # indexed files no longer in the snapshot
    works: int
    shards: int = 0  # merged token shards written by this run (0: already merged)


def default_folder(snapshot_root: Path, fmt: Format) -> Path:
    return snapshot_root / f".litsift-index-{fmt.removeprefix('openalex-')}"


def _stamp(part: PartFile) -> dict[str, int]:
    st = part.path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def read_state(folder: Path) -> dict[str, Any]:
    path = folder / STATE
    if not path.is_file():
        return {"schema_version": SCHEMA_VERSION, "parts": {}}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(path, f"unreadable index state ({e}); delete the index folder") from e
    if not isinstance(state, dict) or state.get("schema_version") != SCHEMA_VERSION:
        raise InputError(path, "index from another litsift version; delete the index folder")
    return state


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    path = folder / STATE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def table_file(folder: Path, table: str, no: int) -> Path:
    return folder / table / f"p{no:06d}.parquet"


def is_current(state: dict[str, Any], part: PartFile, folder: Path) -> bool:
    done = state["parts"].get(part.rel)
    if not done or not done.get("done"):
        return False
    stamp = _stamp(part)
    if (done.get("size"), done.get("mtime_ns")) != (stamp["size"], stamp["mtime_ns"]):
        return False
    own = [t for t in TABLES if t != "tokens" or not done.get("merged")]
    return all(table_file(folder, t, done["no"]).is_file() for t in own)


def token_files(state: dict[str, Any], folder: Path) -> list[Path] | None:
    """The token table a search reads: the merged shards and the token files of data files
    indexed since the last merge; None when the shards hold rows of a data file that has
    been indexed again or dropped since (a merge is due before anything can be searched)."""
    merged = state.get("merged") or {"nos": [], "shards": []}
    in_shards = sorted(d["no"] for d in state["parts"].values() if d.get("merged"))
    if sorted(merged["nos"]) != in_shards:
        return None
    own = sorted(d["no"] for d in state["parts"].values() if d.get("done") and not d.get("merged"))
    return [folder / rel for rel in merged["shards"]] + [
        table_file(folder, "tokens", no) for no in own
    ]


def missing_parts(snapshot: Snapshot, folder: Path) -> list[PartFile]:
    """Data files the index does not cover (or covers from an older copy)."""
    state = read_state(folder)
    return [p for p in snapshot.parts if not is_current(state, p, folder)]


def build_index(
    snapshot: Snapshot,
    folder: Path,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    seek_progress: StepProgress | None = None,
    merge_progress: StepProgress | None = None,
    shard_bytes: int = SHARD_BYTES,
) -> IndexReport:
    """Index every data file not yet indexed, then merge their token tables; resumable;
    see the module docstring."""
    check_present(snapshot)
    for table in TABLES:
        _mkdir(folder / table)
    state = read_state(folder)
    state["format"] = snapshot.format
    removed = _drop_vanished(snapshot, folder, state)
    todo = [p for p in snapshot.parts if not is_current(state, p, folder)]
    skipped = len(snapshot.parts) - len(todo)
    next_no = max((d["no"] for d in state["parts"].values()), default=-1) + 1
    jobs = []
    for part in todo:
        known = state["parts"].get(part.rel)
        no = known["no"] if known else next_no
        next_no += 0 if known else 1
        state["parts"][part.rel] = {"no": no, "done": False}  # and no longer merged
        jobs.append((part, no))
    _write_state(folder, state)
    works = sum(d.get("works", 0) for d in state["parts"].values() if d.get("done"))
    done = skipped
    if progress:
        progress(done, len(snapshot.parts), works)
    for part, no, result in _run(jobs, folder, snapshot.format, workers):
        if isinstance(result, tuple):  # an error from the worker: (path, message, line)
            raise _error(*result, folder=folder, state=state)
        state["parts"][part.rel] = {"no": no, "done": True, "works": result, **_stamp(part)}
        _write_state(folder, state)
        works += result
        done += 1
        if progress:
            progress(done, len(snapshot.parts), works)
    build_seek(snapshot, folder, state, workers=workers, progress=seek_progress)
    shards = merge_tokens(
        folder, state, threads=workers, shard_bytes=shard_bytes, progress=merge_progress
    )
    return IndexReport(folder, len(snapshot.parts), len(todo), skipped, removed, works, shards)


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(path, f"cannot create the index folder ({e.strerror})") from e


def _drop_vanished(snapshot: Snapshot, folder: Path, state: dict[str, Any]) -> int:
    """Forget (and delete) the index of data files the snapshot no longer lists."""
    listed = {p.rel for p in snapshot.parts}
    gone = [rel for rel in state["parts"] if rel not in listed]
    for rel in gone:
        no = state["parts"].pop(rel)["no"]
        for table in TABLES:  # its rows in the merged shards go at the next merge
            table_file(folder, table, no).unlink(missing_ok=True)
        for path in _seek_files(folder, no):
            path.unlink(missing_ok=True)
    return len(gone)


def build_seek(
    snapshot: Snapshot,
    folder: Path,
    state: dict[str, Any],
    *,
    workers: int = 1,
    progress: StepProgress | None = None,
) -> int:
    """Line offsets and seek points (seek.py) for every indexed JSON Lines file without them,
    so a search reads its hits' works directly; returns the files done now."""
    if snapshot.format != "openalex-jsonl":
        return 0
    todo = [
        (part, state["parts"][part.rel]["no"])
        for part in snapshot.parts
        if state["parts"].get(part.rel, {}).get("done") and not state["parts"][part.rel].get("seek")
    ]
    for n, (part, _no, result) in enumerate(_map(_seek_part, todo, folder, workers), 1):
        if isinstance(result, tuple):
            raise _error(*result, folder=folder, state=state)
        state["parts"][part.rel]["seek"] = True
        _write_state(folder, state)
        if progress:
            progress(n, len(todo))
    return len(todo)


def seekable(state: dict[str, Any]) -> frozenset[int]:
    """Numbers of the data files whose works can be read directly (build_seek)."""
    return frozenset(d["no"] for d in state["parts"].values() if d.get("done") and d.get("seek"))


def _seek_part(path: Path, no: int, folder: Path) -> int | tuple:
    return _in_worker(_seek_one, path, no, folder)


def _seek_one(path: Path, no: int, folder: Path) -> int:
    from litsift.search.snapshot import seek

    return seek.build(path, folder, no)


def _map(fn: Callable, jobs: list[tuple[PartFile, int]], folder: Path, workers: int):
    if workers <= 1 or len(jobs) <= 1:
        for part, no in jobs:
            yield part, no, fn(part.path, no, folder)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = [(part, no, pool.submit(fn, part.path, no, folder)) for part, no in jobs]
        for part, no, future in futures:
            yield part, no, future.result()


@dataclass(frozen=True)
class _Plan:
    gen: int
    bounds: tuple[str, ...]  # ascending split tokens: shard i holds bounds[i-1] <= t < bounds[i]
    keep: tuple[int, ...]  # data files whose rows are taken from the current shards
    fresh: tuple[int, ...]  # data files read from their own token files
    old: tuple[str, ...]  # the current shards, relative to the index folder


def merge_tokens(
    folder: Path,
    state: dict[str, Any],
    *,
    threads: int = 1,
    shard_bytes: int = SHARD_BYTES,
    progress: StepProgress | None = None,
) -> int:
    """Merge the token files indexed since the last merge (and drop the rows of data files
    indexed again or dropped) into a new generation of shards; returns the shards written."""
    parts = [d for d in state["parts"].values() if d.get("done")]
    keep = tuple(sorted(d["no"] for d in parts if d.get("merged")))
    fresh = tuple(sorted(d["no"] for d in parts if not d.get("merged")))
    merged = state.get("merged") or {"gen": 0, "nos": [], "shards": []}
    if not fresh and tuple(sorted(merged["nos"])) == keep:
        _tidy(folder, state)
        return 0
    old = tuple(merged["shards"])
    plan = _resumed(state.get("merging"), keep, fresh, old)
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"SET threads TO {max(1, int(threads))}")
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{_sql_path(folder / MERGED / 'spill')}'")
        source = _merge_source(folder, keep, fresh, old)
        if plan is None:
            plan = _Plan(
                merged["gen"] + 1,
                _bounds(con, folder, source, keep, fresh, old, merged, shard_bytes),
                keep,
                fresh,
                old,
            )
            shutil.rmtree(_gen_folder(folder, plan.gen), ignore_errors=True)
            state["merging"] = {**plan.__dict__, "done": []}
            _write_state(folder, state)
        out = _gen_folder(folder, plan.gen)
        _mkdir(out)
        shards = len(plan.bounds) + 1
        written = 0
        for i in range(shards):
            if i in state["merging"]["done"] and _shard(out, i).is_file():
                continue
            lo = plan.bounds[i - 1] if i else None
            hi = plan.bounds[i] if i < len(plan.bounds) else None
            _write_shard(con, source, lo, hi, _shard(out, i))
            state["merging"]["done"].append(i)
            _write_state(folder, state)
            written += 1
            if progress:
                progress(len(set(state["merging"]["done"])), shards)
    except (OSError, duckdb.Error) as e:
        if _disk_full(e):
            raise InputError(
                folder,
                "disk full while merging the token index; free space "
                "and re-run `litsift snapshot index` to resume",
            ) from e
        raise
    finally:
        con.close()
    state["merged"] = {
        "gen": plan.gen,
        "nos": sorted(keep + fresh),
        "shards": [str(_shard(out, i).relative_to(folder)) for i in range(shards)],
    }
    for d in parts:
        d["merged"] = True
    del state["merging"]
    _write_state(folder, state)
    _tidy(folder, state)
    return written


def _resumed(merging: dict | None, keep: tuple, fresh: tuple, old: tuple) -> _Plan | None:
    """The interrupted merge's plan, if it was merging exactly what is to be merged now."""
    if not merging:
        return None
    plan = _Plan(
        merging["gen"],
        tuple(merging["bounds"]),
        tuple(merging["keep"]),
        tuple(merging["fresh"]),
        tuple(merging["old"]),
    )
    return plan if (plan.keep, plan.fresh, plan.old) == (keep, fresh, old) else None


def _merge_source(folder: Path, keep: tuple, fresh: tuple, old: tuple) -> str:
    branches = []
    if old and keep:
        files = _sql_list(folder / rel for rel in old)
        nos = ", ".join(str(n) for n in keep)
        branches.append(
            f"SELECT token, wid, f, pos FROM read_parquet([{files}]) WHERE (wid >> 32) IN ({nos})"
        )
    if fresh:
        files = _sql_list(table_file(folder, "tokens", no) for no in fresh)
        branches.append(f"SELECT token, wid, f, pos FROM read_parquet([{files}])")
    return " UNION ALL ".join(branches) or (
        "SELECT CAST(NULL AS VARCHAR) AS token, CAST(NULL AS BIGINT) AS wid, "
        "CAST(NULL AS TINYINT) AS f, CAST(NULL AS INTEGER) AS pos WHERE false"
    )


def _bounds(
    con: Any,
    folder: Path,
    source: str,
    keep: tuple,
    fresh: tuple,
    old: tuple,
    merged: dict,
    shard_bytes: int,
) -> tuple[str, ...]:
    """Split tokens cutting the merged table into shards of about shard_bytes, from the
    token quantiles of a sample of its rows."""
    size = sum(table_file(folder, "tokens", no).stat().st_size for no in fresh)
    if old and keep:
        share = len(keep) / max(1, len(merged["nos"]))
        size += int(share * sum((folder / rel).stat().st_size for rel in old))
    k = max(1, -(-size // max(1, shard_bytes)))
    if k == 1:
        return ()
    qs = ", ".join(f"{i / k:.6f}" for i in range(1, k))
    row = con.execute(
        f"SELECT quantile_disc(token, [{qs}]) FROM ({source}) USING SAMPLE 200000 ROWS"
    ).fetchone()
    return tuple(sorted({t for t in (row[0] if row and row[0] else []) if t}))


def _write_shard(con: Any, source: str, lo: str | None, hi: str | None, out: Path) -> None:
    conds = [c for c in (lo and f"token >= {_sql_str(lo)}", hi and f"token < {_sql_str(hi)}") if c]
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    tmp = out.with_name(f".{out.name}.tmp")
    sql = f"SELECT * FROM ({source}){where} ORDER BY token, wid, f, pos"
    con.execute(f"COPY ({sql}) TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION zstd)")
    os.replace(tmp, out)


def _tidy(folder: Path, state: dict[str, Any]) -> None:
    """Delete what the state no longer refers to: older shard generations, spill files and
    the token files of data files whose rows are in the shards (after a switch, or after
    an interruption between the switch and the clean-up)."""
    merged = state.get("merged")
    keep = {_gen_folder(folder, merged["gen"]).name} if merged else set()
    if state.get("merging"):
        keep.add(_gen_folder(folder, state["merging"]["gen"]).name)
    base = folder / MERGED
    if base.is_dir():
        for child in base.iterdir():
            if child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)
    for d in state["parts"].values():
        if d.get("merged"):
            table_file(folder, "tokens", d["no"]).unlink(missing_ok=True)


def _seek_files(folder: Path, no: int) -> tuple[Path, Path]:
    from litsift.search.snapshot import seek

    return seek.files(folder, no)


def _gen_folder(folder: Path, gen: int) -> Path:
    return folder / MERGED / f"g{gen:06d}"


def _shard(out: Path, i: int) -> Path:
    return out / f"s{i:05d}.parquet"


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _sql_list(paths: Any) -> str:
    return ", ".join(_sql_str(str(p)) for p in paths)


def _error(path: str, message: str, line: int | None, *, folder: Path, state: dict) -> InputError:
    done = sum(1 for d in state["parts"].values() if d.get("done"))
    if message.startswith("disk full"):
        message += (
            f"; {done} data files are indexed and kept: free space and re-run "
            "`litsift snapshot index` to resume"
        )
    return InputError(path, message, line)


def _run(jobs: list[tuple[PartFile, int]], folder: Path, fmt: Format, workers: int):
    return _map(partial(index_part, fmt=fmt), jobs, folder, workers)


def index_part(path: Path, no: int, folder: Path, fmt: Format) -> int | tuple:
    """Index one data file; returns the number of works, or (path, message, line) on error."""
    return _in_worker(partial(_index_part, fmt=fmt), path, no, folder)


def _in_worker(fn: Callable, path: Path, no: int, folder: Path) -> int | tuple:
    """fn(path, no, folder), its errors as (path, message, line): a worker process returns
    them for the parent to raise, with a full disk named as such."""
    try:
        return fn(path, no, folder)
    except InputError as e:
        return (e.path, e.message, e.line)
    except Exception as e:
        if _disk_full(e):
            return (str(folder), f"disk full while indexing {path.name}", None)
        raise


def _disk_full(e: BaseException) -> bool:
    """A full disk, as the OS reports it (ENOSPC) or as DuckDB words it."""
    if isinstance(e, OSError) and e.errno == errno.ENOSPC:
        return True
    return "No space left on device" in str(e)


def _index_part(path: Path, no: int, folder: Path, fmt: Format) -> int:
    import duckdb

    tmpdir = Path(tempfile.mkdtemp(prefix=f".p{no:06d}-", dir=folder))
    con = duckdb.connect()
    try:
        con.execute("SET threads TO 1")
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{tmpdir}'")
        con.execute(SRC_TABLE)
        works = _load(con, path, no, fmt)
        outs = {t: tmpdir / f"{t}.parquet" for t in TABLES}
        _copy(con, WORKS_SQL, outs["works"])
        _copy(con, TOKENS_SQL, outs["tokens"])
        _copy(con, REFS_SQL, outs["refs"])
        for table, tmp in outs.items():
            os.replace(tmp, table_file(folder, table, no))
    finally:
        con.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
    return works


def _load(con: Any, path: Path, no: int, fmt: Format) -> int:
    """Read the file's works into the table src, CHUNK works at a time (bounded memory)."""
    names = ("wid", "id", "doi", "year", "doc_type", "ti", "ab", "refs")
    cols: dict[str, list] = {k: [] for k in names}
    base, total = no << 32, 0
    for row, work in iter_works(path, fmt):
        item = index_row(row, work)
        if item is None:
            continue
        cols["wid"].append(base | item.row)
        cols["id"].append(item.id)
        cols["doi"].append(item.doi)
        cols["year"].append(item.year)
        cols["doc_type"].append(item.doc_type)
        cols["ti"].append(" ".join(item.title))
        cols["ab"].append(" ".join(item.abstract))
        cols["refs"].append(" ".join(item.refs))
        if len(cols["wid"]) >= CHUNK:
            total += _flush(con, cols)
    return total + _flush(con, cols)


def _flush(con: Any, cols: dict[str, list]) -> int:
    import pandas as pd

    n = len(cols["wid"])
    if n:
        frame = pd.DataFrame(cols)
        frame["wid"] = frame["wid"].astype("int64")
        frame["year"] = frame["year"].astype("Int32")
        con.register("chunk", frame)
        con.execute("INSERT INTO src SELECT wid, id, doi, year, doc_type, ti, ab, refs FROM chunk")
        con.unregister("chunk")
        for values in cols.values():
            values.clear()
    return n


def _copy(con: Any, sql: str, out: Path) -> None:
    con.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")


CHUNK = 50_000  # works held in Python at a time
MEMORY_LIMIT = "1GB"  # per worker; DuckDB spills a larger sort to the index folder
SRC_TABLE = (
    "CREATE TABLE src (wid BIGINT, id VARCHAR, doi VARCHAR, year INTEGER, "
    "doc_type VARCHAR, ti VARCHAR, ab VARCHAR, refs VARCHAR)"
)
WORKS_SQL = "SELECT wid, id, doi, year, doc_type FROM src ORDER BY wid"
TOKENS_SQL = """
SELECT CAST(token AS VARCHAR) AS token, CAST(wid AS BIGINT) AS wid,
       CAST(f AS TINYINT) AS f, CAST(pos AS INTEGER) AS pos FROM (
  SELECT wid, 1 AS f, unnest(s) AS token, generate_subscripts(s, 1) - 1 AS pos
  FROM (SELECT wid, string_split(ti, ' ') AS s FROM src WHERE ti <> '')
  UNION ALL
  SELECT wid, 2 AS f, unnest(s) AS token, generate_subscripts(s, 1) - 1 AS pos
  FROM (SELECT wid, string_split(ab, ' ') AS s FROM src WHERE ab <> '')
) ORDER BY token, wid, f, pos
"""
REFS_SQL = """
SELECT DISTINCT CAST(wid AS BIGINT) AS wid, CAST(ref AS VARCHAR) AS ref FROM (
  SELECT wid, unnest(string_split(refs, ' ')) AS ref FROM src WHERE refs <> ''
) ORDER BY ref, wid
"""
