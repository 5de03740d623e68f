"""The runner: reads the review folder, calls each stage's pure function, writes build/.

Stages never touch files themselves (STYLE.md #1); this module is where the review folder
meets them. `run` executes every stage in order; `run(review, until=...)` stops early.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from litsift import __version__, dedup, importers, kb, screen, search, tag, versions
from litsift.errors import ConsistencyError, InputError
from litsift.fileio import atomic_write_text
from litsift.models import KBEntry, Record, SourceKind
from litsift.report import ReportData, write_report
from litsift.report import methods as report_methods
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
    previous_version: versions.Version | None = None  # review.yaml `update_of`

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


def run(
    review: Review,
    until: str | None = None,
    *,
    strict: bool = True,
    record: bool = True,
    progress: dedup.core.Progress | None = None,
) -> RunResult:
    """Run the stages in order (up to and including `until`) and write build/.

    With `strict=False` a bad entry in a screening file is skipped and listed among the
    screening problems instead of stopping the run (what `litsift check` needs). With
    `record=False` nothing is appended under data/ (new uncertain pairs, audit events), so
    read-only commands such as check, status and export leave the review as it was.
    `progress` is handed to the dedup stage (a progress bar on long runs).
    """
    if until is not None and until not in STAGES:
        raise InputError(review.protocol_path, f"unknown stage '{until}'")
    result = RunResult(identify(review), previous_version=previous_version(review))
    if result.previous_version is not None:
        versions.check_inputs(
            version_path(review, result.previous_version.name),
            result.previous_version,
            result.identification.records,
        )
    if until in ("import", "search"):
        return result
    records = result.identification.records
    answers = dedup.load_answers(_pairs_path(review))
    # The clusters of the last run: an update never re-merges what an earlier run kept apart.
    # build/ is not committed, so on a fresh clone of an updated review the frozen version's
    # records, deduplicated as they were then, stand in for the last run.
    earlier = _clusters_path(review)
    previous = dedup.load_previous(earlier)
    if not previous and result.previous_version is not None:
        frozen = result.previous_version.keys()
        old = [r for r in records if versions.record_key(r) in frozen]
        previous = dedup.deduplicate(old, answers=answers).assignment()
    result.dedup = dedup.deduplicate(
        records,
        answers=answers,
        previous=previous,
        previous_links=dedup.load_previous_links(earlier),
        progress=progress,
    )
    by_id = {c.id: c.canonical for c in result.dedup.clusters}
    if record and result.dedup.uncertain:
        result.new_uncertain_pairs = dedup.append_uncertain(
            _pairs_path(review), result.dedup.uncertain, {r.id: r for r in records} | by_id
        )
    if until == "dedup":
        return result
    aliases = _aliases(result.dedup)
    state = screen.load_state(review, aliases, strict=strict)
    if record:
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


def version_path(review: Review, name: str) -> Path:
    return review.versions_dir / f"{versions.check_name(name)}.yaml"


def previous_version(review: Review) -> versions.Version | None:
    """The frozen version review.yaml's `update_of` names (None for a first version)."""
    name = review.protocol.update_of
    return versions.load(version_path(review, name)) if name else None


def freeze(review: Review, name: str, today: dt.date) -> Path:
    """Write data/versions/<name>.yaml: this version's records and included studies.

    Refused while any record awaits a decision: a pending record frozen into a version would
    never reach the new flow of the update, nor the previous-studies arm.
    """
    path = version_path(review, name)
    if path.exists():
        raise InputError(path, "this version is already frozen; choose a new name")
    result = run(review, until="screen", record=False)
    assert result.prisma is not None and result.screening is not None
    assert result.dedup is not None
    pending = result.screening.counts()
    waiting = pending.pending_ta + pending.pending_ft
    if waiting:
        raise ConsistencyError(
            f"cannot freeze '{name}': {waiting} record(s) await a screening decision "
            "(see `litsift status`)"
        )
    included = set(result.screening.included_ids())
    previous = {c.id for c in arms(review, result).previous}
    chosen = [c for c in result.dedup.clusters if c.id in included or c.id in previous]
    return versions.write(
        path,
        versions.make_version(
            name,
            today,
            __version__,
            result.identification.records,
            (
                versions.IncludedCluster(c.id, c.study, tuple(m.record_id for m in c.members))
                for c in chosen
            ),
        ),
    )


def citation_seeds(review: Review) -> list[Record | KBEntry]:
    """The included studies citation chasing starts from: every record included by
    screening or in the previous version's studies, then the knowledge-base entries linked
    to none of them (a KB entry can name a study that was never imported)."""
    result = run(review, until="screen", record=False)
    assert result.dedup is not None and result.screening is not None
    included = set(result.screening.included_ids())
    previous = {c.id for c in arms(review, result).previous}
    records = [c.canonical for c in result.dedup.clusters if c.id in included or c.id in previous]
    entries = search.included_studies(review)
    linked = kb.link_records(entries, records)
    return [*records, *(e for e in entries if e.key not in linked)]


def _pairs_path(review: Review) -> Path:
    return review.dedup_dir / "pairs.yaml"


def _clusters_path(review: Review) -> Path:
    return review.build / "dedup" / "clusters.jsonl"


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


@dataclass(frozen=True)
class Arms:
    """How the clusters divide between the previous version of the review and the new flow.

    `previous`: studies included in the previous version (a member from a `kind: previous`
    source, or a record of an included study of the frozen version named by `update_of`);
    `earlier`: clusters screened in the previous version and not included; `new`: the rest,
    which flow through the new-studies boxes. `old` holds the member keys of every record that
    belongs to the previous version, which therefore counts in no box of the new flow.
    """

    previous: tuple[dedup.Cluster, ...]
    earlier: tuple[dedup.Cluster, ...]
    new: tuple[dedup.Cluster, ...]
    old: frozenset[str]
    previous_reports: tuple[str, ...]  # one record id per previous report, sorted

    def is_fresh(self, member: dedup.Member) -> bool:
        """A record identified for this version of the review."""
        return member.key not in self.old


def arms(review: Review, result: RunResult) -> Arms:
    assert result.dedup is not None
    prev_sources = _previous_sources(review)
    frozen = versions.previous_keys(result.previous_version, result.identification.records)
    old = frozenset(frozen) | frozenset(
        dedup.member_key(r) for r in result.identification.records if r.source in prev_sources
    )
    previous, earlier, new, reports = [], [], [], []
    for c in result.dedup.clusters:
        marks = [m for m in c.members if m.source in prev_sources or frozen.get(m.key)]
        if marks:
            previous.append(c)
            reports.append(min(m.record_id for m in marks))
        elif any(m.key in old for m in c.members):
            earlier.append(c)
        else:
            new.append(c)
    return Arms(tuple(previous), tuple(earlier), tuple(new), old, tuple(sorted(reports)))


def prisma_counts(review: Review, result: RunResult) -> PrismaCounts:
    """Fill the PRISMA 2020 boxes from identification, clusters and screening.

    For an updated review (`update_of` in review.yaml, or a `kind: previous` source) the
    studies of the previous version form the previous-studies arm; records identified since
    that are duplicates of a previous version's records count as duplicates removed; every
    other cluster flows through screening. See `Arms`.
    """
    assert result.dedup is not None and result.screening is not None
    protocol = review.protocol
    split = arms(review, result)
    fresh = Counter(
        r.source for r in result.identification.records if dedup.member_key(r) not in split.old
    )
    sources = tuple(
        SourceCount(
            s.name,
            s.kind,
            s.platform,
            result.identification.per_source.get(s.name, 0)
            if s.kind is SourceKind.PREVIOUS
            else fresh.get(s.name, 0),
        )
        for s in protocol.sources
    )
    new_ids = {c.id for c in split.new}
    statuses = {k: v for k, v in result.screening.statuses.items() if k in new_ids}
    counts = replace(result.screening, statuses=statuses).counts()
    included = set(result.screening.included_ids()) & new_ids
    identified = sum(s.records for s in sources if s.kind is not SourceKind.PREVIOUS)
    return PrismaCounts(
        sources=sources,
        duplicates_removed=identified - len(split.new),
        ineligible_automation=counts.ineligible_by_automation,
        other_removed=0,
        screened=counts.screened,
        excluded_screening=counts.excluded_ta,
        excluded_screening_reasons=dict(counts.excluded_ta_by_reason),
        pending_screening=counts.pending_ta,
        sought=counts.sought,
        not_retrieved=counts.not_retrieved,
        assessed=counts.assessed,
        excluded_full_text=counts.excluded_ft,
        excluded_full_text_reasons=dict(counts.excluded_ft_by_reason),
        pending_full_text=counts.pending_ft,
        included_reports=counts.included,
        # a new report of a study the previous version included is not a new study
        included_studies=len(
            {c.study for c in split.new if c.id in included} - {c.study for c in split.previous}
        ),
        previous_studies=len({c.study for c in split.previous}),
        previous_reports=len(split.previous_reports),
        reason_labels={cr.code: f"{cr.code}: {cr.text}" for cr in protocol.criteria},
        members=_box_members(result, split) | {"previous": split.previous_reports},
        ineligible_reasons=dict(counts.ineligible_by_rule),
        previous_version=result.previous_version.name if result.previous_version else "",
    )


def _previous_sources(review: Review) -> set[str]:
    return {s.name for s in review.protocol.sources if s.kind is SourceKind.PREVIOUS}


def _box_members(result: RunResult, split: Arms) -> dict[str, tuple[str, ...]]:
    """Record ids behind each box of the new-studies flow (sorted, for the HTML report)."""
    assert result.screening is not None and result.dedup is not None
    new = {c.id for c in split.new}
    identified, duplicates = [], []
    for c in result.dedup.clusters:
        fresh = sorted(m.record_id for m in c.members if split.is_fresh(m))
        identified += fresh
        if c.id not in new:
            duplicates += fresh  # a new record of a study the previous version had
        elif fresh:
            kept = c.id if c.id in fresh else fresh[0]
            fresh.remove(kept)
            duplicates += fresh
    ids = _ids_by_status(result.screening, new)
    st = screen.Status
    passed = (st.FT_NOT_RETRIEVED, st.FT_EXCLUDED, st.FT_PENDING, st.FT_CONFLICT, st.INCLUDED)
    sought = sorted(i for s in passed for i in ids[s])
    return {
        "identified": tuple(sorted(identified)),
        "removed": tuple(sorted(duplicates + ids[st.INELIGIBLE])),
        "screened": tuple(sorted(new - set(ids[st.INELIGIBLE]))),
        "excluded_screening": tuple(ids[st.TA_EXCLUDED]),
        "sought": tuple(sought),
        "not_retrieved": tuple(ids[st.FT_NOT_RETRIEVED]),
        "assessed": tuple(i for i in sought if i not in ids[st.FT_NOT_RETRIEVED]),
        "excluded_full_text": tuple(ids[st.FT_EXCLUDED]),
        "included": tuple(ids[st.INCLUDED]),
    }


def _ids_by_status(result: screen.ScreeningResult, ids: set[str]) -> dict[screen.Status, list[str]]:
    out: dict[screen.Status, list[str]] = {st: [] for st in screen.Status}
    for rid in sorted(ids):
        out[result.statuses[rid].status].append(rid)
    return out


# --------------------------------------------------------------------------- report data


def report_data(review: Review, result: RunResult) -> ReportData:
    assert result.dedup is not None and result.prisma is not None
    included, tags = _all_included(review, result)
    earlier = {c.canonical.id for c in arms(review, result).previous}
    key_of = {rid: key for key, rid in result.kb_links.items()}
    entries = {e.key: e for e in result.kb_entries}
    rows = []
    for rec in included:
        t = tags[rec.id]
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
                previous=rec.id in earlier,
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
        titles=_titles(result),
        record_sources={
            c.id: tuple(sorted({m.source for m in c.members})) for c in result.dedup.clusters
        },
        checklist=report_methods.checklist(_methods_facts(review, result)),
    )


def _all_included(
    review: Review, result: RunResult
) -> tuple[list[Record], dict[str, tag.StudyTags]]:
    """New included studies plus those of the previous version (tagged here), by record id."""
    split = arms(review, result)
    # a record the previous version screened out counts in neither arm (`check` says so)
    screened_out = {c.id for c in split.earlier}
    included = [r for r in included_records(result) if r.id not in screened_out]
    seen = {r.id for r in included}
    earlier = [c.canonical for c in split.previous if c.canonical.id not in seen]
    # automatic tags only: reviewers' overrides may name included (new) studies alone
    tags = dict(result.tags)
    tags |= {r.id: tag.tag_study(study_text(r, None), review.taxonomy) for r in earlier}
    return included + earlier, tags


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
    return report_methods.methods_paragraphs(_methods_facts(review, result))


def _methods_facts(review: Review, result: RunResult) -> report_methods.MethodsFacts:
    """What the methods text may state: the protocol, logs, counts and agreement."""
    assert result.prisma is not None and result.dedup is not None
    assert result.screening is not None
    links = result.dedup.links_per_rule()  # the methods text names each rule and its links
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
    return report_methods.MethodsFacts(
        protocol=review.protocol,
        prisma=result.prisma,
        per_source=dict(result.identification.per_source),
        searches=search.search_summary(review),
        imports=imports,
        dedup_links=dict(links),
        agreement=result.screening.status_extras(),
        screeners=_screeners(result.screening),
        classes=len(review.taxonomy.classes),
        families=len(review.taxonomy.families),
        previous_version=(v.name, v.frozen.isoformat(), v.n_records)
        if (v := result.previous_version)
        else None,
    )


def _screeners(result: screen.ScreeningResult) -> dict[str, tuple[str, ...]]:
    """Stage -> the reviewers who decided at least one record there."""
    out = {}
    for stage, combined in result.combined.items():
        out[stage] = tuple(
            sorted(
                {
                    who
                    for c in combined.values()
                    for who, entry in c.votes.items()
                    if entry.decision is not None
                }
            )
        )
    return out


def _write_clusters(review: Review, result: RunResult) -> Path:
    """build/dedup/clusters.jsonl: every cluster with its members and links."""
    assert result.dedup is not None
    path = _clusters_path(review)
    lines = [c.model_dump_json() for c in result.dedup.clusters]
    atomic_write_text(path, "\n".join(lines) + ("\n" if lines else ""))
    return path


def check(review: Review) -> list[str]:
    """Every inconsistency `litsift check` reports (empty when the review is consistent)."""
    try:
        result = run(review, until="tag", strict=False, record=False)
    except ConsistencyError as e:
        return [str(e)]
    assert result.screening is not None
    problems = list(result.screening.problems())
    problems += screen.verify_audit(review.audit_log)
    overrides = tag.load_overrides(
        review.tags_dir, review.protocol, review.taxonomy, set(result.tags)
    )
    problems += tag.override_conflicts(overrides, review.protocol)
    problems += _version_changes(review, result)
    unlinked = sorted(e.key for e in result.kb_entries if e.key not in result.kb_links)
    problems += [
        f"data/kb/{k}.yaml: no included study matches this knowledge-base entry" for k in unlinked
    ]
    return problems


def _version_changes(review: Review, result: RunResult) -> list[str]:
    """Decisions that contradict the frozen version an update builds on."""
    version = result.previous_version
    if version is None or result.screening is None:
        return []
    split = arms(review, result)
    included = set(result.screening.included_ids())
    where = review.rel(version_path(review, version.name))
    changed = [
        f"{c.id}: screened out in version '{version.name}' ({where}) but now included; "
        "the update's PRISMA flow and tables count it in neither arm"
        for c in split.earlier
        if c.id in included
    ]
    frozen = versions.previous_keys(version, result.identification.records)
    changed += [
        f"{c.id}: included in version '{version.name}' ({where}) but now "
        f"{result.screening.statuses[c.id].status.value}; the previous-studies arm still "
        "counts it"
        for c in split.previous
        if c.id not in included
        and any(frozen.get(m.key) for m in c.members)
        and c.id in result.screening.statuses
    ]
    return changed


# --------------------------------------------------------------------------- helpers for CLI


def evaluate_tagger(review: Review) -> tag.Evaluation:
    """The automatic tagger (no overrides) against the curated classes in data/kb/."""
    result = run(review, until="tag", record=False)
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


def kb_export_inputs(review: Review) -> tuple[list[KBEntry], dict[str, tuple[str, ...]]]:
    """KB entries and, per key, the linked record's "Family, Given" author names."""
    result = run(review, until="tag", record=False)
    records = {r.id: r for r in included_records(result)}
    names = {
        key: records[rid].authors
        for key, rid in result.kb_links.items()
        if rid in records and records[rid].authors
    }
    return list(result.kb_entries), names


def status(review: Review) -> dict[str, object]:
    """Where the review stands, for `litsift status`."""
    result = run(review, until="tag", record=False)
    assert result.dedup is not None and result.prisma is not None
    assert result.screening is not None
    p = result.prisma
    answers = dedup.load_answers(_pairs_path(review))
    open_pairs = sum(frozenset((u.a, u.b)) not in answers for u in result.dedup.uncertain)
    included = {
        "studies": p.included_studies,
        "reports": p.included_reports,
        "in knowledge base": len(result.kb_links),
    }
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
        "included": included,
    }
    if p.has_previous_arm:
        # an updated review: the screening figures above are those of the new records only
        info["previous version"] = {
            "name": p.previous_version or "(kind: previous source)",
            "studies": p.previous_studies,
            "reports": p.previous_reports,
            "new records identified": p.identified,
        }
        included["total studies"] = p.total_studies
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
    result = run(review, until="screen", record=False)
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
