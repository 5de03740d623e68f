"""`litsift check`: every inconsistency of the review, one line each."""

from __future__ import annotations

from litsift import kb, runner, tag, versions
from litsift.errors import ConsistencyError
from litsift.result import RunResult
from litsift.store import Review
from litsift.vocab import PipelineStage


def check(review: Review) -> list[str]:
    """Every inconsistency `litsift check` reports (empty when the review is consistent)."""
    try:
        result = runner.run(review, until=PipelineStage.TAG, strict=False, record=False)
    except ConsistencyError as e:
        return [str(e)]
    assert result.screening is not None
    problems = list(result.screening.problems())
    problems += review.audit.verify()
    overrides = review.tags.overrides(set(result.tags))
    problems += tag.override_conflicts(overrides, review.protocol)
    problems += version_changes(review, result)
    unlinked = sorted(e.key for e in result.kb_entries if e.key not in result.kb_links)
    problems += [
        f"{review.rel(review.kb.entry_file(k))}: no included study matches this "
        "knowledge-base entry"
        for k in unlinked
    ]
    problems += [
        f"{review.rel(review.kb.entry_file(k))}: no results and no results_note saying why"
        for k in kb.missing_results(result.kb_entries)
    ]
    return problems


def version_changes(review: Review, result: RunResult) -> list[str]:
    """Decisions that contradict the frozen version an update builds on."""
    version = result.previous_version
    if version is None or result.screening is None:
        return []
    split = result.split
    assert split is not None
    included = set(result.screening.included_ids())
    where = review.rel(review.versions.path(version.name))
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
