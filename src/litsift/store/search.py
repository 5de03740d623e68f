"""data/search/: everything `litsift search` receives and records, so every search replays.

cache/<api>/<sha256>.json   every response with its request, addressed by the hash of the
                            request and the search snapshot
log/<run-id>.yaml           the PRISMA-S log of each run, all sources
records/<source>.jsonl      the normalised records retrieved, sorted by id, with `batch`
                            = the run that first retrieved them
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from litsift.errors import InputError
from litsift.fileio import atomic_write_text
from litsift.models import Record
from litsift.store.unread import Unread, is_doc, other, scan, visible
from litsift.yamlio import dump_yaml

if TYPE_CHECKING:
    from datetime import datetime

    from litsift.search.log import RunLog
    from litsift.search.sources.base import Request
    from litsift.store import Review

log = logging.getLogger(__name__)

FOLDER = "search"  # under data/
RUNNING = "running"  # the status of a log while its search runs
INTERRUPTED = "interrupted"  # ... and of a log whose search was killed


class ResponseCache:
    """Responses stored by the sha256 of (snapshot, URL, parameters), one JSON file each."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, request: Request, snapshot: str) -> Path:
        return self.root / request.api / f"{request.cache_key(snapshot)}.json"

    def get(self, request: Request, snapshot: str) -> str | None:
        path = self.path(request, snapshot)
        if not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            log.warning("ignoring a damaged cache file %s", path)
            return None
        body = entry.get("body") if isinstance(entry, dict) else None
        return body if isinstance(body, str) else None

    def put(self, request: Request, snapshot: str, status: int, body: str) -> Path:
        path = self.path(request, snapshot)
        entry = {
            "request": {
                "api": request.api,
                "url": request.url,
                "params": [list(p) for p in request.params],
                "snapshot": snapshot,
            },
            "status": status,
            "body": body,
        }
        # write then rename, so a kill never leaves a half-written page behind
        atomic_write_text(
            path, json.dumps(entry, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        )
        return path


class SearchStore:
    """data/search/: the response cache, the run logs and the retrieved records."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.folder = review.data / FOLDER
        self.log_folder = self.folder / "log"
        self.records_folder = self.folder / "records"

    def unread(self) -> list[Unread]:
        """Files under data/search/ that litsift does not read (warnings: nothing here is
        written by hand)."""
        cache = self.folder / "cache"
        known = {cache, self.log_folder, self.records_folder}
        out = [other(p) for p in visible(self.folder) if p not in known and not is_doc(p)]
        for api in visible(cache):
            out += scan(api, api.glob("*.json")) if api.is_dir() else [other(api)]
        out += scan(self.log_folder, self.log_folder.glob("*.yaml"))
        out += scan(self.records_folder, self.records_folder.glob("*.jsonl"))
        return out

    def cache(self) -> ResponseCache:
        return ResponseCache(self.folder / "cache")

    # ------------------------------------------------------------- run logs

    def log_path(self, run_id: str) -> Path:
        return self.log_folder / f"{run_id}.yaml"

    def write_log(self, run: RunLog) -> Path:
        """Write (or rewrite, as the run progresses) the run's log."""
        path = self.log_path(run.run_id)
        atomic_write_text(path, dump_yaml(run.to_dict()))
        return path

    def logs(self) -> list[dict[str, Any]]:
        """All run logs, oldest first (run ids sort by time)."""
        if not self.log_folder.is_dir():
            return []
        out = []
        for path in sorted(self.log_folder.glob("*.yaml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as e:
                raise InputError(path, f"unreadable search log: {e}") from e
            if not isinstance(data, dict) or "run_id" not in data:
                raise InputError(path, "not a litsift search log (no run_id)")
            out.append(data)
        return out

    def running(self) -> list[Path]:
        """Logs still marked `status: running`: a search in progress, or one that was
        killed (nothing else leaves a log so)."""
        return [self.log_path(str(g["run_id"])) for g in self.logs() if g.get("status") == RUNNING]

    def mark_interrupted(self, status: str = "", error: str = "") -> list[Path]:
        """Give the logs still `running` their end: `interrupted` (the search was killed)
        or `status` with `error`. Call it holding the review's lock, so that no search is
        in progress; returns the logs changed."""
        changed = []
        for path in self.running():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            data["status"] = status or INTERRUPTED
            for entry in data.get("sources") or []:
                if isinstance(entry, dict) and entry.get("status") == RUNNING:
                    entry["status"] = status or INTERRUPTED
                    entry["error"] = entry.get("error") or error or "the search was stopped"
            if error and not data.get("error"):
                data["error"] = error
            atomic_write_text(path, dump_yaml(data))
            changed.append(path)
        return changed

    def new_run_id(self, now: datetime | None = None) -> str:
        """A run id no log uses yet (the UTC time, with -2, -3... on a clash)."""
        from litsift.search.log import new_run_id

        base = new_run_id(now)
        run_id, n = base, 1
        while self.log_path(run_id).exists():
            n += 1
            run_id = f"{base}-{n}"
        return run_id

    def summary(self) -> list[dict[str, Any]]:
        """Per source and query, from the latest search log (and citation log): for the
        report's methods text and checklists."""
        from litsift.search.log import TRANSLATED

        logs = self.logs()
        latest = [g for g in logs if g.get("mode") not in ("citations", TRANSLATED)][-1:]
        latest += [g for g in logs if g.get("mode") == "citations"][-1:]
        # strings searched by hand: the latest per database source and query
        by_hand: dict[tuple[str, str], dict[str, Any]] = {}
        for g in logs:
            if g.get("mode") == TRANSLATED:
                for e in g.get("sources") or []:
                    key = (str(e.get("source")), str(e.get("query_name")))
                    by_hand[key] = {**g, "sources": [e]}
        latest += sorted(by_hand.values(), key=lambda g: str(g.get("run_id")))
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
                        # a snapshot search: the methods text names its release and
                        # quotes the query as written, not the SQL sent
                        "query_written": e.get("query_written"),
                        "snapshot": e.get("snapshot"),
                    }
                )
        return rows

    # ------------------------------------------------------------- records

    def records_file(self, source: str) -> Path:
        return self.records_folder / f"{source}.jsonl"

    def records(self) -> dict[str, list[Record]]:
        """What `litsift run` feeds to dedup: the records of each source (empty when none)."""
        if not self.records_folder.is_dir():
            return {}
        return {p.stem: read_records(p) for p in sorted(self.records_folder.glob("*.jsonl"))}

    def merge(self, source: str, retrieved: Iterable[Record], batch: str) -> list[str]:
        """Add retrieved records not yet in the source's file (batch = this run); returns
        the new ids. Nothing already there changes."""
        path = self.records_file(source)
        old = read_records(path) if path.is_file() else []
        known = {r.origin for r in old}
        new = [r.model_copy(update={"batch": batch}) for r in retrieved if r.origin not in known]
        write_records(path, [*old, *new])
        return sorted({r.id for r in new})


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
    ordered = sorted(records, key=lambda r: (r.id, r.origin))
    atomic_write_text(path, "".join(r.model_dump_json() + "\n" for r in ordered))
