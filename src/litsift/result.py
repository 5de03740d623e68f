"""What one run of the review produced, stage by stage (see `litsift.runner`)."""

from __future__ import annotations

from collections import Counter
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
    identification: Identification
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
