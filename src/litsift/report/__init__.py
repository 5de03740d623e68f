"""The report stage: PRISMA diagram, tables, checklists and the HTML report.

`render_report` is a pure function of `ReportData`: it returns every file of the report
(paths relative to build/) with its content, which the review's build store writes; two
runs on the same review give the same bytes. Both live in `report/render.py` and are
loaded on first use, so that reading a cached flow (`report/flow.py`) or counting the
PRISMA boxes (`report/counts.py`) does not load Jinja, the drawing and the checklists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litsift.report.render import ReportData as ReportData
    from litsift.report.render import checklists_docx as checklists_docx
    from litsift.report.render import render_report as render_report

_RENDER = ("ReportData", "checklists_docx", "render_report")
__all__ = list(_RENDER)


def __getattr__(name: str) -> Any:
    if name in _RENDER:
        from litsift.report import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
