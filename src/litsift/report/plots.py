"""Plots as standalone SVG, drawn directly (deterministic text, no plotting backend).

Each function takes plain rows and returns SVG text with a <title>, axis labels and one
<rect> per bar segment carrying `data-*` attributes, so tests and the HTML report can read
the numbers back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from litsift.report.tables import IncludedRow

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
FONT = 'font-family="Helvetica, Arial, sans-serif" font-size="11"'


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT} role="img">'
    )
    return (
        "\n".join(
            [
                head,
                f"<title>{escape(title)}</title>",
                f'<rect width="{width}" height="{height}" fill="#fff"/>',
                f'<text x="{width // 2}" y="18" text-anchor="middle" font-size="13" '
                f'font-weight="bold">{escape(title)}</text>',
                *body,
                "</svg>",
            ]
        )
        + "\n"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _legend(labels: Sequence[str], x: int, y: int) -> list[str]:
    out = []
    for i, label in enumerate(labels):
        yy = y + i * 16
        out.append(f'<rect x="{x}" y="{yy - 9}" width="10" height="10" fill="{_colour(i)}"/>')
        out.append(_text(x + 14, yy, label))
    return out


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#333"/>'


def nice_axis(top: int) -> tuple[int, int]:
    """(axis maximum, tick step): a 1-2-5 step giving at most six ticks, maximum >= top."""
    steps = (m * 10**e for e in range(12) for m in (1, 2, 5))
    step = next(st for st in steps if -(-top // st) <= 5)
    return -(-top // step) * step, step


def _ticks(top: int, x0: int, y0: int, length: int, vertical: bool) -> list[str]:
    """Axis ticks from 0 to `top` (an axis maximum from `nice_axis`)."""
    step = nice_axis(top)[1]
    out = []
    for v in range(0, top + 1, step):
        pos = length * v / top if top else 0
        if vertical:
            out.append(_text(x0 - 4, y0 - pos + 4, str(v), "end"))
            out.append(_line(x0, y0 - pos, x0 - 3, y0 - pos))
        else:
            out.append(_text(x0 + pos, y0 + 14, str(v), "middle"))
    return out


def studies_per_year(rows: Sequence[IncludedRow], classes: Sequence[str]) -> str:
    """Stacked bars: included studies per year, one segment per class (a study counts in
    every class it has)."""
    years = sorted({r.year for r in rows if r.year is not None})
    counts = Counter((r.year, c) for r in rows for c in r.classes)
    top = nice_axis(max((sum(counts[(y, c)] for c in classes) for y in years), default=0) or 1)[0]
    x0, y0, plot_h = 50, 250, 210
    bar = max(12, min(48, 560 // max(len(years), 1) - 8))
    body = [_line(x0, y0, x0 + (bar + 8) * len(years) + 8, y0)]
    body += _ticks(top, x0, y0, plot_h, vertical=True)
    for i, year in enumerate(years):
        x, y = x0 + 8 + i * (bar + 8), float(y0)
        for j, cls in enumerate(classes):
            n = counts[(year, cls)]
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            body.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" fill="{_colour(j)}" '
                f'data-year="{year}" data-class={quoteattr(cls)} data-n="{n}">'
                f"<title>{escape(f'{year}, {cls}: {n}')}</title></rect>"
            )
        body.append(_text(x + bar / 2, y0 + 14, str(year), "middle"))
    width = max(560, x0 + 8 + len(years) * (bar + 8) + 130)
    body += _legend(classes, width - 120, 50)
    body.append(_text(14, 140, "studies", "middle", ' transform="rotate(-90 14 140)"'))
    title = "Included studies per year, by class (a study counts once in each of its classes)"
    return _svg(width, 280, title, body)


def source_overlap(record_sources: Mapping[str, Sequence[str]], sources: Sequence[str]) -> str:
    """Heat map: deduplicated records found by both sources of each pair."""
    sets = [set(v) for v in record_sources.values()]
    grid = [[sum(a in s and b in s for s in sets) for b in sources] for a in sources]
    top = max((v for row in grid for v in row), default=0) or 1
    cell, x0, y0 = 54, 140, 110
    body = []
    for i, a in enumerate(sources):
        body.append(_text(x0 - 6, y0 + i * cell + cell / 2 + 4, a, "end"))
        body.append(
            _text(
                x0 + i * cell + cell / 2,
                y0 - 8,
                a,
                "start",
                f' transform="rotate(-40 {x0 + i * cell + cell / 2:.1f} {y0 - 8})"',
            )
        )
        for j, b in enumerate(sources):
            v = grid[i][j]
            shade = 245 - int(170 * v / top)
            colour = f"rgb({shade},{shade + 5 if shade < 250 else 250},255)"
            body.append(
                f'<rect x="{x0 + j * cell}" y="{y0 + i * cell}" width="{cell}" height="{cell}" '
                f'fill="{colour}" stroke="#fff" data-a={quoteattr(a)} data-b={quoteattr(b)} '
                f'data-n="{v}"/>'
            )
            fill = ' fill="#fff"' if v > top / 2 else ""
            body.append(
                _text(
                    x0 + j * cell + cell / 2, y0 + i * cell + cell / 2 + 4, str(v), "middle", fill
                )
            )
    size = x0 + cell * len(sources) + 20
    return _svg(
        max(size, 300), y0 + cell * len(sources) + 20, "Source overlap (deduplicated records)", body
    )


def taxonomy_coverage(
    rows: Sequence[IncludedRow], families: Sequence[tuple[str, str]], classes: Sequence[str]
) -> str:
    """Horizontal stacked bars: included studies per technique family, split by class."""
    counts = Counter((f, c) for r in rows for f in r.families for c in r.classes)
    totals = {fid: sum(counts[(fid, c)] for c in classes) for fid, _ in families}
    top = nice_axis(max(totals.values(), default=0) or 1)[0]
    longest = max((len(label) for _, label in families), default=0)
    x0, y0, bar, plot_w = 24 + 6 * longest, 40, 16, 380
    body = []
    for i, (fid, label) in enumerate(families):
        y = y0 + i * (bar + 6)
        body.append(_text(x0 - 6, y + bar - 4, label, "end"))
        x = float(x0)
        for j, cls in enumerate(classes):
            n = counts[(fid, cls)]
            if not n:
                continue
            w = plot_w * n / top
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{_colour(j)}" '
                f'data-family={quoteattr(fid)} data-class={quoteattr(cls)} data-n="{n}">'
                f"<title>{escape(f'{label}, {cls}: {n}')}</title></rect>"
            )
            x += w
        if totals[fid] == 0:
            body.append(_text(x0 + 4, y + bar - 4, "no study", extra=' fill="#c00"'))
    bottom = y0 + len(families) * (bar + 6)
    body.append(f'<line x1="{x0}" y1="{bottom}" x2="{x0 + plot_w}" y2="{bottom}" stroke="#333"/>')
    body += _ticks(top, x0, bottom, plot_w, vertical=False)
    body += _legend(classes, x0 + plot_w + 20, y0 + 10)
    return _svg(x0 + plot_w + 130, bottom + 30, "Taxonomy coverage: studies per family", body)
