"""PRISMA-S search log: one per run (written by litsift.store.search).

Each entry records, per source and query, what PRISMA-S item 13 asks for: platform,
the exact query sent, filters and limits, date and time, hits the API reported, records
retrieved, pages, the litsift version, retries and rate-limit waits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from litsift import __version__

SCHEMA_VERSION = 1
TRANSLATED = "translated"  # mode of a log that records strings printed for hand searches
RUN_ID_FORMAT = "%Y%m%dT%H%M%SZ"


def new_run_id(now: datetime | None = None) -> str:
    """A sortable UTC timestamp id: 20261128T093012Z."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(RUN_ID_FORMAT)


def run_id_iso(run_id: str) -> str:
    """'20261128T093012Z' -> '2026-11-28T09:30:12Z' (the id itself when it is not a stamp)."""
    try:
        stamp = datetime.strptime(run_id[:16], RUN_ID_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return run_id
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SourceEntry:
    """One source searched with one query in one run."""

    source: str
    platform: str
    api: str
    query_name: str
    query_file: str
    query_written: str
    query_sent: str
    request: str  # first request URL, without key or contact e-mail
    filters: dict[str, Any]
    limits: dict[str, Any]
    exact_translation: bool
    notes: list[str] = field(default_factory=list)
    date: str = ""  # when the responses were fetched (the snapshot's time)
    hits: int | None = None  # as reported by the API
    retrieved: int = 0  # distinct records parsed from the responses
    matching: int = 0  # of those, records the query truly matches (local evaluation)
    kept: int = 0  # written to records/ (post-filtered when the translation is inexact)
    new: int = 0  # not in records/ before this run
    pages: int = 0
    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    wait_seconds: float = 0.0
    status: str = "running"  # running | complete | failed
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    # citation chasing: records each limit dropped before screening, by reason
    dropped: dict[str, int] = field(default_factory=dict)
    # wildcard stem -> the words it was expanded to (a replay sends the same request)
    expansions: dict[str, list[str] | None] = field(default_factory=dict)
    # a local snapshot search: release date, engine, format, path, seconds taken
    snapshot: dict[str, Any] | None = None


@dataclass
class RunLog:
    run_id: str
    snapshot: str
    mode: str  # search | update | replay | resume | citations
    offline: bool
    started: str
    finished: str | None = None
    status: str = "running"
    litsift_version: str = __version__
    schema_version: int = SCHEMA_VERSION
    entries: list[SourceEntry] = field(default_factory=list)
    # citation chasing: included studies offered as seeds, chased, skipped without an id
    seeds: dict[str, int] | None = None
    citation_limits: list[str] | None = None  # the limits applied to chased records

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        entries = data.pop("entries")
        for key in ("seeds", "citation_limits"):
            if data[key] is None:
                del data[key]
        for entry in entries:
            entry["wait_seconds"] = round(entry["wait_seconds"], 3)
            if entry["snapshot"] is None:
                del entry["snapshot"]
        return {"schema_version": data.pop("schema_version"), **data, "sources": entries}
