"""A review.yaml `snapshot:` source: open it, run queries and citation look-ups on it.

This is what the search runner calls; it returns records and the figures the PRISMA-S log
keeps (release date, engine, SQL sent, counts, seconds), and never touches the review's
own files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litsift.models import SnapshotSpec
from litsift.search.query import Query
from litsift.search.snapshot import compile as sqlc
from litsift.search.snapshot.engines import Engine, make_engine
from litsift.search.snapshot.index import default_folder
from litsift.search.snapshot.layout import open_snapshot
from litsift.search.snapshot.search import (
    Indexed,
    Result,
    open_index,
    resolve_dois,
    run_links,
    run_sql,
)

PLATFORM = "OpenAlex snapshot"


def resolve(spec: SnapshotSpec, root: Path) -> tuple[Path, Path]:
    """(snapshot folder, index folder), relative paths taken from the review root."""
    path = Path(spec.path).expanduser()
    path = path if path.is_absolute() else root / path
    if spec.index:
        index = Path(spec.index).expanduser()
        index = index if index.is_absolute() else root / index
    else:
        index = default_folder(path, spec.format)
    return path, index


@dataclass
class Session:
    """An indexed snapshot with its engine started."""

    spec: SnapshotSpec
    indexed: Indexed
    engine: Engine

    def describe(self) -> dict[str, Any]:
        """What the PRISMA-S log records about the snapshot searched."""
        snap = self.indexed.snapshot
        return {
            "release_date": snap.release_date,
            "engine": self.engine.name,
            "format": snap.format,
            "path": str(snap.root),
            "manifest": str(snap.manifest),
            "files": len(snap.parts),
            "works_listed": snap.record_count,
            **({"spark_master": self.spec.spark.master} if self.engine.name == "spark" else {}),
        }

    def search(self, query: Query, source: str) -> Result:
        return run_sql(self.indexed, self.engine, sqlc.compile_query(query).sql, source)

    def citations(self, dois: Iterable[str], source: str) -> tuple[dict[str, str], Result, Result]:
        """({seed W id: DOI}, backward result, forward result) for seeds given by DOI."""
        seeds = resolve_dois(self.indexed, self.engine, dois)
        backward = run_links(self.indexed, self.engine, sqlc.references_sql(list(seeds)), source)
        forward = run_links(self.indexed, self.engine, sqlc.citing_sql(list(seeds)), source)
        return seeds, backward, forward

    def close(self) -> None:
        self.engine.close()


def open_session(spec: SnapshotSpec, root: Path, engine: Engine | None = None) -> Session:
    """Open the snapshot and its index (both must be complete), and start the engine."""
    path, folder = resolve(spec, root)
    indexed = open_index(open_snapshot(path, spec.format), folder)
    engine = engine or make_engine(spec.engine, spec.spark)
    engine.load(indexed.files())
    return Session(spec, indexed, engine)


def explain_sql(query: Query) -> str:
    """The SQL a snapshot search sends for a query (needs no snapshot)."""
    return sqlc.compile_query(query).sql
