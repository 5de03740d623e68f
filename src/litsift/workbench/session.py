"""One workbench session: a reviewer (or the adjudicator) screening one stage.

The session reads the review once (records after deduplication, every screening file),
ranks what the reviewer has left as `litsift screen next` does, and then writes each
decision through the screening store, one entry at a time, and records it in the audit
log, both under the review's write lock, before it answers. The reviewer's file is the
source of truth: before every write it is read again when its bytes changed on disk, and a
record decided there meanwhile (by an editor, another command) is never overwritten.

Ranking 10,000 records takes seconds, so the session ranks once when it starts and then
again after every `rerank_every` decisions, in a worker process (forked once, when the
session loads, so it shares the records; a thread would hold the interpreter lock away
from the requests), swapping the queue when the new order is ready (the decisions made
meanwhile are left out of it).

Blind dual review: a reviewer's answers carry only their own decisions. The adjudicator
(role `adjudicator` in review.yaml) works through the stage's unresolved conflicts, with
every reviewer's decision and reason, and writes the stage's adjudication.yaml.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from litsift import runner
from litsift import screen as stage_module
from litsift.errors import InputError, LitsiftError
from litsift.models import CriterionKind, Protocol, Record, Stage, Verdict
from litsift.screen import ADJUDICATION, ScreeningResult, ScreeningState
from litsift.screen.agreement import cohen_kappa
from litsift.screen.state import Entry, IdResolver
from litsift.store import Review
from litsift.store.decisions import FileChangedError, FileSnapshot, unchanged
from litsift.store.lock import WORKBENCH, ReviewLock
from litsift.vocab import PipelineStage
from litsift.workbench.terms import Marker, highlights

log = logging.getLogger(__name__)

LOCK_WAIT = 10.0  # seconds a decision waits for another writer of the review
FIELDS = ("decision", "reason", "note")
CONTEXT = ("title", "year", "venue", "doi", "arxiv_id")  # written with a new entry


class Refused(LitsiftError):
    """An action the session will not carry out; the message says why (shown as is)."""


@dataclass(frozen=True)
class Done:
    """A decision made in this session, for undo: the fields before and after."""

    record_id: str
    before: dict[str, str | None]
    after: dict[str, str | None]


def _fields(entry: Entry | None) -> dict[str, str | None]:
    if entry is None:
        return dict.fromkeys(FIELDS)
    verdict = entry.decision.value if entry.decision is not None else None
    return {"decision": verdict, "reason": entry.reason, "note": entry.note}


def stopping_view(result: ScreeningResult | None) -> dict[str, object] | None:
    """The stopping test where screening stands (`litsift.screen.stopping`): its figures and
    whether it says it is safe to stop."""
    stopping = result.stopping if result is not None else None
    if stopping is None:
        return None
    rows = {str(k): str(v) for k, v in stopping.summary().items()}
    return {"rows": rows, "safe_to_stop": bool(stopping.safe_to_stop)}


def pair_agreement(state: ScreeningState, stage: Stage) -> list[dict[str, object]]:
    """Per pair of reviewers: records both decided, share agreeing, Cohen's kappa."""
    votes = state.votes(stage)
    reviewers = sorted({f.reviewer for f in state.reviewer_files(stage)})
    out = []
    for a, b in combinations(reviewers, 2):
        pairs = [
            (v[a].decision.value, v[b].decision.value)
            for v in votes.values()
            if a in v and b in v and v[a].decision is not None and v[b].decision is not None
        ]
        row: dict[str, object] = {"pair": f"{a} / {b}", "records": len(pairs)}
        if pairs:
            xs, ys = zip(*pairs, strict=True)
            row["agreement"] = round(sum(x == y for x, y in pairs) / len(pairs), 3)
            kappa = cohen_kappa(xs, ys)
            row["kappa"] = None if kappa != kappa else round(kappa, 3)  # NaN: no variation
        out.append(row)
    return out


@dataclass
class Progress:
    """What the progress view shows, computed with each ranking."""

    stopping: dict[str, object] | None = None
    agreement: list[dict[str, object]] = field(default_factory=list)
    ranked_at: int = 0  # decisions made in this session when it was computed


class Session:
    """A screening (or adjudication) session of one person at one stage."""

    def __init__(
        self, review: Review, stage: Stage, reviewer: str, *, rerank_every: int = 10
    ) -> None:
        protocol = review.protocol
        person = next((r for r in protocol.reviewers if r.id == reviewer), None)
        if person is None:
            raise InputError(
                review.protocol_path, f"reviewer {reviewer!r} is not declared in reviewers"
            )
        self.review, self.stage, self.reviewer = review, stage, reviewer
        self.adjudicator = person.role == "adjudicator"
        self.file_owner = ADJUDICATION if self.adjudicator else reviewer
        self.path = review.screening.reviewer_file(stage, self.file_owner)
        self.rel = review.rel(self.path)
        self.rerank_every = rerank_every
        self.records: dict[str, Record] = {}
        self.aliases: dict[str, str] = {}
        self.retracted: frozenset[str] = frozenset()  # records with a retraction notice
        self.resolve = IdResolver.build({})
        self.marker = Marker(())
        self.snap: FileSnapshot | None = None
        self.error: str | None = None  # the reviewer file's problem: nothing is written
        self.warnings: tuple[str, ...] = ()  # problems of other files
        self.queue: list[str] = []
        self.scores: dict[str, float] = {}
        self.history: list[Done] = []
        self.decisions = 0
        self.progress_info = Progress()
        self.conflict_votes: dict[str, dict[str, Entry]] = {}
        self._skipped: set[str] = set()
        self._lock = threading.RLock()  # one writer at a time within this process
        self._executor: ProcessPoolExecutor | None = None
        self._ranking: Future[Ranking] | None = None
        self._applied = threading.Event()  # set when no ranking is waiting to be applied
        self._applied.set()

    # ----------------------------------------------------------------- loading

    def load(self) -> None:
        """Read the records and the files, record what the file holds, rank the queue."""
        result = runner.run(self.review, until=PipelineStage.DEDUP, record=False)
        assert result.dedup is not None
        self.records = {c.canonical.id: c.canonical for c in result.dedup.clusters}
        self.aliases = result.aliases()
        self.retracted = result.dedup.retracted_ids()
        self.resolve = IdResolver.build(self.aliases, self.records)
        try:
            queries = self.review.queries()
        except InputError:
            queries = []  # no query files: only review.yaml's terms are highlighted
        self.marker = Marker(highlights(self.review.protocol, queries))
        with self._write():
            if self._refresh() is not None:
                state = ScreeningState((self.snap.reviewer_file(),))  # type: ignore[union-attr]
                self.review.audit.sync(state, self.reviewer, files=[self.rel])
        self.rank()

    def _refresh(self) -> FileSnapshot | None:
        """The reviewer's file, read again when its bytes changed (None when it is invalid)."""
        if self.snap is not None and self.error is None and unchanged(self.snap):
            return self.snap
        try:
            self.snap = self.review.screening.snapshot(self.stage, self.file_owner, self.resolve)
            self.error = None
        except InputError as e:
            self.snap, self.error = None, str(e)
        return self.snap

    def check(self) -> str | None:
        """The reviewer file's problem now, if any (re-reads it when it changed)."""
        with self._lock:
            self._refresh()
            return self.error

    # ----------------------------------------------------------------- ranking

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            global _INPUT
            _INPUT = (list(self.records.values()), dict(self.aliases))
            context = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(
                1, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
            )
        return self._executor

    def _job(self) -> Future[Ranking]:
        return self._pool().submit(
            _rank_job, self.review.root, self.stage, self.reviewer, self.adjudicator
        )

    def rank(self) -> None:
        """Order what is left (blank entries of the file first, then by relevance)."""
        self._apply(self._job().result(), self.decisions)

    def _apply(self, ranking: Ranking, made: int) -> None:
        with self._lock:
            self._set_queue(ranking.ids)
            self.scores = ranking.scores
            self.progress_info = replace_made(ranking.progress, made)
            self.conflict_votes = ranking.votes
            self.warnings = tuple(p for p in ranking.problems if not p.startswith(str(self.path)))

    def _set_queue(self, ranked: list[str]) -> None:
        decided = self._decided()
        skipped = [rid for rid in self.queue if rid in self._skipped]
        order = [rid for rid in dict.fromkeys(ranked) if rid not in decided]
        self.queue = [rid for rid in order if rid not in self._skipped] + [
            rid for rid in skipped if rid in order
        ]

    def _decided(self) -> set[str]:
        snap = self.snap
        if snap is None:
            return set()
        return {rid for rid, e in snap.entries.items() if e.decision is not None}

    def _rerank_later(self, *, now: bool = False) -> None:
        """Rank again in the worker after `rerank_every` decisions (`now`: after any)."""
        with self._lock:
            due = self.rerank_every if not now else 1
            if self.decisions - self.progress_info.ranked_at < due:
                return
            if self._ranking is not None and not self._ranking.done():
                return
            made = self.decisions
            try:
                job = self._job()
            except Exception:  # the worker is gone (BrokenProcessPool): keep the order
                log.exception("cannot rank again; the current order stays")
                return
            self._applied.clear()
            self._ranking = job
        job.add_done_callback(lambda f: self._ranked(f, made))

    def _ranked(self, future: Future[Ranking], made: int) -> None:
        try:
            self._apply(future.result(), made)
        except LitsiftError as e:  # a file broke meanwhile: keep the current order
            log.warning("ranking skipped: %s", e)
        except Exception:  # the worker died: keep the order, try again later
            log.exception("ranking failed")
        finally:
            self._applied.set()

    def refresh_progress(self) -> Progress:
        """The progress figures, asking for fresh ones when decisions were made since."""
        self._rerank_later(now=True)
        return self.progress_info

    def wait_for_ranking(self, timeout: float = 120) -> bool:
        """Wait until a ranking in progress has been applied (for tests, bench)."""
        return self._applied.wait(timeout)

    def close(self) -> None:
        """Stop the ranking worker."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    # ----------------------------------------------------------------- writing

    @contextmanager
    def _write(self) -> Iterator[None]:
        with (
            self._lock,
            ReviewLock(self.review.root, timeout=LOCK_WAIT, command=WORKBENCH),
        ):
            yield

    def _writable(self) -> FileSnapshot:
        snap = self._refresh()
        if snap is None:
            raise Refused(f"{self.error}; fix the file, nothing was written")
        return snap

    def _store(self, record_id: str, values: dict[str, str | None]) -> FileSnapshot:
        """Write the fields and record them in the audit log (the caller holds the lock)."""
        snap = self._writable()
        self.review.audit.refuse_broken()  # a decision it could not record is not written
        record = self.records.get(record_id)
        context = {k: getattr(record, k) for k in CONTEXT} if record is not None else {}
        header = stage_module.criteria_header(self.review.protocol, self.stage)
        try:
            snap = self.review.screening.set_decision(
                snap, self.resolve, record_id, values, context, header
            )
        except FileChangedError as e:  # changed between our read and the write: re-read
            self.snap = None
            raise Refused(f"{e}; it was read again, try once more") from e
        self.snap = snap
        entry = snap.entries[record_id]
        state = ScreeningState((snap.reviewer_file(only=record_id),))
        self.review.audit.sync(state, self.reviewer, scope=[(self.rel, entry.written_id)])
        return snap

    def decide(
        self, record_id: str, decision: str, reason: str | None = None, note: str | None = None
    ) -> dict[str, object]:
        """Write one decision; returns what was saved. Refused: the message says why."""
        values = self._values(decision, reason, note)
        with self._write():
            snap = self._writable()
            if record_id not in self.records:
                raise Refused(f"unknown record {record_id}")
            if self.adjudicator and record_id not in self.queue:
                raise Refused(f"{record_id} is not an unresolved conflict of this stage")
            before = snap.entries.get(record_id)
            if before is not None and before.decision is not None:
                raise Refused(
                    f"{record_id} is already decided in {self.rel} "
                    f"({_describe(_fields(before))}); nothing was changed"
                )
            self._store(record_id, values)
            self.history.append(Done(record_id, _fields(before), values))
            self.decisions += 1
            if record_id in self.queue:
                self.queue.remove(record_id)
        self._rerank_later()
        return {"record": record_id, **values, "file": self.rel}

    def _values(self, decision: str, reason: str | None, note: str | None) -> dict[str, str | None]:
        allowed = ["include", "exclude", "maybe"]
        if self.stage is Stage.FULL_TEXT and not self.adjudicator:
            allowed.append(Verdict.NOT_RETRIEVED.value)
        if decision not in allowed:
            raise Refused(f"decision {decision!r} is not one of {', '.join(allowed)}")
        codes = self.reasons()
        if decision == "exclude" and reason not in codes:
            raise Refused(f"an exclusion needs a reason: one of {', '.join(codes)}")
        values: dict[str, str | None] = {
            "decision": decision,
            "reason": reason if decision == "exclude" else None,
        }
        if note and note.strip():
            values["note"] = note.strip()
        return values

    def undo(self) -> dict[str, object]:
        """Put back the fields the last decision of this session replaced."""
        with self._write():
            if not self.history:
                raise Refused("nothing to undo in this session")
            done = self.history[-1]
            snap = self._writable()
            now = _fields(snap.entries.get(done.record_id))
            if any(now[k] != v for k, v in done.after.items()):
                raise Refused(
                    f"{done.record_id} changed in {self.rel} since ({_describe(now)}); "
                    "nothing was undone"
                )
            restore = {k: done.before[k] for k in FIELDS if k in done.after or k != "note"}
            self._store(done.record_id, restore)
            self.history.pop()
            self.decisions += 1
            if done.record_id in self.queue:
                self.queue.remove(done.record_id)
            self.queue.insert(0, done.record_id)
            self._skipped.discard(done.record_id)
        return {"record": done.record_id, **restore, "file": self.rel}

    def skip(self, record_id: str) -> None:
        """Show the record again after every other one."""
        with self._lock:
            if record_id in self.queue:
                self.queue.remove(record_id)
                self.queue.append(record_id)
                self._skipped.add(record_id)

    # ----------------------------------------------------------------- reading

    def reasons(self) -> list[str]:
        """Exclusion codes of this stage, in the order of review.yaml (keys 1, 2, ...)."""
        return [
            c.code
            for c in self.review.protocol.criteria
            if c.kind is CriterionKind.EXCLUDE and c.stage in ("any", self.stage.value)
        ]

    def current(self) -> str | None:
        """The record to show now."""
        with self._lock:
            decided = self._decided()
            while self.queue and self.queue[0] in decided:
                self.queue.pop(0)
            return self.queue[0] if self.queue else None

    def counts(self) -> dict[str, int]:
        """This person's own decisions at this stage, and what is left."""
        with self._lock:
            snap = self.snap
            entries = list(snap.entries.values()) if snap is not None else []
            decided = [e for e in entries if e.decision is not None]
            out = {v.value: sum(e.decision is v for e in decided) for v in Verdict}
            out["screened"] = len(decided)
            done = self._decided()
            out["left"] = sum(rid not in done for rid in self.queue)
            return out

    def votes(self, record_id: str) -> list[dict[str, object]]:
        """Every reviewer's decision on a conflict (the adjudicator's view only)."""
        if not self.adjudicator:
            return []
        votes = self.conflict_votes.get(record_id, {})
        return [{"reviewer": r, **_fields(e)} for r, e in sorted(votes.items())]


@dataclass(frozen=True)
class Ranking:
    """What a ranking job hands back: the order, scores, progress, conflicts' votes."""

    ids: list[str]
    scores: dict[str, float]
    progress: Progress
    votes: dict[str, dict[str, Entry]]
    problems: tuple[str, ...]


def replace_made(progress: Progress, made: int) -> Progress:
    return Progress(progress.stopping, progress.agreement, made)


# the records and aliases of the session, set before the worker is forked (so it has them)
_INPUT: tuple[list[Record], Mapping[str, str]] = ([], {})


def _worker_init(parent: int) -> None:
    """The ranking worker yields the processor to the server answering keypresses, and
    dies with the server (even one killed with SIGKILL, which runs no clean-up)."""
    with contextlib.suppress(OSError):
        os.nice(10)
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    if os.getppid() != parent:  # the server died before the line above took effect
        os._exit(0)


def _rank_job(root: Path, stage: Stage, reviewer: str, adjudicator: bool) -> Ranking:
    """In the worker: read the screening files and rank (see `compute_ranking`)."""
    records, aliases = _INPUT
    return compute_ranking(Review(root), records, aliases, stage, reviewer, adjudicator)


def compute_ranking(
    review: Review,
    records: list[Record],
    aliases: Mapping[str, str],
    stage: Stage,
    reviewer: str,
    adjudicator: bool,
) -> Ranking:
    """The queue of a reviewer (blank entries of their file, then `screen next`'s order)
    or of the adjudicator (the stage's conflicts), with the progress figures."""
    state = review.screening.load(aliases, [r.id for r in records], strict=False)
    protocol = review.protocol
    votes: dict[str, dict[str, Entry]] = {}
    scores: dict[str, float] = {}
    if adjudicator:
        result = stage_module.screen(records, protocol, state)
        ids = [rid for s, rid, _ in stage_module.conflicts(result) if s == stage.value]
        votes = {rid: dict(state.votes(stage).get(rid, {})) for rid in ids}
    else:
        own = [f for f in state.reviewer_files(stage) if f.reviewer == reviewer]
        blank = [e.record_id for f in own for e in f.entries if e.decision is None]
        from litsift.runner import ranker_features

        # re-ranked every few decisions: the features of unchanged texts come from build/.cache
        features = ranker_features(review)
        batch = stage_module.next_batch(
            records, protocol, state, reviewer, stage, n=len(records), features=features
        )
        ids = blank + [str(b["id"]) for b in batch]
        scores = {str(b["id"]): float(b["score"]) for b in batch if b.get("score") is not None}
        result = _own_result(records, protocol, state, reviewer, stage)
    progress = Progress(
        stopping_view(result) if stage is Stage.TITLE_ABSTRACT else None,
        pair_agreement(state, stage) if adjudicator else [],
    )
    return Ranking(ids, scores, progress, votes, state.problems)


def _describe(values: dict[str, str | None]) -> str:
    text = values.get("decision") or "undecided"
    if values.get("reason"):
        text += f" {values['reason']}"
    return text


def _own_result(
    records: list[Record],
    protocol: Protocol,
    state: ScreeningState,
    reviewer: str,
    stage: Stage,
) -> ScreeningResult:
    """The screening result of this reviewer's decisions alone (blind to the others)."""
    own = tuple(f for f in state.files if f.reviewer == reviewer)
    single = protocol.model_copy(
        update={"screening": protocol.screening.model_copy(update={"reviewers_per_record": 1})}
    )
    return stage_module.screen(records, single, ScreeningState(own))
