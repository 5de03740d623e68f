"""The PRISMA flow counts as a CSV in the layout of the PRISMA2020 R package and Shiny app.

The PRISMA2020 package (Haddaway et al.) reads a CSV with the columns below, one row per
data key; filling its `n` column from `PrismaCounts` lets the same numbers be drawn there.
litsift screens every arm together, so the whole flow is written to the databases-and-
registers boxes and the other-methods retrieval boxes stay 0 (their records are screened in
the main flow and are counted there).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from litsift.models import SourceKind
from litsift.report.prisma import PrismaCounts

COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")

# (data key or "NA" for a title box, node, box, our own short description)
TEMPLATE: tuple[tuple[str, str, str, str], ...] = (
    ("NA", "node4", "prevstud", "Title box: previous studies"),
    ("previous_studies", "node5", "box1", "Studies included in the previous version"),
    ("previous_reports", "NA", "box1", "Reports of studies included in the previous version"),
    ("NA", "node6", "newstud", "Title box: new studies via databases and registers"),
    ("database_results", "node7", "box2", "Records identified from databases"),
    ("database_specific_results", "NA", "box2", "Records per database (name, n; ...)"),
    ("register_results", "NA", "box2", "Records identified from registers"),
    ("register_specific_results", "NA", "box2", "Records per register (name, n; ...)"),
    ("NA", "node16", "othstud", "Title box: new studies via other methods"),
    ("website_results", "node17", "box11", "Records identified from websites and lists"),
    ("organisation_results", "NA", "box11", "Records identified from organisations"),
    ("citations_results", "NA", "box11", "Records identified by citation searching"),
    ("duplicates", "node8", "box3", "Duplicate records removed"),
    ("excluded_automatic", "NA", "box3", "Records marked ineligible by automation tools"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons"),
    ("records_screened", "node9", "box4", "Records screened"),
    ("records_excluded", "node10", "box5", "Records excluded at screening"),
    ("dbr_sought_reports", "node11", "box6", "Reports sought for retrieval"),
    ("dbr_notretrieved_reports", "node12", "box7", "Reports not retrieved"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other methods)"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other methods)"),
    ("dbr_assessed", "node13", "box8", "Reports assessed for eligibility"),
    ("dbr_excluded", "node14", "box9", "Reports excluded, with reasons (reason, n; ...)"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other methods)"),
    ("other_excluded", "node21", "box15", "Reports excluded (other methods)"),
    ("new_studies", "node15", "box10", "New studies included in review"),
    ("new_reports", "NA", "box10", "Reports of new included studies"),
    ("total_studies", "node22", "box16", "Total studies included in review"),
    ("total_reports", "NA", "box16", "Reports of total included studies"),
    ("identification", "node1", "identification", "Phase label: identification"),
    ("screening", "node2", "screening", "Phase label: screening"),
    ("included", "node3", "included", "Phase label: included"),
)

DATA_KEYS = tuple(key for key, *_ in TEMPLATE if key != "NA")


def _pairs(items: list[tuple[str, int]]) -> str:
    """The package's 'Name, n; Name, n' list (commas and semicolons in names removed)."""
    clean = [(name.replace(",", " ").replace(";", " ").strip(), n) for name, n in items]
    return "; ".join(f"{name}, {n}" for name, n in clean) if clean else "NA"


def _values(c: PrismaCounts) -> dict[str, str | int]:
    per_db = [(s.platform or s.name, s.records) for s in c.sources if s.kind is SourceKind.DATABASE]
    other = sum(s.records for s in c.sources if s.kind is SourceKind.OTHER)
    citations = sum(s.records for s in c.sources if s.kind is SourceKind.CITATION)
    reasons = [
        (c.reason_labels.get(k, k), n) for k, n in sorted(c.excluded_full_text_reasons.items())
    ]
    return {
        "previous_studies": c.previous_studies,
        "previous_reports": c.previous_reports,
        "database_results": c.identified_databases,
        "database_specific_results": _pairs(per_db),
        "register_results": 0,
        "register_specific_results": "NA",
        "website_results": other,
        "organisation_results": 0,
        "citations_results": citations,
        "duplicates": c.duplicates_removed,
        "excluded_automatic": c.ineligible_automation,
        "excluded_other": c.other_removed,
        "records_screened": c.screened,
        "records_excluded": c.excluded_screening,
        "dbr_sought_reports": c.sought,
        "dbr_notretrieved_reports": c.not_retrieved,
        "other_sought_reports": 0,
        "other_notretrieved_reports": 0,
        "dbr_assessed": c.assessed,
        "dbr_excluded": _pairs([r for r in reasons if r[1]]) if c.excluded_full_text else 0,
        "other_assessed": 0,
        "other_excluded": 0,
        "new_studies": c.included_studies,
        "new_reports": c.included_reports,
        "total_studies": c.total_studies,
        "total_reports": c.total_reports,
    }


def prisma_values(c: PrismaCounts) -> Mapping[str, str | int]:
    """Every data key of the template with its value (after checking the arithmetic)."""
    c.check()
    return _values(c)


def prisma_csv(c: PrismaCounts) -> str:
    """The whole template, one row per key, with `n` filled from the counts."""
    values = prisma_values(c)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for key, node, box, description in TEMPLATE:
        n = values.get(key, 0)
        tooltip = description if node != "NA" else "NA"
        url = f"{key}.html" if key != "NA" and node != "NA" else "NA"
        writer.writerow((key, node, box, description, description, tooltip, url, n))
    return buf.getvalue()
