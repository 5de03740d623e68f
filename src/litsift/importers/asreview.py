"""ASReview files: CSV with a label column or RIS with ASReview_relevant notes."""

from __future__ import annotations

import logging
import re

from litsift.importers import csvfmt, ris
from litsift.importers.base import Draft, ImportResult
from litsift.models import Verdict

log = logging.getLogger(__name__)

LABEL_KEY = "asreview"
_RIS_START = re.compile(r"^[A-Z][A-Z0-9]  ?-")


def parse(text: str) -> list[Draft]:
    """ASReview RIS (TY lines) or ASReview CSV, labels in `labels['asreview']`."""
    if _RIS_START.match(text.lstrip("\ufeff\n ")):
        return ris.parse(text)
    return csvfmt.parse(text)


def asreview_decisions(result: ImportResult) -> dict[str, Verdict]:
    """Record id -> include/exclude for every labelled record (the first label of an id wins)."""
    decisions: dict[str, Verdict] = {}
    for record in result.records:
        label = record.labels.get(LABEL_KEY)
        if label not in ("1", "0"):
            continue
        verdict = Verdict.INCLUDE if label == "1" else Verdict.EXCLUDE
        if record.id in decisions and decisions[record.id] is not verdict:
            log.warning("%s: %s labelled both ways; kept the first label", record.origin, record.id)
            continue
        decisions.setdefault(record.id, verdict)
    return decisions


Decided = tuple[Verdict, str | None]  # (decision, exclusion reason)


def label_decisions(result: ImportResult) -> dict[str, dict[str, Decided]]:
    """Screening stage -> record id -> (verdict, reason) from the labels a file carried.

    ASReview labels are title/abstract decisions; litsift's own exports and a Zotero
    library exported from them carry `decision`, `reason` and `stage` labels. Automatic
    eligibility outcomes and undecided records are not decisions and are skipped.
    """
    out: dict[str, dict[str, Decided]] = {}
    for rid, verdict in asreview_decisions(result).items():
        out.setdefault("title-abstract", {})[rid] = (verdict, None)
    for record in result.records:
        labels = record.labels
        verdict = {"include": Verdict.INCLUDE, "exclude": Verdict.EXCLUDE}.get(
            labels.get("decision", "")
        )
        stage = labels.get("stage") or "title-abstract"
        if verdict is None or stage not in ("title-abstract", "full-text"):
            continue
        reason = labels.get("reason") if verdict is Verdict.EXCLUDE else None
        out.setdefault(stage, {}).setdefault(record.id, (verdict, reason))
    return out
