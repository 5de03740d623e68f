"""Run compiled queries and citation look-ups on an indexed snapshot; hits become Records."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from litsift.errors import InputError, SearchError
from litsift.ids import normalise_doi
from litsift.models import Record
from litsift.search.query import Query
from litsift.search.snapshot import compile as sqlc
from litsift.search.snapshot import seek
from litsift.search.snapshot.engines import Engine
from litsift.search.snapshot.index import (
    missing_parts,
    read_state,
    seekable,
    table_file,
    token_files,
)
from litsift.search.snapshot.layout import PartFile, Snapshot
from litsift.search.snapshot.works import decode_lines, read_rows, to_record


@dataclass(frozen=True)
class Indexed:
    """A snapshot with a complete index: what a search needs."""

    snapshot: Snapshot
    folder: Path
    parts: dict[int, PartFile]  # file number -> data file
    tokens: tuple[Path, ...]  # the merged token shards (and any file not merged yet)
    seekable: frozenset[int] = frozenset()  # files whose works are read directly (seek.py)

    def files(self) -> dict[str, list[Path]]:
        """The index's Parquet files, table by table, as the engines load them."""
        per_file = {
            t: [table_file(self.folder, t, n) for n in sorted(self.parts)]
            for t in ("works", "refs")
        }
        return {**per_file, "tokens": list(self.tokens)}


def open_index(snapshot: Snapshot, folder: Path) -> Indexed:
    """The snapshot's index, refusing one that misses or predates any data file."""
    missing = missing_parts(snapshot, folder)
    if missing:
        raise InputError(
            folder,
            f"the snapshot index covers {len(snapshot.parts) - len(missing)} of "
            f"{len(snapshot.parts)} data files (first missing: {missing[0].rel}); run "
            f"`litsift snapshot index {snapshot.root}` (it resumes)",
        )
    state = read_state(folder)
    tokens = token_files(state, folder)
    if tokens is None:
        raise InputError(
            folder,
            "the merged token index still holds data files indexed again or dropped since; "
            f"run `litsift snapshot index {snapshot.root}` to finish merging (it resumes)",
        )
    by_rel = {p.rel: p for p in snapshot.parts}
    parts = {state["parts"][rel]["no"]: part for rel, part in by_rel.items()}
    return Indexed(snapshot, folder, parts, tuple(tokens), seekable(state))


@dataclass
class Result:
    """What one SQL statement found, and the records it resolves to."""

    sql: str
    hits: int  # rows the SQL returned
    records: list[Record] = field(default_factory=list)
    duplicates: int = 0  # the same work in two updated_date partitions: newest kept
    query_seconds: float = 0.0
    fetch_seconds: float = 0.0
    # citation look-ups: seed W id -> W ids of the works it links to
    by_seed: dict[str, list[str]] = field(default_factory=dict)


def run_sql(indexed: Indexed, engine: Engine, sql: str, source: str) -> Result:
    """Run one (id, wid) SELECT and read the records of its hits from the snapshot."""
    start = time.perf_counter()
    rows = engine.rows(sql)
    result = Result(sql=sql, hits=len(rows), query_seconds=time.perf_counter() - start)
    start = time.perf_counter()
    chosen = _newest(indexed, rows)
    result.duplicates = len(rows) - len(chosen)
    result.records = fetch(indexed, chosen, source)
    result.fetch_seconds = time.perf_counter() - start
    return result


def search(indexed: Indexed, engine: Engine, query: Query, source: str) -> Result:
    """The query's matching works in the snapshot, as records of `source`."""
    return run_sql(indexed, engine, sqlc.compile_query(query).sql, source)


def run_links(indexed: Indexed, engine: Engine, sql: str, source: str) -> Result:
    """Run one (seed, id, wid) SELECT of citation links: the linked works' records, and
    which seed links to which (`by_seed`)."""
    start = time.perf_counter()
    rows = engine.rows(sql)
    pairs = sorted({(str(r[1]), int(r[2])) for r in rows})
    result = Result(sql=sql, hits=len(pairs), query_seconds=time.perf_counter() - start)
    by_seed: dict[str, set[str]] = defaultdict(set)
    for seed, work_id, _ in rows:
        by_seed[str(seed)].add(str(work_id))
    result.by_seed = {seed: sorted(ids) for seed, ids in sorted(by_seed.items())}
    start = time.perf_counter()
    chosen = _newest(indexed, pairs)
    result.duplicates = len(pairs) - len(chosen)
    result.records = fetch(indexed, chosen, source)
    result.fetch_seconds = time.perf_counter() - start
    return result


def _newest(indexed: Indexed, rows: Iterable[tuple]) -> list[int]:
    """One wid per work id: the copy in the newest updated_date partition."""
    best: dict[str, tuple[str, int]] = {}
    for wid_id, wid in ((r[0], int(r[1])) for r in rows):
        part = indexed.parts.get(wid >> 32)
        if part is None:
            raise SearchError(f"snapshot index returned a row of unknown file {wid >> 32}")
        key = (part.updated_date, wid)
        if wid_id not in best or key > best[wid_id]:
            best[wid_id] = key
    return sorted(wid for _, wid in best.values())


def fetch(indexed: Indexed, wids: Iterable[int], source: str) -> list[Record]:
    """Read the works at these wids from their data files and parse them as the API does."""
    by_part: dict[int, list[int]] = defaultdict(list)
    for wid in wids:
        by_part[wid >> 32].append(wid & 0xFFFFFFFF)
    records = []
    for no in sorted(by_part):
        part = indexed.parts[no]
        if no in indexed.seekable:
            lines = seek.read_lines(part.path, indexed.folder, no, by_part[no])
            works = decode_lines(part.path, lines)
        else:
            works = read_rows(part.path, indexed.snapshot.format, by_part[no])
        for row in sorted(by_part[no]):
            if row not in works:
                raise InputError(
                    part.path, f"row {row} is in the index but not in the file: re-index it"
                )
            record = to_record(works[row], source)
            if record is not None:
                records.append(record)
    return sorted(records, key=lambda r: (r.id, r.origin))


def resolve_dois(indexed: Indexed, engine: Engine, dois: Iterable[str]) -> dict[str, str]:
    """OpenAlex W id -> DOI of the works with these DOIs."""
    wanted = sorted({d for d in (normalise_doi(x) for x in dois) if d})
    if not wanted:
        return {}
    return dict(sorted((str(r[0]), str(r[2])) for r in engine.rows(sqlc.ids_sql(wanted))))
