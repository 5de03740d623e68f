"""The search stage: run the review's saved queries against its API sources.

Responses, logs and records are kept by the review's search store (`review.search`,
litsift.store.search). A run reads pages from the cache of its *snapshot* and fetches only
what is missing, so re-running replays the same records and an interrupted run resumes.
`update=True` starts a new snapshot (fresh responses) and flags what is new; nothing
already retrieved changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

from litsift import importers, progress
from litsift.errors import InputError, SearchError
from litsift.ids import normalise_doi
from litsift.models import CitationLimits, KBEntry, Record
from litsift.models import Source as ProtocolSource
from litsift.search import log as searchlog
from litsift.search.executor import (
    Executor,
    Identity,
    RetryPolicy,
    Session,
    SuspectPage,
)
from litsift.search.lint import Finding, lint_query_text
from litsift.search.query import Query
from litsift.search.relax import Vocabulary
from litsift.search.snapshot import adapter as snapshots
from litsift.search.sources import get_source
from litsift.search.sources.base import ApiSource, Page, Request, Untranslatable
from litsift.search.sources.citations import (
    Seed,
    citation_limits_text,
    citation_searches,
    limit_chased,
    openalex_resolve_requests,
    s2_key,
    seed_text,
)
from litsift.search.translate import DatabaseString
from litsift.store import Review

log = logging.getLogger(__name__)
_P = ParamSpec("_P")

CITATIONS = "citations"
TRANSLATED = searchlog.TRANSLATED


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
    return review.queries()


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


def lint_queries(review: Review, sources: Iterable[str] | None = None) -> list[Finding]:
    """Lint findings for every query file, against the syntax of the chosen API sources."""
    dialects = [
        d
        for src in api_sources(review, sources)
        if src.api and (d := get_source(src.api).dialect) is not None
    ]
    unique = list({d.name: d for d in dialects}.values())
    findings = []
    for where, text in review.query_texts():
        findings += lint_query_text(where, text, unique)
    return findings


def explain(
    review: Review,
    sources: Iterable[str] | None = None,
    page_size: int | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[dict[str, Any]]:
    """For each source and query, the exact first request a search would send.

    Rows say which parts are applied locally and why (`notes`), where the request may
    still miss records (`warnings`), and when a source cannot be searched at all (`error`).
    """
    out = []
    logged = _replayed_expansions(review)
    for query in review_queries(review):
        for src in api_sources(review, sources):
            if src.snapshot:
                out.append(snapshots.explain_row(src, query))
                continue
            api = get_source(src.api or "")
            row: dict[str, Any] = {"source": src.name, "platform": api.platform}
            row["query"] = query.name
            fixed = logged.get((src.name, query.name))
            v = Vocabulary(vocabulary.counts if vocabulary else {}, fixed) if fixed else vocabulary
            try:
                tr = api.translate(query, v)
            except Untranslatable as e:
                out.append({**row, "error": str(e), "exact": False, "notes": [], "warnings": []})
                continue
            row |= {
                "query_sent": tr.text,
                "exact": tr.exact,
                "notes": list(tr.notes),
                "warnings": list(tr.warnings),
                "expansions": tr.expansions,
                "request": api.first_request(query, page_size, v).display(),
            }
            out.append(row)
    return out


def citation_plan(
    review: Review, seeds: Sequence[Seed], limits: CitationLimits | None = None
) -> dict[str, Any]:
    """What `--citations` would do: seeds, the requests per seed, and the limits applied."""
    limits = limits or review.protocol.search.citations
    chased = [s for s in seeds if s.doi or s.arxiv_id]
    searches = citation_searches(chased, [])
    plan: dict[str, Any] = {
        "seeds offered": len(seeds),
        "seeds chased": len(chased),
        "seeds without DOI or arXiv id": len(seeds) - len(chased),
        "resolve requests (OpenAlex, by DOI)": [
            r.display() for r in openalex_resolve_requests(chased)
        ],
        "requests per seed": [
            "OpenAlex: filter=cited_by:W (references) and filter=cites:W (citations), "
            "after resolving the DOI to W",
            "Semantic Scholar: /paper/{DOI:...|ARXIV:...}/references and /citations",
        ],
        "example requests": [s.first.display() for s in searches[:2]],
    }
    chaser = review.protocol.source(CITATIONS)
    if chaser is not None and chaser.snapshot is not None:
        plan |= snapshots.citation_plan(chaser)
    return {**plan, "limits": citation_limits_text(limits, review.protocol)}


def translation_sources(review: Review, key: str) -> list[ProtocolSource]:
    """review.yaml sources searched by hand with the `--translate key` string."""
    return [s for s in review.protocol.sources if s.translate == key]


HAND_SEARCH_REASON = "does not match the review's queries"  # a hand-searched record left out


def filter_hand_search(
    queries: Sequence[Query], result: importers.ImportResult, target: str
) -> importers.ImportResult:
    """An export of a database searched by hand, keeping what the review's queries match
    (the string printed for that database is broader than the query)."""
    reason = (
        f"{HAND_SEARCH_REASON} ({', '.join(q.name for q in queries)}); "
        f"the {target} string is broader, litsift applies the query itself"
    )
    return importers.keep_matching(result, export_judge(queries), reason)


def export_judge(queries: Sequence[Query]) -> Callable[[Record], bool | None]:
    """For the export of a hand-searched database: does a record match one of the queries?

    None when no query can judge it (it lacks a field they search): it is kept.
    """

    def judge(record: Record) -> bool | None:
        judged = [q for q in queries if q.judges(record)]
        if not judged:
            return None
        return any(q.matches(record) for q in judged)

    return judge


def record_translations(
    review: Review, strings: Sequence[DatabaseString], now: datetime | None = None
) -> Path | None:
    """Log the strings printed for hand searches (PRISMA-S: the string per database).

    One entry per review.yaml source that declares `translate:` for the string's database,
    with status `translated`; the export the reviewer downloads is then imported as that
    source. Returns the log written, or None when no source declares the database.
    """
    run_id = review.search.new_run_id(now)
    when = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = searchlog.RunLog(
        run_id=run_id, snapshot=run_id, mode=TRANSLATED, offline=True, started=when
    )
    queries = {q.name: q for q in review_queries(review)}
    for ds in strings:
        query = queries[ds.query]
        for src in translation_sources(review, ds.target):
            years = query.spec.years
            run.entries.append(
                searchlog.SourceEntry(
                    source=src.name,
                    platform=src.platform or ds.database,
                    api=f"translate:{ds.target}",
                    query_name=query.name,
                    query_file=review.rel(Path(query.path)),
                    query_written=" ".join(query.text.split()),
                    query_sent=ds.text,
                    request="",
                    filters={
                        "fields": query.spec.fields,
                        "years": f"{years.start}-{years.end}" if years else None,
                        "types": [t.value for t in query.spec.types],
                    },
                    limits={},
                    exact_translation=ds.exact,
                    notes=list(ds.notes),
                    warnings=list(ds.warnings),
                    expansions=ds.expansions,
                    date=searchlog.run_id_iso(run_id),
                    status=TRANSLATED,
                )
            )
    if not run.entries:
        return None
    run.status, run.finished = "complete", when
    return review.search.write_log(run)


# --------------------------------------------------------------------------- paging


def _check_not_empty(retrieved: int) -> Callable[[Page], None]:
    """Reject an empty page while the API still reports unretrieved hits."""

    def check(page: Page) -> None:
        if page.index_only:
            return
        if page.raw_count == 0 and page.total and retrieved < page.total:
            raise SuspectPage(f"empty page after {retrieved} of {page.total} hits")

    return check


def page_through(
    executor: Executor,
    source: ApiSource,
    first: Request,
    parse_as: str,
    entry: searchlog.SourceEntry,
    settings: Settings,
    cap: int | None,
) -> _Outcome:
    """Follow a search's pages to the end (or the cap); each record kept once."""
    with progress.task(f"search {parse_as}") as task:
        return _page_through(executor, source, first, parse_as, entry, settings, cap, task)


def _page_through(
    executor: Executor,
    source: ApiSource,
    first: Request,
    parse_as: str,
    entry: searchlog.SourceEntry,
    settings: Settings,
    cap: int | None,
    task: progress.Task,
) -> _Outcome:
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
        task.advance()
        if out.hits is None:
            out.hits = page.total
        for record in page.records:
            out.records.setdefault(record.origin, record)
        if cap is not None and len(out.records) >= cap:
            if (out.hits or 0) > cap:
                entry.warnings.append(f"stopped at the record cap ({cap} of {out.hits} hits)")
            out.records = dict(list(out.records.items())[:cap])
            break
        if not page.index_only and page.raw_count == 0 and out.hits and len(out.records) < out.hits:
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


# --------------------------------------------------------------------------- running


def _choose_snapshot(
    review: Review, run_id: str, *, update: bool, offline: bool, citations: bool
) -> tuple[str, str]:
    """(snapshot, mode): replay/resume the latest snapshot, or start one for an update."""
    logs = [g for g in review.search.logs() if g.get("mode") != TRANSLATED]  # nothing to replay
    lineage = [g for g in logs if (g.get("mode") == "citations") == citations]
    if update:
        if offline:
            raise SearchError("--update needs fresh responses; it cannot run --offline")
        return run_id, "citations" if citations else "update"
    if lineage:
        return str(lineage[-1]["snapshot"]), "citations" if citations else "replay"
    if offline:
        raise SearchError(
            f"offline: no earlier search to replay (no {review.rel(review.search.log_folder)}"
            "/*.yaml); run `litsift search` with network access first"
        )
    return run_id, "citations" if citations else "search"


def _entry(
    src: ProtocolSource,
    api: ApiSource,
    query: Query,
    review: Review,
    settings: Settings,
    cap: int | None,
    snapshot: str,
    vocabulary: Vocabulary | None = None,
) -> searchlog.SourceEntry:
    tr = api.translate(query, vocabulary)
    years = query.spec.years
    return searchlog.SourceEntry(
        source=src.name,
        platform=src.platform or api.platform,
        api=api.api,
        query_name=query.name,
        query_file=review.rel(Path(query.path)),
        query_written=" ".join(query.text.split()),
        query_sent=tr.text,
        request=api.first_request(query, settings.page_size, vocabulary).display(),
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
        warnings=list(tr.warnings),
        expansions=tr.expansions,
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
    vocabulary: Vocabulary | None = None,
) -> tuple[searchlog.SourceEntry, list[Record]]:
    api = get_source(src.api or "")
    cap = max_records if max_records is not None else api.default_max_records
    entry = _entry(src, api, query, review, settings, cap, run.snapshot, vocabulary)
    run.entries.append(entry)
    before = _stats_snapshot(executor, api.api)
    try:
        out = page_through(
            executor,
            api,
            api.first_request(query, settings.page_size, vocabulary),
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


def _holding_lock(
    search: Callable[Concatenate[Review, _P], SearchReport],
) -> Callable[Concatenate[Review, _P], SearchReport]:
    """A search holds the review's write lock; under it, the log of a search that was
    killed part-way (still `status: running`) is marked interrupted."""

    @functools.wraps(search)
    def locked(review: Review, *args: _P.args, **kwargs: _P.kwargs) -> SearchReport:
        with review.lock():
            for path in review.search.mark_interrupted():
                log.warning("%s: an earlier search was interrupted", review.rel(path))
            try:
                return search(review, *args, **kwargs)
            except KeyboardInterrupt:
                review.search.mark_interrupted()
                raise
            except BaseException as e:  # the log says how the search ended, then it goes on
                review.search.mark_interrupted("failed", str(e) or type(e).__name__)
                raise

    return locked


@_holding_lock
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
    vocabulary: Vocabulary | None = None,
) -> SearchReport:
    """Run (or replay, or resume, or update) the review's searches; see module docstring.

    `seeds` are the included studies citation chasing starts from; the CLI passes the
    screening's included records and the knowledge base (`runner.citation_seeds`). Without
    them, the knowledge base's entries are the seeds.
    """
    settings = _with_protocol(settings or Settings(max_records=max_records), review)
    max_records = max_records if max_records is not None else settings.max_records
    run_id = review.search.new_run_id(now)
    snapshot, mode = _choose_snapshot(
        review, run_id, update=update, offline=offline, citations=citations
    )
    started = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = searchlog.RunLog(
        run_id=run_id, snapshot=snapshot, mode=mode, offline=offline, started=started
    )
    executor = Executor(
        review.search.cache(),
        snapshot=snapshot,
        offline=offline,
        identity=Identity.from_env(settings.mailto),
        policy=settings.policy,
        session_factory=session_factory,
        rates=settings.rates,
        **({"sleep": sleep} if sleep is not None else {}),
    )
    log_path = review.search.write_log(run)
    if citations:
        chosen = list(seeds) if seeds is not None else included_studies(review)
        per_source, failures = _run_citations(review, chosen, executor, settings, max_records, run)
    else:
        per_source, failures = _run_queries(
            review, executor, settings, max_records, run, sources, vocabulary
        )
    new_records = {
        name: review.search.merge(name, recs, snapshot) for name, recs in per_source.items()
    }
    for entry in run.entries:
        entry.new = len(set(new_records.get(entry.source, ())))
    if run.mode == "replay" and any(e.requests for e in run.entries):
        run.mode = "resume"  # pages missing from the snapshot were fetched
    run.status = "failed" if failures else "complete"
    run.finished = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    review.search.write_log(run)
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
    vocabulary: Vocabulary | None = None,
) -> tuple[dict[str, list[Record]], list[str]]:
    queries = review_queries(review)
    chosen = api_sources(review, sources)
    if not chosen:
        raise SearchError("no review.yaml source has `api:` or `snapshot:` set; nothing to search")
    # sources that truncate natively go first: their records feed the vocabulary that
    # expands wildcards for the sources that cannot truncate (a snapshot needs none)
    chosen.sort(key=lambda src: bool(src.api) and get_source(src.api).needs_vocabulary)
    vocab = (
        vocabulary
        if vocabulary is not None
        else Vocabulary.from_records(r for recs in review.search.records().values() for r in recs)
    )
    logged = _logged_expansions(review, run.snapshot) if run.mode != "update" else {}
    per_source: dict[str, list[Record]] = {}
    failures: list[str] = []
    for src in chosen:
        if src.snapshot:
            kept, failed = snapshots.run_queries(review, src, queries, run)
            per_source.setdefault(src.name, []).extend(kept)
            vocab.add(kept)
            failures += failed
            review.search.write_log(run)
            continue
        for query in queries:
            fixed = logged.get((src.name, query.name))
            v = Vocabulary(vocab.counts, fixed) if fixed is not None else vocab
            try:
                get_source(src.api or "").translate(query, v)
            except Untranslatable as e:
                run.entries.append(_skipped(src, query, review, run.snapshot, str(e)))
                review.search.write_log(run)
                continue
            try:
                entry, kept = _search_one(
                    executor, src, query, review, settings, max_records, run, v
                )
            except SearchError as e:
                run.entries[-1].status, run.entries[-1].error = "failed", str(e)
                failures.append(str(e))
                review.search.write_log(run)
                continue
            entry.status = "complete"
            per_source.setdefault(src.name, []).extend(kept)
            vocab.add(kept)
            review.search.write_log(run)
    return per_source, failures


def _skipped(
    src: ProtocolSource, query: Query, review: Review, snapshot: str, reason: str
) -> searchlog.SourceEntry:
    """A log entry for a source the query cannot be sent to (nothing requested)."""
    api = get_source(src.api or "")
    return searchlog.SourceEntry(
        source=src.name,
        platform=src.platform or api.platform,
        api=api.api,
        query_name=query.name,
        query_file=review.rel(Path(query.path)),
        query_written=" ".join(query.text.split()),
        query_sent="",
        request="",
        filters={},
        limits={},
        exact_translation=False,
        date=searchlog.run_id_iso(snapshot),
        status="skipped",
        error=reason,
    )


def _replayed_expansions(review: Review) -> dict[tuple[str, str], dict[str, list[str] | None]]:
    """The expansions a plain `litsift search` would replay (those of the latest snapshot)."""
    runs = [g for g in review.search.logs() if g.get("mode") not in (CITATIONS, TRANSLATED)]
    return _logged_expansions(review, str(runs[-1]["snapshot"])) if runs else {}


def _logged_expansions(
    review: Review, snapshot: str
) -> dict[tuple[str, str], dict[str, list[str] | None]]:
    """Wildcard expansions earlier runs of this snapshot sent, per (source, query)."""
    out: dict[tuple[str, str], dict[str, list[str] | None]] = {}
    for run in review.search.logs():
        if run.get("snapshot") != snapshot:
            continue
        for e in run.get("sources") or []:
            if e.get("status") in ("complete", "failed") and isinstance(e.get("expansions"), dict):
                out.setdefault((e.get("source"), e.get("query_name")), e["expansions"])
    return out


# --------------------------------------------------------------------------- citations


def included_studies(review: Review) -> list[KBEntry]:
    """Seeds for citation chasing: the included studies of the knowledge base."""
    return review.kb.entries(validate=False)


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
            f"decisions or {review.rel(review.kb.folder)}/*.yaml); none found"
        )
    chaser = review.protocol.source(CITATIONS)
    if chaser is not None and chaser.snapshot is not None:
        return snapshots.run_citations(review, chaser, seeds, run)
    records: dict[str, Record] = {}
    failures: list[str] = []
    work_ids: list[str] = []
    limits = review.protocol.search.citations
    texts = {k: seed_text(s) for s in seeds if (k := s2_key(s))}
    by_doi = {normalise_doi(s.doi): s for s in seeds if s.doi}
    openalex = get_source("openalex")
    for request in openalex_resolve_requests(seeds):
        try:
            page, _ = executor.fetch(openalex, request, CITATIONS)
        except SearchError as e:
            failures.append(str(e))
            continue
        for r in page.records:
            if r.openalex_id:
                work_ids.append(r.openalex_id)
                seed = by_doi.get(r.doi)
                texts[r.openalex_id] = seed_text(seed) if seed is not None else r.title or ""
    run.citation_limits = citation_limits_text(limits, review.protocol)
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
        entry.retrieved = entry.matching = len(out.records)
        kept, entry.dropped = limit_chased(
            list(out.records.values()), limits, review.protocol, texts.get(search.seed, "")
        )
        entry.kept = len(kept)
        entry.status = "complete"
        for rec in kept:
            records.setdefault(rec.origin, rec)
        review.search.write_log(run)
    return {CITATIONS: list(records.values())}, failures


__all__ = [
    "SearchReport",
    "Settings",
    "explain",
    "included_studies",
    "run_search",
]
