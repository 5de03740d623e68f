"""The PRISMA 2020 flow diagram as a Mermaid flowchart, for Markdown (GitHub renders it)."""

from __future__ import annotations

import html

from litsift.report.diagram import DATABASES, OTHER, PREVIOUS, TITLES, Diagram


def node_id(key: str) -> str:
    """A Mermaid node id for a box key ('databases-screened' -> 'databases_screened')."""
    return key.replace("-", "_")


def _label(head: str, items: tuple[str, ...]) -> str:
    """A quoted Mermaid label; quotes and angle brackets become Mermaid entity codes."""
    lines = [head]
    for item in items:
        lines.append(item[3:].lstrip("\u2003") if item.startswith("## ") else "- " + item)
    return '"' + "<br/>".join(_escape(line) for line in lines) + '"'


def _escape(text: str) -> str:
    for char, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def prisma_mermaid(d: Diagram) -> str:
    """`flowchart TD`: one subgraph per identification arm, one node per box, PRISMA's
    arrows; node ids are the box keys with '_' for '-'."""
    lines = ["flowchart TD"]
    grouped: set[str] = set()
    for group in (PREVIOUS, DATABASES, OTHER):
        members = [b for b in d.boxes if b.column.removesuffix("-side") == group]
        members = [b for b in members if b.row in ("identified", "screened", "sought", "assessed")]
        if not members:
            continue
        lines.append(f'    subgraph {group}_arm["{_escape(TITLES[group])}"]')
        for b in members:
            lines.append(f"        {node_id(b.key)}[{_label(b.heading, b.items)}]")
            grouped.add(b.key)
        lines.append("    end")
    for b in d.boxes:
        if b.key not in grouped:
            lines.append(f"    {node_id(b.key)}[{_label(b.heading, b.items)}]")
    lines += [f"    {node_id(a)} --> {node_id(b)}" for a, b in d.arrows]
    return "\n".join(lines) + "\n"


def prisma_markdown(d: Diagram, title: str) -> str:
    """A Markdown file holding the Mermaid diagram in a fenced block."""
    return (
        f"# PRISMA 2020 flow diagram: {html.escape(title)}\n\n```mermaid\n{prisma_mermaid(d)}```\n"
    )
