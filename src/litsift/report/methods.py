"""The methods text, generated from facts the review folder records.

`MethodsFacts` holds only what the data says (protocol, search logs, import results,
deduplication, screening, tags, versions); each sentence below is a pure function of it, and
a sentence is written only for something that happened: no "titles and abstracts" when no
record had an abstract, no "reviewed tags" when no reviewer tag file exists, no "database
search" when the database records came from export files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from litsift.models import Protocol, SourceKind
from litsift.report.flow import ArmFlow, PrismaFlow

if TYPE_CHECKING:
    from litsift.screen.stopping import StopTest


@dataclass(frozen=True)
class ImportFact:
    source: str
    file: str
    format: str
    imported: int
    rejected: int


@dataclass(frozen=True)
class TagFacts:
    """Where the classes and families in the tables come from."""

    curated: int = 0  # studies whose tags are the knowledge base's curated ones
    reviewed: int = 0  # studies with a reviewer's override in data/tags/
    automatic: int = 0  # studies with the tagger's automatic tags only
    reviewers: tuple[str, ...] = ()  # reviewers with a tag file

    @property
    def total(self) -> int:
        return self.curated + self.reviewed + self.automatic


@dataclass(frozen=True)
class MethodsFacts:
    protocol: Protocol
    prisma: PrismaFlow
    per_source: Mapping[str, int]
    searches: Sequence[Mapping[str, Any]] = ()  # rows of litsift.search.search_summary
    imports: Sequence[ImportFact] = ()
    # why each removed duplicate was removed: "shared identifier", "fuzzy matching", ...
    duplicate_reasons: Mapping[str, int] = field(default_factory=dict)
    agreement: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    screeners: Mapping[str, Sequence[str]] = field(default_factory=dict)  # stage -> reviewers
    double_screened: Mapping[str, int] = field(default_factory=dict)  # stage -> records
    adjudicated: Mapping[str, int] = field(default_factory=dict)  # stage -> records
    with_abstract: int = 0  # records screened that had an abstract
    classes: int = 0
    families: int = 0
    tags: TagFacts = TagFacts()
    kb_studies: int = 0
    # the frozen version an updated review updates: (name, date frozen, records it had)
    previous_version: tuple[str, str, int] | None = None
    meta_analysis_file: str = ""
    litsift_version: str = ""
    stopping: StopTest | None = None  # the stopping test where screening stands (issue 13)


def join_words(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(n: int, word: str, many: str = "") -> str:
    """'1 record', '2 records'; `many` for irregular plurals."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


KIND_NAMES = {
    SourceKind.DATABASE: "database",
    SourceKind.REGISTER: "register",
    SourceKind.WEBSITE: "website",
    SourceKind.ORGANISATION: "organisation",
    SourceKind.CITATION: "citation searching",
    SourceKind.PREVIOUS: "previous version of the review",
}


# --------------------------------------------------------------------------- identification


def search_paragraph(f: MethodsFacts) -> str:
    """The databases and registers: searched through their API, or exports imported."""
    arm = [s for s in f.protocol.sources if s.kind in (SourceKind.DATABASE, SourceKind.REGISTER)]
    if not arm:
        return ""
    runs = {str(r.get("source")): r for r in f.searches}
    searched = [r for r in f.searches if r.get("source") in {s.name for s in arm}]
    sentences = []
    if searched:
        start, end = f.protocol.date_range.start, f.protocol.date_range.end
        parts = [
            _search_sentence(r)
            for r in sorted(searched, key=lambda r: (str(r["source"]), str(r.get("query"))))
        ]
        sentences.append(f"Searches were limited to {start}-{end}. " + "; ".join(parts) + ".")
    by_source: dict[str, list[ImportFact]] = {}
    for i in f.imports:
        by_source.setdefault(i.source, []).append(i)
    for s in arm:
        files = by_source.get(s.name, [])
        if files:
            sentences.append(_export_sentence(s.platform or s.name, s.description, files))
    silent = [s.platform or s.name for s in arm if s.name not in runs and s.name not in by_source]
    if silent:
        sentences.append(
            f"The protocol also names {join_words(silent)}; no search of "
            f"{'it' if len(silent) == 1 else 'them'} and no export from "
            f"{'it' if len(silent) == 1 else 'them'} is recorded in the review folder."
        )
    return " ".join(sentences)


def _search_sentence(r: Mapping[str, Any]) -> str:
    where = r.get("platform") or r.get("source")
    when = r.get("date") or "an unrecorded date"
    query = r.get("query_sent") or r.get("query")
    if r.get("status") == "translated":  # a string litsift printed, searched by hand
        found = f"searched through the database's own interface; export imported as {r['source']}"
        return f"{where} was searched on {when} with the string \u201c{query}\u201d ({found})"
    if snap := r.get("snapshot"):  # a local snapshot: its release, and the query as written
        where = f"{where} (release {snap.get('release_date')}, {snap.get('engine')})"
        query = r.get("query_written") or query
    hits, got = int(r.get("hits") or 0), int(r.get("retrieved") or 0)
    found = f"{plural(hits, 'hit')}, {plural(got, 'record')} retrieved"
    return f"{where} was searched on {when} with the query \u201c{query}\u201d ({found})"


def _export_sentence(where: str, description: str, files: Sequence[ImportFact]) -> str:
    total = sum(i.imported for i in files)
    names = join_words(
        [
            f"{i.file} ({i.format}, {i.imported} imported"
            + (f", {i.rejected} rejected" if i.rejected else "")
            + ")"
            for i in sorted(files, key=lambda i: i.file)
        ]
    )
    text = (
        f"Records exported from {where} were imported from "
        f"{plural(len(files), 'file')}: {names}, {plural(total, 'record')} in all."
    )
    return text + (f" {_sentence(description)}" if description else "")


def other_methods_paragraph(f: MethodsFacts) -> str:
    """Websites, organisations and citation searching, with what each contributed."""
    lines = []
    run = {str(r.get("source")) for r in f.searches}
    for s in f.protocol.sources:
        if s.kind.arm is None or s.kind in (SourceKind.DATABASE, SourceKind.REGISTER):
            continue
        n = f.per_source.get(s.name, 0)
        kind = KIND_NAMES[s.kind].replace(" ", "-")
        name = f"{s.platform or s.name}, a {kind} source,"
        if n == 0 and s.name not in run:
            lines.append(f"{name} is named in the protocol; no record from it is recorded yet.")
            continue
        line = f"{name} contributed {plural(n, 'record')}."
        lines.append(line + (f" {_sentence(s.description)}" if s.description else ""))
    return " ".join(lines)


def _sentence(text: str) -> str:
    text = " ".join(text.split()).replace("`", "")
    return text if text.endswith((".", "!", "?")) else text + "."


def update_paragraph(f: MethodsFacts) -> str:
    """What an updated review carries over from its previous version."""
    p = f.prisma
    text = (
        f"This is an updated review: {plural(p.previous_studies, 'study', 'studies')} "
        f"({plural(p.previous_reports, 'report')}) come from its previous version"
    )
    if f.previous_version is not None:
        name, frozen, records = f.previous_version
        text += f", '{name}', frozen on {frozen} with {plural(records, 'record')} identified"
    new = [f"{plural(a.identified, 'record')} via {a.label}" for a in (p.databases, p.other)]
    return (
        f"{text}. Since then {join_words(new)} {_were(p.identified)} identified; only those enter "
        "the new-studies flow, and those that duplicate a record of the previous version are "
        "counted as duplicates removed."
    )


# --------------------------------------------------------------------------- deduplication


def dedup_paragraph(f: MethodsFacts) -> str:
    """How duplicates were found, how many each way, and the rule between the two arms."""
    p = f.prisma
    reasons = [f"{n} by {why}" for why, n in sorted(f.duplicate_reasons.items()) if n]
    how = f" ({join_words(reasons)})" if reasons else ""
    text = (
        f"{plural(p.identified, 'record')} {_were(p.identified)} identified. Deduplication "
        "matched persistent identifiers (DOI, arXiv, PubMed, OpenAlex, Semantic Scholar, "
        "DBLP) first, then title, authors, year and venue by fuzzy matching, and left "
        "uncertain pairs to a human; it removed "
        f"{plural(p.duplicates, 'duplicate record')}{how}."
    )
    if p.other.identified and p.databases.identified:
        text += (
            " A report found by both arms counts once, in the databases-and-registers arm; "
            "its other-methods records are counted as duplicates of that arm's record "
            f"({plural(p.other.cross_duplicates, 'such record')})."
        )
    return text


# --------------------------------------------------------------------------- screening


def screening_paragraph(f: MethodsFacts) -> str:
    """Automatic eligibility, who screened what on which text, and the flow per arm."""
    pr, p = f.protocol, f.prisma
    parts = [_automation_sentence(f)]
    on = _screened_on(f.with_abstract, p.screened)
    parts.append(
        f"{plural(p.screened, 'record')} {_were(p.screened)} screened {on} "
        f"{_screeners(f, 'title-abstract')} against "
        f"{plural(len(pr.criteria), 'coded criterion', 'coded criteria')}; "
        f"{p.excluded_screening} {_were(p.excluded_screening)} excluded."
    )
    parts.append(
        f"{plural(p.assessed, 'report')} {_were(p.assessed)} assessed in full text "
        f"{_screeners(f, 'full-text')}, "
        f"{p.excluded_full_text} excluded with reasons, and "
        f"{plural(p.included_studies, 'study', 'studies')} "
        f"({plural(p.included_reports, 'report')}) {_were(p.included_studies)} included."
    )
    arms = [_arm_flow(a) for a in (p.databases, p.other) if a.identified]
    if len(arms) == 2:
        parts.append("By arm: " + "; ".join(arms) + ".")
    adjudicated = [
        f"{plural(n, 'record')} at {stage}" for stage, n in sorted(f.adjudicated.items()) if n
    ]
    if adjudicated:
        parts.append(f"An adjudicator resolved {join_words(adjudicated)}.")
    parts.append(_agreement_sentence(f))
    if f.meta_analysis_file and p.meta_analysis is not None:
        studies, reports = p.meta_analysis
        parts.append(
            f"The meta-analysis pools {plural(studies, 'study', 'studies')} "
            f"({plural(reports, 'report')}), listed in {f.meta_analysis_file}."
        )
    return " ".join(x for x in parts if x)


def _automation_sentence(f: MethodsFacts) -> str:
    p, rules = f.prisma, f.protocol.eligibility
    applied = []
    if rules.years:
        applied.append(f"publication years {rules.years.start}-{rules.years.end}")
    if rules.languages:
        applied.append(
            f"language {' or '.join(rules.languages)} (records with no language recorded pass)"
        )
    if rules.exclude_types:
        applied.append(f"document types {join_words(list(rules.exclude_types))} excluded")
    needs = [
        w
        for w, on in (("a title", rules.require_title), ("an abstract", rules.require_abstract))
        if on
    ]
    if needs:
        applied.append(" and ".join(needs) + " required")
    if not applied:
        return ""
    by_rule: dict[str, int] = {}
    for arm in (p.databases, p.other):
        for rule, n in arm.ineligible_reasons.items():
            by_rule[rule] = by_rule.get(rule, 0) + n
    detail = "; ".join(f"{rule}: {n}" for rule, n in sorted(by_rule.items()) if n)
    n = p.ineligible_automation
    return (
        f"Automatic eligibility rules ({'; '.join(applied)}) marked {plural(n, 'record')} as "
        f"ineligible before screening" + (f" ({detail})." if detail else ".")
    )


def _screened_on(with_abstract: int, screened: int) -> str:
    if screened == 0:
        return "on title and abstract"
    if with_abstract == 0:
        return "on their titles (no record had an abstract)"
    if with_abstract == screened:
        return "on title and abstract"
    return (
        f"on title and abstract ({with_abstract} of {screened} had an abstract; "
        "the others on title alone)"
    )


def _arm_flow(a: ArmFlow) -> str:
    return (
        f"{a.label}: {a.identified} identified, {a.removed} removed before screening, "
        f"{a.screened} screened, {a.assessed} assessed, {plural(a.included_reports, 'report')} "
        "included"
    )


def _agreement_sentence(f: MethodsFacts) -> str:
    agree = []
    for stage, fig in sorted(f.agreement.items()):
        if not stage.startswith("agreement "):
            continue
        stats = "; ".join(f"{k} {v}" for k, v in fig.items() if k != "records rated twice or more")
        rated = fig.get("records rated twice or more")
        agree.append(f"{stage.removeprefix('agreement ')} ({rated} records rated twice: {stats})")
    if agree:
        text = (
            "Agreement between reviewers, with 95% bootstrap intervals: " + "; ".join(agree) + "."
        )
        return text
    return "No record was rated by two reviewers, so no agreement figure is reported."


def _screeners(f: MethodsFacts, stage: str) -> str:
    per = f.protocol.screening.reviewers_per_record
    return screeners_phrase(f.screeners.get(stage, ()), per, f.double_screened.get(stage, 0))


def screeners_phrase(reviewers: Sequence[str], per: int, double: int = 0) -> str:
    """'by 2 reviewers (ann, bo; 2 per record, blind, conflicts adjudicated)'; with one
    reviewer per record, `double` says how many records a second reviewer also screened
    (a sample checked for agreement)."""
    if not reviewers:
        return "(no reviewer decision recorded yet)"
    names = ", ".join(reviewers)
    if per >= 2:
        return (
            f"by {plural(len(reviewers), 'reviewer')} ({names}; {per} per record, "
            "blind, conflicts adjudicated)"
        )
    sample = f", {double} of them also by a second reviewer, independently" if double else ""
    return f"by {plural(len(reviewers), 'reviewer')} ({names}; one reviewer per record{sample})"


# --------------------------------------------------------------------------- tagging


def tagging_paragraph(f: MethodsFacts) -> str:
    """Where the classes and families of the tables come from, study by study."""
    t = f.tags
    if t.total == 0:
        return ""
    classes = plural(f.classes, "class", "classes")
    families = plural(f.families, "technique family", "technique families")
    parts = []

    def studies(n: int) -> str:
        return f"{plural(n, 'study', 'studies')} {_carry(n)}"

    if t.curated:
        parts.append(
            f"{studies(t.curated)} the classes and families curated by hand in the knowledge base"
        )
    if t.reviewed:
        parts.append(
            f"{studies(t.reviewed)} automatic tags confirmed or "
            f"overridden by {join_words(list(t.reviewers))}"
        )
    if t.automatic:
        parts.append(
            f"{studies(t.automatic)} automatic tags (indicator terms "
            "matched in the record, with the evidence recorded) that no reviewer checked"
        )
    return (
        f"Included studies were classified into the taxonomy in {f.protocol.taxonomy} "
        f"({classes}, {families}): " + "; ".join(parts) + ". The tables and plots use these tags."
    )


def _carry(n: int) -> str:
    return "carries" if n == 1 else "carry"


def methods_paragraphs(f: MethodsFacts) -> list[str]:
    """The methods section, one paragraph per step (empty paragraphs left out)."""
    paras = [
        search_paragraph(f),
        other_methods_paragraph(f),
        dedup_paragraph(f),
        screening_paragraph(f),
        f.stopping.sentence() if f.stopping and f.stopping.configured else "",
        tagging_paragraph(f),
    ]
    if f.prisma.has_previous_arm:
        paras.insert(2, update_paragraph(f))
    return [p for p in paras if p]
