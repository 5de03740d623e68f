"""`litsift check`: every inconsistency of the review, one line each.

It reads everything `litsift run` reads, as it reads it: review.yaml, every query (parsed
and linted), every import as it was imported, reviewer, adjudication and tag files, the
answers to duplicate pairs, the knowledge base; and beyond that the files under data/
that nothing reads, search logs left `running` by a killed search, and the whole audit
chain. Problems fail the check; warnings are printed beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from litsift import kb, runner, tag, versions
from litsift.errors import ConsistencyError
from litsift.result import RunResult
from litsift.search import HAND_SEARCH_REASON
from litsift.store import Review
from litsift.store.lock import locked_by
from litsift.vocab import PipelineStage


@dataclass(frozen=True)
class Report:
    """What `litsift check` prints: problems (exit 1) and warnings."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check(review: Review) -> list[str]:
    """Every inconsistency `litsift check` reports (empty when the review is consistent)."""
    return check_review(review).problems


def check_review(review: Review) -> Report:
    """Problems and warnings of the whole review."""
    try:
        result = runner.run(review, until=PipelineStage.TAG, strict=False, record=False)
    except ConsistencyError as e:
        return Report([str(e)])
    assert result.screening is not None
    problems = list(result.problems) + list(result.screening.problems())
    problems += pending_pairs(review, result)
    problems += running_searches(review)
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
    warnings = [*result.warnings, *result.query_warnings, *import_rejections(review, result)]
    warnings += retracted_included(result)
    return Report(problems, warnings)


def retracted_included(result: RunResult) -> list[str]:
    """A warning per included study whose article has a retraction notice among the
    records found (the report names them too): a reviewer decides what to do with it."""
    return [
        f"warning: included study {rid} has a retraction notice among the records found"
        for rid in result.retracted_included()
    ]


def import_rejections(review: Review, result: RunResult) -> list[str]:
    """Every entry of an imported file that could not be read, with its line (entries a
    hand-searched database's export loses to the queries are reported by the run)."""
    out = []
    for path, imported in zip(review.imports.paths(), result.identification.imports, strict=True):
        for r in imported.rejected:
            if r.reason.startswith(HAND_SEARCH_REASON):
                continue
            where = review.rel(path) + (f":{r.line}" if r.line else "")
            out.append(f"{where}: warning: entry not imported: {r.reason}")
    return out


def pending_pairs(review: Review, result: RunResult) -> list[str]:
    """Uncertain duplicate pairs a reviewer has still to answer (one line for them all)."""
    plan = result.pairs
    if plan is None or not plan.awaiting:
        return []
    where = review.rel(review.dedup.pairs)
    text = f"{where}: {plan.awaiting} uncertain duplicate pair(s) await an answer"
    text += " (same or different)"
    if plan.waiting:
        text += f", the first at line {plan.waiting[0]}"
    if plan.new:
        text += f"; {len(plan.new)} of them are written there by the next `litsift run`"
    return [text]


def running_searches(review: Review) -> list[str]:
    """Search logs still `running`: a search in progress, or one that was killed."""
    holder = locked_by(review.root)
    out = []
    for path in review.search.running():
        if holder is not None:
            why = f"a search may be in progress ({holder.describe()})"
        else:
            why = "the search was interrupted (killed?); run `litsift search` again to resume it"
        out.append(f"{review.rel(path)}: status running: {why}")
    return out


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
