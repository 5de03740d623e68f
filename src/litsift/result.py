"""What one run of the review produced, stage by stage (see `litsift.runner`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a run's modules load as the run needs them (or unpickles their results)
    from litsift import dedup, importers, screen, tag, versions
    from litsift.models import KBEntry, Record
    from litsift.report.flow import PrismaFlow
    from litsift.store.dedup import PairPlan


@dataclass(frozen=True)
class Identification:
    records: tuple[Record, ...]
    imports: tuple[importers.ImportResult, ...]
    per_source: dict[str, int]


@dataclass
class RunResult:
    # the identified records, or how to load them: a command that stops after dedup and
    # finds both stages cached (`litsift screen next`) never needs them
    found: Identification | Callable[[], Identification] = field(repr=False)
    dedup: dedup.DedupResult | None = None
    screening: screen.ScreeningResult | None = None
    tags: dict[str, tag.StudyTags] = field(default_factory=dict)
    kb_entries: tuple[KBEntry, ...] = ()
    kb_links: dict[str, str] = field(default_factory=dict)
    prisma: PrismaFlow | None = None
    split: versions.Split | None = None  # previous studies, earlier and new clusters
    written: list[Path] = field(default_factory=list)
    new_uncertain_pairs: int = 0
    audit_events: int = 0
    previous_version: versions.Version | None = None  # review.yaml `update_of`
    reused: tuple[str, ...] = ()  # stages whose inputs did not change, taken from the cache
    pairs: PairPlan | None = None  # what became of the uncertain pairs
    problems: list[str] = field(default_factory=list)  # input errors a lenient run listed
    warnings: list[str] = field(default_factory=list)  # files under data/ nothing reads
    query_warnings: list[str] = field(default_factory=list)  # lint (`litsift check` shows)

    @property
    def identification(self) -> Identification:
        if callable(self.found):
            self.found = self.found()
        return self.found

    def record_ids(self) -> set[str]:
        """The id of every identified record (from the clusters, once they exist: each
        record is a member of exactly one)."""
        if self.dedup is not None:
            return {m.record_id for c in self.dedup.clusters for m in c.members}
        return {r.id for r in self.identification.records}

    def retracted_included(self) -> tuple[str, ...]:
        """Included records whose article has a retraction notice among the records, by id."""
        assert self.dedup is not None and self.screening is not None
        return tuple(sorted(self.dedup.retracted_ids() & set(self.screening.included_ids())))

    def aliases(self) -> dict[str, str]:
        """Record id -> cluster id. A cluster id always names its own cluster: two clusters
        whose records share an id (say, two volumes with one title) are 'X' and 'X~2', and
        a decision for 'X' must not slide onto 'X~2'."""
        assert self.dedup is not None
        out = {m.record_id: c.id for c in self.dedup.clusters for m in c.members}
        return out | {c.id: c.id for c in self.dedup.clusters}

    def summary(self) -> list[tuple[str, str]]:
        """(stage, one-line count summary) for the CLI."""
        ident = self.identification
        sources = ", ".join(f"{k} {v}" for k, v in ident.per_source.items())
        lines = [
            (
                "identify",
                f"{len(ident.records)} records from {len(ident.per_source)} sources ({sources})",
            )
        ]
        if self.dedup:
            d = self.dedup
            lines.append(
                (
                    "dedup",
                    f"{len(d.clusters)} records after removing {d.duplicates_removed} "
                    f"duplicates; {d.studies} studies; {len(d.uncertain)} uncertain pairs"
                    + (f" ({self.pairs.describe()})" if self.pairs and d.uncertain else ""),
                )
            )
        if self.prisma:
            p = self.prisma
            lines.append(
                (
                    "screen",
                    f"{p.ineligible_automation} ineligible by automation, {p.screened} "
                    f"screened, {p.excluded_screening} excluded, {p.assessed} assessed, "
                    f"{p.included_reports} reports included, "
                    f"{p.pending_screening + p.pending_full_text} pending",
                )
            )
        if self.tags:
            by_class = Counter(c for t in self.tags.values() for c in t.class_ids())
            by_source = Counter(t.source for t in self.tags.values())
            sources = ", ".join(f"{k} {v}" for k, v in sorted(by_source.items()))
            classes = ", ".join(f"{k} {v}" for k, v in sorted(by_class.items()))
            lines.append(("tag", f"{len(self.tags)} studies tagged ({sources}): {classes}"))
        if self.written:
            done = "up to date" if "report" in self.reused else "written"
            lines.append(("report", f"{len(self.written)} files {done} under build/"))
        return lines
