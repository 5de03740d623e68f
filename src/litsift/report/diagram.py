"""The PRISMA 2020 flow diagram as a graph: boxes (with their text and records) and arrows.

One definition of what the diagram says, read by every renderer: the SVG, PNG and PDF
(`litsift.report.drawing`), the interactive HTML (the records behind each box) and Mermaid.
Box texts follow the wording of the PRISMA 2020 template; a box's `n` is the number it shows.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from litsift.models import Arm, SourceKind
from litsift.report.flow import ArmFlow, PrismaFlow

# columns, left to right; a side column holds the boxes an arm's main boxes point to
PREVIOUS, DATABASES, DATABASES_SIDE, OTHER, OTHER_SIDE = (
    "previous",
    "databases",
    "databases-side",
    "other",
    "other-side",
)
# rows, top to bottom, and the phase each belongs to
ROWS = ("identified", "screened", "sought", "assessed", "included", "total", "meta-analysis")
PHASES = {
    "identified": "Identification",
    "screened": "Screening",
    "sought": "Screening",
    "assessed": "Screening",
    "included": "Included",
    "total": "Included",
    "meta-analysis": "Included",
}
TITLES = {
    PREVIOUS: "Previous studies",
    DATABASES: "Identification of new studies via databases and registers",
    OTHER: "Identification of new studies via other methods",
}
# the main box of each arm's row and the side box it points to
_ARM_ROWS = (
    ("identified", "removed"),
    ("screened", "excluded_screening"),
    ("sought", "not_retrieved"),
    ("assessed", "excluded_full_text"),
)


@dataclass(frozen=True)
class Box:
    key: str  # unique in the diagram, e.g. "databases-screened"; also the HTML anchor
    column: str
    row: str
    heading: str
    items: tuple[str, ...]  # lines under the heading; "## " starts a sub-heading
    n: int
    members: tuple[str, ...] | None  # record ids behind the box (None: not tracked)
    side: bool = False

    @property
    def phase(self) -> str:
        return PHASES[self.row]


@dataclass(frozen=True)
class Diagram:
    boxes: tuple[Box, ...]
    arrows: tuple[tuple[str, str], ...]  # (from box key, to box key)
    columns: tuple[str, ...]  # the columns drawn, left to right

    def box(self, key: str) -> Box:
        return next(b for b in self.boxes if b.key == key)


def n(count: int) -> str:
    return f"(n = {count})"


def diagram(flow: PrismaFlow) -> Diagram:
    """Every box and arrow of the flow, after checking its arithmetic."""
    flow.check()
    boxes: list[Box] = []
    arrows: list[tuple[str, str]] = []
    columns: list[str] = []
    if flow.has_previous_arm:
        columns.append(PREVIOUS)
        boxes.append(_previous_box(flow))
    for arm in flow.arms:
        main, side = _arm_columns(arm.arm)
        columns += [main, side]
        arm_boxes = _arm_boxes(flow, arm)
        boxes += arm_boxes
        for row, side_row in _ARM_ROWS:
            arrows.append((f"{main}-{row}", f"{main}-{side_row}"))
        for (row, _), (below, _) in itertools.pairwise(_ARM_ROWS):
            arrows.append((f"{main}-{row}", f"{main}-{below}"))
    home = next((c for c in columns if c in (DATABASES, OTHER)), PREVIOUS)
    boxes.append(_included_box(flow, home))
    arrows += [(f"{_arm_columns(a.arm)[0]}-assessed", "included") for a in flow.arms]
    last = "included"
    if flow.has_previous_arm:
        boxes.append(_total_box(flow))
        arrows += [("previous", "total"), ("included", "total")]
        last = "total"
    if flow.meta_analysis is not None:
        boxes.append(_meta_box(flow, home if last == "included" else PREVIOUS))
        arrows.append((last, "meta-analysis"))
    return Diagram(tuple(boxes), tuple(arrows), tuple(columns))


def _arm_columns(arm: Arm) -> tuple[str, str]:
    return (DATABASES, DATABASES_SIDE) if arm is Arm.DATABASES else (OTHER, OTHER_SIDE)


def _arm_boxes(flow: PrismaFlow, a: ArmFlow) -> list[Box]:
    main, side = _arm_columns(a.arm)
    texts = {
        "identified": (f"Records identified {n(a.identified)} from:", _sources(a)),
        "removed": (f"Records removed before screening {n(a.removed)}:", _removed(a)),
        "screened": (
            f"Records screened {n(a.screened)}",
            _pending("Awaiting a title/abstract decision", a.pending_screening),
        ),
        "excluded_screening": (
            f"Records excluded {n(a.excluded_screening)}",
            _reasons(flow, a.excluded_screening_reasons),
        ),
        "sought": (f"Reports sought for retrieval {n(a.sought)}", ()),
        "not_retrieved": (f"Reports not retrieved {n(a.not_retrieved)}", ()),
        "assessed": (
            f"Reports assessed for eligibility {n(a.assessed)}",
            _pending("Awaiting a full-text decision", a.pending_full_text),
        ),
        "excluded_full_text": (
            f"Reports excluded {n(a.excluded_full_text)}" + (":" if a.excluded_full_text else ""),
            _reasons(flow, a.excluded_full_text_reasons),
        ),
    }
    counts = a.box_counts()
    out = []
    for row, side_row in _ARM_ROWS:
        for key, column, is_side in ((row, main, False), (side_row, side, True)):
            heading, items = texts[key]
            out.append(
                Box(
                    f"{main}-{key}",
                    column,
                    row,
                    heading,
                    tuple(items),
                    counts[key],
                    a.members.get(key) if a.members else None,
                    is_side,
                )
            )
    return out


_KIND_LABELS = {
    SourceKind.DATABASE: "Databases",
    SourceKind.REGISTER: "Registers",
    SourceKind.WEBSITE: "Websites",
    SourceKind.ORGANISATION: "Organisations",
    SourceKind.CITATION: "Citation searching",
}


def _sources(a: ArmFlow) -> list[str]:
    """'## Databases (n = 10)' then one line per source, for each kind the arm uses."""
    lines = []
    for kind in _KIND_LABELS:
        sources = [s for s in a.sources if s.kind is kind]
        if not sources:
            continue
        lines.append(f"## {_KIND_LABELS[kind]} {n(sum(s.records for s in sources))}")
        lines += [f"{s.label} {n(s.records)}" for s in sources]
    return lines


def _removed(a: ArmFlow) -> list[str]:
    lines = [f"Duplicate records {n(a.duplicates)}"]
    if a.arm is Arm.OTHER and a.cross_duplicates:
        lines.append(
            f"## \u2003of which also identified via databases and registers {n(a.cross_duplicates)}"
        )
    lines.append(f"Records marked as ineligible by automation tools {n(a.ineligible_automation)}")
    lines += [f"## \u2003{rule} {n(k)}" for rule, k in sorted(a.ineligible_reasons.items()) if k]
    lines.append(f"Records removed for other reasons {n(a.other_removed)}")
    return lines


def _reasons(flow: PrismaFlow, reasons: Mapping[str, int]) -> list[str]:
    return [f"{label} {n(k)}" for label, k in flow.reasons(reasons)]


def _pending(label: str, count: int) -> list[str]:
    return [f"{label} {n(count)}"] if count else []


def _previous_box(flow: PrismaFlow) -> Box:
    items = [
        f"Reports of studies included in previous version of review {n(flow.previous_reports)}"
    ]
    if flow.previous_version:
        items.append(f"Frozen version: {flow.previous_version}")
    items += [f"{s.label} {n(s.records)}" for s in flow.previous]
    return Box(
        "previous",
        PREVIOUS,
        "identified",
        f"Studies included in previous version of review {n(flow.previous_studies)}",
        tuple(items),
        flow.previous_studies,
        flow.previous_members,
    )


def _included_box(flow: PrismaFlow, column: str) -> Box:
    if flow.has_previous_arm:
        heading = f"New studies included in review {n(flow.included_studies)}"
        items = (f"Reports of new included studies {n(flow.included_reports)}",)
    else:
        heading = f"Studies included in review {n(flow.included_studies)}"
        items = (f"Reports of included studies {n(flow.included_reports)}",)
    return Box(
        "included", column, "included", heading, items, flow.included_studies, flow.included_members
    )


def _total_box(flow: PrismaFlow) -> Box:
    members = None
    if flow.previous_members is not None and flow.included_members is not None:
        members = tuple(sorted(flow.previous_members + flow.included_members))
    return Box(
        "total",
        PREVIOUS,
        "total",
        f"Total studies included in review {n(flow.total_studies)}",
        (f"Reports of total included studies {n(flow.total_reports)}",),
        flow.total_studies,
        members,
    )


def _meta_box(flow: PrismaFlow, column: str) -> Box:
    assert flow.meta_analysis is not None
    studies, reports = flow.meta_analysis
    return Box(
        "meta-analysis",
        column,
        "meta-analysis",
        f"Studies included in meta-analysis {n(studies)}",
        (f"Reports of studies included in meta-analysis {n(reports)}",),
        studies,
        flow.meta_members,
    )
