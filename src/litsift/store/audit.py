"""data/audit/: the audit trail, an append-only, hash-chained log of every screening decision.

data/audit/log.jsonl holds one `models.AuditEvent` per line. Each event's `hash` is the
SHA-256 of its canonical JSON (all fields but `hash`, keys sorted), and its `prev` is the
previous event's hash, so editing, deleting, inserting or reordering a line breaks the chain.
Truncation (dropping the last lines) keeps a valid chain, so the last event's seq and hash
are also kept in data/audit/head.json; a log shorter than its head was truncated.

Both files are replaced atomically (write-temp-then-rename); the log is written before the
head, so a crash in between leaves a log one step ahead of its head, which the next sync
repairs and `verify_audit` accepts.

A sync holds the review's write lock (`store.lock`) from reading the log to writing it, so
two writers (the workbench, `litsift run`) never drop each other's events; and it skips a
reviewer file that changed on disk since it was loaded (its writer records it, or the next
sync does), so a stale read never records a decision as withdrawn. An `AuditStore` keeps
the log it last read, and a later sync parses only the lines added since, when the bytes
it read are still the log's first bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from litsift import __version__
from litsift.errors import ConsistencyError, InputError
from litsift.fileio import atomic_write
from litsift.models import AuditEvent
from litsift.screen.state import ADJUDICATION, ReviewerFile, ScreeningState
from litsift.store.lock import ReviewLock

if TYPE_CHECKING:
    from litsift.store import Review

FOLDER = "audit"  # under data/
LOG = "log.jsonl"
HEAD = "head.json"

GENESIS = "0" * 64
SCHEMA_VERSION = 1
LOCK_WAIT = 60.0  # seconds a sync waits for another writer of the review


def head_path(log: Path) -> Path:
    return log.parent / HEAD


def event_hash(event: AuditEvent) -> str:
    """SHA-256 of the event's canonical JSON, without its own hash."""
    body = event.model_dump(exclude={"hash"})
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_events(path: Path) -> list[AuditEvent]:
    """Every event of the log; an unreadable line raises InputError naming it."""
    if not path.exists():
        return []
    return _parse_lines(path, path.read_text(encoding="utf-8"), 1)


def _parse_lines(path: Path, text: str, first_line: int) -> list[AuditEvent]:
    events = []
    for n, line in enumerate(text.splitlines(), first_line):
        try:
            events.append(AuditEvent.model_validate_json(line))
        except ValidationError as e:
            raise InputError(path, f"not a valid audit event: {e.errors()[0]['msg']}", n) from e
    return events


# (file, record) -> the last decision, reason, stage and actor the log recorded for it
Replayed = dict[tuple[str, str], tuple[str | None, str | None, str | None, str]]


@dataclass(frozen=True)
class LogView:
    """What a sync needs of the log: its last event and the last decision per key."""

    size: int  # bytes read
    digest: str  # SHA-256 of those bytes
    lines: int
    last: AuditEvent | None
    recorded: Replayed


def read_view(path: Path, known: LogView | None = None) -> LogView:
    """The log's view, parsing only what follows `known` when the log still begins with
    the bytes `known` was read from."""
    data = path.read_bytes() if path.exists() else b""
    prefix = data[: known.size] if known is not None else b""
    if known is not None and hashlib.sha256(prefix).hexdigest() == known.digest:
        return known if known.size == len(data) else _extend(path, data, known)
    return _extend(path, data, LogView(0, hashlib.sha256(b"").hexdigest(), 0, None, {}))


def _extend(path: Path, data: bytes, base: LogView) -> LogView:
    tail = data[base.size :].decode("utf-8")
    events = _parse_lines(path, tail, base.lines + 1)
    recorded = dict(base.recorded)
    recorded.update(_replay(events))
    last = events[-1] if events else base.last
    digest = hashlib.sha256(data).hexdigest()
    return LogView(len(data), digest, base.lines + len(events), last, recorded)


def verify_audit(path: Path) -> list[str]:
    """Problems with the audit log at `path` (empty when the chain is intact)."""
    head = _read_head(path)
    if not path.exists():
        return (
            [f"{path}: missing, but {head_path(path).name} records {head['seq']} events"]
            if head
            else []
        )
    problems: list[str] = []
    prev, seq, hashes = GENESIS, 0, {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            event = AuditEvent.model_validate_json(line)
        except ValidationError:
            problems.append(f"{path}:{n}: not a valid audit event (edited or cut short)")
            continue
        problems += _check_event(path, n, event, seq + 1, prev)
        prev, seq = event.hash, event.seq
        hashes[event.seq] = event.hash
    problems += _check_head(path, head, seq, hashes)
    return problems


def _check_event(path: Path, n: int, event: AuditEvent, seq: int, prev: str) -> list[str]:
    problems = []
    if event.hash != event_hash(event):
        problems.append(f"{path}:{n}: hash does not match the entry (entry edited)")
    if event.seq != seq:
        problems.append(
            f"{path}:{n}: seq {event.seq} where {seq} was expected "
            "(entry deleted, inserted or reordered)"
        )
    if event.prev != prev:
        problems.append(
            f"{path}:{n}: does not chain to the previous entry "
            "(entry deleted, inserted or reordered)"
        )
    if event.schema_version != SCHEMA_VERSION:
        problems.append(f"{path}:{n}: unknown schema_version {event.schema_version}")
    return problems


def _check_head(path: Path, head: dict | None, last: int, hashes: dict[int, str]) -> list[str]:
    hp = head_path(path)
    if head is None:
        return [f"{hp}: missing, cannot check the log for truncation"] if last else []
    seq = head.get("seq")
    if not isinstance(seq, int) or seq > last:
        return [f"{path}: ends at seq {last} but {hp.name} records seq {seq} (log truncated)"]
    if seq and hashes.get(seq) != head.get("hash"):
        return [f"{path}: entry {seq} differs from the hash recorded in {hp.name} (log rewritten)"]
    return []


def _read_head(path: Path) -> dict | None:
    hp = head_path(path)
    if not hp.exists():
        return None
    try:
        data = json.loads(hp.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {"seq": None}
    return data if isinstance(data, dict) else {"seq": None}


# --------------------------------------------------------------------------- sync


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _replay(events: Iterable[AuditEvent]) -> Replayed:
    """Last recorded (decision, reason, stage, actor) per (file, record)."""
    state: Replayed = {}
    for e in events:
        if e.action == "decision" and e.file and e.record:
            state[(e.file, e.record)] = (e.new, e.reason, e.stage, e.actor)
    return state


def _current(
    review: Review, files: Iterable[ReviewerFile], actor_default: str, adjudicator: str | None
) -> dict[tuple[str, str], tuple]:
    """(file, record) -> (decision, reason, stage, actor, sha256) as the files say now."""
    out: dict[tuple[str, str], tuple] = {}
    for f in sorted(files, key=lambda f: str(f.path)):
        actor = (adjudicator or actor_default) if f.reviewer == ADJUDICATION else f.reviewer
        rel = review.rel(f.path)
        for e in f.entries:
            decision = e.decision.value if e.decision is not None else None
            out[(rel, e.written_id)] = (decision, e.reason, f.stage.value, actor, f.sha256)
    return out


def _changed_since_loaded(review: Review, state: ScreeningState, recorded: Replayed) -> set[str]:
    """Files (relative paths) whose bytes on disk are not those `state` was loaded from:
    changed since, or created since (logged but absent from `state`)."""
    stale = set()
    loaded = {review.rel(f.path): f for f in state.files}
    for rel, f in loaded.items():
        try:
            now = hashlib.sha256(f.path.read_bytes()).hexdigest()
        except FileNotFoundError:
            now = None
        if now != f.sha256:
            stale.add(rel)
    for rel in {file for file, _ in recorded} - set(loaded):
        if (review.root / rel).is_file():
            stale.add(rel)
    return stale


def sync_audit(
    review: Review,
    state: ScreeningState,
    actor_default: str,
    now: str | None = None,
    *,
    scope: Collection[tuple[str, str]] | None = None,
    files: Collection[str] | None = None,
) -> int:
    """Append one event per new, changed or withdrawn decision; returns how many.

    With `scope` ((file relative to the root, id as written) pairs), only those entries are
    compared: a writer that changed one entry records it without reading every file. With
    `files` (relative paths), only the entries of those files.
    """
    with ReviewLock(review.root, timeout=LOCK_WAIT):
        return _sync(review, state, actor_default, now, scope, files)


def _sync(
    review: Review,
    state: ScreeningState,
    actor_default: str,
    now: str | None,
    scope: Collection[tuple[str, str]] | None,
    files: Collection[str] | None,
) -> int:
    path = review.audit.log
    view = review.audit.view()
    last = view.last
    if last is not None and last.hash != event_hash(last):
        raise ConsistencyError(f"{path}: the last entry is corrupt; run `litsift audit verify`")
    recorded = view.recorded
    adjudicators = [r.id for r in review.protocol.reviewers if r.role == "adjudicator"]
    current = _current(
        review,
        state.files,
        actor_default,
        adjudicators[0] if len(adjudicators) == 1 else None,
    )
    keys = set(current) | set(recorded)
    if scope is not None:
        keys &= set(scope)
    if files is not None:
        keys = {k for k in keys if k[0] in files}
    stale = _changed_since_loaded(review, state, {k: recorded[k] for k in keys if k in recorded})
    at = now or _now()
    prev = last.hash if last else GENESIS
    seq = last.seq if last else 0
    new: list[AuditEvent] = []
    for key in sorted(k for k in keys if k[0] not in stale):
        old_decision, old_reason, old_stage, old_actor = recorded.get(
            key, (None, None, None, actor_default)
        )
        old_value = (old_decision, old_reason)
        if key in current:
            decision, reason, stage, actor, sha = current[key]
        else:  # withdrawn: the entry is gone from its file, at the stage it was made
            decision, reason, stage, actor, sha = None, None, old_stage, old_actor, None
        if (decision, reason) == old_value:
            continue
        seq += 1
        event = AuditEvent(
            seq=seq,
            at=at,
            actor=actor,
            action="decision",
            stage=stage,
            record=key[1],
            old=old_value[0],
            new=decision,
            reason=reason,
            file=key[0],
            file_sha256=sha,
            version=__version__,
            prev=prev,
        )
        event = event.model_copy(update={"hash": event_hash(event)})
        prev = event.hash
        new.append(event)
    if new:
        _append(path, new)
        review.audit.view()  # remember what was written, for the next sync
    elif last and _read_head(path) != {"seq": last.seq, "hash": last.hash}:
        _write_head(path, last)  # a crash left the head behind the log
    return len(new)


def _append(path: Path, events: list[AuditEvent]) -> None:
    old = path.read_bytes() if path.exists() else b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    lines = "".join(e.model_dump_json() + "\n" for e in events)
    atomic_write(path, old + lines.encode("utf-8"))
    _write_head(path, events[-1])


def _write_head(path: Path, last: AuditEvent) -> None:
    head = json.dumps({"seq": last.seq, "hash": last.hash}, sort_keys=True) + "\n"
    atomic_write(head_path(path), head.encode("utf-8"))


class AuditStore:
    """data/audit/log.jsonl and its head.json."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.folder = review.data / FOLDER
        self.log = self.folder / LOG
        self._view: LogView | None = None

    def events(self) -> list[AuditEvent]:
        return read_events(self.log)

    def view(self) -> LogView:
        """The log as a sync needs it, re-reading only what was appended since last time."""
        self._view = read_view(self.log, self._view)
        return self._view

    def verify(self) -> list[str]:
        """Problems with the chain (empty when it is intact)."""
        return verify_audit(self.log)

    def sync(
        self,
        state: ScreeningState,
        actor_default: str,
        now: str | None = None,
        *,
        scope: Collection[tuple[str, str]] | None = None,
        files: Collection[str] | None = None,
    ) -> int:
        """Append an event for each decision that changed since the last sync (`scope`:
        only these (file, written id) entries; `files`: only these files' entries)."""
        return sync_audit(self.review, state, actor_default, now, scope=scope, files=files)
