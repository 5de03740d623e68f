"""The methods text and the PRISMA 2020 / PRISMA-S checklist answers, from recorded facts.

`MethodsFacts` holds only what the review folder records (protocol, search logs, import
results, deduplication links, screening agreement, taxonomy sizes); every sentence below is
a pure function of it, so the text changes only when the data does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from litsift.models import Protocol, SourceKind
from litsift.report.prisma import PrismaCounts
from litsift.report.tables import Table


@dataclass(frozen=True)
class ImportFact:
    source: str
    file: str
    format: str
    imported: int
    rejected: int


@dataclass(frozen=True)
class MethodsFacts:
    protocol: Protocol
    prisma: PrismaCounts
    per_source: Mapping[str, int]
    searches: Sequence[Mapping[str, Any]] = ()  # rows of litsift.search.search_summary
    imports: Sequence[ImportFact] = ()
    dedup_links: Mapping[str, int] = field(default_factory=dict)  # method -> links made
    agreement: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    screeners: Mapping[str, Sequence[str]] = field(default_factory=dict)  # stage -> reviewers
    classes: int = 0
    families: int = 0
    # the frozen version an updated review updates: (name, date frozen, records it had)
    previous_version: tuple[str, str, int] | None = None


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def search_paragraph(f: MethodsFacts) -> str:
    """Where and when the databases were searched, with the exact strings sent."""
    db = [s for s in f.protocol.sources if s.kind is SourceKind.DATABASE]
    runs = [r for r in f.searches if r.get("source") in {s.name for s in db}]
    if not runs:
        names = _join([s.platform or s.name for s in db]) or "no database"
        queries = _join(list(f.protocol.queries)) or "none"
        return (
            f"The protocol names {_plural(len(db), 'database')} ({names}) and the query files "
            f"{queries}; no database search is recorded in this review folder yet, so every "
            "record comes from other methods."
        )
    parts = [
        _search_sentence(r)
        for r in sorted(runs, key=lambda r: (str(r["source"]), str(r.get("query"))))
    ]
    start, end = f.protocol.date_range.start, f.protocol.date_range.end
    return f"Searches were limited to {start}-{end}. " + "; ".join(parts) + "."


def _search_sentence(r: Mapping[str, Any]) -> str:
    where = r.get("platform") or r.get("source")
    when = r.get("date") or "an unrecorded date"
    query = r.get("query_sent") or r.get("query")
    if snap := r.get("snapshot"):  # a local snapshot: its release, and the query as written
        where = f"{where} (release {snap.get('release_date')}, {snap.get('engine')})"
        query = r.get("query_written") or query
    found = f"{r.get('hits')} hits, {r.get('retrieved')} records retrieved"
    return f"{where} was searched on {when} with the query \u201c{query}\u201d ({found})"


def other_methods_paragraph(f: MethodsFacts) -> str:
    """Records from other methods and imported export files."""
    lines = []
    for s in f.protocol.sources:
        if s.kind is SourceKind.DATABASE:
            continue
        n = f.per_source.get(s.name, 0)
        arm = {
            SourceKind.CITATION: "citation searching",
            SourceKind.PREVIOUS: "the previous version of the review",
        }.get(s.kind, "other methods")
        lines.append(f"{s.platform or s.name} ({arm}) contributed {_plural(n, 'record')}.")
    files = [
        f"{i.file} ({i.format}, {i.imported} imported, {i.rejected} rejected)"
        for i in sorted(f.imports, key=lambda i: (i.source, i.file))
    ]
    if files:
        lines.append(f"Export files imported: {_join(files)}.")
    return " ".join(lines)


def dedup_paragraph(f: MethodsFacts) -> str:
    """How duplicates were found and how many were removed."""
    p = f.prisma
    links = [f"{n} by {method}" for method, n in sorted(f.dedup_links.items())]
    how = f" ({_join(links)})" if links else ""
    return (
        f"{_plural(p.identified, 'record')} were identified. Deduplication matched persistent "
        "identifiers (DOI, arXiv, PubMed, OpenAlex, Semantic Scholar, DBLP) first, then fuzzy "
        "matching of title, authors, year and venue, with uncertain pairs decided by a human; "
        f"it removed {_plural(p.duplicates_removed, 'duplicate record')}{how}."
    )


def screening_paragraph(f: MethodsFacts) -> str:
    """Automatic eligibility, dual screening and agreement figures, and the flow counts."""
    pr, p = f.protocol, f.prisma
    per = pr.screening.reviewers_per_record
    agree = []
    for stage, fig in sorted(f.agreement.items()):
        if not stage.startswith("agreement "):
            continue
        stats = "; ".join(f"{k} {v}" for k, v in fig.items() if k != "records rated twice or more")
        rated = fig.get("records rated twice or more")
        agree.append(f"{stage.removeprefix('agreement ')} ({rated} records rated twice: {stats})")
    agreement = (
        " Agreement between reviewers, with 95% bootstrap intervals: " + "; ".join(agree) + "."
        if agree
        else " No record was rated by two reviewers, so no agreement figure is reported."
    )
    return (
        f"Automatic eligibility rules (years {pr.date_range.start}-{pr.date_range.end}, "
        f"languages {', '.join(pr.languages)}) marked {p.ineligible_automation} records "
        f"ineligible. {p.screened} records were screened on title and abstract "
        f"{_who(f.screeners.get('title-abstract', ()), per)} against "
        f"{_plural(len(pr.criteria), 'coded criterion', 'coded criteria')}; "
        f"{p.excluded_screening} were excluded, {p.assessed} reports were assessed in full text, "
        f"{p.excluded_full_text} excluded with reasons, and {p.included_studies} studies "
        f"({p.included_reports} reports) were included." + agreement
    )


def _who(reviewers: Sequence[str], per: int) -> str:
    """'by 2 reviewers (ann, bo; 2 per record, blind, conflicts adjudicated)'."""
    if not reviewers:
        return "(no reviewer decision recorded yet)"
    names = ", ".join(reviewers)
    if per >= 2:
        return (
            f"by {_plural(len(reviewers), 'reviewer')} ({names}; {per} per record, "
            "blind, conflicts adjudicated)"
        )
    return f"by {_plural(len(reviewers), 'reviewer')} ({names}; one reviewer per record)"


def tagging_paragraph(f: MethodsFacts) -> str:
    classes = _plural(f.classes, "class", "classes")
    families = _plural(f.families, "technique family", "technique families")
    return (
        f"Included studies were classified into the taxonomy in {f.protocol.taxonomy} "
        f"({classes}, {families}) by indicator-term matching with recorded evidence, "
        "confirmed or overridden by reviewers."
    )


def update_paragraph(f: MethodsFacts) -> str:
    """What an updated review carries over from its previous version."""
    p = f.prisma
    text = (
        f"This is an updated review: {_plural(p.previous_studies, 'study', 'studies')} "
        f"({_plural(p.previous_reports, 'report')}) come from its previous version"
    )
    if f.previous_version is None:
        return text + "."
    name, frozen, records = f.previous_version
    return (
        f"{text}, '{name}', frozen on {frozen} with {_plural(records, 'record')} identified. "
        "Only records identified since then enter the new-studies flow; those that duplicate "
        "a record of the previous version are counted as duplicates removed."
    )


def methods_paragraphs(f: MethodsFacts) -> list[str]:
    """The methods section, one paragraph per step (empty paragraphs left out)."""
    paras = [
        search_paragraph(f),
        other_methods_paragraph(f),
        dedup_paragraph(f),
        screening_paragraph(f),
        tagging_paragraph(f),
    ]
    if f.prisma.has_previous_arm:
        paras.insert(2, update_paragraph(f))
    return [p for p in paras if p]


# --------------------------------------------------------------------------- checklists


def checklist(f: MethodsFacts) -> Table:
    """PRISMA 2020 and PRISMA-S items the recorded data answers (others say so)."""
    p, pr = f.prisma, f.protocol
    db = [s.platform or s.name for s in pr.sources if s.kind is SourceKind.DATABASE]
    other = [s.platform or s.name for s in pr.sources if s.kind is not SourceKind.DATABASE]
    dates = sorted({str(r.get("date")) for r in f.searches if r.get("date")})
    strings = sorted({str(r.get("query_sent")) for r in f.searches if r.get("query_sent")})
    none = "not recorded in the review folder"
    reasons = ", ".join(f"{k} {n}" for k, n in sorted(p.excluded_full_text_reasons.items()))
    rows = [
        (
            "PRISMA 2020",
            "5",
            "Eligibility criteria",
            "; ".join(f"{c.code}: {c.text}" for c in pr.criteria),
        ),
        ("PRISMA 2020", "6", "Information sources", _join(db + other) or none),
        ("PRISMA 2020", "6", "Date last searched", dates[-1] if dates else none),
        ("PRISMA 2020", "7", "Search strategy", " | ".join(strings) or none),
        (
            "PRISMA 2020",
            "8",
            "Selection process",
            "title/abstract "
            + _who(f.screeners.get("title-abstract", ()), pr.screening.reviewers_per_record)
            + "; full text "
            + _who(f.screeners.get("full-text", ()), pr.screening.reviewers_per_record)
            + "; automatic eligibility rules",
        ),
        ("PRISMA 2020", "16a", "Results of the search and selection", _flow(p)),
        ("PRISMA 2020", "16b", "Reports excluded at full text, with reasons", reasons or "none"),
        ("PRISMA-S", "1", "Database name", _join(db) or none),
        ("PRISMA-S", "5", "Citation searching", _arm_answer(f, SourceKind.CITATION)),
        ("PRISMA-S", "7", "Other methods", _arm_answer(f, SourceKind.OTHER)),
        ("PRISMA-S", "8", "Full search strategies", " | ".join(strings) or none),
        (
            "PRISMA-S",
            "9",
            "Limits and restrictions",
            f"years {pr.date_range.start}-{pr.date_range.end}; languages {', '.join(pr.languages)}",
        ),
        (
            "PRISMA-S",
            "12",
            "Updates",
            f"previous version: {p.previous_studies} studies"
            if p.has_previous_arm
            else "not an update",
        ),
        ("PRISMA-S", "13", "Dates of searches", ", ".join(dates) or none),
        (
            "PRISMA-S",
            "15",
            "Total records",
            f"{p.identified} identified: " + ", ".join(f"{k} {v}" for k, v in f.per_source.items()),
        ),
        (
            "PRISMA-S",
            "16",
            "Deduplication",
            f"{p.duplicates_removed} duplicates removed; identifiers then fuzzy matching",
        ),
    ]
    return Table("checklist", ("checklist", "item", "topic", "answer from the data"), tuple(rows))


def _flow(p: PrismaCounts) -> str:
    return (
        f"{p.identified} identified, {p.removed} removed before screening, {p.screened} "
        f"screened, {p.assessed} assessed, {p.total_studies} studies included"
    )


def _arm_answer(f: MethodsFacts, kind: SourceKind) -> str:
    names = [
        f"{s.platform or s.name} ({f.per_source.get(s.name, 0)} records)"
        for s in f.protocol.sources
        if s.kind is kind
    ]
    return _join(names) or "not used"
