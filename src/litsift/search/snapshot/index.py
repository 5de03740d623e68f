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
`wid` = file number << 32 | row in the file, so a hit leads back to its work.

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
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from litsift.errors import InputError
from litsift.search.snapshot.layout import Format, PartFile, Snapshot, check_present
from litsift.search.snapshot.works import index_row, iter_works

SCHEMA_VERSION = 1
STATE = "state.json"
TABLES = ("works", "tokens", "refs")
Progress = Callable[[int, int, int], None]  # (files done, files in all, works indexed)


@dataclass(frozen=True)
class IndexReport:
    folder: Path
    files: int
    built: int  # files indexed by this run
    skipped: int  # already indexed
    removed: int  # indexed files no longer in the snapshot
    works: int


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
    return all(table_file(folder, t, done["no"]).is_file() for t in TABLES)


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
) -> IndexReport:
    """Index every data file not yet indexed; resumable; see the module docstring."""
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
        state["parts"][part.rel] = {"no": no, "done": False}
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
    return IndexReport(folder, len(snapshot.parts), len(todo), skipped, removed, works)


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
        for table in TABLES:
            table_file(folder, table, no).unlink(missing_ok=True)
    return len(gone)


def _error(path: str, message: str, line: int | None, *, folder: Path, state: dict) -> InputError:
    done = sum(1 for d in state["parts"].values() if d.get("done"))
    if message.startswith("disk full"):
        message += (
            f"; {done} data files are indexed and kept: free space and re-run "
            "`litsift snapshot index` to resume"
        )
    return InputError(path, message, line)


def _run(jobs: list[tuple[PartFile, int]], folder: Path, fmt: Format, workers: int):
    if workers <= 1 or len(jobs) <= 1:
        for part, no in jobs:
            yield part, no, index_part(part.path, no, folder, fmt)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = [
            (part, no, pool.submit(index_part, part.path, no, folder, fmt)) for part, no in jobs
        ]
        for part, no, future in futures:
            yield part, no, future.result()


def index_part(path: Path, no: int, folder: Path, fmt: Format) -> int | tuple:
    """Index one data file; returns the number of works, or (path, message, line) on error."""
    try:
        return _index_part(path, no, folder, fmt)
    except InputError as e:
        return (e.path, e.message, e.line)
    except OSError as e:
        if e.errno == errno.ENOSPC:
            return (str(folder), f"disk full while indexing {path.name}", None)
        raise
    except Exception as e:
        if "No space left on device" in str(e):
            return (str(folder), f"disk full while indexing {path.name}", None)
        raise


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
