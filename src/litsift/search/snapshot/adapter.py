"""The search runner's adapter for `snapshot:` sources: same records, same PRISMA-S log.

`run_search` hands a snapshot source here instead of paging an API; what comes back is
records of that source and SourceEntry rows of the run log, as for any API source.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litsift.errors import InputError, LitsiftError
from litsift.models import CitationLimits, Record, SourceKind
from litsift.models import Protocol as ReviewProtocol
from litsift.models import Source as ProtocolSource
from litsift.search import log as searchlog
from litsift.search.query import Query
from litsift.search.snapshot import compile as sqlc
from litsift.search.snapshot.search import Result
from litsift.search.snapshot.source import PLATFORM, Session, explain_sql, open_session, resolve
from litsift.search.sources.citations import (
    Seed,
    citation_limits_text,
    limit_chased,
    seed_doi,
    seed_text,
)

if TYPE_CHECKING:
    from litsift.store import Review

API = "openalex-snapshot"


def is_database(src: ProtocolSource) -> bool:
    """A snapshot source searched with the review's queries (not the citation chaser)."""
    return src.snapshot is not None and src.kind is not SourceKind.CITATION


def explain_row(src: ProtocolSource, query: Query) -> dict[str, Any]:
    """`litsift search --explain` for a snapshot source: the SQL it would send."""
    assert src.snapshot is not None
    sql = explain_sql(query)
    return {
        "source": src.name,
        "platform": src.platform or PLATFORM,
        "query": query.name,
        "query_sent": sql,
        "exact": True,
        "notes": [f"{src.snapshot.engine} over {src.snapshot.path} ({src.snapshot.format})"],
        "warnings": [],
        "request": sql,
    }


def citation_plan(src: ProtocolSource) -> dict[str, Any]:
    """`litsift search --citations --explain` for a snapshot chaser: the SQL, not requests."""
    assert src.snapshot is not None
    return {
        "resolve requests (OpenAlex, by DOI)": [],
        "requests per seed": [
            f"{src.snapshot.engine} over {src.snapshot.path}: the seeds' DOIs resolved to W ids "
            "in the snapshot, then one SQL statement per direction for all seeds"
        ],
        "example requests": [sqlc.references_sql(["W1"]), sqlc.citing_sql(["W1"])],
    }


def _open(review: Review, src: ProtocolSource) -> Session:
    """Open the source's snapshot; a missing folder is reported at its review.yaml line."""
    assert src.snapshot is not None
    path, _ = resolve(src.snapshot, review.root)
    if not path.is_dir():
        index = next(i for i, s in enumerate(review.protocol.sources) if s.name == src.name)
        raise InputError(
            review.protocol_path,
            f"sources.{index}.snapshot.path: snapshot folder {path} not found",
            review.protocol_line("sources", index, "snapshot", "path"),
        )
    return open_session(src.snapshot, review.root)


def _entry(
    src: ProtocolSource, session: Session, name: str, written: str, sql: str, run_id: str
) -> searchlog.SourceEntry:
    return searchlog.SourceEntry(
        source=src.name,
        platform=src.platform or PLATFORM,
        api=API,
        query_name=name,
        query_file="",
        query_written=written,
        query_sent=sql,
        request=f"{session.engine.name}: {session.indexed.snapshot.root}",
        filters={},
        limits={},
        exact_translation=True,
        date=searchlog.run_id_iso(run_id),
        snapshot=session.describe(),
    )


def _fill(entry: searchlog.SourceEntry, result: Any) -> None:
    entry.hits = result.hits
    entry.retrieved = entry.matching = entry.kept = len(result.records)
    entry.pages = 1
    assert entry.snapshot is not None
    entry.snapshot["query_seconds"] = round(result.query_seconds, 3)
    entry.snapshot["records_seconds"] = round(result.fetch_seconds, 3)
    if result.duplicates:
        entry.snapshot["duplicates_dropped"] = result.duplicates
        entry.warnings.append(
            f"{result.duplicates} works appear in two updated_date partitions; the newest "
            "copy of each is kept"
        )
    entry.status = "complete"


def run_queries(
    review: Review, src: ProtocolSource, queries: Sequence[Query], run: searchlog.RunLog
) -> tuple[list[Record], list[str]]:
    """Every query against one snapshot source: (records kept, failures)."""
    session = _open(review, src)
    kept: list[Record] = []
    failures: list[str] = []
    try:
        for query in queries:
            sql = explain_sql(query)
            entry = _entry(src, session, query.name, " ".join(query.text.split()), sql, run.run_id)
            entry.query_file = review.rel(Path(query.path))
            years = query.spec.years
            entry.filters = {
                "fields": query.spec.fields,
                "years": f"{years.start}-{years.end}" if years else None,
                "types": [t.value for t in query.spec.types],
            }
            run.entries.append(entry)
            try:
                result = session.search(query, src.name)
            except LitsiftError as e:
                entry.status, entry.error = "failed", str(e)
                failures.append(str(e))
                continue
            _fill(entry, result)
            kept.extend(result.records)
    finally:
        session.close()
    return kept, failures


def run_citations(
    review: Review, src: ProtocolSource, seeds: Sequence[Seed], run: searchlog.RunLog
) -> tuple[dict[str, list[Record]], list[str]]:
    """Backward and forward citations of the seeds through the snapshot's referenced_works,
    kept within review.yaml `search: citations:` limits as an API chase is."""
    session = _open(review, src)
    by_doi = {d: s for s in seeds if (d := seed_doi(s))}
    limits = review.protocol.search.citations
    run.citation_limits = citation_limits_text(limits, review.protocol)
    try:
        found, backward, forward = session.citations(sorted(by_doi), src.name)
        texts = {wid: seed_text(by_doi[doi]) for wid, doi in found.items() if doi in by_doi}
        records: dict[str, Record] = {}
        for label, result in (("references of", backward), ("citations of", forward)):
            name = f"{label} {len(found)} included studies (snapshot)"
            entry = _entry(src, session, name, name, result.sql, run.run_id)
            entry.snapshot = {**(entry.snapshot or {}), "seeds_found": len(found)}
            run.entries.append(entry)
            _fill(entry, result)
            kept, entry.dropped = _limited(result, limits, review.protocol, texts)
            entry.kept = len(kept)
            for record in kept:
                records.setdefault(record.origin, record)
    finally:
        session.close()
    if len(found) < len(by_doi):
        run.entries[-1].warnings.append(
            f"{len(by_doi) - len(found)} of {len(by_doi)} included studies are not in the snapshot"
        )
    return {src.name: list(records.values())}, []


def _limited(
    result: Result, limits: CitationLimits, protocol: ReviewProtocol, texts: dict[str, str]
) -> tuple[list[Record], dict[str, int]]:
    """What the limits keep of one direction's records, and what each limit dropped.

    Years and eligibility do not depend on the seed, so they are applied once; the cap
    applies per seed (a record kept for any seed is kept), as for an API chase.
    """
    kept, dropped = limit_chased(
        result.records, limits.model_copy(update={"per_seed": None}), protocol
    )
    if limits.per_seed is None:
        return kept, dropped
    by_id = {r.openalex_id: r for r in kept}
    chosen: dict[str, Record] = {}
    cap = ""
    for seed, ids in result.by_seed.items():
        linked = [by_id[i] for i in ids if i in by_id]
        capped, why = limit_chased(linked, limits, protocol, texts.get(seed, ""))
        cap = cap or next(iter(why), "")
        for record in capped:
            chosen.setdefault(record.origin, record)
    if len(chosen) < len(kept):
        dropped = dict(sorted({**dropped, cap: len(kept) - len(chosen)}.items()))
    return sorted(chosen.values(), key=lambda r: (r.id, r.origin)), dropped
