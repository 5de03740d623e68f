"""The runner: reads the review folder, calls each stage's pure function, writes build/.

Stages never touch files themselves (STYLE.md #1); this module is where the review folder
meets them. `run` executes every stage in order; `run(review, until=...)` stops early.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from litsift import dedup, importers, kb, screen, search, tag
from litsift.errors import ConsistencyError, InputError
from litsift.models import KBEntry, Record, SourceKind
from litsift.report import ReportData, write_report, write_text
from litsift.report.prisma import PrismaCounts, SourceCount
from litsift.report.tables import IncludedRow
from litsift.review import Review

log = logging.getLogger(__name__)

STAGES = ("import", "search", "dedup", "screen", "tag", "report", "kb")


@dataclass(frozen=True)
class Identification:
    records: tuple[Record, ...]
    imports: tuple[importers.ImportResult, ...]
    per_source: dict[str, int]


@dataclass
class RunResult:
    identification: Identification
    dedup: dedup.DedupResult | None = None
    screening: screen.ScreeningResult | None = None
    tags: dict[str, tag.StudyTags] = field(default_factory=dict)
    kb_entries: tuple[KBEntry, ...] = ()
    kb_links: dict[str, str] = field(default_factory=dict)
    prisma: PrismaCounts | None = None
    written: list[Path] = field(default_factory=list)
    new_uncertain_pairs: int = 0
    audit_events: int = 0

    def summary(self) -> list[tuple[str, str]]:
        """(stage, one-line count summary) for the CLI."""
        ident = self.identification
        lines = [
            (
                "identify",
                f"{len(ident.records)} records from {len(ident.per_source)} "
                f"sources ({', '.join(f'{k} {v}' for k, v in ident.per_source.items())})",
            )
        ]
        if self.dedup:
            d = self.dedup
            lines.append(
                (
                    "dedup",
                    f"{len(d.clusters)} records after removing "
                    f"{d.duplicates_removed} duplicates; {d.studies} studies; "
                    f"{len(d.uncertain)} uncertain pairs",
                )
            )
        if self.prisma:
            p = self.prisma
            lines.append(
                (
                    "screen",
                    f"{p.ineligible_automation} ineligible by automation, "
                    f"{p.screened} screened, {p.excluded_screening} excluded, "
                    f"{p.assessed} assessed, {p.included_reports} reports included, "
                    f"{p.pending_screening + p.pending_full_text} pending",
                )
            )
        if self.tags:
            by_class = Counter(c for t in self.tags.values() for c in t.class_ids())
            lines.append(
                (
                    "tag",
                    f"{len(self.tags)} studies tagged ("
                    + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items()))
                    + ")",
                )
            )
        if self.written:
            lines.append(("report", f"{len(self.written)} files written under build/"))
        return lines


# --------------------------------------------------------------------------- identification


def identify(review: Review) -> Identification:
    """Import every export file under data/imports/<source>/ and the retrieved search records."""
    protocol = review.protocol
    results: list[importers.ImportResult] = []
    if review.imports_dir.is_dir():
        for folder in sorted(p for p in review.imports_dir.iterdir() if p.is_dir()):
            source = protocol.source(folder.name)
            if source is None:
                raise InputError(
                    folder, f"source '{folder.name}' is not declared in review.yaml `sources`"
                )
            for path in sorted(p for p in folder.iterdir() if _is_export(p)):
                results.append(importers.read_file(path, source=source.name))
    records: list[Record] = [r for res in results for r in res.records]
    for name, recs in sorted(search.retrieved_records(review).items()):
        if protocol.source(name) is None:
            raise InputError(
                review.search_dir,
                f"records of source '{name}' but no such source in review.yaml `sources`",
            )
        records.extend(recs)
    per_source = {s.name: 0 for s in protocol.sources}
    for rec in records:
        per_source[rec.source] = per_source.get(rec.source, 0) + 1
    return Identification(tuple(records), tuple(results), per_source)


def _is_export(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".") and path.suffix.lower() != ".md"


# --------------------------------------------------------------------------- the pipeline


def run(review: Review, until: str | None = None) -> RunResult:
    """Run the stages in order (up to and including `until`) and write build/."""
    if until is not None and until not in STAGES:
        raise InputError(review.protocol_path, f"unknown stage '{until}'")
    result = RunResult(identify(review))
    if until in ("import", "search"):
        return result
    records = result.identification.records
    answers = dedup.load_answers(_pairs_path(review))
    result.dedup = dedup.deduplicate(records, answers=answers)
    by_id = {c.id: c.canonical for c in result.dedup.clusters}
    if result.dedup.uncertain:
        result.new_uncertain_pairs = dedup.append_uncertain(
            _pairs_path(review), result.dedup.uncertain, {r.id: r for r in records} | by_id
        )
    if until == "dedup":
        return result
    aliases = _aliases(result.dedup)
    state = screen.load_state(review, aliases)
    result.audit_events = screen.sync_audit(review, state, "litsift")
    canonical = [c.canonical for c in result.dedup.clusters]
    result.screening = screen.screen(canonical, review.protocol, state)
    result.prisma = prisma_counts(review, result)
    result.prisma.check()
    if until == "screen":
        return result
    result.kb_entries = tuple(kb.load_entries(review.kb_dir, review.taxonomy))
    included = included_records(result)
    result.kb_links = kb.link_records(result.kb_entries, included)
    result.tags = tag_studies(review, included, result.kb_entries, result.kb_links)
    if until == "tag":
        return result
    result.written = write_report(
        report_data(review, result), review.build / "report", [review.templates_dir]
    )
    if until == "report":
        return result
    result.written.append(kb.build(result.kb_entries, result.kb_links, review.build / "kb.sqlite"))
    result.written.append(_write_clusters(review, result))
    return result


def _pairs_path(review: Review) -> Path:
    return review.dedup_dir / "pairs.yaml"


def _aliases(result: dedup.DedupResult) -> dict[str, str]:
    return {m.record_id: c.id for c in result.clusters for m in c.members}


def included_records(result: RunResult) -> list[Record]:
    assert result.dedup is not None and result.screening is not None
    included = set(result.screening.included_ids())
    return [c.canonical for c in result.dedup.clusters if c.id in included]


def tag_studies(
    review: Review, included: Sequence[Record], entries: Sequence[KBEntry], links: dict[str, str]
) -> dict[str, tag.StudyTags]:
    """Tag every included study, then apply reviewers' overrides from data/tags/."""
    kb_by_record = {links[e.key]: e for e in entries if e.key in links}
    overrides = tag.load_overrides(
        review.tags_dir, review.protocol, review.taxonomy, {r.id for r in included}
    )
    out = {}
    for rec in included:
        auto = tag.tag_study(study_text(rec, kb_by_record.get(rec.id)), review.taxonomy)
        out[rec.id] = tag.apply_overrides(auto, overrides.get(rec.id, []), review.protocol)
    return out


def study_text(rec: Record, entry: KBEntry | None) -> tag.StudyText:
    """What the tagger reads: the record's title, abstract, keywords, and the KB description."""
    fields = {
        "title": rec.title or "",
        "abstract": rec.abstract or "",
        "keywords": "; ".join(rec.keywords),
    }
    if entry is not None:
        fields |= {
            "summary": entry.summary,
            "techniques": "; ".join(entry.techniques),
            "systems": "; ".join(entry.systems),
        }
    return tag.StudyText(rec.id, fields)


# --------------------------------------------------------------------------- PRISMA


def prisma_counts(review: Review, result: RunResult) -> PrismaCounts:
    """Fill the PRISMA 2020 boxes from identification, clusters and screening."""
    assert result.dedup is not None and result.screening is not None
    protocol = review.protocol
    sources = tuple(
        SourceCount(s.name, s.kind, s.platform, result.identification.per_source.get(s.name, 0))
        for s in protocol.sources
    )
    c = result.screening.counts()
    included = set(result.screening.included_ids())
    studies = {cl.study for cl in result.dedup.clusters if cl.id in included}
    previous = sum(n for s in sources if s.kind is SourceKind.PREVIOUS for n in [s.records])
    return PrismaCounts(
        sources=sources,
        duplicates_removed=result.dedup.duplicates_removed,
        ineligible_automation=c.ineligible_by_automation,
        other_removed=0,
        screened=c.screened,
        excluded_screening=c.excluded_ta,
        excluded_screening_reasons=dict(c.excluded_ta_by_reason),
        pending_screening=c.pending_ta,
        sought=c.sought,
        not_retrieved=c.not_retrieved,
        assessed=c.assessed,
        excluded_full_text=c.excluded_ft,
        excluded_full_text_reasons=dict(c.excluded_ft_by_reason),
        pending_full_text=c.pending_ft,
        included_reports=c.included,
        included_studies=len(studies),
        previous_studies=previous,
        reason_labels={cr.code: f"{cr.code}: {cr.text}" for cr in protocol.criteria},
    )


# --------------------------------------------------------------------------- report data


def report_data(review: Review, result: RunResult) -> ReportData:
    assert result.dedup is not None and result.prisma is not None
    included = included_records(result)
    key_of = {rid: key for key, rid in result.kb_links.items()}
    entries = {e.key: e for e in result.kb_entries}
    rows = []
    for rec in included:
        t = result.tags[rec.id]
        entry = entries.get(key_of.get(rec.id, ""))
        rows.append(
            IncludedRow(
                id=rec.id,
                title=rec.title or "",
                authors=_authors(rec.authors),
                year=rec.year,
                venue=rec.venue or "",
                doi=rec.doi or "",
                arxiv_id=rec.arxiv_id or "",
                classes=t.class_ids(),
                families=t.family_ids(),
                systems=entry.systems if entry else (),
                kb_key=entry.key if entry else "",
                headline=_headline(entry),
            )
        )
    linked = tuple(e for e in result.kb_entries if e.key in result.kb_links)
    return ReportData(
        protocol=review.protocol,
        taxonomy=review.taxonomy,
        prisma=result.prisma,
        included=tuple(rows),
        kb=linked,
        per_source=_per_source(review, result),
        methods=tuple(methods_text(review, result)),
        included_bibtex=importers.export_records(included, "bibtex"),
    )


def _authors(authors: Sequence[str]) -> str:
    if len(authors) > 3:
        return f"{authors[0]} et al."
    return "; ".join(authors)


def _headline(entry: KBEntry | None) -> str:
    if entry is None or not entry.results:
        return ""
    r = entry.results[0]
    text = f"{r.metric}: {r.value} {r.unit}".strip()
    return text + (f" vs {r.baseline}" if r.baseline else "")


def _per_source(review: Review, result: RunResult) -> tuple[tuple[str, str, int, int, int], ...]:
    assert result.dedup is not None and result.screening is not None
    included = set(result.screening.included_ids())
    sources_of = {
        c.id: {m.source for m in c.members} for c in result.dedup.clusters if c.id in included
    }
    rows = []
    for s in review.protocol.sources:
        inc = sum(s.name in srcs for srcs in sources_of.values())
        uniq = sum(srcs == {s.name} for srcs in sources_of.values())
        rows.append(
            (s.name, s.kind.value, result.identification.per_source.get(s.name, 0), inc, uniq)
        )
    return tuple(rows)


def methods_text(review: Review, result: RunResult) -> list[str]:
    """A methods paragraph generated from the protocol, logs and counts."""
    p = review.protocol
    prisma = result.prisma
    assert prisma is not None and result.dedup is not None
    db = [s for s in p.sources if s.kind is SourceKind.DATABASE]
    searched = [s for s in db if result.identification.per_source.get(s.name)]
    paras = []
    if searched:
        paras.append(
            "Databases searched: "
            + ", ".join(
                f"{s.platform or s.name} ({result.identification.per_source[s.name]} records)"
                for s in searched
            )
            + "."
        )
    else:
        paras.append(
            f"The protocol names {len(db)} databases ("
            + ", ".join(s.platform or s.name for s in db)
            + "); no database search results are recorded in this review folder yet, "
            "so every record comes from other methods."
        )
    other = [s for s in p.sources if s.kind is not SourceKind.DATABASE]
    for s in other:
        n = result.identification.per_source.get(s.name, 0)
        paras.append(
            f"Other methods: {s.platform or s.name} contributed {n} records. "
            f"{s.description}".strip()
        )
    paras.append(
        f"{prisma.identified} records were identified; deduplication (persistent identifiers, "
        f"then fuzzy matching of title, authors, year and venue) removed "
        f"{prisma.duplicates_removed} duplicates, and automatic eligibility rules (years "
        f"{p.date_range.start}-{p.date_range.end}, languages {', '.join(p.languages)}) marked "
        f"{prisma.ineligible_automation} records ineligible. {prisma.screened} records were "
        f"screened on title and abstract by {len(p.reviewers)} named reviewers against "
        f"{len(p.criteria)} coded criteria; {prisma.assessed} reports were assessed in full "
        f"text and {prisma.included_studies} studies ({prisma.included_reports} reports) were "
        "included."
    )
    paras.append(
        f"Included studies were classified into the taxonomy in {p.taxonomy} "
        f"({len(review.taxonomy.classes)} classes, {len(review.taxonomy.families)} technique "
        "families) by indicator-term matching with recorded evidence, confirmed or overridden "
        "by reviewers."
    )
    return paras


def _write_clusters(review: Review, result: RunResult) -> Path:
    """build/dedup/clusters.jsonl: every cluster with its members and links."""
    assert result.dedup is not None
    path = review.build / "dedup" / "clusters.jsonl"
    lines = [c.model_dump_json() for c in result.dedup.clusters]
    write_text(path, "\n".join(lines) + ("\n" if lines else ""))
    return path


def check(review: Review) -> list[str]:
    """Every inconsistency `litsift check` reports (empty when the review is consistent)."""
    try:
        result = run(review, until="tag")
    except ConsistencyError as e:
        return [str(e)]
    assert result.screening is not None
    problems = list(result.screening.problems())
    problems += screen.verify_audit(review.audit_log)
    overrides = tag.load_overrides(
        review.tags_dir, review.protocol, review.taxonomy, set(result.tags)
    )
    problems += tag.override_conflicts(overrides, review.protocol)
    unlinked = sorted(e.key for e in result.kb_entries if e.key not in result.kb_links)
    problems += [
        f"data/kb/{k}.yaml: no included study matches this knowledge-base entry" for k in unlinked
    ]
    return problems


# --------------------------------------------------------------------------- helpers for CLI


def evaluate_tagger(review: Review) -> tag.Evaluation:
    """The automatic tagger (no overrides) against the curated classes in data/kb/."""
    result = run(review, until="tag")
    included = {r.id: r for r in included_records(result)}
    entries = {e.key: e for e in result.kb_entries}
    predicted, curated = {}, {}
    for key, rid in sorted(result.kb_links.items()):
        if rid not in included:
            continue
        auto = tag.tag_study(study_text(included[rid], entries[key]), review.taxonomy)
        predicted[rid] = auto.class_ids()
        curated[rid] = entries[key].classes
    return tag.evaluate(predicted, curated, review.taxonomy.class_ids())


def build_kb(review: Review) -> Path:
    """Rebuild build/kb.sqlite from data/kb/ (linking entries to included records)."""
    result = run(review, until="tag")
    return kb.build(result.kb_entries, result.kb_links, review.build / "kb.sqlite")


def status(review: Review) -> dict[str, object]:
    """Where the review stands, for `litsift status`."""
    result = run(review, until="tag")
    assert result.dedup is not None and result.prisma is not None
    assert result.screening is not None
    p = result.prisma
    answers = dedup.load_answers(_pairs_path(review))
    open_pairs = sum(frozenset((u.a, u.b)) not in answers for u in result.dedup.uncertain)
    info: dict[str, object] = {
        "records identified": dict(result.identification.per_source),
        "after deduplication": {
            "records": len(result.dedup.clusters),
            "duplicates removed": result.dedup.duplicates_removed,
            "uncertain pairs awaiting an answer": open_pairs,
        },
        "screening": {
            "ineligible by automation": p.ineligible_automation,
            "screened": p.screened,
            "excluded": p.excluded_screening,
            "awaiting title/abstract decision": p.pending_screening,
            "assessed in full text": p.assessed,
            "awaiting full-text decision": p.pending_full_text,
        },
        "included": {
            "studies": p.included_studies,
            "reports": p.included_reports,
            "in knowledge base": len(result.kb_links),
        },
    }
    info |= result.screening.status_extras()
    return info


EXPORT_STAGES = ("included", "screened", "all")


def records_for_stage(review: Review, stage: str) -> tuple[list[Record], dict[str, int | None]]:
    """Deduplicated records of a stage and their labels (1 included, 0 excluded, None open).

    `all` is every record after deduplication; `screened` leaves out the records the
    automatic eligibility rules removed; `included` is the included reports.
    """
    if stage not in EXPORT_STAGES:
        raise InputError(review.protocol_path, f"unknown export stage '{stage}'")
    result = run(review, until="screen")
    assert result.dedup is not None and result.screening is not None
    statuses = result.screening.statuses
    labels: dict[str, int | None] = {}
    records = []
    for cluster in result.dedup.clusters:
        st = statuses[cluster.id].status
        label = 1 if st is screen.Status.INCLUDED else 0 if st in _EXCLUDED else None
        if stage == "included" and label != 1:
            continue
        if stage == "screened" and st is screen.Status.INELIGIBLE:
            continue
        records.append(cluster.canonical)
        labels[cluster.id] = label
    return records, labels


_EXCLUDED = frozenset(
    {
        screen.Status.INELIGIBLE,
        screen.Status.TA_EXCLUDED,
        screen.Status.FT_EXCLUDED,
        screen.Status.FT_NOT_RETRIEVED,
    }
)
