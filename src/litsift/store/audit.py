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
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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
    events = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
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

    @classmethod
    def of(cls, events: Iterable[AuditEvent]) -> _Keys:
        keys = cls()
        for e in events:
            if e.action == KEY and e.new and e.actor not in keys.public:
                keys.add(e)
        return keys

    def add(self, event: AuditEvent) -> None:
        assert event.new is not None
        self.public[event.actor] = event.new
        self.since[event.actor] = event.seq
        self.owner[signing.fingerprint(event.new)] = event.actor

    def fingerprint(self, actor: str) -> str:
        return signing.fingerprint(self.public[actor])


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
    report.problems += [
        f"{path}: review.yaml pins {actor}'s key {fp}, but the log registers none (key "
        "entry removed?)"
        for actor, fp in sorted(keys.pinned.items())
        if actor in actors and actor not in keys.public
    ]
    report.keys = {a: (keys.fingerprint(a), keys.since[a]) for a in keys.public}
    _check_anchors(path, report, hashes, anchored)
    return report


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


Recorded = tuple[str | None, str | None, str]  # (decision, reason, actor)


def _replay(events: Iterable[AuditEvent]) -> dict[tuple[str, str], Recorded]:
    """Last recorded (decision, reason, actor) per (file, record)."""
    state: dict[tuple[str, str], Recorded] = {}
    for e in events:
        if e.action == "decision" and e.file and e.record:
            state[(e.file, e.record)] = (e.new, e.reason, e.actor)
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


def _refuse_broken(review: Review) -> None:
    """No command extends a chain with a problem (signatures are checked by `audit
    verify` and `check`; here the links, the head and the anchors)."""
    problems = review.audit.inspect(signatures=False).problems
    if problems:
        raise ConsistencyError(
            f"the audit chain has {len(problems)} problem(s), so litsift will not extend "
            f"it: {problems[0]} (run `litsift audit verify`)"
        )


class _Writer:
    """Builds chained (and, for the key's owner, signed) events after the last one."""

    def __init__(self, events: list[AuditEvent], key: SigningKey | None, at: str) -> None:
        self.prev = events[-1].hash if events else GENESIS
        self.seq = events[-1].seq if events else 0
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


def sync_audit(
    review: Review,
    state: ScreeningState,
    actor_default: str,
    now: str | None = None,
    key: object = _FROM_ENV,
) -> int:
    """Append one event per new, changed or withdrawn decision; returns how many.

    A decision of a reviewer who signs is recorded only when this process holds their key
    (`key`, by default from the environment); the others are left for a later sync.
    """
    path = review.audit.log
    events = read_events(path)
    _refuse_broken(review)
    recorded = _replay(events)
    keys = _Keys.of(events)
    signer, owner = _signer(key, keys)
    adjudicators = [r.id for r in review.protocol.reviewers if r.role == "adjudicator"]
    current = _current(
        review,
        state.files,
        actor_default,
        adjudicators[0] if len(adjudicators) == 1 else None,
    )
    writer = _Writer(events, signer if owner else None, now or _now())
    deferred: Counter[str] = Counter()
    for item in sorted(set(current) | set(recorded)):
        old_decision, old_reason, old_actor = recorded.get(item, (None, None, actor_default))
        decision, reason, stage, actor, sha = current.get(item, (None, None, None, old_actor, None))
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
    if writer.new:
        _append(path, writer.new)
    elif events and _read_head(path) != {"seq": events[-1].seq, "hash": events[-1].hash}:
        _write_head(path, events[-1])  # a crash left the head behind the log
    return len(writer.new)


def register_key(review: Review, reviewer: str, key: SigningKey, now: str | None = None) -> bool:
    """Register `key` as the reviewer's; False when it already is."""
    if reviewer not in {r.id for r in review.protocol.reviewers}:
        raise InputError(review.protocol_path, f"reviewer '{reviewer}' is not declared")
    path = review.audit.log
    events = read_events(path)
    _refuse_broken(review)
    keys = _Keys.of(events)
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
    writer = _Writer(events, key, now or _now())
    writer.add(True, actor=reviewer, action=KEY, new=key.public)
    _append(path, writer.new)
    return True


def _append(path: Path, events: list[AuditEvent]) -> None:
    old = read_or_empty(path)
    lines = "".join(event_line(e) + "\n" for e in events)
    atomic_write(path, (old or b"") + lines.encode("utf-8"), unchanged=old)
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

    def unread(self) -> list[Unread]:
        """Files under data/audit/ that litsift does not read."""
        return scan(self.folder, [self.log, head_path(self.log)])

    def events(self) -> list[AuditEvent]:
        return read_events(self.log)

    def verify(self) -> list[str]:
        """Problems with the chain, its signatures and its anchors (empty when intact)."""
        return self.inspect().problems

    def inspect(self, *, signatures: bool = True) -> ChainReport:
        """The whole chain checked, with what it holds (signatures, keys, anchors)."""
        try:
            anchored = anchors.anchors(self.review.root)
            note = "" if anchors.review_path(self.review.root) else "not in a git repository"
        except anchors.AnchorError as e:
            anchored, note = [], str(e)
        pinned = {r.id: r.key for r in self.review.protocol.reviewers if r.key}
        report = inspect_log(self.log, anchored, signatures=signatures, pinned=pinned)
        report.anchor_note = note
        return report

    def sync(self, state: ScreeningState, actor_default: str, now: str | None = None) -> int:
        """Append an event for each decision that changed since the last sync."""
        return sync_audit(self.review, state, actor_default, now)

    def register_key(self, reviewer: str, key: SigningKey) -> bool:
        """Record the reviewer's public key (signed by it); False when already there."""
        return register_key(self.review, reviewer, key)

    def anchor(self, *, commit: bool = False) -> anchors.Anchor:
        """Record the head of an intact chain in a git tag (or commit)."""
        events = read_events(self.log)
        if not events:
            raise LitsiftError(f"{self.review.rel(self.log)}: no entries to anchor yet")
        _refuse_broken(self.review)
        paths = [self.log, head_path(self.log)]
        return anchors.anchor(
            self.review.root, events[-1].seq, events[-1].hash, paths, commit=commit
        )
