"""data/dedup/pairs.yaml: uncertain pairs and the reviewer's answers (`same` / `different`).

The file is a YAML list that a reviewer edits. litsift only ever appends to it, as plain
text at the end (what is there, comments included, is never rewritten). Answers are
honoured on every later run: `different` splits and prevents a merge, `same` forces one;
blanking or flipping an answer undoes it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import StrictFloat, StrictInt, StrictStr, field_validator

from litsift.dedup.core import ANSWERS, DedupResult, UncertainPair
from litsift.errors import InputError
from litsift.fileio import atomic_write, read_or_empty
from litsift.models import Frozen, Record
from litsift.store.unread import Unread, scan
from litsift.yamlio import dump_yaml, item_lines, load_list

if TYPE_CHECKING:
    from litsift.store import Review

FOLDER = "dedup"  # under data/
PAIRS = "pairs.yaml"

HEADER = """\
# Uncertain duplicate pairs. For each pair, set `answer:` to `same` or `different`.
# litsift appends new pairs at the end and never rewrites this file; your answers are
# honoured on every run (`different` keeps the records apart, `same` merges them).
# To undo an automatic merge, add an entry with the two record ids (members in
# build/dedup/clusters.jsonl), e.g. `- {a: doi-..., b: ta-..., answer: different}`.
"""


class PairEntry(Frozen):
    """One pair in pairs.yaml; the context fields are for the reviewer and never read."""

    a: StrictStr
    b: StrictStr
    answer: StrictStr | None = ""
    score: StrictFloat | StrictInt | None = None
    why: StrictStr | None = None
    a_title: StrictStr | None = None
    a_year: StrictInt | None = None
    a_authors: StrictStr | None = None
    a_venue: StrictStr | None = None
    b_title: StrictStr | None = None
    b_year: StrictInt | None = None
    b_authors: StrictStr | None = None
    b_venue: StrictStr | None = None

    @field_validator("answer")
    @classmethod
    def _known(cls, value: str | None) -> str:
        value = (value or "").strip().lower()
        if value and value not in ANSWERS:
            raise ValueError(f"answer must be {' or '.join(ANSWERS)} (or left blank)")
        return value


def read_entries(path: Path) -> list[tuple[PairEntry, int]]:
    """Every entry of pairs.yaml with its line; [] when the file does not exist."""
    if not path.is_file():
        return []
    entries = load_list(path, PairEntry)
    lines = item_lines(path)
    return list(zip(entries, lines, strict=True))


def load_answers(path: Path) -> dict[frozenset[str], str]:
    """Answered pairs of pairs.yaml: {frozenset({a, b}): 'same' | 'different'}."""
    answers: dict[frozenset[str], str] = {}
    for entry, line in read_entries(path):
        if entry.a == entry.b:
            raise InputError(path, f"a and b are the same record {entry.a}", line)
        key = frozenset((entry.a, entry.b))
        if not entry.answer:
            continue
        if key in answers and answers[key] != entry.answer:
            raise InputError(
                path,
                f"pair {entry.a} / {entry.b} is answered both {answers[key]} and {entry.answer}",
                line,
            )
        answers[key] = entry.answer
    return answers


@dataclass(frozen=True)
class PairPlan:
    """What a run does with its uncertain pairs: at most `cap` pairs go to pairs.yaml (the
    likeliest duplicates first); the rest are kept apart by rule."""

    new: tuple[UncertainPair, ...]  # to append, highest score first
    waiting: tuple[int, ...]  # lines of unanswered pairs in the file still uncertain
    by_rule: int  # uncertain pairs over the cap: kept apart, never asked
    cap: int

    @property
    def awaiting(self) -> int:
        """Pairs a reviewer must answer: unanswered in the file, or about to be written."""
        return len(self.new) + len(self.waiting)

    def describe(self) -> str:
        text = f"{self.awaiting} await an answer in data/{FOLDER}/{PAIRS}"
        if self.by_rule:
            text += f", {self.by_rule} kept apart by rule (over the cap of {self.cap} pairs)"
        return text


def plan_pairs(
    uncertain: Sequence[UncertainPair],
    entries: Sequence[tuple[PairEntry, int]],
    cap: int,
    clusters: Callable[[], Mapping[str, str]] | None = None,
) -> PairPlan:
    """Rank the uncertain pairs not yet in the file (highest score first: the rule keeps
    them apart, so those are where it most likely errs) and keep what fits under the cap.

    `clusters()` maps a record id to its cluster id: a pair counts as in the file when an
    entry asks about the same two clusters through other members (the likeliest pair of
    two clusters can change as records come in; the question stays the one asked)."""
    present = {frozenset((e.a, e.b)): (e, line) for e, line in entries}
    found: dict[tuple[str, str], tuple[PairEntry, int]] = {}
    for p in uncertain:
        if (key := frozenset((p.a, p.b))) in present:
            found[(p.a, p.b)] = present[key]
    missing = [p for p in uncertain if (p.a, p.b) not in found]
    if missing and entries and clusters is not None:
        of = clusters()
        by_clusters = {}
        for e, line in entries:
            if e.a in of and e.b in of:
                by_clusters.setdefault(frozenset((of[e.a], of[e.b])), (e, line))
        for p in missing:
            if p.a in of and p.b in of:
                hit = by_clusters.get(frozenset((of[p.a], of[p.b])))
                if hit is not None:
                    found[(p.a, p.b)] = hit
    waiting = sorted({line for e, line in found.values() if not e.answer})
    fresh = sorted(
        (p for p in uncertain if (p.a, p.b) not in found),
        key=lambda p: (-p.score, p.a, p.b),
    )
    room = max(cap - len(entries), 0)
    return PairPlan(tuple(fresh[:room]), tuple(waiting), len(fresh) - min(room, len(fresh)), cap)


def unknown_ids(
    path: Path, entries: Sequence[tuple[PairEntry, int]], known: Collection[str]
) -> list[InputError]:
    """An error for every answered pair naming a record id no source holds."""
    errors = []
    for entry, line in entries:
        missing = [rid for rid in (entry.a, entry.b) if rid not in known]
        if entry.answer and missing:
            errors.append(
                InputError(
                    path,
                    f"answer for {entry.a} / {entry.b} names unknown record id {missing[0]!r} "
                    "(no import or search holds it; correct the id or remove the entry)",
                    line,
                )
            )
    return errors


def append_uncertain(
    path: Path, pairs: Sequence[UncertainPair], records: Mapping[str, Record]
) -> int:
    """Append pairs not yet in the file, with both records' details; returns how many.

    The file is replaced atomically with its old bytes and the new pairs, and only if the
    reviewer did not save it in the meantime (ChangedError otherwise)."""
    old = read_or_empty(path)
    present = {frozenset((e.a, e.b)) for e, _ in read_entries(path)}
    new = [p for p in pairs if frozenset((p.a, p.b)) not in present]
    if not new:
        return 0
    text = "".join(dump_yaml([_entry(p, records)]) for p in new)
    existing = old or b""
    prefix = HEADER if not existing else ("" if existing.endswith(b"\n") else "\n")
    atomic_write(path, existing + (prefix + text).encode("utf-8"), unchanged=old)
    return len(new)


def _entry(pair: UncertainPair, records: Mapping[str, Record]) -> dict[str, object]:
    item: dict[str, object] = {"a": pair.a, "b": pair.b, "score": pair.score, "why": pair.why}
    for side, rid in (("a", pair.a), ("b", pair.b)):
        record = records.get(rid)
        if record is None:
            continue
        item[f"{side}_title"] = record.title or ""
        if record.year is not None:
            item[f"{side}_year"] = record.year
        item[f"{side}_authors"] = "; ".join(record.authors)
        item[f"{side}_venue"] = record.venue or ""
    item["answer"] = ""
    return item


class DedupStore:
    """data/dedup/pairs.yaml: the uncertain pairs a reviewer answers."""

    def __init__(self, review: Review) -> None:
        self.folder = review.data / FOLDER
        self.pairs = self.folder / PAIRS

    def unread(self) -> list[Unread]:
        """Files under data/dedup/ that no run reads (answers elsewhere are errors)."""
        return scan(self.folder, [self.pairs], yaml_is_error=True, what=f"answers go in {PAIRS}")

    def answers(self) -> dict[frozenset[str], str]:
        return load_answers(self.pairs)

    def entries(self) -> list[tuple[PairEntry, int]]:
        return read_entries(self.pairs)

    def plan(
        self,
        uncertain: Sequence[UncertainPair],
        cap: int,
        clusters: Callable[[], Mapping[str, str]] | None = None,
    ) -> PairPlan:
        return plan_pairs(uncertain, self.entries(), cap, clusters)

    def unknown_ids(self, known: Collection[str]) -> list[InputError]:
        """Answers naming a record id that no import or search holds."""
        return unknown_ids(self.pairs, self.entries(), known)

    def append(self, pairs: Sequence[UncertainPair], records: Mapping[str, Record]) -> int:
        return append_uncertain(self.pairs, pairs, records)

    def record_uncertain(
        self, pairs: Sequence[UncertainPair], result: DedupResult, records: Sequence[Record]
    ) -> int:
        """Append those of the run's uncertain `pairs` not yet in the file (the plan's new
        ones), each with both records' details (a pair's side may be a record or a whole
        cluster); returns how many."""
        if not pairs:
            return 0
        by_id = {r.id: r for r in records} | {c.id: c.canonical for c in result.clusters}
        return self.append(pairs, by_id)
