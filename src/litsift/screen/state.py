"""What the reviewers' files say, as the screening stage reads it (models, no files)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from litsift.models import Stage, Verdict

ADJUDICATION = "adjudication"  # the reviewer name of a stage's adjudication file


@dataclass(frozen=True)
class Entry:
    """One validated entry of a reviewer file, its id resolved to a cluster id."""

    record_id: str
    written_id: str
    decision: Verdict | None
    reason: str | None
    note: str | None
    line: int


@dataclass(frozen=True)
class ReviewerFile:
    """A loaded reviewer (or adjudication) file of one stage."""

    path: Path
    reviewer: str
    stage: Stage
    entries: tuple[Entry, ...]
    sha256: str

    @property
    def is_adjudication(self) -> bool:
        return self.reviewer == ADJUDICATION

    def decided(self) -> dict[str, Entry]:
        """Entries with a decision, by record id."""
        return {e.record_id: e for e in self.entries if e.decision is not None}


@dataclass(frozen=True)
class IdResolver:
    """Resolves an id written in a reviewer file to a cluster id (None when unknown)."""

    aliases: Mapping[str, str]
    known: frozenset[str]

    @classmethod
    def build(cls, aliases: Mapping[str, str], known: Iterable[str] = ()) -> IdResolver:
        return cls(aliases, frozenset(known) | frozenset(aliases.values()))

    def __call__(self, written: str) -> str | None:
        if written in self.known:
            return written
        return self.aliases.get(written)


@dataclass(frozen=True)
class ScreeningState:
    """Every reviewer and adjudication file, loaded; `problems` from lenient loading."""

    files: tuple[ReviewerFile, ...] = ()
    problems: tuple[str, ...] = ()

    def reviewer_files(self, stage: Stage) -> list[ReviewerFile]:
        return [f for f in self.files if f.stage is stage and not f.is_adjudication]

    def adjudication(self, stage: Stage) -> ReviewerFile | None:
        return next((f for f in self.files if f.stage is stage and f.is_adjudication), None)

    def votes(self, stage: Stage) -> dict[str, dict[str, Entry]]:
        """{record id: {reviewer: Entry}} for every entry (decided or not) of the stage."""
        out: dict[str, dict[str, Entry]] = {}
        for f in self.reviewer_files(stage):
            for e in f.entries:
                out.setdefault(e.record_id, {})[f.reviewer] = e
        return out
