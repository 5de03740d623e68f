"""`litsift status`: where the review stands, computed from one read-only run.

The answer is kept in build/.cache keyed by every file the run reads (and litsift's code),
so asking again without changing anything does not run the pipeline at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litsift.store import Review, cache
from litsift.vocab import PipelineStage


@dataclass(frozen=True)
class Status:
    """Counts per stage, pending work, and the screening extras (agreement, stopping)."""

    identified: dict[str, int]
    records: int
    duplicates_removed: int
    open_pairs: int
    pairs_by_rule: int
    ineligible: int
    screened: int
    excluded: int
    pending_title_abstract: int
    assessed: int
    pending_full_text: int
    included_studies: int
    included_reports: int
    in_knowledge_base: int
    previous: dict[str, object] | None = None
    total_studies: int | None = None
    extras: dict[str, dict[str, object]] = field(default_factory=dict)
    retracted: int = 0  # records with a retraction notice among the records found
    retracted_included: tuple[str, ...] = ()  # the included ones among them, by id

    def to_dict(self) -> dict[str, Any]:
        """The nested form `litsift status` prints (and `--json` writes)."""
        included: dict[str, object] = {
            "studies": self.included_studies,
            "reports": self.included_reports,
            "in knowledge base": self.in_knowledge_base,
        }
        info: dict[str, Any] = {
            "records identified": dict(self.identified),
            "after deduplication": {
                "records": self.records,
                "duplicates removed": self.duplicates_removed,
                "uncertain pairs awaiting an answer": self.open_pairs,
                "uncertain pairs kept apart by rule": self.pairs_by_rule,
            },
            "screening": {
                "ineligible by automation": self.ineligible,
                "screened": self.screened,
                "excluded": self.excluded,
                "awaiting title/abstract decision": self.pending_title_abstract,
                "assessed in full text": self.assessed,
                "awaiting full-text decision": self.pending_full_text,
            },
            "included": included,
        }
        if self.retracted:  # shown only when there is one, so other reviews' output is unchanged
            info["after deduplication"]["records with a retraction notice"] = self.retracted
        if self.retracted_included:
            included["retracted"] = list(self.retracted_included)
        if self.previous is not None:
            # an updated review: the screening figures above are those of the new records
            info["previous version"] = dict(self.previous)
            included["total studies"] = self.total_studies
        return info | {k: dict(v) for k, v in self.extras.items()}


def status(review: Review) -> Status:
    """Where the review stands, for `litsift status`."""
    stages = review.output.stage_cache
    key = cache.status_key(review)
    found = stages.load("status", key)
    if isinstance(found, Status):
        return found
    computed = _compute(review)
    stages.save("status", key, computed)
    return computed


def _compute(review: Review) -> Status:
    from litsift import runner

    result = runner.run(review, until=PipelineStage.TAG, record=False)
    assert result.dedup is not None and result.prisma is not None
    assert result.screening is not None
    p = result.prisma
    previous = None
    if p.has_previous_arm:
        previous = {
            "name": p.previous_version or "(kind: previous source)",
            "studies": p.previous_studies,
            "reports": p.previous_reports,
            "new records identified": p.identified,
        }
    return Status(
        identified=dict(result.identification.per_source),
        records=len(result.dedup.clusters),
        duplicates_removed=result.dedup.duplicates_removed,
        open_pairs=result.pairs.awaiting if result.pairs else 0,
        pairs_by_rule=result.pairs.by_rule if result.pairs else 0,
        ineligible=p.ineligible_automation,
        screened=p.screened,
        excluded=p.excluded_screening,
        pending_title_abstract=p.pending_screening,
        assessed=p.assessed,
        pending_full_text=p.pending_full_text,
        included_studies=p.included_studies,
        included_reports=p.included_reports,
        in_knowledge_base=len(result.kb_links),
        previous=previous,
        total_studies=p.total_studies if previous is not None else None,
        extras=result.screening.status_extras(),
        retracted=len(result.dedup.retracted_ids()),
        retracted_included=result.retracted_included(),
    )
