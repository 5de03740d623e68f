"""The PRISMA 2020 flow diagram as a Mermaid flowchart, for Markdown (GitHub renders it)."""

from __future__ import annotations

import html
import itertools

from litsift.report.prisma import PrismaCounts, main_boxes, side_boxes


def _label(head: str, items: list[str]) -> str:
    """A quoted Mermaid label; quotes and angle brackets become Mermaid entity codes."""
    lines = [head, *(i[3:] if i.startswith("## ") else "- " + i for i in items)]
    text = "<br/>".join(_escape(line) for line in lines)
    return f'"{text}"'


def _escape(text: str) -> str:
    for char, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def prisma_mermaid(c: PrismaCounts) -> str:
    """`flowchart TD` with one node per box (ids are the box keys) and PRISMA's arrows."""
    c.check()
    lines = ["flowchart TD"]
    main = main_boxes(c)
    side = side_boxes(c)
    flow = [key for key in main if key != "previous"]
    for key, (head, items, _) in main.items():
        lines.append(f"    {key}[{_label(head, items)}]")
        if key in side:
            skey, shead, sitems, _ = side[key]
            lines.append(f"    {skey}[{_label(shead, sitems)}]")
            lines.append(f"    {key} --> {skey}")
    lines += [f"    {a} --> {b}" for a, b in itertools.pairwise(flow)]
    if "previous" in main:
        lines.append("    previous --> included")
    return "\n".join(lines) + "\n"


def prisma_markdown(c: PrismaCounts, title: str) -> str:
    """A Markdown file holding the Mermaid diagram in a fenced block."""
    return (
        f"# PRISMA 2020 flow diagram: {html.escape(title)}\n\n```mermaid\n{prisma_mermaid(c)}```\n"
    )
