"""Updating a review: freezing a version (`litsift freeze`) and the seeds of citation chasing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from litsift import __version__, kb, runner, versions
from litsift.errors import ConsistencyError, InputError
from litsift.models import KBEntry, Record
from litsift.store import Review
from litsift.vocab import PipelineStage


def freeze(review: Review, name: str, today: dt.date) -> Path:
    """Write data/versions/<name>.yaml: this version's records and included studies.

    Refused while any record awaits a decision: a pending record frozen into a version would
    never reach the new flow of the update, nor the previous-studies arm. Holds the review's
    lock, so that what is frozen is what the files said at one moment.
    """
    with review.lock():
        return _freeze(review, name, today)


def _freeze(review: Review, name: str, today: dt.date) -> Path:
    path = review.versions.path(name)
    if path.exists():
        raise InputError(path, "this version is already frozen; choose a new name")
    result = runner.run(review, until=PipelineStage.SCREEN, record=False)
    assert result.screening is not None and result.dedup is not None
    assert result.split is not None
    pending = result.screening.counts()
    waiting = pending.pending_ta + pending.pending_ft
    if waiting:
        raise ConsistencyError(
            f"cannot freeze '{name}': {waiting} record(s) await a screening decision "
            "(see `litsift status`)"
        )
    included = set(result.screening.included_ids())
    previous = {c.id for c in result.split.previous}
    chosen = [c for c in result.dedup.clusters if c.id in included or c.id in previous]
    version = versions.make_version(
        name,
        today,
        __version__,
        result.identification.records,
        (
            versions.IncludedCluster(c.id, c.study, tuple(m.record_id for m in c.members))
            for c in chosen
        ),
    )
    return review.versions.write(version)


def citation_seeds(review: Review) -> list[Record | KBEntry]:
    """The included studies citation chasing starts from: every record included by
    screening or in the previous version's studies, then the knowledge-base entries linked
    to none of them (a KB entry can name a study that was never imported)."""
    result = runner.run(review, until=PipelineStage.SCREEN, record=False)
    assert result.dedup is not None and result.screening is not None
    assert result.split is not None
    included = set(result.screening.included_ids())
    previous = {c.id for c in result.split.previous}
    records = [c.canonical for c in result.dedup.clusters if c.id in included or c.id in previous]
    entries = review.kb.entries(validate=False)
    linked = kb.link_records(entries, records)
    return [*records, *(e for e in entries if e.key not in linked)]
