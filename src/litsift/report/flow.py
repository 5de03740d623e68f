"""The PRISMA 2020 flow of a review: every box of the template, per identification arm.

The numbers are never typed in: `litsift.report.counts` fills `PrismaFlow` from the
identification records, the deduplicated clusters and the screening outcome, and `check()`
asserts the arithmetic of each arm before anything is drawn, so a diagram that does not add
up is an error naming the box rather than a figure.

The template (Page et al. 2021, BMJ 372:n71) has two arms for new studies. Records from
databases and registers are screened; records from other methods (websites, organisations,
citation searching) go to "reports sought for retrieval" of their own column. litsift
screens every record it identifies, so the other-methods column also shows the records it
removed before screening and excluded at screening: without those two boxes its numbers
would not add up. A cluster (one report after deduplication) belongs to the databases arm
when any of its records came from a database or register, otherwise to the other-methods
arm; its other records are counted as duplicates in their own arm. Both arms meet in "new
studies included in review", and an updated review adds the previous-studies arm and the
total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from litsift.errors import ConsistencyError
from litsift.models import Arm, SourceKind

ARM_LABELS = {Arm.DATABASES: "databases and registers", Arm.OTHER: "other methods"}


@dataclass(frozen=True)
class SourceCount:
    """Records one identification source contributed to this version of the review."""

    name: str
    kind: SourceKind
    platform: str
    records: int

    @property
    def label(self) -> str:
        return self.platform or self.name


# The boxes of one arm, in reading order; `members` and the diagram use these keys.
ARM_BOXES = (
    "identified",
    "removed",
    "screened",
    "excluded_screening",
    "sought",
    "not_retrieved",
    "assessed",
    "excluded_full_text",
    "included",
)


@dataclass(frozen=True)
class ArmFlow:
    """The boxes of one identification arm of the new-studies flow."""

    arm: Arm
    sources: tuple[SourceCount, ...] = ()
    duplicates: int = 0
    # duplicates whose report was kept by the databases arm (other-methods arm only)
    cross_duplicates: int = 0
    duplicate_reasons: Mapping[str, int] = field(default_factory=dict)  # how each was found
    ineligible_automation: int = 0
    ineligible_reasons: Mapping[str, int] = field(default_factory=dict)  # rule -> records
    other_removed: int = 0
    screened: int = 0
    excluded_screening: int = 0
    excluded_screening_reasons: Mapping[str, int] = field(default_factory=dict)
    pending_screening: int = 0
    sought: int = 0
    not_retrieved: int = 0
    assessed: int = 0
    excluded_full_text: int = 0
    excluded_full_text_reasons: Mapping[str, int] = field(default_factory=dict)
    pending_full_text: int = 0
    included_reports: int = 0
    # box key (ARM_BOXES) -> ids of the records behind it; empty when not tracked
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return ARM_LABELS[self.arm]

    @property
    def identified(self) -> int:
        return sum(s.records for s in self.sources)

    @property
    def removed(self) -> int:
        return self.duplicates + self.ineligible_automation + self.other_removed

    def records_of(self, *kinds: SourceKind) -> int:
        return sum(s.records for s in self.sources if s.kind in kinds)

    def uses(self, kind: SourceKind) -> bool:
        return any(s.kind is kind for s in self.sources)

    def box_counts(self) -> dict[str, int]:
        """The number each box of this arm shows, by box key."""
        return {
            "identified": self.identified,
            "removed": self.removed,
            "screened": self.screened,
            "excluded_screening": self.excluded_screening,
            "sought": self.sought,
            "not_retrieved": self.not_retrieved,
            "assessed": self.assessed,
            "excluded_full_text": self.excluded_full_text,
            "included": self.included_reports,
        }

    def rules(self) -> list[tuple[str, int, int]]:
        """(box, number shown, number the boxes before it give) for every rule of the arm."""
        return [
            ("records screened", self.screened, self.identified - self.removed),
            (
                "reports sought for retrieval",
                self.sought,
                self.screened - self.excluded_screening - self.pending_screening,
            ),
            ("reports assessed for eligibility", self.assessed, self.sought - self.not_retrieved),
            (
                "reports of new included studies",
                self.included_reports,
                self.assessed - self.excluded_full_text - self.pending_full_text,
            ),
            (
                "records excluded (sum of reasons)",
                self.excluded_screening,
                sum(self.excluded_screening_reasons.values()),
            ),
            (
                "reports excluded (sum of reasons)",
                self.excluded_full_text,
                sum(self.excluded_full_text_reasons.values()),
            ),
            (
                "records marked as ineligible by automation tools (sum of rules)",
                self.ineligible_automation,
                sum(self.ineligible_reasons.values())
                if self.ineligible_reasons
                else self.ineligible_automation,
            ),
        ]


@dataclass(frozen=True)
class PrismaFlow:
    """Every box of the PRISMA 2020 flow diagram for this review."""

    databases: ArmFlow
    other: ArmFlow
    included_studies: int  # new studies (a study may have reports in both arms)
    previous: tuple[SourceCount, ...] = ()  # `kind: previous` sources
    previous_studies: int = 0
    previous_reports: int = 0
    previous_version: str = ""  # the frozen version an updated review updates (`update_of`)
    # record ids behind the study boxes (None when not tracked): one per previous report,
    # the new included reports, and the reports in the meta-analysis
    previous_members: tuple[str, ...] | None = None
    included_members: tuple[str, ...] | None = None
    # the optional meta-analysis box: (studies, reports) when the review declares one
    meta_analysis: tuple[int, int] | None = None
    meta_members: tuple[str, ...] | None = None
    reason_labels: Mapping[str, str] = field(default_factory=dict)  # criterion code -> text
    # whether the protocol declares a source of each arm (an arm without sources is not drawn)
    declared: frozenset[Arm] = frozenset({Arm.DATABASES, Arm.OTHER})

    @property
    def arms(self) -> tuple[ArmFlow, ...]:
        """The arms the diagram draws: each declared in the protocol or holding records."""
        return tuple(
            a for a in (self.databases, self.other) if a.arm in self.declared or a.identified
        )

    @property
    def sources(self) -> tuple[SourceCount, ...]:
        return self.databases.sources + self.other.sources + self.previous

    @property
    def identified(self) -> int:
        """New records identified (the previous-studies arm is not part of this)."""
        return self.databases.identified + self.other.identified

    @property
    def duplicates(self) -> int:
        return self.databases.duplicates + self.other.duplicates

    @property
    def ineligible_automation(self) -> int:
        return self.databases.ineligible_automation + self.other.ineligible_automation

    @property
    def screened(self) -> int:
        return self.databases.screened + self.other.screened

    @property
    def excluded_screening(self) -> int:
        return self.databases.excluded_screening + self.other.excluded_screening

    @property
    def sought(self) -> int:
        return self.databases.sought + self.other.sought

    @property
    def not_retrieved(self) -> int:
        return self.databases.not_retrieved + self.other.not_retrieved

    @property
    def assessed(self) -> int:
        return self.databases.assessed + self.other.assessed

    @property
    def excluded_full_text(self) -> int:
        return self.databases.excluded_full_text + self.other.excluded_full_text

    @property
    def pending_screening(self) -> int:
        return self.databases.pending_screening + self.other.pending_screening

    @property
    def pending_full_text(self) -> int:
        return self.databases.pending_full_text + self.other.pending_full_text

    @property
    def included_reports(self) -> int:
        return self.databases.included_reports + self.other.included_reports

    @property
    def has_previous_arm(self) -> bool:
        """An updated review: `update_of`, a `kind: previous` source or previous studies."""
        return self.previous_studies > 0 or bool(self.previous_version) or bool(self.previous)

    @property
    def total_studies(self) -> int:
        return self.included_studies + self.previous_studies

    @property
    def total_reports(self) -> int:
        return self.included_reports + self.previous_reports

    def reasons(self, reasons: Mapping[str, int]) -> list[tuple[str, int]]:
        """(label, n) for each reason with records, in code order."""
        return [(self.reason_labels.get(k, k), n) for k, n in sorted(reasons.items()) if n]

    def check(self) -> None:
        """Raise ConsistencyError naming the first box whose arithmetic fails."""
        for arm in (self.databases, self.other):
            for name, shown, expected in arm.rules():
                if shown != expected:
                    raise ConsistencyError(
                        f"PRISMA arithmetic ({arm.label}): {name} is {shown} but the boxes "
                        f"before it give {expected}"
                    )
            _check_members(arm.label, arm.box_counts(), arm.members)
        if self.included_studies > self.included_reports:
            raise ConsistencyError(
                f"PRISMA arithmetic: new studies included in review is {self.included_studies} "
                f"but there are only {self.included_reports} reports of new included studies"
            )
        if self.previous_reports and self.previous_studies > self.previous_reports:
            raise ConsistencyError(
                f"PRISMA arithmetic: studies included in previous version of review is "
                f"{self.previous_studies} but there are only {self.previous_reports} reports"
            )
        if self.meta_analysis is not None:
            studies, reports = self.meta_analysis
            if studies > self.total_studies or reports > self.total_reports:
                raise ConsistencyError(
                    f"PRISMA arithmetic: studies included in meta-analysis is {studies} "
                    f"({reports} reports) but the review includes {self.total_studies} "
                    f"({self.total_reports} reports)"
                )
        tracked = {
            key: ids
            for key, ids in (
                ("included", self.included_members),
                ("previous", self.previous_members),
                ("meta_analysis", self.meta_members),
            )
            if ids is not None
        }
        _check_members("studies", self.study_box_reports(), tracked)

    def study_box_reports(self) -> dict[str, int]:
        """Reports behind each study box (the boxes that list reports, not records)."""
        return {
            "included": self.included_reports,
            "previous": self.previous_reports,
            "meta_analysis": self.meta_analysis[1] if self.meta_analysis else 0,
        }


def _check_members(
    where: str, counts: Mapping[str, int], members: Mapping[str, tuple[str, ...]]
) -> None:
    for key, ids in sorted(members.items()):
        if key not in counts:
            raise ConsistencyError(f"PRISMA ({where}): unknown box '{key}' in the record lists")
        if len(ids) != counts[key]:
            raise ConsistencyError(
                f"PRISMA ({where}): box '{key}' counts {counts[key]} records but lists {len(ids)}"
            )
