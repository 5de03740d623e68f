"""The flow as `prisma.csv`, in the template format of the PRISMA2020 R package and Shiny app.

The package (Haddaway et al. 2022, https://github.com/prisma-flowdiagram/PRISMA2020) reads
its CSV template (`inst/extdata/PRISMA.csv`) with `PRISMA_data()`: for each quantity it
takes the `n` of the row whose `data` column matches a pattern (`grep`), and the label from
that row's `boxtext`. This file keeps the template's rows in its order, with its `data`,
`node` and `box` keys and its `boxtext` labels, and fills `n` from the flow. The package
reads `NA` as "not part of this review": the previous-studies arm of a first review, the
other-methods arm of a review that used none, a register not searched, and the
meta-analysis box are `NA` then.

Lists of names and counts (per database, per register, reasons for exclusion) use the
package's `Name, n; Name, n` form, which it splits at semicolons and cuts at the first
comma; commas and semicolons inside a name are therefore written as their full-width forms
(U+FF0C, U+FF1B), which look the same in the diagram, and line breaks as spaces. `read_names`
turns them back.

The `description` and `tooltips` columns are litsift's own wording; `url` points each box at
its list of records in the interactive diagram (`prisma.html`).

What the package cannot draw: litsift screens the records of the other-methods arm too, and
the template has no "records screened" box in that arm; those records are counted in
`other_sought_reports` only when they passed screening. The SVG, PNG, PDF and HTML diagrams
show the extra boxes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from litsift.models import SourceKind
from litsift.report.flow import PrismaFlow

COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")

# (data key or "NA", node, box, boxtext as in the template, our description, our box anchor)
TEMPLATE: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("NA", "node4", "prevstud", "Previous studies", "Title: previous studies", "previous"),
    (
        "previous_studies",
        "node5",
        "box1",
        "Studies included in previous version of review",
        "Studies the previous version of the review included",
        "previous",
    ),
    (
        "previous_reports",
        "NA",
        "box1",
        "Reports of studies included in previous version of review",
        "Reports of the studies the previous version included",
        "previous",
    ),
    (
        "NA",
        "node6",
        "newstud",
        "Identification of new studies via databases and registers",
        "Title: new studies via databases and registers",
        "databases-identified",
    ),
    (
        "database_results",
        "node7",
        "box2",
        "Databases",
        "Records found in the databases searched",
        "databases-identified",
    ),
    (
        "database_specific_results",
        "NA",
        "box2",
        "Specific Databases",
        "Records per database (Name, n; Name, n)",
        "databases-identified",
    ),
    (
        "register_results",
        "NA",
        "box2",
        "Registers",
        "Records found in the registers searched",
        "databases-identified",
    ),
    (
        "register_specific_results",
        "NA",
        "box2",
        "Specific Registers",
        "Records per register (Name, n; Name, n)",
        "databases-identified",
    ),
    (
        "NA",
        "node16",
        "othstud",
        "Identification of new studies via other methods",
        "Title: new studies via other methods",
        "other-identified",
    ),
    (
        "website_results",
        "node17",
        "box11",
        "Websites",
        "Records found on websites",
        "other-identified",
    ),
    (
        "organisation_results",
        "",
        "box11",
        "Organisations",
        "Records found through organisations",
        "other-identified",
    ),
    (
        "citations_results",
        "NA",
        "box11",
        "Citation searching",
        "Records found by citation searching",
        "other-identified",
    ),
    (
        "duplicates",
        "node8",
        "box3",
        "Duplicate records",
        "Duplicate records removed before screening",
        "databases-removed",
    ),
    (
        "excluded_automatic",
        "NA",
        "box3",
        "Records marked as ineligible by automation tools",
        "Records the automatic eligibility rules removed",
        "databases-removed",
    ),
    (
        "excluded_other",
        "NA",
        "box3",
        "Records removed for other reasons",
        "Records removed before screening for other reasons",
        "databases-removed",
    ),
    (
        "records_screened",
        "node9",
        "box4",
        "Records screened",
        "Records screened on title (and abstract where present)",
        "databases-screened",
    ),
    (
        "records_excluded",
        "node10",
        "box5",
        "Records excluded",
        "Records excluded at screening",
        "databases-excluded_screening",
    ),
    (
        "dbr_sought_reports",
        "node11",
        "box6",
        "Reports sought for retrieval",
        "Reports sought in full text (databases and registers)",
        "databases-sought",
    ),
    (
        "dbr_notretrieved_reports",
        "node12",
        "box7",
        "Reports not retrieved",
        "Reports whose full text was not found (databases and registers)",
        "databases-not_retrieved",
    ),
    (
        "other_sought_reports",
        "node18",
        "box12",
        "Reports sought for retrieval",
        "Reports sought in full text (other methods)",
        "other-sought",
    ),
    (
        "other_notretrieved_reports",
        "node19",
        "box13",
        "Reports not retrieved",
        "Reports whose full text was not found (other methods)",
        "other-not_retrieved",
    ),
    (
        "dbr_assessed",
        "node13",
        "box8",
        "Reports assessed for eligibility",
        "Reports read in full (databases and registers)",
        "databases-assessed",
    ),
    (
        "dbr_excluded",
        "node14",
        "box9",
        "Reports excluded",
        "Reports excluded at full text, with reasons (databases and registers)",
        "databases-excluded_full_text",
    ),
    (
        "other_assessed",
        "node20",
        "box14",
        "Reports assessed for eligibility",
        "Reports read in full (other methods)",
        "other-assessed",
    ),
    (
        "other_excluded",
        "node21",
        "box15",
        "Reports excluded",
        "Reports excluded at full text, with reasons (other methods)",
        "other-excluded_full_text",
    ),
    (
        "new_studies",
        "node15",
        "box10",
        "New studies included in review",
        "New studies the review includes",
        "included",
    ),
    (
        "new_reports",
        "NA",
        "box10",
        "Reports of new included studies",
        "Reports of the new included studies",
        "included",
    ),
    (
        "total_studies",
        "node22",
        "box16",
        "Total studies included in review",
        "Studies of this and the previous version",
        "total",
    ),
    (
        "total_reports",
        "NA",
        "box16",
        "Reports of total included studies",
        "Reports of the studies of this and the previous version",
        "total",
    ),
    ("identification", "node1", "identification", "Identification", "Phase", "NA"),
    ("screening", "node2", "screening", "Screening", "Phase", "NA"),
    ("included", "node3", "included", "Included", "Phase", "NA"),
    (
        "total_studies_ma",
        "node23",
        "box17",
        "Total studies included in meta-analysis",
        "Studies the meta-analysis pools",
        "meta-analysis",
    ),
    (
        "total_reports_ma",
        "NA",
        "box17",
        "Reports of total included studies in meta-analysis",
        "Reports of the studies the meta-analysis pools",
        "meta-analysis",
    ),
)

DATA_KEYS = tuple(row[0] for row in TEMPLATE if row[0] != "NA")
NA = "NA"
_SAFE = str.maketrans({",": "\uff0c", ";": "\uff1b", "\n": " ", "\r": " ", "\t": " "})
_BACK = str.maketrans({"\uff0c": ",", "\uff1b": ";"})


def safe_name(name: str) -> str:
    """A name for the package's 'Name, n; Name, n' lists: no comma, semicolon or line break."""
    return " ".join(name.translate(_SAFE).split())


def read_names(name: str) -> str:
    """The name `safe_name` wrote, with its commas and semicolons back."""
    return name.translate(_BACK)


def name_list(items: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{safe_name(name)}, {n}" for name, n in items)


def _kind_total(flow: PrismaFlow, kind: SourceKind) -> int | str:
    arm = flow.databases if kind in (SourceKind.DATABASE, SourceKind.REGISTER) else flow.other
    return arm.records_of(kind) if arm.uses(kind) else NA


def values(flow: PrismaFlow) -> dict[str, int | str]:
    """Every data key of the template with its value, after checking the arithmetic."""
    flow.check()
    db, other = flow.databases, flow.other
    per_db = [(s.label, s.records) for s in db.sources if s.kind is SourceKind.DATABASE]
    per_reg = [(s.label, s.records) for s in db.sources if s.kind is SourceKind.REGISTER]
    out: dict[str, int | str] = {
        "previous_studies": flow.previous_studies if flow.has_previous_arm else NA,
        "previous_reports": flow.previous_reports if flow.has_previous_arm else NA,
        "database_results": _kind_total(flow, SourceKind.DATABASE),
        "database_specific_results": name_list(per_db) if per_db else NA,
        "register_results": _kind_total(flow, SourceKind.REGISTER),
        "register_specific_results": name_list(per_reg) if per_reg else NA,
        "website_results": _kind_total(flow, SourceKind.WEBSITE),
        "organisation_results": _kind_total(flow, SourceKind.ORGANISATION),
        "citations_results": _kind_total(flow, SourceKind.CITATION),
        "duplicates": db.duplicates,
        "excluded_automatic": db.ineligible_automation,
        "excluded_other": db.other_removed,
        "records_screened": db.screened,
        "records_excluded": db.excluded_screening,
        "dbr_sought_reports": db.sought,
        "dbr_notretrieved_reports": db.not_retrieved,
        "dbr_assessed": db.assessed,
        "dbr_excluded": _reasons(flow, db.excluded_full_text_reasons, db.excluded_full_text),
        "new_studies": flow.included_studies,
        "new_reports": flow.included_reports,
        "total_studies": flow.total_studies,
        "total_reports": flow.total_reports,
        "total_studies_ma": flow.meta_analysis[0] if flow.meta_analysis else NA,
        "total_reports_ma": flow.meta_analysis[1] if flow.meta_analysis else NA,
    }
    drawn = {a.arm for a in flow.arms}
    other_used = other.arm in drawn
    out |= {
        "other_sought_reports": other.sought if other_used else NA,
        "other_notretrieved_reports": other.not_retrieved if other_used else NA,
        "other_assessed": other.assessed if other_used else NA,
        "other_excluded": (
            _reasons(flow, other.excluded_full_text_reasons, other.excluded_full_text)
            if other_used
            else NA
        ),
    }
    return out


def _reasons(flow: PrismaFlow, reasons: Mapping[str, int], total: int) -> int | str:
    """'Reason, n; Reason, n', or the bare count when no report was excluded."""
    listed = flow.reasons(reasons)
    return name_list(listed) if listed else total


def prisma_csv(flow: PrismaFlow) -> str:
    """The whole template, one row per key in its order, with `n` filled from the flow."""
    filled = values(flow)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for key, node, box, boxtext, description, anchor in TEMPLATE:
        tooltip = description if node not in ("NA", "") else NA
        url = f"prisma.html#box-{anchor}" if anchor != NA else NA
        n = filled.get(key, 0)  # title and phase rows carry the template's 0
        writer.writerow((key, node, box, description, boxtext, tooltip, url, n))
    return buf.getvalue()
