"""What the export, tag and kb commands read from one run of the review."""

from __future__ import annotations

from pathlib import Path

from litsift import kb, runner, screen, tag
from litsift.models import KBEntry, Record
from litsift.store import Review
from litsift.vocab import ExportStage, PipelineStage

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
    stage = ExportStage(stage)
    result = runner.run(review, until=PipelineStage.SCREEN, record=False)
    assert result.dedup is not None and result.screening is not None
    statuses = result.screening.statuses
    labels: dict[str, int | None] = {}
    records = []
    for cluster in result.dedup.clusters:
        st = statuses[cluster.id].status
        label = 1 if st is screen.Status.INCLUDED else 0 if st in _EXCLUDED else None
        if stage is ExportStage.INCLUDED and label != 1:
            continue
        if stage is ExportStage.SCREENED and st is screen.Status.INELIGIBLE:
            continue
        records.append(cluster.canonical)
        labels[cluster.id] = label
    return records, labels


def evaluate_tagger(review: Review) -> tag.Evaluation:
    """The automatic tagger (no overrides) against the curated classes in data/kb/."""
    result = runner.run(review, until=PipelineStage.TAG, record=False)
    included = {r.id: r for r in runner.included_records(result)}
    entries = {e.key: e for e in result.kb_entries}
    predicted, curated = {}, {}
    for key, rid in sorted(result.kb_links.items()):
        if rid not in included:
            continue
        auto = tag.tag_study(tag.study_text(included[rid], entries[key]), review.taxonomy)
        predicted[rid] = auto.class_ids()
        curated[rid] = entries[key].classes
    return tag.evaluate(predicted, curated, review.taxonomy.class_ids())


def build_kb(review: Review) -> Path:
    """Rebuild build/kb.sqlite from data/kb/ (linking entries to included records)."""
    result = runner.run(review, until=PipelineStage.TAG)
    return review.output.write_kb(kb.build_database(result.kb_entries, result.kb_links))


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
