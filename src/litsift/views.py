"""What the export, tag and kb commands read from one run of the review."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from litsift import importers, kb, runner, screen, tag
from litsift.models import KBEntry, Record, TagAssignment
from litsift.store import Review
from litsift.vocab import ExportStage, PipelineStage

if TYPE_CHECKING:
    import sqlite3

    from litsift import kbsearch
    from litsift.search.relax import Vocabulary

_EXCLUDED = frozenset(
    {
        screen.Status.INELIGIBLE,
        screen.Status.TA_EXCLUDED,
        screen.Status.FT_EXCLUDED,
        screen.Status.FT_NOT_RETRIEVED,
    }
)


def records_for_stage(
    review: Review, stage: ExportStage | str
) -> tuple[list[Record], dict[str, int | None]]:
    """Deduplicated records of a stage and their labels (1 included, 0 excluded, None open)."""
    records, labels, _ = export_stage(review, stage)
    return records, labels


def export_stage(
    review: Review, stage: ExportStage | str
) -> tuple[list[Record], dict[str, int | None], dict[str, importers.Screened]]:
    """`records_for_stage`, with each record's decision, reason and stage for the exports."""
    stage = ExportStage(stage)
    result = runner.run(review, until=PipelineStage.SCREEN, record=False)
    assert result.dedup is not None and result.screening is not None
    statuses = result.screening.statuses
    labels: dict[str, int | None] = {}
    outcomes: dict[str, importers.Screened] = {}
    records = []
    for cluster in result.dedup.clusters:
        st = statuses[cluster.id]
        label = 1 if st.status is screen.Status.INCLUDED else 0 if st.status in _EXCLUDED else None
        if stage is ExportStage.INCLUDED and label != 1:
            continue
        if stage is ExportStage.SCREENED and st.status is screen.Status.INELIGIBLE:
            continue
        records.append(cluster.canonical)
        labels[cluster.id] = label
        outcomes[cluster.id] = _outcome(st)
    return records, labels, outcomes


def _outcome(st: screen.RecordStatus) -> importers.Screened:
    """A record's screening status as the exports write it."""
    if st.status is screen.Status.INCLUDED:
        return importers.Screened("include", None, "full-text")
    stage = {
        screen.Status.INELIGIBLE: "eligibility",
        screen.Status.TA_EXCLUDED: "title-abstract",
        screen.Status.TA_PENDING: "title-abstract",
        screen.Status.TA_CONFLICT: "title-abstract",
    }.get(st.status, "full-text")
    if st.status in _EXCLUDED:
        not_found = st.status is screen.Status.FT_NOT_RETRIEVED
        return importers.Screened(
            "exclude", st.reason or ("not-retrieved" if not_found else None), stage
        )
    return importers.Screened("undecided", None, stage)


def search_vocabulary(review: Review) -> Vocabulary:
    """Words of every record identified so far (imports and searches): what wildcards expand
    to on APIs and databases that cannot truncate."""
    from litsift.search.relax import Vocabulary

    return Vocabulary.from_records(runner.identify(review).records)


def curated_tag_examples(review: Review) -> list[tag.Example]:
    """The curated studies: each knowledge-base entry's linked record (its own text only)
    with the entry's classes and families."""
    result = runner.run(review, until=PipelineStage.TAG, record=False)
    included = runner.included_records(result)
    entries = {e.key: e for e in result.kb_entries}
    by_record = {rid: entries[key] for key, rid in result.kb_links.items()}
    return tag.curated_examples(included, by_record)


def independent_tag_examples(review: Review) -> list[tag.Example]:
    """The independent evaluation set (data/kb/eval/): each paper's title and venue, and
    the labels its protocol gave it. Empty when the review has no such set."""
    papers = review.kb.eval_set().papers if review.kb.eval_file.is_file() else ()
    return [
        tag.Example(
            tag.StudyText(p.key, {"title": p.title, "venue": p.venue}), p.classes, p.families
        )
        for p in papers
    ]


def evaluate_tagger(review: Review) -> tag.TagEvaluation:
    """Both taggers, cross-validated on the curated studies and on the independent set."""
    curated, independent = curated_tag_examples(review), independent_tag_examples(review)
    used = tag.make_tagger(review.taxonomy, curated).name
    return tag.evaluate_taggers(curated, independent, review.taxonomy, tag.SETTINGS, used=used)


@dataclass(frozen=True)
class Classified:
    """`litsift tag classify`: one JSON-ready row per record, and what could not be read."""

    tagger: str
    rows: list[dict[str, object]]
    problems: list[str]


def classify_file(review: Review, path: Path, fmt: str = "auto") -> Classified:
    """Tag every record of an export file with the tagger the review uses."""
    from litsift.store.imports import read_file

    found = read_file(path, source="classify", fmt=fmt)
    tagger = tag.make_tagger(review.taxonomy, curated_tag_examples(review))
    rows = [_classified(rec, tagger.tag(tag.study_text(rec))) for rec in found.records]
    problems = [f"{r.file}:{r.line}: not read: {r.reason}" for r in found.rejected]
    problems += [f"{path}: {w}" for w in found.warnings]
    return Classified(tagger.name, rows, problems)


def _classified(rec: Record, tags: tag.StudyTags) -> dict[str, object]:
    def labels(items: tuple[TagAssignment, ...]) -> list[dict[str, object]]:
        return [
            {
                "label": a.label,
                "confidence": a.confidence,
                "evidence": [{"field": e.field, "words": e.phrase} for e in a.evidence],
            }
            for a in items
        ]

    return {
        "id": rec.id,
        "title": rec.title or "",
        "classes": labels(tags.classes),
        "families": labels(tags.families),
        "unclassified": tags.unclassified,
    }


def build_kb(review: Review) -> Path:
    """Rebuild build/kb.sqlite from data/kb/ (linking entries to included records)."""
    with review.lock():
        result = runner.run(review, until=PipelineStage.TAG)
        return review.output.write_kb(kb.build_database(result.kb_entries, result.kb_links))


def kb_search_index(con: sqlite3.Connection, root: Path) -> kbsearch.Index:
    """The search index of a built knowledge base, with the review's synonyms and labels."""
    from litsift import kbsearch, textnorm

    taxonomy = Review.find(root).taxonomy
    labels = {c.id: c.label for c in taxonomy.classes} | {f.id: f.label for f in taxonomy.families}
    keys = [r[0] for r in con.execute("SELECT key FROM studies ORDER BY key")]
    studies = [kbsearch.from_row(kb.show(con, k), labels) for k in keys]
    return kbsearch.Index.build(studies, textnorm.Synonyms.from_phrases(taxonomy.synonyms))


def kb_export_inputs(review: Review) -> tuple[list[KBEntry], dict[str, tuple[str, ...]]]:
    """KB entries and, per key, the linked record's "Family, Given" author names."""
    result = runner.run(review, until=PipelineStage.TAG, record=False)
    records = {r.id: r for r in runner.included_records(result)}
    names = {
        key: records[rid].authors
        for key, rid in result.kb_links.items()
        if rid in records and records[rid].authors
    }
    return list(result.kb_entries), names
