"""data/audit/: the audit trail, an append-only, hash-chained log of every screening decision.

data/audit/log.jsonl holds one `models.AuditEvent` per line. Each event's `hash` is the
SHA-256 of its canonical JSON (all fields but `hash` and `signature`, keys sorted), and its
`prev` is the previous event's hash, so editing, deleting, inserting or reordering a line
breaks the chain. Truncation (dropping the last lines) keeps a valid chain, so the last
event's seq and hash are also kept in data/audit/head.json; a log shorter than its head was
truncated.

What the chain alone cannot tell: someone who can write this folder can rewrite any entry
and recompute every hash and head.json, or truncate the log and head.json together, and
the chain is intact again. Two optional defences close that gap:

- signed mode: a reviewer registers an Ed25519 key (`litsift audit key`, the private key
  only ever in the environment, see `litsift.signing`); from then on each of their events
  carries the key's fingerprint and a signature of the event's hash (schema_version 2),
  and an unsigned event in their name is a problem. A rewritten entry breaks its own
  signature and that of every later signed entry, which only the keys' holders can redo.
  Events of a reviewer who signs are recorded only by a command run with their key: a
  run by someone else leaves them for later and says so.
- anchors: `litsift audit anchor` records the head in a git tag or commit
  (`store/anchor.py`); an anchored entry that changed or vanished is a problem.

Both files are replaced atomically (write-temp-then-rename); the log is written before the
head, so a crash in between leaves a log one step ahead of its head, which the next sync
repairs and `verify_audit` accepts. No command extends a chain with a problem.

A sync holds the review's write lock (`store.lock`) from reading the log to writing it, so
two writers (the workbench, `litsift run`, `screen next`) never drop each other's events;
and it skips a reviewer file that changed on disk since it was loaded (its writer records
it, or the next sync does), so a stale read never records a decision as withdrawn. An
`AuditStore` keeps the log it last read (`LogView`: what it replays, the keys registered,
the chain's problems so far), and a later sync parses and checks only the lines added
since, when the bytes it read are still the log's first bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from litsift import __version__, signing
from litsift.errors import ConsistencyError, InputError, LitsiftError
from litsift.fileio import atomic_write, read_or_empty
from litsift.models import AuditEvent
from litsift.screen.state import ADJUDICATION, ReviewerFile, ScreeningState
from litsift.store import anchor as anchors
from litsift.store.lock import ReviewLock
from litsift.store.unread import Unread, scan

if TYPE_CHECKING:
    from litsift.signing import SigningKey
    from litsift.store import Review

log = logging.getLogger(__name__)

FOLDER = "audit"  # under data/
LOG = "log.jsonl"
HEAD = "head.json"

GENESIS = "0" * 64
SCHEMA_VERSION = 1  # an unsigned event
SIGNED_SCHEMA = 2  # an event with `key` and `signature`
KEY = "key"  # the action of the event that registers a reviewer's public key
_FROM_ENV = object()  # sync: take the signing key from the environment
LOCK_WAIT = 60.0  # seconds a sync waits for another writer of the review


def head_path(log: Path) -> Path:
    return log.parent / HEAD


def _unsigned_fields(event: AuditEvent) -> set[str]:
    """Fields left out of an unsigned event's JSON, so its line and hash are as before."""
    return {"key", "signature"} if event.key is None and event.signature is None else set()


def event_hash(event: AuditEvent) -> str:
    """SHA-256 of the event's canonical JSON, without its own hash and signature."""
    body = event.model_dump(exclude={"hash", "signature"} | _unsigned_fields(event))
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_line(event: AuditEvent) -> str:
    """The event as one line of log.jsonl."""
    return event.model_dump_json(exclude=_unsigned_fields(event))


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


# --------------------------------------------------------------------------- verify


@dataclass
class _Keys:
    """The public keys registered so far in the chain."""

    public: dict[str, str] = field(default_factory=dict)  # actor -> 'ed25519:<base64>'
    pinned: dict[str, str] = field(default_factory=dict)  # actor -> fingerprint (review.yaml)
    since: dict[str, int] = field(default_factory=dict)  # actor -> seq of its key event
    owner: dict[str, str] = field(default_factory=dict)  # fingerprint -> actor

    def add(self, event: AuditEvent) -> None:
        assert event.new is not None
        self.public[event.actor] = event.new
        self.since[event.actor] = event.seq
        self.owner[signing.fingerprint(event.new)] = event.actor

    def fingerprint(self, actor: str) -> str:
        return signing.fingerprint(self.public[actor])

    def copy(self) -> _Keys:
        return _Keys(dict(self.public), dict(self.pinned), dict(self.since), dict(self.owner))


@dataclass
class ChainReport:
    """What `litsift audit verify` found: problems, and what the chain holds."""

    problems: list[str] = field(default_factory=list)
    entries: int = 0
    signed: Counter[str] = field(default_factory=Counter)  # actor -> signed entries
    unsigned: int = 0
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)  # actor -> (fp, since)
    anchors: list[str] = field(default_factory=list)  # descriptions of anchors that hold
    anchor_note: str = ""  # why there are none, when there are none

    def summary(self, where: str) -> list[str]:
        state = "chain intact" if not self.problems else f"{len(self.problems)} problem(s)"
        signed = sum(self.signed.values())
        by = ", ".join(f"{a} {n}" for a, n in sorted(self.signed.items()))
        lines = [
            f"{where}: {state}: {self.entries} entries, {signed} signed"
            + (f" ({by})" if by else "")
            + f", {self.unsigned} unsigned"
        ]
        if self.keys:
            lines.append(
                "keys: "
                + ", ".join(
                    f"{a} {fp} (since entry {s})" for a, (fp, s) in sorted(self.keys.items())
                )
            )
        lines.append(
            "anchored: "
            + ("; ".join(self.anchors) if self.anchors else self.anchor_note or "never")
        )
        return lines


# (file, record) -> the last decision, reason, stage and actor the log recorded for it
Replayed = dict[tuple[str, str], tuple[str | None, str | None, str | None, str]]


@dataclass(frozen=True)
class LogView:
    """What a writer needs of the log: its last event, the last decision per key, the keys
    registered, and the problems of the chain read so far (links, hashes, signers; not the
    signatures themselves, which `inspect_log` checks)."""

    size: int  # bytes read
    digest: str  # SHA-256 of those bytes
    lines: int
    last: AuditEvent | None
    recorded: Replayed
    keys: _Keys
    hashes: dict[int, str]  # seq -> hash, for the head and the anchors
    problems: tuple[str, ...]


def read_view(
    path: Path, known: LogView | None = None, pinned: Mapping[str, str] | None = None
) -> LogView:
    """The log's view, parsing only what follows `known` when the log still begins with
    the bytes `known` was read from (`pinned`: reviewer -> key fingerprint, review.yaml)."""
    data = path.read_bytes() if path.exists() else b""
    prefix = data[: known.size] if known is not None else b""
    if known is not None and hashlib.sha256(prefix).hexdigest() == known.digest:
        return known if known.size == len(data) else _extend(path, data, known)
    keys = _Keys(pinned=dict(pinned or {}))
    empty = LogView(0, hashlib.sha256(b"").hexdigest(), 0, None, {}, keys, {}, ())
    return _extend(path, data, empty)


def _extend(path: Path, data: bytes, base: LogView) -> LogView:
    tail = data[base.size :].decode("utf-8")
    events = _parse_lines(path, tail, base.lines + 1)
    keys, hashes, problems = base.keys.copy(), dict(base.hashes), list(base.problems)
    prev = base.last.hash if base.last else GENESIS
    seq = base.last.seq if base.last else 0
    report = ChainReport()
    for n, event in enumerate(events, base.lines + 1):
        problems += _check_event(path, n, event, seq + 1, prev)
        problems += _check_signature(path, n, event, keys, report, check=False)
        prev, seq = event.hash, event.seq
        hashes[event.seq] = event.hash
    recorded = dict(base.recorded)
    recorded.update(_replay(events))
    last = events[-1] if events else base.last
    digest = hashlib.sha256(data).hexdigest()
    lines = base.lines + len(events)
    return LogView(len(data), digest, lines, last, recorded, keys, hashes, tuple(problems))


def verify_audit(path: Path) -> list[str]:
    """Problems with the audit log at `path` (empty when the chain is intact)."""
    return inspect_log(path).problems


def inspect_log(
    path: Path,
    anchored: Sequence[anchors.Anchor] = (),
    *,
    signatures: bool = True,
    pinned: Mapping[str, str] | None = None,
) -> ChainReport:
    """Check the whole chain (hashes, order, head, signatures, anchors) and count it;
    `signatures=False` leaves out the (slower) signature checks; `pinned` (reviewer ->
    key fingerprint, from review.yaml) are the keys the log must register."""
    report = ChainReport()
    head = _read_head(path)
    if not path.exists():
        if head:
            report.problems.append(f"{path}: missing, but {HEAD} records {head['seq']} events")
        _check_anchors(path, report, {}, anchored)
        return report
    prev, seq, hashes, keys = GENESIS, 0, {}, _Keys(pinned=dict(pinned or {}))
    actors: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            event = AuditEvent.model_validate_json(line)
        except ValidationError:
            report.problems.append(f"{path}:{n}: not a valid audit event (edited or cut short)")
            continue
        report.problems += _check_event(path, n, event, seq + 1, prev)
        report.problems += _check_signature(path, n, event, keys, report, signatures)
        prev, seq = event.hash, event.seq
        hashes[event.seq] = event.hash
        report.entries += 1
        actors.add(event.actor)
    report.problems += _check_head(path, head, seq, hashes)
    report.problems += _pinned_missing(path, keys, actors)
    report.keys = {a: (keys.fingerprint(a), keys.since[a]) for a in keys.public}
    _check_anchors(path, report, hashes, anchored)
    return report


def _pinned_missing(path: Path, keys: _Keys, actors: Collection[str]) -> list[str]:
    """Reviewers with entries whose key review.yaml pins but the log never registers."""
    return [
        f"{path}: review.yaml pins {actor}'s key {fp}, but the log registers none (key "
        "entry removed?)"
        for actor, fp in sorted(keys.pinned.items())
        if actor in actors and actor not in keys.public
    ]


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
    signed = event.key is not None or event.signature is not None
    if event.schema_version not in (SCHEMA_VERSION, SIGNED_SCHEMA):
        problems.append(f"{path}:{n}: unknown schema_version {event.schema_version}")
    elif signed != (event.schema_version == SIGNED_SCHEMA):
        problems.append(
            f"{path}:{n}: schema_version {event.schema_version} "
            + ("with a signature" if signed else "without a signature")
        )
    return problems


def _check_signature(
    path: Path, n: int, event: AuditEvent, keys: _Keys, report: ChainReport, check: bool = True
) -> list[str]:
    """A signed event must carry a valid signature by its actor's registered key; an
    unsigned one must not be in the name of a reviewer who signs."""
    where = f"{path}:{n}"
    if event.action == KEY:
        return _check_key_event(where, event, keys, report)
    if event.key is None:
        report.unsigned += 1
        if event.actor in keys.public:
            return [
                f"{where}: unsigned entry by {event.actor}, whose entries are signed since "
                f"entry {keys.since[event.actor]} (forged, or its signature removed)"
            ]
        return []
    owner = keys.owner.get(event.key)
    if owner is None:
        return [f"{where}: signed with key {event.key}, which no earlier key entry registers"]
    if owner != event.actor:
        return [f"{where}: entry by {event.actor} signed with {owner}'s key"]
    valid = event.signature and (
        not check or signing.verify(keys.public[owner], event.hash, event.signature)
    )
    if not valid:
        return [
            f"{where}: the signature does not match the entry (edited, or forged with "
            "recomputed hashes)"
        ]
    report.signed[event.actor] += 1
    return []


def _check_key_event(where: str, event: AuditEvent, keys: _Keys, report: ChainReport) -> list[str]:
    try:
        fp = signing.fingerprint(event.new or "")
    except ValueError:
        return [f"{where}: a key entry without a readable public key"]
    if event.key != fp or not event.signature:
        return [f"{where}: a key entry not signed by the key it registers"]
    if not signing.verify(event.new or "", event.hash, event.signature):
        return [f"{where}: the key entry's signature does not match (edited or forged)"]
    if event.actor in keys.public:
        return [
            f"{where}: a second key for {event.actor} (the first at entry "
            f"{keys.since[event.actor]}); a reviewer's key is never replaced"
        ]
    if fp in keys.owner:
        return [f"{where}: {event.actor} registers the key of {keys.owner[fp]}"]
    if keys.pinned.get(event.actor, fp) != fp:
        return [
            f"{where}: {event.actor} registers key {fp}, but review.yaml pins "
            f"{keys.pinned[event.actor]}"
        ]
    keys.add(event)
    report.signed[event.actor] += 1
    return []


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


def _check_anchors(
    path: Path, report: ChainReport, hashes: dict[int, str], anchored: Sequence[anchors.Anchor]
) -> None:
    last = max(hashes, default=0)
    for a in anchored:
        if a.seq > last:
            report.problems.append(
                f"{path}: ends at entry {last}, but {a.describe()} anchors entry {a.seq} "
                "(log truncated)"
            )
        elif hashes.get(a.seq) != a.hash:
            report.problems.append(
                f"{path}: entry {a.seq} is not the one {a.describe()} anchors (log rewritten)"
            )
        else:
            report.anchors.append(a.describe())


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


def _refuse_broken(review: Review, view: LogView) -> None:
    """No command extends a chain with a problem (signatures are checked by `audit
    verify` and `check`; here the links, the signers, the head and the anchors)."""
    problems = review.audit.write_problems(view)
    if problems:
        raise ConsistencyError(
            f"the audit chain has {len(problems)} problem(s), so litsift will not extend "
            f"it: {problems[0]} (run `litsift audit verify`)"
        )


class _Writer:
    """Builds chained (and, for the key's owner, signed) events after the last one."""

    def __init__(self, last: AuditEvent | None, key: SigningKey | None, at: str) -> None:
        self.prev = last.hash if last else GENESIS
        self.seq = last.seq if last else 0
        self.key, self.at = key, at
        self.new: list[AuditEvent] = []

    def add(self, signed: bool, **fields: object) -> None:
        self.seq += 1
        event = AuditEvent(
            seq=self.seq,
            at=self.at,
            version=__version__,
            prev=self.prev,
            schema_version=SIGNED_SCHEMA if signed else SCHEMA_VERSION,
            key=self.key.fingerprint if signed and self.key else None,
            **fields,  # type: ignore[arg-type]
        )
        event = event.model_copy(update={"hash": event_hash(event)})
        if signed and self.key:
            event = event.model_copy(update={"signature": self.key.sign(event.hash)})
        self.prev = event.hash
        self.new.append(event)


def _signer(key: object, keys: _Keys) -> tuple[SigningKey | None, str | None]:
    """The key to sign with (from the environment unless given) and the reviewer it
    belongs to (None when it is not registered in this review)."""
    chosen = signing.from_environment() if key is _FROM_ENV else key
    if chosen is None:
        return None, None
    assert isinstance(chosen, signing.SigningKey)
    owner = keys.owner.get(chosen.fingerprint)
    if owner is None:
        log.warning(
            "the signing key %s is not registered in this review (`litsift audit key "
            "--reviewer ID`); entries are recorded unsigned",
            chosen.fingerprint,
        )
    return chosen, owner


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
    key: object = _FROM_ENV,
    *,
    scope: Collection[tuple[str, str]] | None = None,
    files: Collection[str] | None = None,
) -> int:
    """Append one event per new, changed or withdrawn decision; returns how many.

    With `scope` ((file relative to the root, id as written) pairs), only those entries are
    compared: a writer that changed one entry records it without reading every file. With
    `files` (relative paths), only the entries of those files. A decision of a reviewer
    who signs is recorded only when this process holds their key (`key`, by default from
    the environment); the others are left for a later sync.
    """
    with ReviewLock(review.root, timeout=LOCK_WAIT):
        return _sync(review, state, actor_default, now, key, scope, files)


def _sync(
    review: Review,
    state: ScreeningState,
    actor_default: str,
    now: str | None,
    key: object,
    scope: Collection[tuple[str, str]] | None,
    files: Collection[str] | None,
) -> int:
    path = review.audit.log
    view = review.audit.view()
    _refuse_broken(review, view)
    recorded, keys = view.recorded, view.keys
    signer, owner = _signer(key, keys)
    adjudicators = [r.id for r in review.protocol.reviewers if r.role == "adjudicator"]
    current = _current(
        review,
        state.files,
        actor_default,
        adjudicators[0] if len(adjudicators) == 1 else None,
    )
    items = set(current) | set(recorded)
    if scope is not None:
        items &= set(scope)
    if files is not None:
        items = {k for k in items if k[0] in files}
    stale = _changed_since_loaded(review, state, {k: recorded[k] for k in items if k in recorded})
    writer = _Writer(view.last, signer if owner else None, now or _now())
    deferred: Counter[str] = Counter()
    for item in sorted(k for k in items if k[0] not in stale):
        old_decision, old_reason, old_stage, old_actor = recorded.get(
            item, (None, None, None, actor_default)
        )
        if item in current:
            decision, reason, stage, actor, sha = current[item]
        else:  # withdrawn: the entry is gone from its file, at the stage it was made
            decision, reason, stage, actor, sha = None, None, old_stage, old_actor, None
        if (decision, reason) == (old_decision, old_reason):
            continue
        if actor in keys.public and actor != owner:
            deferred[actor] += 1
            continue
        writer.add(
            actor in keys.public,
            actor=actor,
            action="decision",
            stage=stage,
            record=item[1],
            old=old_decision,
            new=decision,
            reason=reason,
            file=item[0],
            file_sha256=sha,
        )
    for actor, n in sorted(deferred.items()):
        log.warning(
            "%d decision(s) of %s not recorded in the audit log yet: %s signs, so they are "
            "recorded by a command run with %s's key",
            n,
            actor,
            actor,
            actor,
        )
    last = view.last
    if writer.new:
        _append(path, writer.new)
        review.audit.view()  # remember what was written, for the next sync
    elif last and _read_head(path) != {"seq": last.seq, "hash": last.hash}:
        _write_head(path, last)  # a crash left the head behind the log
    return len(writer.new)


def register_key(review: Review, reviewer: str, key: SigningKey, now: str | None = None) -> bool:
    """Register `key` as the reviewer's; False when it already is."""
    if reviewer not in {r.id for r in review.protocol.reviewers}:
        raise InputError(review.protocol_path, f"reviewer '{reviewer}' is not declared")
    with ReviewLock(review.root, timeout=LOCK_WAIT):
        return _register_key(review, reviewer, key, now)


def _register_key(review: Review, reviewer: str, key: SigningKey, now: str | None) -> bool:
    path = review.audit.log
    view = review.audit.view()
    _refuse_broken(review, view)
    keys = view.keys
    if keys.owner.get(key.fingerprint) == reviewer:
        return False
    if reviewer in keys.public:
        raise LitsiftError(
            f"{reviewer} already signs with {keys.fingerprint(reviewer)} (since entry "
            f"{keys.since[reviewer]}); a reviewer's key is never replaced"
        )
    if key.fingerprint in keys.owner:
        raise LitsiftError(f"this key is {keys.owner[key.fingerprint]}'s; each reviewer has one")
    pinned = next(r.key for r in review.protocol.reviewers if r.id == reviewer)
    if pinned not in (None, key.fingerprint):
        raise InputError(
            review.protocol_path,
            f"reviewers: {reviewer}'s key is pinned to {pinned}, not {key.fingerprint}",
        )
    writer = _Writer(view.last, key, now or _now())
    writer.add(True, actor=reviewer, action=KEY, new=key.public)
    _append(path, writer.new)
    review.audit.view()
    return True


def _append(path: Path, events: list[AuditEvent]) -> None:
    old = read_or_empty(path)
    start = old or b""
    if start and not start.endswith(b"\n"):
        start += b"\n"
    lines = "".join(event_line(e) + "\n" for e in events)
    atomic_write(path, start + lines.encode("utf-8"), unchanged=old)
    _write_head(path, events[-1])


def _write_head(path: Path, last: AuditEvent) -> None:
    head = json.dumps({"seq": last.seq, "hash": last.hash}, sort_keys=True) + "\n"
    atomic_write(head_path(path), head.encode("utf-8"))


class AuditStore:
    """data/audit/log.jsonl and its head.json (and the anchors in the review's git)."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.folder = review.data / FOLDER
        self.log = self.folder / LOG
        self._view: LogView | None = None
        self._anchored: tuple[list[anchors.Anchor], str] | None = None

    def unread(self) -> list[Unread]:
        """Files under data/audit/ that litsift does not read."""
        return scan(self.folder, [self.log, head_path(self.log)])

    def events(self) -> list[AuditEvent]:
        return read_events(self.log)

    def view(self) -> LogView:
        """The log as a writer needs it, re-reading only what was appended since last time."""
        self._view = read_view(self.log, self._view, self._pinned())
        return self._view

    def _pinned(self) -> dict[str, str]:
        return {r.id: r.key for r in self.review.protocol.reviewers if r.key}

    def anchored(self, *, fresh: bool = True) -> tuple[list[anchors.Anchor], str]:
        """The anchors in the review's git, and why there are none when git cannot say;
        `fresh=False` reuses what this store read before (a writer asks on every
        decision, and git runs as a subprocess)."""
        if fresh or self._anchored is None:
            try:
                found = anchors.anchors(self.review.root)
                note = "" if anchors.review_path(self.review.root) else "not in a git repository"
            except anchors.AnchorError as e:
                found, note = [], str(e)
            self._anchored = (found, note)
        return self._anchored

    def refuse_broken(self) -> None:
        """Raise ConsistencyError when the chain has a problem, before a writer changes a
        file whose decisions it would then have to record."""
        _refuse_broken(self.review, self.view())

    def write_problems(self, view: LogView) -> list[str]:
        """What stops a writer from extending the chain `view` read: its links, hashes and
        signers, its head, the keys review.yaml pins, and the anchors."""
        path = self.log
        report = ChainReport(problems=list(view.problems))
        last = view.last.seq if view.last else 0
        if view.last is None and not path.exists():
            head = _read_head(path)
            if head:
                report.problems.append(f"{path}: missing, but {HEAD} records {head['seq']} events")
        else:
            report.problems += _check_head(path, _read_head(path), last, view.hashes)
        actors = {actor for *_, actor in view.recorded.values()}
        report.problems += _pinned_missing(path, view.keys, actors)
        _check_anchors(path, report, view.hashes, self.anchored(fresh=False)[0])
        return report.problems

    def verify(self) -> list[str]:
        """Problems with the chain, its signatures and its anchors (empty when intact)."""
        return self.inspect().problems

    def inspect(self, *, signatures: bool = True) -> ChainReport:
        """The whole chain checked, with what it holds (signatures, keys, anchors)."""
        anchored, note = self.anchored()
        report = inspect_log(self.log, anchored, signatures=signatures, pinned=self._pinned())
        report.anchor_note = note
        return report

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

    def register_key(self, reviewer: str, key: SigningKey) -> bool:
        """Record the reviewer's public key (signed by it); False when already there."""
        return register_key(self.review, reviewer, key)

    def anchor(self, *, commit: bool = False) -> anchors.Anchor:
        """Record the head of an intact chain in a git tag (or commit)."""
        with ReviewLock(self.review.root, timeout=LOCK_WAIT):
            view = self.view()
            if view.last is None:
                raise LitsiftError(f"{self.review.rel(self.log)}: no entries to anchor yet")
            self._anchored = None  # read git afresh
            _refuse_broken(self.review, view)
            paths = [self.log, head_path(self.log)]
            made = anchors.anchor(
                self.review.root, view.last.seq, view.last.hash, paths, commit=commit
            )
            self._anchored = None
            return made
