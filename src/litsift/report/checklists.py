"""The PRISMA 2020, PRISMA 2020 for Abstracts and PRISMA-S checklists, answered from the data.

Each item is answered from the review's files where they can answer it (sources and dates,
the search strings as sent, limits, deduplication counts, who screened and how, automation,
exclusion reasons with counts, the flow) and is marked "to be written by the authors" where
they cannot (rationale, risk of bias, certainty, funding, ...). Item numbers and topics are
those of the published checklists (Page et al. 2021, BMJ 372:n71; Rethlefsen et al. 2021,
Syst Rev 10:39); the one-line summaries of what each item asks are litsift's own wording,
so read the checklists themselves for the full item text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from litsift.models import SourceKind
from litsift.report.methods import KIND_NAMES, MethodsFacts, join_words, plural, screeners_phrase
from litsift.report.tables import Table

AUTHORS = "to be written by the authors"
FROM_DATA = "from the data"
PARTLY = "partly from the data"

Answer = Callable[[MethodsFacts], str] | None


@dataclass(frozen=True)
class Item:
    number: str
    section: str
    topic: str
    asks: str  # our one-line summary of the item
    answer: Answer = None
    partial: bool = False  # the data answers part of it; the authors complete it


@dataclass(frozen=True)
class Checklist:
    name: str  # file stem and table name
    title: str
    items: tuple[Item, ...]

    def table(self, f: MethodsFacts) -> Table:
        rows = []
        for it in self.items:
            text = it.answer(f) if it.answer else ""
            status = AUTHORS if not text else PARTLY if it.partial else FROM_DATA
            rows.append((it.number, it.section, it.topic, it.asks, status, text or "\u2014"))
        header = ("item", "section", "topic", "what it asks", "answered", "answer")
        return Table(self.name, header, tuple(rows))


# --------------------------------------------------------------------------- answers


def _db(f: MethodsFacts) -> list[str]:
    return [
        f"{s.platform or s.name} ({f.per_source.get(s.name, 0)} records)"
        for s in f.protocol.sources
        if s.kind is SourceKind.DATABASE
    ]


def _of(kind: SourceKind) -> Callable[[MethodsFacts], str]:
    def answer(f: MethodsFacts) -> str:
        names = [
            f"{s.platform or s.name} ({f.per_source.get(s.name, 0)} records)"
            + (f": {' '.join(s.description.split())}" if s.description else "")
            for s in f.protocol.sources
            if s.kind is kind
        ]
        return "; ".join(names) or f"no {KIND_NAMES[kind]} source was used"

    return answer


def _dates(f: MethodsFacts) -> list[str]:
    return sorted({str(r.get("date")) for r in f.searches if r.get("date")})


def _strings(f: MethodsFacts) -> str:
    rows = sorted(
        (str(r.get("platform") or r.get("source")), str(r.get("query_sent")))
        for r in f.searches
        if r.get("query_sent")
    )
    sent = [f"{where}: {q}" for where, q in rows]
    files = [i for i in f.imports if _kind(f, i.source) in (SourceKind.DATABASE,)]
    if files:
        sent.append(
            "records of "
            + join_words(sorted({i.source for i in files}))
            + " were imported from export files; the strings run there are not recorded"
        )
    return " | ".join(sent)


def _kind(f: MethodsFacts, source: str) -> SourceKind | None:
    s = f.protocol.source(source)
    return s.kind if s else None


def _sources(f: MethodsFacts) -> str:
    names = [
        f"{s.platform or s.name} ({KIND_NAMES[s.kind]})"
        for s in f.protocol.sources
        if s.kind is not SourceKind.PREVIOUS
    ]
    dates = _dates(f)
    last = f"; last searched {dates[-1]}" if dates else "; no search date is recorded"
    return join_words(names) + last


def _criteria(f: MethodsFacts) -> str:
    return "; ".join(f"{c.code} ({c.kind.value}): {c.text}" for c in f.protocol.criteria)


def _limits(f: MethodsFacts) -> str:
    pr = f.protocol
    parts = [
        f"years {pr.date_range.start}-{pr.date_range.end}",
        f"languages {', '.join(pr.languages)}",
    ]
    if pr.eligibility.exclude_types:
        parts.append("document types excluded: " + ", ".join(pr.eligibility.exclude_types))
    return "; ".join(parts) + " (applied as automatic eligibility rules)"


def _selection(f: MethodsFacts) -> str:
    per = f.protocol.screening.reviewers_per_record
    text = (
        "title/abstract "
        + screeners_phrase(
            f.screeners.get("title-abstract", ()), per, f.double_screened.get("title-abstract", 0)
        )
        + "; full text "
        + screeners_phrase(
            f.screeners.get("full-text", ()), per, f.double_screened.get("full-text", 0)
        )
        + f"; automation: eligibility rules marked {f.prisma.ineligible_automation} records "
        "ineligible; records offered for screening were ranked by litsift's prioritisation model"
    )
    adjudicated = sum(f.adjudicated.values())
    if adjudicated:
        text += f"; an adjudicator resolved {plural(adjudicated, 'conflict')}"
    return text


def _flow(f: MethodsFacts) -> str:
    p = f.prisma
    text = (
        f"{p.identified} records identified ({p.databases.identified} via databases and "
        f"registers, {p.other.identified} via other methods), {p.duplicates} duplicates and "
        f"{p.ineligible_automation} ineligible by automation removed, {p.screened} screened, "
        f"{p.excluded_screening} excluded, {p.assessed} assessed in full text, "
        f"{p.excluded_full_text} excluded, {p.included_studies} studies "
        f"({p.included_reports} reports) included"
    )
    if p.has_previous_arm:
        text += f"; with {p.previous_studies} previous studies, {p.total_studies} in total"
    return text + " (see the PRISMA flow diagram)"


def _ft_reasons(f: MethodsFacts) -> str:
    p = f.prisma
    reasons: dict[str, int] = {}
    for arm in (p.databases, p.other):
        for code, n in arm.excluded_full_text_reasons.items():
            reasons[code] = reasons.get(code, 0) + n
    listed = [f"{label}: {n}" for label, n in p.reasons(reasons)]
    return "; ".join(listed) or "no report was excluded at full text"


def _dedup(f: MethodsFacts) -> str:
    how = [f"{n} by {why}" for why, n in sorted(f.duplicate_reasons.items()) if n]
    return (
        f"{plural(f.prisma.duplicates, 'duplicate record')} removed"
        + (f" ({join_words(how)})" if how else "")
        + "; litsift matched persistent identifiers, then fuzzy title/author/year/venue "
        "matching, with uncertain pairs answered by a reviewer"
    )


def _totals(f: MethodsFacts) -> str:
    per = ", ".join(f"{k} {v}" for k, v in f.per_source.items())
    return f"{f.prisma.identified} records identified: {per}"


def _update(f: MethodsFacts) -> str:
    if not f.prisma.has_previous_arm:
        return "not an update of an earlier review"
    if f.previous_version:
        name, frozen, records = f.previous_version
        return (
            f"updates version '{name}' (frozen {frozen}, {records} records); new records come "
            "from re-run searches (`litsift search --update`) and new export files"
        )
    return f"updates a previous review whose {f.prisma.previous_studies} studies were imported"


def _citations(f: MethodsFacts) -> str:
    used = [s for s in f.protocol.sources if s.kind is SourceKind.CITATION]
    if not used:
        return "no citation searching"
    runs = [r for r in f.searches if r.get("source") in {s.name for s in used}]
    text = _of(SourceKind.CITATION)(f)
    if runs:
        text += "; backward and forward citations of the included studies were chased"
    return text


def _data_collection(f: MethodsFacts) -> str:
    if not f.kb_studies:
        return ""
    return (
        f"{plural(f.kb_studies, 'included study', 'included studies')} "
        "were abstracted by hand into the review's knowledge base, each with a record of how "
        "its facts were checked"
    )


def _data_items(f: MethodsFacts) -> str:
    if not f.kb_studies:
        return ""
    return (
        "classes and technique families of the taxonomy, systems, techniques, hardware, model "
        "scale, and quantitative results (metric, value, unit, baseline, setting)"
    )


def _synthesis_groups(f: MethodsFacts) -> str:
    if not f.tags.total:
        return ""
    return (
        f"studies were grouped by the taxonomy's {plural(f.classes, 'class', 'classes')} "
        f"and {plural(f.families, 'technique family', 'technique families')}"
    )


def _characteristics(f: MethodsFacts) -> str:
    return (
        "the table of included studies (tables/included) gives each study's year, venue, "
        "identifiers, classes, families and systems"
    )


def _results(f: MethodsFacts) -> str:
    if not f.kb_studies:
        return ""
    return "the knowledge base lists each study's reported results with their settings"


def _synthesis_results(f: MethodsFacts) -> str:
    if not f.tags.total:
        return ""
    return "studies per class and year, and per technique family (tables class-year, families)"


def _availability(f: MethodsFacts) -> str:
    version = f" {f.litsift_version}" if f.litsift_version else ""
    return (
        "every figure is regenerated from the review folder (review.yaml, queries/, data/: "
        f"search logs, imports, reviewer decisions, audit log) with litsift{version}"
    )


def _included(f: MethodsFacts) -> str:
    p = f.prisma
    return (
        f"{plural(p.total_studies, 'study', 'studies')} "
        f"({plural(p.total_reports, 'report')}) included"
    )


def _objectives(f: MethodsFacts) -> str:
    return f.protocol.question


def _title(f: MethodsFacts) -> str:
    return f"review.yaml title: \u201c{f.protocol.title}\u201d"


def _registries(f: MethodsFacts) -> str:
    return _of(SourceKind.REGISTER)(f)


def _online(f: MethodsFacts) -> str:
    return "; ".join(_of(k)(f) for k in (SourceKind.WEBSITE, SourceKind.ORGANISATION))


def _multi(f: MethodsFacts) -> str:
    if not _db(f):
        return "no database was searched"
    return "each database was searched (or exported) on its own platform: " + join_words(_db(f))


# --------------------------------------------------------------------------- the checklists

PRISMA_2020 = Checklist(
    "checklist-prisma2020",
    "PRISMA 2020 checklist",
    (
        Item("1", "Title", "Title", "Say in the title that this is a systematic review",
             _title, True),
        Item("2", "Abstract", "Abstract", "A structured abstract (see PRISMA 2020 for Abstracts)"),
        Item("3", "Introduction", "Rationale", "Why the review was needed"),
        Item("4", "Introduction", "Objectives", "The question(s) the review addresses",
             _objectives, True),
        Item("5", "Methods", "Eligibility criteria", "Inclusion and exclusion criteria and how "
             "studies were grouped", _criteria),
        Item("6", "Methods", "Information sources", "Every source searched or consulted, with "
             "the date last searched", _sources),
        Item("7", "Methods", "Search strategy", "The full search strategies, with limits",
             _strings, True),
        Item("8", "Methods", "Selection process", "Who screened, how many per record, "
             "independently or not, and automation tools used", _selection),
        Item("9", "Methods", "Data collection process", "How data were collected from reports",
             _data_collection, True),
        Item("10a", "Methods", "Data items", "The outcomes for which data were sought",
             _data_items, True),
        Item("10b", "Methods", "Data items", "Other variables for which data were sought",
             _data_items, True),
        Item("11", "Methods", "Study risk of bias assessment", "How risk of bias was assessed"),
        Item("12", "Methods", "Effect measures", "The effect measures used per outcome"),
        Item("13a", "Methods", "Synthesis methods", "How studies were chosen for each "
             "synthesis", _synthesis_groups, True),
        Item("13b", "Methods", "Synthesis methods", "How data were prepared for synthesis"),
        Item("13c", "Methods", "Synthesis methods", "How results were tabulated or displayed",
             _characteristics, True),
        Item("13d", "Methods", "Synthesis methods", "How results were synthesised"),
        Item("13e", "Methods", "Synthesis methods", "How heterogeneity was explored"),
        Item("13f", "Methods", "Synthesis methods", "Sensitivity analyses"),
        Item("14", "Methods", "Reporting bias assessment", "How bias from missing results was "
             "assessed"),
        Item("15", "Methods", "Certainty assessment", "How certainty in the evidence was "
             "assessed"),
        Item("16a", "Results", "Study selection", "The search and selection, ideally with a "
             "flow diagram", _flow),
        Item("16b", "Results", "Study selection", "Studies that seemed eligible but were "
             "excluded, and why", _ft_reasons, True),
        Item("17", "Results", "Study characteristics", "Each included study's characteristics",
             _characteristics, True),
        Item("18", "Results", "Risk of bias in studies", "Risk of bias of each study"),
        Item("19", "Results", "Results of individual studies", "Each study's results",
             _results, True),
        Item("20a", "Results", "Results of syntheses", "Characteristics and risk of bias of the "
             "studies in each synthesis", _synthesis_results, True),
        Item("20b", "Results", "Results of syntheses", "The results of each synthesis"),
        Item("20c", "Results", "Results of syntheses", "Investigations of heterogeneity"),
        Item("20d", "Results", "Results of syntheses", "Sensitivity analyses"),
        Item("21", "Results", "Reporting biases", "Risk of bias from missing results"),
        Item("22", "Results", "Certainty of evidence", "Certainty for each outcome"),
        Item("23a", "Discussion", "Discussion", "Interpretation in the context of other "
             "evidence"),
        Item("23b", "Discussion", "Discussion", "Limitations of the evidence"),
        Item("23c", "Discussion", "Discussion", "Limitations of the review processes"),
        Item("23d", "Discussion", "Discussion", "Implications for practice, policy and "
             "research"),
        Item("24a", "Other information", "Registration and protocol", "Registration name and "
             "number, or that it was not registered"),
        Item("24b", "Other information", "Registration and protocol", "Where the protocol can "
             "be found, or that none was prepared"),
        Item("24c", "Other information", "Registration and protocol", "Amendments to the "
             "registration or protocol"),
        Item("25", "Other information", "Support", "Sources of support and the funders' role"),
        Item("26", "Other information", "Competing interests", "The authors' competing "
             "interests"),
        Item("27", "Other information", "Availability of data, code and other materials",
             "Which data, code and materials are available, and where", _availability, True),
    ),
)  # fmt: skip

PRISMA_ABSTRACTS = Checklist(
    "checklist-prisma2020-abstracts",
    "PRISMA 2020 for Abstracts checklist",
    (
        Item("1", "Title", "Title", "Identify the report as a systematic review", _title, True),
        Item("2", "Background", "Objectives", "The main objective(s) or question(s)",
             _objectives, True),
        Item("3", "Methods", "Eligibility criteria", "Inclusion and exclusion criteria",
             _criteria),
        Item("4", "Methods", "Information sources", "Sources and the date each was last "
             "searched", _sources),
        Item("5", "Methods", "Risk of bias", "Methods used to assess risk of bias"),
        Item("6", "Methods", "Synthesis of results", "Methods used to present and synthesise "
             "results", _synthesis_groups, True),
        Item("7", "Results", "Included studies", "The number of included studies and "
             "participants, and their characteristics", _included, True),
        Item("8", "Results", "Synthesis of results", "Results for the main outcomes",
             _synthesis_results, True),
        Item("9", "Discussion", "Limitations of evidence", "Limitations of the evidence"),
        Item("10", "Discussion", "Interpretation", "General interpretation and implications"),
        Item("11", "Other", "Funding", "The main source of funding"),
        Item("12", "Other", "Registration", "Register name and registration number"),
    ),
)  # fmt: skip

PRISMA_S = Checklist(
    "checklist-prisma-s",
    "PRISMA-S checklist",
    (
        Item("1", "Information sources and methods", "Database name", "Each database searched, "
             "with its platform", lambda f: join_words(_db(f)) or "no database was searched"),
        Item("2", "Information sources and methods", "Multi-database searching", "Databases "
             "searched together on one platform", _multi),
        Item("3", "Information sources and methods", "Study registries", "Study registries "
             "searched", _registries),
        Item("4", "Information sources and methods", "Online resources and browsing", "Web "
             "sites, proceedings or other sources browsed, and how", _online),
        Item("5", "Information sources and methods", "Citation searching", "Whether cited or "
             "citing references were examined, and how", _citations),
        Item("6", "Information sources and methods", "Contacts", "Whether authors or experts "
             "were contacted"),
        Item("7", "Information sources and methods", "Other methods", "Any other sources or "
             "search methods"),
        Item("8", "Search strategies", "Full search strategies", "Every search strategy, "
             "exactly as run", _strings, True),
        Item("9", "Search strategies", "Limits and restrictions", "The limits applied, and "
             "why", _limits, True),
        Item("10", "Search strategies", "Search filters", "Published search filters used"),
        Item("11", "Search strategies", "Prior work", "Search strategies reused from other "
             "reviews"),
        Item("12", "Search strategies", "Updates", "How the search was updated", _update),
        Item("13", "Search strategies", "Dates of searches", "When each search was last run",
             lambda f: ", ".join(_dates(f))),
        Item("14", "Peer review", "Peer review", "How the search strategies were peer "
             "reviewed"),
        Item("15", "Managing records", "Total records", "Records found in each source",
             _totals),
        Item("16", "Managing records", "Deduplication", "How duplicates were removed, and "
             "with what", _dedup),
    ),
)  # fmt: skip

CHECKLISTS = (PRISMA_2020, PRISMA_ABSTRACTS, PRISMA_S)


def tables(f: MethodsFacts) -> list[Table]:
    """The three checklists, answered from the data."""
    return [c.table(f) for c in CHECKLISTS]
