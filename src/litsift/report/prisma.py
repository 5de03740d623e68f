"""PRISMA 2020 flow counts, computed from the data and checked to add up, and their SVG.

The counts are never typed in: the runner fills `PrismaCounts` from identification,
deduplication and screening, and `check()` asserts the box arithmetic before anything is
drawn, so a diagram that does not add up is an error rather than a figure.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from litsift.errors import ConsistencyError
from litsift.models import SourceKind


@dataclass(frozen=True)
class SourceCount:
    name: str
    kind: SourceKind
    platform: str
    records: int


BOX_KEYS = (
    "previous",
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
class PrismaCounts:
    sources: tuple[SourceCount, ...]
    duplicates_removed: int
    ineligible_automation: int
    other_removed: int
    screened: int
    excluded_screening: int
    excluded_screening_reasons: Mapping[str, int]
    pending_screening: int
    sought: int
    not_retrieved: int
    assessed: int
    excluded_full_text: int
    excluded_full_text_reasons: Mapping[str, int]
    pending_full_text: int
    included_reports: int
    included_studies: int
    previous_studies: int = 0
    reason_labels: Mapping[str, str] = field(default_factory=dict)
    previous_reports: int = 0
    # box key (BOX_KEYS) -> ids of the records behind it; empty when not tracked
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ineligible_reasons: Mapping[str, int] = field(default_factory=dict)  # rule -> records
    previous_version: str = ""  # the frozen version an updated review updates (`update_of`)

    @property
    def identified_databases(self) -> int:
        return self._arm_total(SourceKind.DATABASE)

    @property
    def identified_other(self) -> int:
        return self._arm_total(SourceKind.OTHER) + self._arm_total(SourceKind.CITATION)

    @property
    def identified(self) -> int:
        """New records identified (the previous-studies arm is not part of this box)."""
        return self.identified_databases + self.identified_other

    @property
    def has_previous_arm(self) -> bool:
        """True for an updated review: `update_of`, a `kind: previous` source or previous
        studies."""
        return (
            self.previous_studies > 0
            or bool(self.previous_version)
            or any(s.kind is SourceKind.PREVIOUS for s in self.sources)
        )

    @property
    def removed(self) -> int:
        return self.duplicates_removed + self.ineligible_automation + self.other_removed

    @property
    def total_studies(self) -> int:
        return self.included_studies + self.previous_studies

    @property
    def total_reports(self) -> int:
        return self.included_reports + self.previous_reports

    def _arm_total(self, kind: SourceKind) -> int:
        return sum(s.records for s in self.sources if s.kind is kind)

    def box_counts(self) -> dict[str, int]:
        """The number each box shows, by box key (the keys of `members`)."""
        return {
            "previous": self.previous_studies,
            "identified": self.identified,
            "removed": self.removed,
            "screened": self.screened,
            "excluded_screening": self.excluded_screening,
            "sought": self.sought,
            "not_retrieved": self.not_retrieved,
            "assessed": self.assessed,
            "excluded_full_text": self.excluded_full_text,
            "included": self.total_studies,
        }

    def check(self) -> None:
        """Raise ConsistencyError naming the first box whose arithmetic fails."""
        for name, shown, expected in self._rules():
            if shown != expected:
                raise ConsistencyError(
                    f"PRISMA arithmetic: {name} is {shown} but the boxes before it give {expected}"
                )
        if self.included_studies > self.included_reports:
            raise ConsistencyError(
                f"PRISMA arithmetic: {self.included_studies} studies from only "
                f"{self.included_reports} reports"
            )
        if self.previous_studies > self.previous_reports and self.previous_reports:
            raise ConsistencyError(
                f"PRISMA arithmetic: {self.previous_studies} previous studies from only "
                f"{self.previous_reports} reports"
            )
        self._check_members()

    def _rules(self) -> list[tuple[str, int, int]]:
        return [
            ("records screened", self.screened, self.identified - self.removed),
            (
                "reports sought for retrieval",
                self.sought,
                self.screened - self.excluded_screening - self.pending_screening,
            ),
            ("reports assessed for eligibility", self.assessed, self.sought - self.not_retrieved),
            (
                "reports of included studies",
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
                "records ineligible by automation (sum of rules)",
                self.ineligible_automation,
                sum(self.ineligible_reasons.values())
                if self.ineligible_reasons
                else self.ineligible_automation,
            ),
        ]

    def _check_members(self) -> None:
        # the two study boxes list reports (records), so they are checked against reports
        expected = self.box_counts() | {
            "previous": self.previous_reports,
            "included": self.included_reports,
        }
        for key, ids in sorted(self.members.items()):
            if key not in expected:
                raise ConsistencyError(f"PRISMA: unknown box '{key}' in the record lists")
            if len(ids) != expected[key]:
                raise ConsistencyError(
                    f"PRISMA: box '{key}' counts {expected[key]} records but lists {len(ids)}"
                )


# --------------------------------------------------------------------------- SVG

WIDTH, HEIGHT = 794, 1123  # A4 at 96 dpi, portrait
FONT = 11
LINE = 14
WRAP_MAIN = 50
WRAP_SIDE = 54


@dataclass
class _Box:
    key: str
    lines: list[str]
    n: int | None
    x: int
    w: int
    y: int = 0

    @property
    def h(self) -> int:
        return 12 + LINE * len(self.lines)


_COUNT = re.compile(r"\(n = \d+\)")
_GLUE = "\x1f"  # stands for a space that must not break while wrapping


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters; a count such as '(n = 110)' is never split."""
    glued = _COUNT.sub(lambda m: m.group().replace(" ", _GLUE), text)
    return [line.replace(_GLUE, " ") for line in textwrap.wrap(glued, width)] or [""]


def _box(key: str, head: str, items: list[str], n: int | None, x: int, w: int, wrap: int) -> _Box:
    """A box: a heading, then items; an item starting with '## ' is a sub-heading."""
    lines = _wrap(head, wrap)
    for item in items:
        if item.startswith("## "):
            lines += _wrap(item[3:], wrap)
            continue
        # an em space indents continuation lines: SVG would collapse ordinary spaces
        lines += ["\u2003" + ln if i else "• " + ln for i, ln in enumerate(_wrap(item, wrap - 2))]
    return _Box(key, lines, n, x, w)


def _reasons(reasons: Mapping[str, int], labels: Mapping[str, str]) -> list[str]:
    return [f"{labels.get(code, code)} (n = {n})" for code, n in sorted(reasons.items()) if n]


def _pending(label: str, n: int) -> list[str]:
    return [f"{label} (n = {n})"] if n else []


def source_lines(c: PrismaCounts, kind: SourceKind | None) -> list[str]:
    """'Platform (n = N)' per source of one arm (None: every non-database, non-previous arm)."""
    if kind is not None:
        return [f"{s.platform or s.name} (n = {s.records})" for s in c.sources if s.kind is kind]
    return [
        f"{_arm(s.kind)}: {s.platform or s.name} (n = {s.records})"
        for s in c.sources
        if s.kind in (SourceKind.OTHER, SourceKind.CITATION)
    ]


def main_boxes(c: PrismaCounts) -> dict[str, tuple[str, list[str], int]]:
    """The left column: box key -> (heading, items, n)."""
    boxes = {
        "identified": (
            f"Records identified (n = {c.identified})",
            [
                f"## Databases and registers (n = {c.identified_databases}):",
                *source_lines(c, SourceKind.DATABASE),
                f"## Other methods (n = {c.identified_other}):",
                *source_lines(c, None),
            ],
            c.identified,
        ),
        "screened": (
            f"Records screened (n = {c.screened})",
            _pending("Awaiting a title/abstract decision", c.pending_screening),
            c.screened,
        ),
        "sought": (f"Reports sought for retrieval (n = {c.sought})", [], c.sought),
        "assessed": (
            f"Reports assessed for eligibility (n = {c.assessed})",
            _pending("Awaiting a full-text decision", c.pending_full_text),
            c.assessed,
        ),
        "included": _included_box(c),
    }
    if c.has_previous_arm:
        boxes = {
            "previous": (
                f"Studies included in previous version of review (n = {c.previous_studies})",
                [
                    f"Reports of studies included in previous version of review "
                    f"(n = {c.previous_reports})",
                    *([f"Frozen version: {c.previous_version}"] if c.previous_version else []),
                    *source_lines(c, SourceKind.PREVIOUS),
                ],
                c.previous_studies,
            ),
            **boxes,
        }
    return boxes


def _included_box(c: PrismaCounts) -> tuple[str, list[str], int]:
    if not c.has_previous_arm:
        return (
            f"Studies included in review (n = {c.included_studies})",
            [f"Reports of included studies (n = {c.included_reports})"],
            c.included_studies,
        )
    return (
        f"Total studies included in review (n = {c.total_studies})",
        [
            f"Reports of total included studies (n = {c.total_reports})",
            f"New studies included in review (n = {c.included_studies})",
            f"Reports of new included studies (n = {c.included_reports})",
            f"Studies from the previous version of the review (n = {c.previous_studies})",
        ],
        c.total_studies,
    )


def side_boxes(c: PrismaCounts) -> dict[str, tuple[str, str, list[str], int]]:
    """The right column, keyed by the main box it hangs from: (key, heading, items, n)."""
    return {
        "identified": (
            "removed",
            f"Records removed before screening (n = {c.removed}):",
            [
                f"Duplicate records (n = {c.duplicates_removed})",
                f"Records marked as ineligible by automation tools (n = {c.ineligible_automation})",
                *(
                    f"## \u2003by rule {rule} (n = {n})"
                    for rule, n in sorted(c.ineligible_reasons.items())
                    if n
                ),
                f"Records removed for other reasons (n = {c.other_removed})",
            ],
            c.removed,
        ),
        "screened": (
            "excluded_screening",
            f"Records excluded (n = {c.excluded_screening})",
            _reasons(c.excluded_screening_reasons, c.reason_labels),
            c.excluded_screening,
        ),
        "sought": (
            "not_retrieved",
            f"Reports not retrieved (n = {c.not_retrieved})",
            [],
            c.not_retrieved,
        ),
        "assessed": (
            "excluded_full_text",
            f"Reports excluded (n = {c.excluded_full_text})",
            _reasons(c.excluded_full_text_reasons, c.reason_labels),
            c.excluded_full_text,
        ),
    }


PHASES = {
    "previous": "Previous studies",
    "identified": "Identification",
    "screened": "Screening",
    "included": "Included",
}


def render_svg(c: PrismaCounts, title: str) -> str:
    """A standalone PRISMA 2020 flow diagram with selectable text, sized for an A4 page."""
    c.check()
    side = side_boxes(c)
    rows = []
    for key, (head, items, n) in main_boxes(c).items():
        box = _box(key, head, items, n, 60, 330, WRAP_MAIN)
        right = None
        if key in side:
            skey, shead, sitems, sn = side[key]
            right = _box(skey, shead, sitems, sn, 420, 350, WRAP_SIDE)
        rows.append((PHASES.get(key, ""), box, right))
    return _draw(rows, title)


def _arm(kind: SourceKind) -> str:
    return {
        SourceKind.OTHER: "Other sources",
        SourceKind.CITATION: "Citation searching",
        SourceKind.PREVIOUS: "Previous review",
    }.get(kind, "Database")


def _draw(rows: list[tuple[str, _Box, _Box | None]], title: str) -> str:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="@W@" height="@PH@" '
        f'viewBox="0 0 {WIDTH} @H@" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="{FONT}" role="img">',
        f"<title>{escape('PRISMA 2020 flow diagram: ' + title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/>'
        "</marker></defs>",
        f'<rect width="{WIDTH}" height="@H@" fill="#fff"/>',
        f'<text x="{WIDTH // 2}" y="30" text-anchor="middle" font-size="14" '
        f'font-weight="bold">{escape(title)}</text>',
    ]
    y = 55
    prev: _Box | None = None
    phase_spans: list[tuple[str, int, int]] = []
    for phase, main, side in rows:
        h = max(main.h, side.h if side else 0)
        main.y = y + (h - main.h) // 2
        if side:
            side.y = y + (h - side.h) // 2
        if phase:
            phase_spans.append((phase, y, y + max(h, 90)))
        elif phase_spans:
            name, top, _ = phase_spans[-1]
            phase_spans[-1] = (name, top, y + h)
        for box in (main, side):
            if box:
                out.append(_box_svg(box))
        if side:
            ay = main.y + main.h // 2
            out.append(_arrow(main.x + main.w, ay, side.x, ay))
        if prev and prev.key != "previous":
            out.append(_arrow(main.x + main.w // 2, prev.y + prev.h, main.x + main.w // 2, main.y))
        prev = main
        y += max(h, 90 if phase == "Included" else 0) + 34
    for name, top, bottom in phase_spans:
        out.append(
            f'<g class="phase"><rect x="12" y="{top}" width="26" height="{bottom - top}"'
            f' rx="4" fill="#a9c8e8"/><text transform="translate(29,{(top + bottom) // 2})'
            f' rotate(-90)" text-anchor="middle" font-weight="bold">{escape(name)}'
            "</text></g>"
        )
    out.append("</svg>")
    height = y + 10
    # a tall diagram is scaled down (never clipped) so the page stays A4
    page_w, page_h = (WIDTH, height) if height <= HEIGHT else (WIDTH * HEIGHT // height, HEIGHT)
    text = "\n".join(out).replace("@H@", str(height))
    return text.replace("@W@", str(page_w)).replace("@PH@", str(page_h)) + "\n"


def _box_svg(b: _Box) -> str:
    attrs = f"data-box={quoteattr(b.key)}" + (f' data-n="{b.n}"' if b.n is not None else "")
    parts = [
        f'<g class="box" {attrs}><rect x="{b.x}" y="{b.y}" width="{b.w}" height="{b.h}" '
        'rx="3" fill="#fff" stroke="#333"/>'
    ]
    for i, line in enumerate(b.lines):
        parts.append(f'<text x="{b.x + 8}" y="{b.y + 18 + i * LINE}">{escape(line)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _arrow(x1: int, y1: int, x2: int, y2: int) -> str:
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#333" marker-end="url(#arrow)"/>'
