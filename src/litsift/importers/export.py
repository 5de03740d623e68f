"""Writing records out: BibTeX, RIS, CSV, ASReview CSV and CSL-JSON. Sorted and byte-stable.

Every format carries the screening outcome when it is given (`screened`): BibTeX as
litsift_decision / litsift_reason / litsift_stage fields, RIS as N1 notes, CSV as decision,
reason and stage columns, CSL-JSON (Zotero) as lines of the note (Zotero's Extra) and as
litsift:... keyword tags, ASReview CSV as its label column.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from litsift.errors import LitsiftError
from litsift.models import Record
from litsift.vocab import ExportFormat

EXPORT_FORMATS: tuple[str, ...] = tuple(ExportFormat)

Labels = Mapping[str, int | None]


@dataclass(frozen=True)
class Screened:
    """A record's screening outcome as the exports carry it."""

    decision: str  # include | exclude | undecided
    reason: str | None = None  # the exclusion criterion code, or the eligibility rule
    stage: str | None = None  # eligibility | title-abstract | full-text


Outcomes = Mapping[str, Screened]

_BIB_TYPES = {
    "article": "article",
    "review": "article",
    "erratum": "article",
    "retraction": "article",
    "editorial": "article",
    "book-review": "article",
    "conference-paper": "inproceedings",
    "preprint": "misc",
    "book": "book",
    "book-chapter": "incollection",
    "dataset": "misc",
    "letter": "article",
    "thesis": "phdthesis",
    "report": "techreport",
}
_BIB_VENUE = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}
_RIS_TYPES = {
    "article": "JOUR",
    "review": "JOUR",
    "erratum": "JOUR",
    "retraction": "JOUR",
    "editorial": "JOUR",
    "book-review": "JOUR",
    "conference-paper": "CONF",
    "preprint": "UNPB",
    "book": "BOOK",
    "book-chapter": "CHAP",
    "dataset": "DATA",
    "letter": "JOUR",
    "thesis": "THES",
    "report": "RPRT",
}
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\^{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))
CSV_COLUMNS = (
    "id",
    "title",
    "abstract",
    "authors",
    "year",
    "venue",
    "doi",
    "arxiv_id",
    "url",
    "source",
    "decision",
    "reason",
    "stage",
)
ASREVIEW_COLUMNS = (
    "record_id",
    "title",
    "abstract",
    "authors",
    "year",
    "doi",
    "arxiv_id",
    "pmid",
    "url",
    "label_included",
)


def _ordered(records: Sequence[Record]) -> list[Record]:
    return sorted(records, key=lambda r: (r.id, r.source, r.origin))


def _one_line(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def _label(labels: Labels | None, record_id: str) -> str:
    value = (labels or {}).get(record_id)
    return "" if value is None else ("1" if int(value) else "0")


def id_urls(record: Record) -> list[str]:
    """URLs that carry the record's identifiers (read back by every importer)."""
    urls = [record.url] if record.url else []
    if record.arxiv_id:
        urls.append(f"https://arxiv.org/abs/{record.arxiv_id}")
    if record.pmid:
        urls.append(f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/")
    if record.openalex_id:
        urls.append(f"https://openalex.org/{record.openalex_id}")
    if record.dblp_key:
        urls.append(f"https://dblp.org/rec/{record.dblp_key}")
    return list(dict.fromkeys(urls))


# ------------------------------------------------------------------ BibTeX


# LaTeX ligatures that readers turn into dashes and curly quotes: '--', '``', "''", '?`'
_LIGATURES = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)")


def latex_escape(value: object) -> str:
    """Escape LaTeX's special characters and ligatures; other Unicode is written as is."""
    text = _LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group(0)], _one_line(value))
    return _LIGATURES.sub("{}", text)


def _bib_author(name: str) -> str:
    escaped = latex_escape(name)
    return f"{{{escaped}}}" if re.search(r"\sand\s", name, re.I) else escaped


def _bib_entry(r: Record, outcome: Screened | None = None) -> str:
    kind = _BIB_TYPES.get(r.doc_type or "", "misc")
    fields: list[tuple[str, str]] = [
        ("author", " and ".join(_bib_author(a) for a in r.authors)),
        ("title", f"{{{latex_escape(r.title)}}}" if r.title else ""),
        ("year", str(r.year or "")),
        (_BIB_VENUE.get(kind, "howpublished"), latex_escape(r.venue or "")),
        ("volume", latex_escape(r.volume or "")),
        ("number", latex_escape(r.issue or "")),
        ("pages", latex_escape(r.pages or "")),
        ("publisher", latex_escape(r.publisher or "")),
        ("doi", r.doi or ""),
        ("eprint", r.arxiv_id or ""),
        ("archiveprefix", "arXiv" if r.arxiv_id else ""),
        ("pmid", r.pmid or ""),
        ("openalex", r.openalex_id or ""),
        ("s2id", r.s2_id or ""),
        ("dblp", r.dblp_key or ""),
        ("url", (r.url or "").replace("{", "%7B").replace("}", "%7D")),
        ("language", r.language or ""),
        ("type", r.doc_type or ""),
        ("keywords", latex_escape("; ".join(r.keywords))),
        ("abstract", latex_escape(r.abstract or "")),
    ]
    if outcome is not None:
        fields += [
            ("litsift_decision", outcome.decision),
            ("litsift_reason", latex_escape(outcome.reason or "")),
            ("litsift_stage", outcome.stage or ""),
        ]
    body = "".join(f"  {k} = {{{v}}},\n" for k, v in fields if v)
    return f"@{kind}{{{r.id},\n{body}}}\n"


def _bibtex(records: Sequence[Record], labels: Labels | None, outcomes: Outcomes | None) -> str:
    return "\n".join(_bib_entry(r, (outcomes or {}).get(r.id)) for r in _ordered(records))


# ------------------------------------------------------------------ RIS


def _ris_entry(r: Record, labels: Labels | None, outcome: Screened | None = None) -> str:
    lines = [("TY", _RIS_TYPES.get(r.doc_type or "", "GEN"))]
    lines += [("TI", r.title or "")] + [("AU", a) for a in r.authors]
    start, _, end = (r.pages or "").partition("-")
    lines += [
        ("PY", str(r.year or "")),
        ("T2", r.venue or ""),
        ("VL", r.volume or ""),
        ("IS", r.issue or ""),
        ("SP", start),
        ("EP", end),
        ("PB", r.publisher or ""),
        ("DO", r.doi or ""),
        ("LA", r.language or ""),
        ("M3", r.doc_type or ""),
        ("AB", r.abstract or ""),
        ("AN", r.id),
    ]
    lines += [("UR", u) for u in id_urls(r)] + [("KW", k) for k in r.keywords]
    if labels is not None:
        label = _label(labels, r.id)
        note = {"1": "relevant", "0": "irrelevant"}.get(label, "not_seen")
        lines.append(("N1", f"ASReview_{note}"))
    lines += [("N1", line) for line in outcome_lines(outcome)]
    body = "".join(f"{tag}  - {_one_line(value)}\n" for tag, value in lines if value)
    return body + "ER  - \n"


def _ris(records: Sequence[Record], labels: Labels | None, outcomes: Outcomes | None) -> str:
    out = outcomes or {}
    return "\n".join(_ris_entry(r, labels, out.get(r.id)) for r in _ordered(records))


def outcome_lines(outcome: Screened | None) -> list[str]:
    """'litsift-decision: exclude', 'litsift-reason: E2', 'litsift-stage: ...' (notes)."""
    if outcome is None:
        return []
    pairs = (("decision", outcome.decision), ("reason", outcome.reason), ("stage", outcome.stage))
    return [f"litsift-{k}: {v}" for k, v in pairs if v]


# ------------------------------------------------------------------ CSV


def _write_csv(columns: Sequence[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def _csv(records: Sequence[Record], labels: Labels | None, outcomes: Outcomes | None) -> str:
    out = outcomes or {}
    rows = [
        [
            r.id,
            r.title or "",
            r.abstract or "",
            "; ".join(r.authors),
            str(r.year or ""),
            r.venue or "",
            r.doi or "",
            r.arxiv_id or "",
            r.url or "",
            r.source,
            *_outcome_cells(out.get(r.id)),
        ]
        for r in _ordered(records)
    ]
    return _write_csv(CSV_COLUMNS, [[_one_line(c) for c in row] for row in rows])


def _outcome_cells(outcome: Screened | None) -> list[str]:
    if outcome is None:
        return ["", "", ""]
    return [outcome.decision, outcome.reason or "", outcome.stage or ""]


def _asreview(records: Sequence[Record], labels: Labels | None, outcomes: Outcomes | None) -> str:
    rows = [
        [
            r.id,
            r.title or "",
            r.abstract or "",
            "; ".join(r.authors),
            str(r.year or ""),
            r.doi or "",
            r.arxiv_id or "",
            r.pmid or "",
            r.url or "",
            _label(labels, r.id),
        ]
        for r in _ordered(records)
    ]
    return _write_csv(ASREVIEW_COLUMNS, [[_one_line(c) for c in row] for row in rows])


# ------------------------------------------------------------------ CSL-JSON (Zotero)

CSL_TYPES = {
    "article": "article-journal",
    "review": "article-journal",
    "erratum": "article-journal",
    "retraction": "article-journal",
    "editorial": "article-journal",
    "book-review": "review-book",
    "conference-paper": "paper-conference",
    "preprint": "article",  # what Zotero writes for its preprints
    "book": "book",
    "book-chapter": "chapter",
    "dataset": "dataset",
    "letter": "article-journal",
    "thesis": "thesis",
    "report": "report",
}


def _csl_author(name: str) -> dict[str, str]:
    family, sep, given = name.partition(", ")
    return {"family": family, "given": given} if sep and given else {"literal": name}


def _csl_item(r: Record, outcome: Screened | None) -> dict[str, object]:
    item: dict[str, object] = {"id": r.id, "type": CSL_TYPES.get(r.doc_type or "", "article")}
    for key, value in (
        ("title", r.title),
        ("container-title", r.venue),
        ("volume", r.volume),
        ("issue", r.issue),
        ("page", r.pages),
        ("publisher", r.publisher),
        ("language", r.language),
        ("abstract", r.abstract),
        ("DOI", r.doi),
        ("URL", r.url or next(iter(id_urls(r)), None)),
        ("PMID", r.pmid),
    ):
        if value:
            item[key] = _one_line(value) if key != "abstract" else value
    if r.arxiv_id:
        item["number"] = f"arXiv:{r.arxiv_id}"
    if r.authors:
        item["author"] = [_csl_author(a) for a in r.authors]
    if r.year:
        item["issued"] = {"date-parts": [[r.year]]}
    tags = [*r.keywords]
    if outcome is not None:
        tags.append(f"litsift:{outcome.decision}")
        tags += [
            f"litsift:{k}:{v}"
            for k, v in (("reason", outcome.reason), ("stage", outcome.stage))
            if v
        ]
    if tags:
        item["keyword"] = ", ".join(t.replace(",", " ") for t in tags)
    note = [
        f"{k}: {v}"
        for k, v in (("OpenAlex", r.openalex_id), ("S2ID", r.s2_id), ("DBLP", r.dblp_key))
        if v
    ]
    note += outcome_lines(outcome)
    if note:
        item["note"] = "\n".join(note)
    return item


def _csljson(records: Sequence[Record], labels: Labels | None, outcomes: Outcomes | None) -> str:
    out = outcomes or {}
    items = [_csl_item(r, out.get(r.id)) for r in _ordered(records)]
    # tab-indented, as Zotero writes it
    return json.dumps(items, ensure_ascii=False, indent="\t") + "\n"


_WRITERS: dict[str, Callable[[Sequence[Record], Labels | None, Outcomes | None], str]] = {
    "bibtex": _bibtex,
    "ris": _ris,
    "csv": _csv,
    "asreview": _asreview,
    "csljson": _csljson,
}


def export_records(
    records: Sequence[Record],
    fmt: str,
    labels: Mapping[str, int | None] | None = None,
    outcomes: Mapping[str, Screened] | None = None,
) -> str:
    """Records as text in `fmt`, sorted by id.

    `labels` (id -> 1/0/None) are ASReview's and RIS's label; `outcomes` (id -> Screened)
    the decision, reason and stage every format carries.
    """
    if fmt not in _WRITERS:
        raise LitsiftError(
            f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    return _WRITERS[fmt](records, labels, outcomes)
