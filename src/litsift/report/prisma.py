"""PRISMA 2020 flow counts, computed from the data and checked to add up, and their SVG.

The counts are never typed in: the runner fills `PrismaCounts` from identification,
deduplication and screening, and `check()` asserts the box arithmetic before anything is
drawn, so a diagram that does not add up is an error rather than a figure.
"""

from __future__ import annotations

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

    @property
    def identified_databases(self) -> int:
        return sum(s.records for s in self.sources if s.kind is SourceKind.DATABASE)

    @property
    def identified_other(self) -> int:
        return sum(s.records for s in self.sources if s.kind is not SourceKind.DATABASE)

    @property
    def identified(self) -> int:
        return self.identified_databases + self.identified_other

    def check(self) -> None:
        """Raise ConsistencyError naming the first box whose arithmetic fails."""
        rules = [
            (
                "records screened",
                self.screened,
                self.identified
                - self.duplicates_removed
                - self.ineligible_automation
                - self.other_removed,
            ),
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
        ]
        for name, shown, expected in rules:
            if shown != expected:
                raise ConsistencyError(
                    f"PRISMA arithmetic: {name} is {shown} but the boxes before it give {expected}"
                )
        if self.included_studies > self.included_reports:
            raise ConsistencyError(
                f"PRISMA arithmetic: {self.included_studies} studies from only "
                f"{self.included_reports} reports"
            )


# --------------------------------------------------------------------------- SVG

WIDTH, HEIGHT = 794, 1123  # A4 at 96 dpi, portrait
FONT = 11
LINE = 14
WRAP_MAIN = 46
WRAP_SIDE = 38


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


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def _box(key: str, head: str, items: list[str], n: int | None, x: int, w: int, wrap: int) -> _Box:
    lines = _wrap(head, wrap)
    for item in items:
        lines += ["  " + ln if i else "• " + ln for i, ln in enumerate(_wrap(item, wrap - 2))]
    return _Box(key, lines, n, x, w)


def _reasons(reasons: Mapping[str, int], labels: Mapping[str, str]) -> list[str]:
    return [f"{labels.get(code, code)} (n = {n})" for code, n in sorted(reasons.items()) if n]


def render_svg(c: PrismaCounts, title: str) -> str:
    """A standalone PRISMA 2020 flow diagram with selectable text, sized for an A4 page."""
    c.check()
    mx, mw, sx, sw = 60, 330, 420, 350
    db = [
        f"{s.platform or s.name} (n = {s.records})"
        for s in c.sources
        if s.kind is SourceKind.DATABASE
    ]
    other = [
        f"{_arm(s.kind)}: {s.platform or s.name} (n = {s.records})"
        for s in c.sources
        if s.kind is not SourceKind.DATABASE
    ]
    rows: list[tuple[str, _Box, _Box | None]] = [
        (
            "Identification",
            _box(
                "identified",
                f"Records identified (n = {c.identified}). Databases and "
                f"registers (n = {c.identified_databases}):",
                [*db, f"Other methods (n = {c.identified_other}):", *other],
                c.identified,
                mx,
                mw,
                WRAP_MAIN,
            ),
            _box(
                "removed",
                "Records removed before screening:",
                [
                    f"Duplicate records (n = {c.duplicates_removed})",
                    f"Records marked as ineligible by automation tools (n = "
                    f"{c.ineligible_automation})",
                    f"Records removed for other reasons (n = {c.other_removed})",
                ],
                c.duplicates_removed + c.ineligible_automation + c.other_removed,
                sx,
                sw,
                WRAP_SIDE,
            ),
        ),
        (
            "Screening",
            _box(
                "screened",
                f"Records screened (n = {c.screened})",
                [],
                c.screened,
                mx,
                mw,
                WRAP_MAIN,
            ),
            _box(
                "excluded_screening",
                f"Records excluded (n = {c.excluded_screening})",
                _reasons(c.excluded_screening_reasons, c.reason_labels)
                + (
                    [f"Awaiting screening (n = {c.pending_screening})"]
                    if c.pending_screening
                    else []
                ),
                c.excluded_screening,
                sx,
                sw,
                WRAP_SIDE,
            ),
        ),
        (
            "",
            _box(
                "sought",
                f"Reports sought for retrieval (n = {c.sought})",
                [],
                c.sought,
                mx,
                mw,
                WRAP_MAIN,
            ),
            _box(
                "not_retrieved",
                f"Reports not retrieved (n = {c.not_retrieved})",
                [],
                c.not_retrieved,
                sx,
                sw,
                WRAP_SIDE,
            ),
        ),
        (
            "",
            _box(
                "assessed",
                f"Reports assessed for eligibility (n = {c.assessed})",
                [],
                c.assessed,
                mx,
                mw,
                WRAP_MAIN,
            ),
            _box(
                "excluded_full_text",
                f"Reports excluded (n = {c.excluded_full_text})",
                _reasons(c.excluded_full_text_reasons, c.reason_labels)
                + (
                    [f"Awaiting full-text decision (n = {c.pending_full_text})"]
                    if c.pending_full_text
                    else []
                ),
                c.excluded_full_text,
                sx,
                sw,
                WRAP_SIDE,
            ),
        ),
        (
            "Included",
            _box(
                "included",
                f"Studies included in review (n = {c.included_studies})",
                [f"Reports of included studies (n = {c.included_reports})"]
                + (
                    [f"Studies from the previous version of the review (n = {c.previous_studies})"]
                    if c.previous_studies
                    else []
                ),
                c.included_studies,
                mx,
                mw,
                WRAP_MAIN,
            ),
            None,
        ),
    ]
    return _draw(rows, title)


def _arm(kind: SourceKind) -> str:
    return {
        SourceKind.OTHER: "Other sources",
        SourceKind.CITATION: "Citation searching",
        SourceKind.PREVIOUS: "Previous review",
    }.get(kind, "Database")


def _draw(rows: list[tuple[str, _Box, _Box | None]], title: str) -> str:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="{FONT}" role="img">',
        f"<title>{escape('PRISMA 2020 flow diagram: ' + title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/>'
        "</marker></defs>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
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
            phase_spans.append((phase, y, y + h))
        elif phase_spans:
            name, top, _ = phase_spans[-1]
            phase_spans[-1] = (name, top, y + h)
        for box in (main, side):
            if box:
                out.append(_box_svg(box))
        if side:
            ay = main.y + main.h // 2
            out.append(_arrow(main.x + main.w, ay, side.x, ay))
        if prev:
            out.append(_arrow(main.x + main.w // 2, prev.y + prev.h, main.x + main.w // 2, main.y))
        prev = main
        y += h + 34
    for name, top, bottom in phase_spans:
        out.append(
            f'<g class="phase"><rect x="12" y="{top}" width="26" height="{bottom - top}"'
            f' rx="4" fill="#a9c8e8"/><text transform="translate(29,{(top + bottom) // 2})'
            f' rotate(-90)" text-anchor="middle" font-weight="bold">{escape(name)}'
            "</text></g>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


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
