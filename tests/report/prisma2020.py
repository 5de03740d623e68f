"""Read a PRISMA2020 CSV the way the R package's `PRISMA_data()` does (for tests).

A transcription of what `R/PRISMA_data.R`, `R/PRISMA_format.R` and
`R/PRISMA_default_or_csv.R` of prisma-flowdiagram/PRISMA2020 do with the file: `read.csv`
with "NA" as missing, `grep(pattern, data[, 1])` to find a row, its `n` (numbers stripped of
commas and other characters) or its `boxtext`, the package's default when no row matches,
and `PRISMA_parse_reasons_` for the `Name, n; Name, n` lists.
"""

from __future__ import annotations

import csv
import io
import re

NUMBERS = (
    "previous_studies", "previous_reports", "register_results", "database_results",
    "website_results", "organisation_results", "citations_results", "duplicates",
    "excluded_automatic", "excluded_other", "records_screened", "records_excluded",
    "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports",
    "other_notretrieved_reports", "dbr_assessed", "other_assessed", "new_studies",
    "new_reports", "total_studies$", "total_reports$", "total_studies_ma", "total_reports_ma",
)  # fmt: skip
LISTS = ("database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded")
TEXTS = (
    "previous_studies", "previous_reports", "register_results", "database_results",
    "website_results", "organisation_results", "citations_results", "duplicates",
    "excluded_automatic", "excluded_other", "records_screened", "records_excluded",
    "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports",
    "other_notretrieved_reports", "dbr_assessed", "dbr_excluded", "other_assessed",
    "other_excluded", "new_studies", "new_reports", "total_studies$", "total_reports$",
    "identification", "screening", "included", "total_studies_ma", "total_reports_ma",
)  # fmt: skip
TITLE_BOXES = ("prevstud", "newstud", "othstud")  # matched in the `box` column


def read_csv(text: str) -> list[dict[str, str | None]]:
    """`read.csv(file)`: header row, quoted fields, "NA" read as missing."""
    rows = list(csv.DictReader(io.StringIO(text)))
    return [{k: (None if v == "NA" else v) for k, v in r.items()} for r in rows]


def grep(rows: list[dict[str, str | None]], pattern: str, column: str = "data") -> list[dict]:
    """`data[grep(pattern, data[, column]), ]`; a missing value never matches."""
    return [r for r in rows if r[column] is not None and re.search(pattern, r[column])]


def format_number(x: str | None) -> float | None:
    """`PRISMA_format_number_`: drop commas, then every character but digits and '.'."""
    if x is None:
        return None
    digits = re.sub(r"[^0-9.]", "", x.replace(",", ""))
    return float(digits) if digits else None


def parse_reasons(value: str | None) -> list[tuple[str, float | None]]:
    """`PRISMA_parse_reasons_`: split at ';( )?', the name up to the first comma, the count
    after it; a value of digits and commas only is a bare count."""
    if value is not None and re.search(r"[^0-9,]", value):
        parts = re.split(r";(?: )?", value)
        names = [re.sub(r",.*$", "", p) for p in parts]
        counts = [format_number(re.sub(r".*?,([ 0-9,]*)|.*()", r"\1", p)) for p in parts]
        return list(zip(names, counts, strict=True))
    return [("", format_number(value))]


def prisma_data(text: str) -> dict[str, object]:
    """What `PRISMA_data(read.csv(file))` returns, keyed as the package names it: the numbers
    (None for NA), the parsed lists, and `<key>_text` labels; `matches` counts the rows
    each pattern found (the package expects exactly one)."""
    rows = read_csv(text)
    out: dict[str, object] = {}
    matches: dict[str, int] = {}
    for key in NUMBERS:
        found = grep(rows, key)
        matches[key] = len(found)
        out[key.rstrip("$")] = format_number(found[0]["n"]) if found else 0.0
    for key in LISTS:
        found = grep(rows, key)
        matches[key] = len(found)
        out[key] = parse_reasons(found[0]["n"]) if found else None
    for key in TEXTS:
        found = grep(rows, key)
        out[key.rstrip("$") + "_text"] = found[0]["boxtext"] if found else None
    for box in TITLE_BOXES:
        found = grep(rows, box, "box")
        out[box + "_text"] = found[0]["boxtext"] if found else None
    out["matches"] = matches
    out["tooltips"] = {
        (r["data"] if r["data"] is not None else r["box"]): r["tooltips"]
        for r in rows
        if r["tooltips"] is not None
    }
    return out
