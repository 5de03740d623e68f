"""What the export, tag and kb commands read from one run of the review."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from litsift import importers, kb, runner, screen, tag
from litsift.models import KBEntry, Record
from litsift.store import Review
from litsift.vocab import ExportStage, PipelineStage

if TYPE_CHECKING:
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
