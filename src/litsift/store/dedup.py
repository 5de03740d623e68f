"""data/dedup/pairs.yaml: uncertain pairs and the reviewer's answers (`same` / `different`).

The file is a YAML list that a reviewer edits. litsift only ever appends to it, as plain
text at the end (what is there, comments included, is never rewritten). Answers are
honoured on every later run: `different` splits and prevents a merge, `same` forces one;
blanking or flipping an answer undoes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import StrictFloat, StrictInt, StrictStr, field_validator

from litsift.dedup.core import ANSWERS, DedupResult, UncertainPair
from litsift.errors import InputError
from litsift.models import Frozen, Record
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


def append_uncertain(
    path: Path, pairs: Sequence[UncertainPair], records: Mapping[str, Record]
) -> int:
    """Append pairs not yet in the file, with both records' details; returns how many."""
    present = {frozenset((e.a, e.b)) for e, _ in read_entries(path)}
    new = [p for p in pairs if frozenset((p.a, p.b)) not in present]
    if not new:
        return 0
    text = "".join(dump_yaml([_entry(p, records)]) for p in new)
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    prefix = HEADER if not existing else ("" if existing.endswith("\n") else "\n")
    with path.open("a", encoding="utf-8") as out:
        out.write(prefix + text)
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

    def answers(self) -> dict[frozenset[str], str]:
        return load_answers(self.pairs)

    def entries(self) -> list[tuple[PairEntry, int]]:
        return read_entries(self.pairs)

    def append(self, pairs: Sequence[UncertainPair], records: Mapping[str, Record]) -> int:
        return append_uncertain(self.pairs, pairs, records)

    def record_uncertain(self, result: DedupResult, records: Sequence[Record]) -> int:
        """Append the run's uncertain pairs not yet in the file, each with both records'
        details (a pair's side may be a record or a whole cluster); returns how many."""
        if not result.uncertain:
            return 0
        by_id = {r.id: r for r in records} | {c.id: c.canonical for c in result.clusters}
        return self.append(result.uncertain, by_id)
