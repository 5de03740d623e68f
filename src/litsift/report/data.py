"""What the report shows, gathered from one run: rows, titles, methods facts, checklists.

`report_data` is pure given the run's result and the review's protocol and logs; the runner
calls it and hands the result to `render_report`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litsift import __version__, importers, screen, tag
from litsift.models import KBEntry, Protocol, Record, Taxonomy
from litsift.report import methods as report_methods
from litsift.report.flow import PrismaFlow
from litsift.report.tables import IncludedRow

if TYPE_CHECKING:
    from litsift.report import ReportData
    from litsift.result import RunResult


def report_data(
    protocol: Protocol,
    taxonomy: Taxonomy,
    result: RunResult,
    searches: Sequence[Mapping[str, Any]],
) -> ReportData:
    """Everything the report renders, from the run's result and the search logs."""
    from litsift.report import ReportData

    assert result.dedup is not None and result.prisma is not None
    assert result.split is not None
    included = all_included(result)
    previous = {c.canonical.id for c in result.split.previous}
    retracted = {
        c.canonical.id for c in (*result.dedup.clusters, *result.split.previous) if c.retracted
    }
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
                previous=rec.id in previous,
                tags=t.source,
                retracted=rec.id in retracted,
            )
        )
    facts = methods_facts(protocol, taxonomy, result, searches)
    linked = tuple(e for e in result.kb_entries if e.key in result.kb_links)
    return ReportData(
        protocol=protocol,
        taxonomy=taxonomy,
        prisma=result.prisma,
        included=tuple(rows),
        kb=linked,
        per_source=per_source(protocol, result),
        methods=tuple(report_methods.methods_paragraphs(facts)),
        included_bibtex=importers.export_records(included, "bibtex"),
        titles=_titles(result),
        record_sources={
            c.id: tuple(sorted({m.source for m in c.members})) for c in result.dedup.clusters
        },
        facts=facts,
    )


def all_included(result: RunResult) -> list[Record]:
    """New included studies plus those of the previous version, by record id."""
    assert result.dedup is not None and result.screening is not None
    assert result.split is not None
    # a record the previous version screened out counts in neither arm (`check` says so)
    screened_out = {c.id for c in result.split.earlier}
    included_ids = set(result.screening.included_ids())
    included = [
        c.canonical
        for c in result.dedup.clusters
        if c.id in included_ids and c.id not in screened_out
    ]
    seen = {r.id for r in included}
    return included + [c.canonical for c in result.split.previous if c.canonical.id not in seen]


def methods_facts(
    protocol: Protocol,
    taxonomy: Taxonomy,
    result: RunResult,
    searches: Sequence[Mapping[str, Any]],
) -> report_methods.MethodsFacts:
    """What the methods text and the checklists may state."""
    assert result.prisma is not None and result.dedup is not None
    assert result.screening is not None and result.split is not None
    imports = [
        report_methods.ImportFact(
            res.records[0].source if res.records else "",
            Path(res.file).name,
            res.format,
            len(res.records),
            len(res.rejected),
        )
        for res in result.identification.imports
    ]
    screened = [
        c.canonical
        for c in result.split.new
        if result.screening.statuses[c.id].status is not screen.Status.INELIGIBLE
    ]
    v = result.previous_version
    return report_methods.MethodsFacts(
        protocol=protocol,
        prisma=result.prisma,
        per_source=dict(result.identification.per_source),
        searches=tuple(searches),
        imports=imports,
        duplicate_reasons=_duplicate_reasons(result.prisma),
        agreement=result.screening.status_extras(),
        stopping=result.screening.stopping,
        screeners=screeners(result.screening),
        double_screened=double_screened(result.screening),
        adjudicated=result.screening.adjudicated(),
        with_abstract=sum(bool(r.abstract) for r in screened),
        classes=len(taxonomy.classes),
        families=len(taxonomy.families),
        tags=_tag_facts(result.tags),
        kb_studies=len(result.kb_links),
        previous_version=(v.name, v.frozen.isoformat(), v.n_records) if v else None,
        meta_analysis_file=protocol.meta_analysis or "",
        litsift_version=__version__,
    )


def _duplicate_reasons(flow: PrismaFlow) -> dict[str, int]:
    out: dict[str, int] = {}
    for arm in (flow.databases, flow.other):
        for why, n in arm.duplicate_reasons.items():
            out[why] = out.get(why, 0) + n
    return out


def _tag_facts(tags: Mapping[str, tag.StudyTags]) -> report_methods.TagFacts:
    sources = [t.source for t in tags.values()]
    return report_methods.TagFacts(
        curated=sources.count("curated"),
        reviewed=sources.count("reviewed"),
        automatic=sources.count("automatic"),
        reviewers=tuple(
            sorted({t.overridden_by for t in tags.values() if t.overridden_by and not t.curated})
        ),
    )


def screeners(result: screen.ScreeningResult) -> dict[str, tuple[str, ...]]:
    """Stage -> the reviewers who decided at least one record there."""
    return {
        stage: tuple(
            sorted(
                {
                    who
                    for c in combined.values()
                    for who, entry in c.votes.items()
                    if entry.decision is not None
                }
            )
        )
        for stage, combined in result.combined.items()
    }


def double_screened(result: screen.ScreeningResult) -> dict[str, int]:
    """Stage -> the records two or more reviewers decided there."""
    return {
        stage: sum(
            sum(e.decision is not None for e in c.votes.values()) >= 2 for c in combined.values()
        )
        for stage, combined in result.combined.items()
    }


def per_source(protocol: Protocol, result: RunResult) -> tuple[tuple[str, str, int, int, int], ...]:
    """(source, kind, records, included studies it found, included only it found)."""
    assert result.dedup is not None and result.screening is not None
    included = set(result.screening.included_ids())
    sources_of = {
        c.id: {m.source for m in c.members} for c in result.dedup.clusters if c.id in included
    }
    return tuple(
        (
            s.name,
            s.kind.value,
            result.identification.per_source.get(s.name, 0),
            sum(s.name in srcs for srcs in sources_of.values()),
            sum(srcs == {s.name} for srcs in sources_of.values()),
        )
        for s in protocol.sources
    )


def _titles(result: RunResult) -> dict[str, str]:
    """Title of every record id the PRISMA boxes can list (inputs and canonical records)."""
    assert result.dedup is not None
    titles = {r.id: r.title or "" for r in result.identification.records}
    return titles | {c.id: c.canonical.title or "" for c in result.dedup.clusters}


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
