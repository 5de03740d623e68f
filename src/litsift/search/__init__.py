"""The search stage: run the review's saved queries against its API sources.

Layout under data/search/ (Review.search_dir):
  cache/<api>/<sha256>.json   every response with its request (content-addressed)
  log/<run-id>.yaml           PRISMA-S log, one per run, all sources
  records/<source>.jsonl      the normalised records retrieved, sorted by id

A run reads pages from the cache of its *snapshot* and fetches only what is missing, so
re-running replays the same records and an interrupted run resumes. `update=True` starts
a new snapshot (fresh responses) and flags what is new; nothing already retrieved changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litsift.errors import InputError, SearchError
from litsift.models import KBEntry, Record
from litsift.models import Source as ProtocolSource
from litsift.review import Review
from litsift.search import log as searchlog
from litsift.search.executor import (
    Cache,
    Executor,
    Identity,
    RetryPolicy,
    Session,
    SuspectPage,
)
from litsift.search.query import Query, load_query
from litsift.search.snapshot import adapter as snapshots
from litsift.search.sources import get_source
from litsift.search.sources.base import Page, Request, Source
from litsift.search.sources.citations import (
    Seed,
    citation_searches,
    openalex_resolve_requests,
)
from litsift.yamlio import load_model

log = logging.getLogger(__name__)

CITATIONS = "citations"


@dataclass(frozen=True)
class Settings:
    """Knobs of a run that are not part of the protocol."""

    max_records: int | None = None  # per source and query
    max_pages: int | None = None
    page_size: int | None = None
    mailto: str | None = None
    rates: dict[str, float] = field(default_factory=dict)  # requests/s override per api
    policy: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class SearchReport:
    run_id: str
    snapshot: str
    mode: str
    log_path: Path
    entries: list[searchlog.SourceEntry]
    new_records: dict[str, list[str]]  # source -> ids new in this run
    failures: list[str]


@dataclass
class _Outcome:
    records: dict[str, Record] = field(default_factory=dict)  # origin -> record
    hits: int | None = None
    pages: int = 0


# --------------------------------------------------------------------------- queries


def review_queries(review: Review) -> list[Query]:
    """The queries review.yaml lists, loaded (errors name file, line and column)."""
    queries = [load_query(review.root / rel) for rel in review.protocol.queries]
    if not queries:
        raise InputError(
            review.protocol_path,
            "queries: no query files listed; add queries: [queries/<name>.yaml]",
        )
    return queries


def api_sources(review: Review, names: Iterable[str] | None = None) -> list[ProtocolSource]:
    """review.yaml sources with `api:` or a database `snapshot:`, optionally only the named."""
    available = [s for s in review.protocol.sources if s.api or snapshots.is_database(s)]
    if names is None:
        return available
    wanted = list(names)
    known = {s.name for s in available}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SearchError(
            f"unknown search source {', '.join(unknown)} (review.yaml sources "
            f"with api: or snapshot: {', '.join(sorted(known)) or 'none'})"
        )
    return [s for s in available if s.name in wanted]


def explain(
    review: Review, sources: Iterable[str] | None = None, page_size: int | None = None
) -> list[dict[str, Any]]:
    """For each source and query, the exact first request a search would send."""
    out = []
    for query in review_queries(review):
        for src in api_sources(review, sources):
            if src.snapshot:
                out.append(snapshots.explain_row(src, query))
                continue
            api = get_source(src.api or "")
            tr = api.translate(query)
            out.append(
                {
                    "source": src.name,
                    "platform": api.platform,
                    "query": query.name,
                    "query_sent": tr.text,
                    "exact": tr.exact,
                    "notes": list(tr.notes),
                    "request": api.first_request(query, page_size).display(),
                }
            )
    return out


# --------------------------------------------------------------------------- paging


def _check_not_empty(retrieved: int) -> Callable[[Page], None]:
    """Reject an empty page while the API still reports unretrieved hits."""

    def check(page: Page) -> None:
        if page.raw_count == 0 and page.total and retrieved < page.total:
            raise SuspectPage(f"empty page after {retrieved} of {page.total} hits")

    return check


def page_through(
    executor: Executor,
    source: Source,
    first: Request,
    parse_as: str,
    entry: searchlog.SourceEntry,
    settings: Settings,
    cap: int | None,
) -> _Outcome:
    """Follow a search's pages to the end (or the cap); each record kept once."""
    out = _Outcome()
    request: Request | None = first
    while request is not None:
        if settings.max_pages is not None and out.pages >= settings.max_pages:
            entry.warnings.append(f"stopped at the page cap ({settings.max_pages} pages)")
            break
        page, _cached = executor.fetch(
            source, request, parse_as, _check_not_empty(len(out.records))
        )
        out.pages += 1
        if out.hits is None:
            out.hits = page.total
        for record in page.records:
            out.records.setdefault(record.origin, record)
        if cap is not None and len(out.records) >= cap:
            if (out.hits or 0) > cap:
                entry.warnings.append(f"stopped at the record cap ({cap} of {out.hits} hits)")
            out.records = dict(list(out.records.items())[:cap])
            break
        if page.raw_count == 0 and out.hits and len(out.records) < out.hits:
            entry.warnings.append(
                f"empty page {request.page} after {len(out.records)} of "
                f"{out.hits} reported hits, on every retry: taken as the end"
            )
        nxt = source.next_request(request, page, len(out.records))
        if (
            nxt is None
            and out.hits is not None
            and len(out.records) < out.hits
            and page.raw_count
            and (source.max_results is None or len(out.records) < source.max_results)
        ):
            entry.warnings.append(
                f"paging ended after {len(out.records)} of {out.hits} reported hits"
            )
        if (
            nxt is None
            and source.max_results is not None
            and out.hits is not None
            and out.hits > source.max_results
        ):
            entry.warnings.append(
                f"{source.platform} returns at most {source.max_results} "
                f"records per search; {out.hits} reported"
            )
        request = nxt
    return out


# --------------------------------------------------------------------------- records files


def records_dir(review: Review) -> Path:
    return review.search_dir / "records"


def read_records(path: Path) -> list[Record]:
    """Records of one records/<source>.jsonl file."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(Record.model_validate_json(line))
        except ValueError as e:
            raise InputError(path, f"not a record: {str(e).splitlines()[0]}", n) from e
    return out


def write_records(path: Path, records: Iterable[Record]) -> None:
    """Write records sorted by (id, origin), one JSON object per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(records, key=lambda r: (r.id, r.origin))
    path.write_text("".join(r.model_dump_json() + "\n" for r in ordered), encoding="utf-8")


def merge_records(path: Path, retrieved: Iterable[Record], batch: str) -> list[str]:
    """Add retrieved records not yet in the file (batch = this run); returns new ids."""
    old = read_records(path) if path.is_file() else []
    known = {r.origin for r in old}
    new = [r.model_copy(update={"batch": batch}) for r in retrieved if r.origin not in known]
    write_records(path, [*old, *new])
    return sorted({r.id for r in new})


def retrieved_records(review: Review) -> dict[str, list[Record]]:
    """What `litsift run` feeds to dedup: records/*.jsonl by source (empty when none)."""
    folder = records_dir(review)
    if not folder.is_dir():
        return {}
    return {path.stem: read_records(path) for path in sorted(folder.glob("*.jsonl"))}


def search_summary(review: Review) -> list[dict[str, Any]]:
    """Per source and query, from the latest search log (and citation log): for the report."""
    if not searchlog.log_dir(review.search_dir).is_dir():
        return []
    logs = searchlog.read_logs(review.search_dir)
    latest = [g for g in logs if g.get("mode") != "citations"][-1:]
    latest += [g for g in logs if g.get("mode") == "citations"][-1:]
    rows = []
    for run in latest:
        for e in run.get("sources") or []:
            rows.append(
                {
                    "source": e.get("source"),
                    "platform": e.get("platform"),
                    "query": e.get("query_name"),
                    "query_sent": e.get("query_sent"),
                    "date": e.get("date"),
                    "hits": e.get("hits"),
                    "retrieved": e.get("retrieved"),
                    "kept": e.get("kept"),
                    "status": e.get("status"),
                    "run_id": run.get("run_id"),
                    "query_written": e.get("query_written"),
                    "snapshot": e.get("snapshot"),
                }
            )
    return rows


# --------------------------------------------------------------------------- running


def _choose_snapshot(
    review: Review, run_id: str, *, update: bool, offline: bool, citations: bool
) -> tuple[str, str]:
    """(snapshot, mode): replay/resume the latest snapshot, or start one for an update."""
    logs = searchlog.read_logs(review.search_dir) if review.search_dir.is_dir() else []
    lineage = [g for g in logs if (g.get("mode") == "citations") == citations]
    if update:
        if offline:
            raise SearchError("--update needs fresh responses; it cannot run --offline")
        return run_id, "citations" if citations else "update"
    if lineage:
        return str(lineage[-1]["snapshot"]), "citations" if citations else "replay"
    if offline:
        raise SearchError(
            "offline: no earlier search to replay (no data/search/log/*.yaml); "
            "run `litsift search` with network access first"
        )
    return run_id, "citations" if citations else "search"


def _unique_run_id(review: Review, now: datetime | None) -> str:
    base = searchlog.new_run_id(now)
    run_id, n = base, 1
    while (searchlog.log_dir(review.search_dir) / f"{run_id}.yaml").exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def _entry(
    src: ProtocolSource,
    api: Source,
    query: Query,
    review: Review,
    settings: Settings,
    cap: int | None,
    snapshot: str,
) -> searchlog.SourceEntry:
    tr = api.translate(query)
    years = query.spec.years
    return searchlog.SourceEntry(
        source=src.name,
        platform=src.platform or api.platform,
        api=api.api,
        query_name=query.name,
        query_file=review.rel(Path(query.path)),
        query_written=" ".join(query.text.split()),
        query_sent=tr.text,
        request=api.first_request(query, settings.page_size).display(),
        filters={
            "fields": query.spec.fields,
            "years": f"{years.start}-{years.end}" if years else None,
            "types": [t.value for t in query.spec.types],
        },
        limits={
            "page_size": min(settings.page_size or api.page_size, api.page_size),
            "max_records": cap,
            "max_pages": settings.max_pages,
            "api_cap": api.max_results,
        },
        exact_translation=tr.exact,
        notes=list(tr.notes),
        date=searchlog.run_id_iso(snapshot),
    )


def _finish_entry(
    entry: searchlog.SourceEntry, executor: Executor, api: str, before: dict[str, float]
) -> None:
    stats = executor.stats.get(api)
    if stats is None:
        return
    entry.requests = stats.requests - int(before.get("requests", 0))
    entry.cache_hits = stats.cache_hits - int(before.get("cache_hits", 0))
    entry.retries = stats.retries - int(before.get("retries", 0))
    entry.rate_limit_waits = stats.rate_limit_waits - int(before.get("rate_limit_waits", 0))
    entry.wait_seconds = stats.wait_seconds - before.get("wait_seconds", 0.0)


def _stats_snapshot(executor: Executor, api: str) -> dict[str, float]:
    s = executor.stats.get(api)
    if s is None:
        return {}
    return {
        "requests": s.requests,
        "cache_hits": s.cache_hits,
        "retries": s.retries,
        "rate_limit_waits": s.rate_limit_waits,
        "wait_seconds": s.wait_seconds,
    }


def _search_one(
    executor: Executor,
    src: ProtocolSource,
    query: Query,
    review: Review,
    settings: Settings,
    max_records: int | None,
    run: searchlog.RunLog,
) -> tuple[searchlog.SourceEntry, list[Record]]:
    api = get_source(src.api or "")
    cap = max_records if max_records is not None else api.default_max_records
    entry = _entry(src, api, query, review, settings, cap, run.snapshot)
    run.entries.append(entry)
    before = _stats_snapshot(executor, api.api)
    try:
        out = page_through(
            executor,
            api,
            api.first_request(query, settings.page_size),
            src.name,
            entry,
            settings,
            cap,
        )
    finally:
        _finish_entry(entry, executor, api.api, before)
    records = sorted(out.records.values(), key=lambda r: (r.id, r.origin))
    entry.hits, entry.pages, entry.retrieved = out.hits, out.pages, len(records)
    matches = [query.matches(r) for r in records]
    entry.matching = sum(matches)
    kept = (
        records
        if entry.exact_translation
        else [r for r, m in zip(records, matches, strict=True) if m]
    )
    entry.kept = len(kept)
    return entry, kept


def _with_protocol(settings: Settings, review: Review) -> Settings:
    """Fill what the run did not set from review.yaml `search:` (e-mail, caps)."""
    wanted = review.protocol.search
    return replace(
        settings,
        mailto=settings.mailto or wanted.mailto,
        max_records=settings.max_records if settings.max_records else wanted.max_records,
        max_pages=settings.max_pages if settings.max_pages else wanted.max_pages,
    )


def run_search(
    review: Review,
    *,
    offline: bool = False,
    update: bool = False,
    citations: bool = False,
    sources: list[str] | None = None,
    max_records: int | None = None,
    session_factory: Callable[[str], Session] | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] | None = None,
    seeds: Sequence[Seed] | None = None,
) -> SearchReport:
    """Run (or replay, or resume, or update) the review's searches; see module docstring.

    `seeds` are the included studies citation chasing starts from; the CLI passes the
    screening's included records and the knowledge base (`runner.citation_seeds`). Without
    them, the knowledge base's entries are the seeds.
    """
    settings = _with_protocol(settings or Settings(max_records=max_records), review)
    max_records = max_records if max_records is not None else settings.max_records
    run_id = _unique_run_id(review, now)
    snapshot, mode = _choose_snapshot(
        review, run_id, update=update, offline=offline, citations=citations
    )
    started = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = searchlog.RunLog(
        run_id=run_id, snapshot=snapshot, mode=mode, offline=offline, started=started
    )
    executor = Executor(
        Cache(review.search_dir / "cache"),
        snapshot=snapshot,
        offline=offline,
        identity=Identity.from_env(settings.mailto),
        policy=settings.policy,
        session_factory=session_factory,
        rates=settings.rates,
        **({"sleep": sleep} if sleep is not None else {}),
    )
    log_path = searchlog.write_log(review.search_dir, run)
    if citations:
        chosen = list(seeds) if seeds is not None else included_studies(review)
        per_source, failures = _run_citations(review, chosen, executor, settings, max_records, run)
    else:
        per_source, failures = _run_queries(review, executor, settings, max_records, run, sources)
    new_records = {
        name: merge_records(records_dir(review) / f"{name}.jsonl", recs, snapshot)
        for name, recs in per_source.items()
    }
    for entry in run.entries:
        entry.new = len(set(new_records.get(entry.source, ())))
    if run.mode == "replay" and any(e.requests for e in run.entries):
        run.mode = "resume"  # pages missing from the snapshot were fetched
    run.status = "failed" if failures else "complete"
    run.finished = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    searchlog.write_log(review.search_dir, run)
    report = SearchReport(run_id, snapshot, run.mode, log_path, run.entries, new_records, failures)
    if failures:
        hint = (
            ""
            if offline
            else (" (re-run the same command to resume; cached pages are not requested again)")
        )
        raise SearchError("search incomplete: " + "; ".join(failures) + hint)
    return report


def _run_queries(
    review: Review,
    executor: Executor,
    settings: Settings,
    max_records: int | None,
    run: searchlog.RunLog,
    sources: list[str] | None,
) -> tuple[dict[str, list[Record]], list[str]]:
    queries = review_queries(review)
    chosen = api_sources(review, sources)
    if not chosen:
        raise SearchError("no review.yaml source has `api:` or `snapshot:` set; nothing to search")
    per_source: dict[str, list[Record]] = {}
    failures: list[str] = []
    for src in chosen:
        if src.snapshot:
            kept, failed = snapshots.run_queries(review, src, queries, run)
            per_source.setdefault(src.name, []).extend(kept)
            failures += failed
            searchlog.write_log(review.search_dir, run)
            continue
        for query in queries:
            try:
                entry, kept = _search_one(executor, src, query, review, settings, max_records, run)
            except SearchError as e:
                run.entries[-1].status, run.entries[-1].error = "failed", str(e)
                failures.append(str(e))
                searchlog.write_log(review.search_dir, run)
                continue
            entry.status = "complete"
            per_source.setdefault(src.name, []).extend(kept)
            searchlog.write_log(review.search_dir, run)
    return per_source, failures


# --------------------------------------------------------------------------- citations


def included_studies(review: Review) -> list[KBEntry]:
    """Seeds for citation chasing: the included studies of the knowledge base (data/kb)."""
    if not review.kb_dir.is_dir():
        return []
    return [load_model(p, KBEntry) for p in sorted(review.kb_dir.glob("*.yaml"))]


def _run_citations(
    review: Review,
    included: Sequence[Seed],
    executor: Executor,
    settings: Settings,
    max_records: int | None,
    run: searchlog.RunLog,
) -> tuple[dict[str, list[Record]], list[str]]:
    if review.protocol.source(CITATIONS) is None:
        raise InputError(
            review.protocol_path,
            f"citation chasing writes records of source '{CITATIONS}': declare it under "
            f"`sources:` as `- {{name: {CITATIONS}, kind: citation}}`",
        )
    seeds = [s for s in included if s.doi or s.arxiv_id]
    skipped = len(included) - len(seeds)
    run.seeds = {"included": len(included), "chased": len(seeds), "no identifier": skipped}
    if skipped:
        log.warning(
            "citation chasing: %d of %d included studies have no DOI or arXiv id and are "
            "not chased",
            skipped,
            len(included),
        )
    if not seeds:
        raise SearchError(
            "citation chasing needs included studies with a DOI or arXiv id (screening "
            f"decisions or {review.rel(review.kb_dir)}/*.yaml); none found"
        )
    chaser = review.protocol.source(CITATIONS)
    if chaser is not None and chaser.snapshot is not None:
        return snapshots.run_citations(review, chaser, seeds, run)
    records: dict[str, Record] = {}
    failures: list[str] = []
    work_ids: list[str] = []
    openalex = get_source("openalex")
    for request in openalex_resolve_requests(seeds):
        try:
            page, _ = executor.fetch(openalex, request, CITATIONS)
        except SearchError as e:
            failures.append(str(e))
            continue
        work_ids += [r.openalex_id for r in page.records if r.openalex_id]
    for search in citation_searches(seeds, work_ids):
        entry = searchlog.SourceEntry(
            source=CITATIONS,
            platform=search.source.platform,
            api=search.source.api,
            query_name=search.label,
            query_file="",
            query_written=search.label,
            query_sent=search.first.display(),
            request=search.first.display(),
            filters={},
            limits={"max_records": max_records, "max_pages": settings.max_pages},
            exact_translation=True,
            date=searchlog.run_id_iso(run.snapshot),
        )
        run.entries.append(entry)
        before = _stats_snapshot(executor, search.source.api)
        try:
            out = page_through(
                executor, search.source, search.first, CITATIONS, entry, settings, max_records
            )
        except SearchError as e:
            entry.status, entry.error = "failed", str(e)
            failures.append(str(e))
            continue
        finally:
            _finish_entry(entry, executor, search.source.api, before)
        entry.hits, entry.pages = out.hits, out.pages
        entry.retrieved = entry.kept = entry.matching = len(out.records)
        entry.status = "complete"
        for origin, rec in out.records.items():
            records.setdefault(origin, rec)
        searchlog.write_log(review.search_dir, run)
    return {CITATIONS: list(records.values())}, failures


__all__ = [
    "SearchReport",
    "Settings",
    "explain",
    "included_studies",
    "load_query",
    "retrieved_records",
    "run_search",
    "search_summary",
]
