"""data/audit/: the audit trail, an append-only, hash-chained log of every screening decision.

data/audit/log.jsonl holds one `models.AuditEvent` per line. Each event's `hash` is the
SHA-256 of its canonical JSON (all fields but `hash`, keys sorted), and its `prev` is the
previous event's hash, so editing, deleting, inserting or reordering a line breaks the chain.
Truncation (dropping the last lines) keeps a valid chain, so the last event's seq and hash
are also kept in data/audit/head.json; a log shorter than its head was truncated.

Both files are replaced atomically (write-temp-then-rename); the log is written before the
head, so a crash in between leaves a log one step ahead of its head, which the next sync
repairs and `verify_audit` accepts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from litsift import __version__
from litsift.errors import ConsistencyError, InputError
from litsift.fileio import atomic_write
from litsift.models import AuditEvent
from litsift.screen.state import ADJUDICATION, ReviewerFile, ScreeningState

if TYPE_CHECKING:
    from litsift.store import Review

FOLDER = "audit"  # under data/
LOG = "log.jsonl"
HEAD = "head.json"

GENESIS = "0" * 64
SCHEMA_VERSION = 1


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
    events = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            events.append(AuditEvent.model_validate_json(line))
        except ValidationError as e:
            raise InputError(path, f"not a valid audit event: {e.errors()[0]['msg']}", n) from e
    return events


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


def _replay(events: Iterable[AuditEvent]) -> dict[tuple[str, str], AuditEvent]:
    """The last recorded decision event per (file, record)."""
    state: dict[tuple[str, str], AuditEvent] = {}
    for e in events:
        if e.action == "decision" and e.file and e.record:
            state[(e.file, e.record)] = e
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


def sync_audit(
    review: Review, state: ScreeningState, actor_default: str, now: str | None = None
) -> int:
    """Append one event per new, changed or withdrawn decision; returns how many."""
    path = review.audit.log
    events = read_events(path)
    if events and events[-1].hash != event_hash(events[-1]):
        raise ConsistencyError(f"{path}: the last entry is corrupt; run `litsift audit verify`")
    recorded = _replay(events)
    adjudicators = [r.id for r in review.protocol.reviewers if r.role == "adjudicator"]
    current = _current(
        review,
        state.files,
        actor_default,
        adjudicators[0] if len(adjudicators) == 1 else None,
    )
    at = now or _now()
    prev = events[-1].hash if events else GENESIS
    seq = events[-1].seq if events else 0
    new: list[AuditEvent] = []
    for key in sorted(set(current) | set(recorded)):
        last = recorded.get(key)
        old_value = (last.new, last.reason) if last else (None, None)
        if key in current:
            decision, reason, stage, actor, sha = current[key]
        else:  # withdrawn: the entry is gone from its file, at the stage it was made
            decision, reason, sha = None, None, None
            stage = last.stage if last else None
            actor = last.actor if last else actor_default
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
    elif events and _read_head(path) != {"seq": events[-1].seq, "hash": events[-1].hash}:
        _write_head(path, events[-1])  # a crash left the head behind the log
    return len(new)


def _append(path: Path, events: list[AuditEvent]) -> None:
    old = path.read_bytes() if path.exists() else b""
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

    def events(self) -> list[AuditEvent]:
        return read_events(self.log)

    def verify(self) -> list[str]:
        """Problems with the chain (empty when it is intact)."""
        return verify_audit(self.log)

    def sync(self, state: ScreeningState, actor_default: str, now: str | None = None) -> int:
        """Append an event for each decision that changed since the last sync."""
        return sync_audit(self.review, state, actor_default, now)
