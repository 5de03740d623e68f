"""Lay out the PRISMA 2020 diagram once and draw it as SVG, PDF and PNG.

`layout` places the boxes of a `Diagram` in the template's grid: one column per arm (and its
side column), the previous-studies column on the left of an updated review, rows from
identification to inclusion with the phase bars on the left. Text is wrapped with the real
metrics of the Bitstream Vera font that ships with reportlab, so the three renderers draw the
same lines: SVG (selectable text, one `<g data-box>` per box for the interactive report),
PDF (vector, text selectable, via reportlab) and PNG (via Pillow). All three fit the diagram
to an A4 page (portrait for one column group, landscape for more) and are byte-identical on
every run with the same counts.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape, quoteattr

from litsift.report.diagram import (
    DATABASES,
    OTHER,
    PHASES,
    PREVIOUS,
    ROWS,
    TITLES,
    Box,
    Diagram,
)

FONT = "Vera"
SIZE = 10.0  # px
LINE = 13.0
PAD = 7.0
COLUMN_WIDTH = {"previous": 200, "databases": 200, "databases-side": 210, "other": 200}
COLUMN_WIDTH["other-side"] = 210
GAP_SIDE = 22  # between a main column and its side column
GAP_GROUP = 34  # between column groups
ROW_GAP = 30
LEFT = 52  # room for the phase bars
TOP = 40  # room for the title
A4 = (794, 1123)  # px at 96 dpi, portrait
FILLS = {
    "box": "#ffffff",
    "title-databases": "#ffd966",
    "title-other": "#d9d9d9",
    "title-previous": "#d9d9d9",
    "phase": "#a9c8e8",
}


@dataclass(frozen=True)
class Line:
    text: str
    x: float
    y: float  # baseline
    size: float = SIZE
    bold: bool = False
    anchor: str = "start"  # start | middle
    rotate: bool = False  # 90 degrees counter-clockwise, around (x, y)


@dataclass(frozen=True)
class Shape:
    """A filled rectangle with its text; `key` and `n` mark a PRISMA box."""

    x: float
    y: float
    w: float
    h: float
    fill: str
    lines: tuple[Line, ...]
    cls: str = "box"
    key: str = ""
    n: int | None = None

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    title: str
    shapes: tuple[Shape, ...]
    arrows: tuple[tuple[tuple[float, float], ...], ...]  # polylines, arrowhead at the end

    @property
    def landscape(self) -> bool:
        return self.width > self.height * 0.8

    def page(self) -> tuple[float, float, float]:
        """(page width, page height, scale) fitting the drawing to A4, never enlarging it."""
        pw, ph = (A4[1], A4[0]) if self.landscape else A4
        scale = min(1.0, pw / self.width, ph / self.height)
        return self.width * scale, self.height * scale, scale


# --------------------------------------------------------------------------- text


@cache
def _font_path(bold: bool) -> str:
    import reportlab

    name = "VeraBd.ttf" if bold else "Vera.ttf"
    return os.path.join(os.path.dirname(reportlab.__file__), "fonts", name)


@cache
def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, _font_path(False)))
    pdfmetrics.registerFont(TTFont(FONT + "-Bold", _font_path(True)))


def text_width(text: str, size: float = SIZE, bold: bool = False) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _register_fonts()
    return stringWidth(text, FONT + ("-Bold" if bold else ""), size)


def wrap(text: str, width: float, size: float = SIZE, bold: bool = False) -> list[str]:
    """Lines no wider than `width` px; a count such as '(n = 110)' is never split."""
    words = text.replace("(n = ", "(n\u00a0=\u00a0").split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if current and text_width(trial, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    return [line.replace("\u00a0", " ") for line in lines]


def _box_rows(box: Box, x: float, w: float) -> list[list[Line]]:
    """The box's text as rows of lines sharing a baseline (y filled in by `_place`)."""
    specs: list[tuple[str, float, bool]] = [(box.heading, 0.0, False)]
    for item in box.items:
        if item.startswith("## "):
            text = item[3:]
            specs.append((text.lstrip("\u2003"), 10.0 if text.startswith("\u2003") else 0.0, False))
        else:
            specs.append((item, 10.0, True))
    rows: list[list[Line]] = []
    for text, indent, bullet in specs:
        left = x + PAD + indent
        for i, part in enumerate(wrap(text, w - 2 * PAD - indent)):
            row = [Line(part, left, 0)]
            if bullet and i == 0:
                row.insert(0, Line("\u2022", left - 8, 0))
            rows.append(row)
    return rows


def _place(rows: list[list[Line]], top: float) -> tuple[Line, ...]:
    return tuple(
        Line(ln.text, ln.x, top + PAD + SIZE + k * LINE, ln.size, ln.bold)
        for k, row in enumerate(rows)
        for ln in row
    )


def _height(lines: int) -> float:
    return 2 * PAD + SIZE + (lines - 1) * LINE + 3


# --------------------------------------------------------------------------- layout


def layout(d: Diagram, title: str) -> Layout:
    """Positions of every box, bar and arrow (pure; deterministic)."""
    xs: dict[str, float] = {}
    x = float(LEFT)
    previous_group = None
    for col in d.columns:
        group = col.removesuffix("-side")
        if previous_group is not None:
            x += GAP_SIDE if group == previous_group else GAP_GROUP
        xs[col] = x
        x += COLUMN_WIDTH[col]
        previous_group = group
    width = x + 16
    shapes: list[Shape] = []
    y = float(TOP)
    titles = _title_bars(d, xs, y)
    if titles:
        shapes += titles
        y = max(s.bottom for s in titles) + 16
    placed: dict[str, Shape] = {}
    row_span: dict[str, tuple[float, float]] = {}
    for row in ROWS:
        boxes = [b for b in d.boxes if b.row == row]
        if not boxes:
            continue
        drafts = {b.key: _box_rows(b, xs[b.column], COLUMN_WIDTH[b.column]) for b in boxes}
        height = max(_height(len(rows)) for rows in drafts.values())
        for b in boxes:
            h = _height(len(drafts[b.key]))
            top = y + (height - h) / 2
            w = COLUMN_WIDTH[b.column]
            lines = _place(drafts[b.key], top)
            placed[b.key] = Shape(xs[b.column], top, w, h, FILLS["box"], lines, "box", b.key, b.n)
        row_span[row] = (y, y + height)
        y += height + ROW_GAP
    shapes += [placed[b.key] for b in d.boxes]
    shapes += _phase_bars(row_span)
    arrows = tuple(_route(placed[a], placed[b]) for a, b in d.arrows)
    return Layout(width, y - ROW_GAP + 16, title, tuple(shapes), arrows)


def _title_bars(d: Diagram, xs: dict[str, float], y: float) -> list[Shape]:
    bars = []
    for group in (PREVIOUS, DATABASES, OTHER):
        if group not in xs:
            continue
        side = f"{group}-side"
        right = xs[side] + COLUMN_WIDTH[side] if side in xs else xs[group] + COLUMN_WIDTH[group]
        w = right - xs[group]
        parts = wrap(TITLES[group], w - 2 * PAD, SIZE, bold=True)
        h = _height(len(parts))
        lines = tuple(
            Line(p, xs[group] + w / 2, y + PAD + SIZE + i * LINE, SIZE, True, "middle")
            for i, p in enumerate(parts)
        )
        bars.append(Shape(xs[group], y, w, h, FILLS[f"title-{group}"], lines, "title"))
    if not bars:
        return bars
    tallest = max(b.h for b in bars)
    return [
        Shape(b.x, b.y, b.w, tallest, b.fill, b.lines, b.cls)  # one height for the row
        for b in bars
    ]


def _phase_bars(spans: dict[str, tuple[float, float]]) -> list[Shape]:
    phases: dict[str, tuple[float, float]] = {}
    for row, (top, bottom) in spans.items():
        name = PHASES[row]
        lo, hi = phases.get(name, (top, bottom))
        phases[name] = (min(lo, top), max(hi, bottom))
    out = []
    for name, (top, bottom) in phases.items():
        line = Line(name, 30, (top + bottom) / 2, SIZE, True, "middle", rotate=True)
        out.append(Shape(12, top, 26, bottom - top, FILLS["phase"], (line,), "phase"))
    return out


def _route(a: Shape, b: Shape) -> tuple[tuple[float, float], ...]:
    """An arrow from box a to box b: straight across or down, or down then across."""
    if abs(a.cy - b.cy) < 1:  # same row: main box to its side box
        return ((a.x + a.w, a.cy), (b.x, b.cy))
    if abs(a.cx - b.cx) < 1:  # same column
        return ((a.cx, a.bottom), (a.cx, b.y))
    edge = b.x + b.w if a.cx > b.cx else b.x
    return ((a.cx, a.bottom), (a.cx, b.cy), (edge, b.cy))


# --------------------------------------------------------------------------- SVG


def to_svg(lay: Layout) -> str:
    """A standalone SVG with selectable text; each PRISMA box is a `<g data-box=...>`."""
    pw, ph, _ = lay.page()
    w, h = _num(lay.width), _num(lay.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(pw)}" height="{_num(ph)}" '
        f'viewBox="0 0 {w} {h}" '
        f'font-family="Bitstream Vera Sans, DejaVu Sans, Verdana, Arial, sans-serif" '
        f'font-size="{_num(SIZE)}" role="img">',
        f"<title>{escape('PRISMA 2020 flow diagram: ' + lay.title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/>'
        "</marker></defs>",
        f'<rect width="{w}" height="{h}" fill="#fff"/>',
        f'<text x="{_num(lay.width / 2)}" y="24" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{escape(lay.title)}</text>',
    ]
    out += [_shape_svg(s) for s in lay.shapes]
    for points in lay.arrows:
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="#333" marker-end="url(#arrow)"/>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _shape_svg(s: Shape) -> str:
    attrs = f'class="{s.cls}"'
    if s.key:
        attrs += f" data-box={quoteattr(s.key)}" + (f' data-n="{s.n}"' if s.n is not None else "")
    parts = [
        f'<g {attrs}><rect x="{_num(s.x)}" y="{_num(s.y)}" width="{_num(s.w)}" '
        f'height="{_num(s.h)}" rx="3" fill="{s.fill}" stroke="#333"/>'
    ]
    for ln in s.lines:
        extra = ' font-weight="bold"' if ln.bold else ""
        if ln.anchor == "middle":
            extra += ' text-anchor="middle"'
        if ln.rotate:
            extra += f' transform="rotate(-90 {_num(ln.x)} {_num(ln.y)})"'
        parts.append(f'<text x="{_num(ln.x)}" y="{_num(ln.y)}"{extra}>{escape(ln.text)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- PDF


def to_pdf(lay: Layout) -> bytes:
    """A one-page vector PDF (A4), text selectable; reportlab's invariant mode keeps the
    bytes the same on every run."""
    from reportlab.pdfgen.canvas import Canvas

    _register_fonts()
    pw_px, ph_px, scale = lay.page()
    pt = 0.75  # points per px at 96 dpi
    page = (A4[1] * pt, A4[0] * pt) if lay.landscape else (A4[0] * pt, A4[1] * pt)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=page, invariant=1, pageCompression=1)
    c.setTitle("PRISMA 2020 flow diagram: " + lay.title)
    c.setCreator("litsift")
    k = scale * pt
    ox = (page[0] - pw_px * pt) / 2
    oy = page[1] - (page[1] - ph_px * pt) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return ox + x * k, oy - y * k

    c.setFont(FONT + "-Bold", 13 * k)
    c.drawCentredString(*at(lay.width / 2, 24), lay.title)
    for s in lay.shapes:
        c.setFillColor(s.fill)
        c.setStrokeColor("#333333")
        x0, y0 = at(s.x, s.y + s.h)
        c.roundRect(x0, y0, s.w * k, s.h * k, 3 * k, stroke=1, fill=1)
        c.setFillColor("#000000")
        for ln in s.lines:
            c.setFont(FONT + ("-Bold" if ln.bold else ""), ln.size * k)
            x, y = at(ln.x, ln.y)
            if ln.rotate:
                c.saveState()
                c.translate(x, y)
                c.rotate(90)
                c.drawCentredString(0, 0, ln.text)
                c.restoreState()
            elif ln.anchor == "middle":
                c.drawCentredString(x, y, ln.text)
            else:
                c.drawString(x, y, ln.text)
    c.setStrokeColor("#333333")
    c.setFillColor("#333333")
    for points in lay.arrows:
        mapped = [at(x, y) for x, y in points]
        path = c.beginPath()
        path.moveTo(*mapped[0])
        for p in mapped[1:]:
            path.lineTo(*p)
        c.drawPath(path, stroke=1, fill=0)
        head = c.beginPath()
        tri = _arrowhead(mapped[-2], mapped[-1], 5 * k)
        head.moveTo(*tri[0])
        for p in tri[1:]:
            head.lineTo(*p)
        head.close()
        c.drawPath(head, stroke=0, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def _arrowhead(
    a: tuple[float, float], b: tuple[float, float], size: float
) -> list[tuple[float, float]]:
    """The triangle of an arrow ending at b, coming from a."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    base = (b[0] - ux * size * 1.6, b[1] - uy * size * 1.6)
    left = (base[0] - uy * size, base[1] + ux * size)
    right = (base[0] + uy * size, base[1] - ux * size)
    return [b, left, right]


# --------------------------------------------------------------------------- PNG


def to_png(lay: Layout, dpi: int = 150) -> bytes:
    """The diagram as a PNG of an A4 page at `dpi` (Pillow; deterministic bytes)."""
    from PIL import Image, ImageDraw, ImageFont

    pw, ph, scale = lay.page()
    k = scale * dpi / 96
    size = (round(pw * dpi / 96), round(ph * dpi / 96))
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    fonts: dict[tuple[float, bool], ImageFont.FreeTypeFont] = {}

    def font(px: float, bold: bool) -> ImageFont.FreeTypeFont:
        key = (px, bold)
        if key not in fonts:
            fonts[key] = ImageFont.truetype(_font_path(bold), max(1, round(px * k)))
        return fonts[key]

    def at(x: float, y: float) -> tuple[float, float]:
        return x * k, y * k

    draw.text(at(lay.width / 2, 24), lay.title, fill="black", font=font(13, True), anchor="ms")
    for s in lay.shapes:
        draw.rounded_rectangle(
            (*at(s.x, s.y), *at(s.x + s.w, s.y + s.h)),
            radius=3 * k,
            fill=s.fill,
            outline="#333333",
            width=max(1, round(k)),
        )
        for ln in s.lines:
            f = font(ln.size, ln.bold)
            if ln.rotate:
                _rotated_text(img, ln.text, f, at(ln.x, ln.y))
                continue
            anchor = "ms" if ln.anchor == "middle" else "ls"
            draw.text(at(ln.x, ln.y), ln.text, fill="black", font=f, anchor=anchor)
    for points in lay.arrows:
        mapped = [at(x, y) for x, y in points]
        draw.line(mapped, fill="#333333", width=max(1, round(k)))
        draw.polygon(_arrowhead(mapped[-2], mapped[-1], 4 * k), fill="#333333")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, dpi=(dpi, dpi))
    return buf.getvalue()


def _rotated_text(img, text: str, font, at: tuple[float, float]) -> None:  # type: ignore[no-untyped-def]
    """Text turned 90 degrees counter-clockwise, centred on `at` (its baseline centre)."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = font.getbbox(text)
    tile = Image.new("RGBA", (right - left + 4, bottom - top + 4), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((2 - left, 2 - top), text, fill="black", font=font)
    turned = tile.rotate(90, expand=True)
    x = round(at[0] - turned.width * 0.75)
    y = round(at[1] - turned.height / 2)
    img.paste(turned, (x, y), turned)
