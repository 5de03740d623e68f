"""Frozen versions of a review, so that an update reports a previous-studies arm.

`litsift freeze NAME` writes `data/versions/NAME.yaml`: every record the review had
identified at that point and the studies it included. A later run whose review.yaml says
`update_of: NAME` is an *updated review* in PRISMA 2020 terms: the studies of that version
form the previous-studies arm, and only records identified since (a `search --update`, a new
export file) flow through identification, deduplication and screening as new records.

A record is recognised as one of the frozen version's by (source, batch, record id): the
batch is the search run or the export file it arrived in, and the record id is stable, so
re-reading the same inputs (even after lines moved in an export file) finds the same
records, while the same paper arriving again from a new search or file is a new record,
counted as identified and removed as a duplicate of the earlier one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import StrictStr

from litsift.dedup.core import member_key
from litsift.errors import ConsistencyError
from litsift.models import Frozen, Record

if TYPE_CHECKING:
    from litsift.dedup import Cluster, Member

NO_BATCH = "-"  # YAML key for records that arrived without a batch


class FrozenStudy(Frozen):
    """One included study of a frozen version: its reports (cluster ids) and all records."""

    study: StrictStr
    reports: tuple[StrictStr, ...]
    records: tuple[StrictStr, ...]


class Version(Frozen):
    """data/versions/<name>.yaml."""

    name: StrictStr
    frozen: dt.date
    litsift: StrictStr
    # source -> batch -> record ids (sorted; a record id may repeat within a batch)
    records: dict[StrictStr, dict[StrictStr, tuple[StrictStr, ...]]]
    included: tuple[FrozenStudy, ...]

    def keys(self) -> set[tuple[str, str, str]]:
        """(source, batch, record id) of every record of this version."""
        return {
            (source, batch, rid)
            for source, batches in self.records.items()
            for batch, ids in batches.items()
            for rid in ids
        }

    def included_records(self) -> set[str]:
        return {rid for s in self.included for rid in s.records}

    @property
    def n_records(self) -> int:
        return sum(len(ids) for batches in self.records.values() for ids in batches.values())

    @property
    def n_reports(self) -> int:
        return sum(len(s.reports) for s in self.included)


def record_key(record: Record) -> tuple[str, str, str]:
    return (record.source, record.batch or NO_BATCH, record.id)


@dataclass(frozen=True)
class IncludedCluster:
    """What freezing needs to know of an included cluster."""

    id: str
    study: str
    record_ids: tuple[str, ...]


def make_version(
    name: str,
    frozen: dt.date,
    litsift_version: str,
    records: Iterable[Record],
    included: Iterable[IncludedCluster],
) -> Version:
    """The version of a review whose inputs are `records` and whose included reports are
    `included` (pure: the runner supplies both)."""
    by_source: dict[str, dict[str, list[str]]] = {}
    for source, batch, rid in (record_key(r) for r in records):
        by_source.setdefault(source, {}).setdefault(batch, []).append(rid)
    studies: dict[str, tuple[list[str], set[str]]] = {}
    for c in included:
        reports, ids = studies.setdefault(c.study, ([], set()))
        reports.append(c.id)
        ids.update(c.record_ids)
    return Version(
        name=name,
        frozen=frozen,
        litsift=litsift_version,
        records={
            source: {batch: tuple(sorted(ids)) for batch, ids in sorted(batches.items())}
            for source, batches in sorted(by_source.items())
        },
        included=tuple(
            FrozenStudy(study=study, reports=tuple(sorted(reports)), records=tuple(sorted(ids)))
            for study, (reports, ids) in sorted(studies.items())
        ),
    )


def check_inputs(path: Path, version: Version, records: Iterable[Record]) -> None:
    """Every record of the frozen version must still be among the review's inputs."""
    missing = sorted(version.keys() - {record_key(r) for r in records})
    if missing:
        source, batch, rid = missing[0]
        raise ConsistencyError(
            f"{path}: {len(missing)} record(s) of version '{version.name}' are no longer "
            f"identified, first {rid} (source {source}, batch {batch}); restore the export "
            "file or search records they came from"
        )


def previous_keys(version: Version | None, records: Iterable[Record]) -> Mapping[str, bool]:
    """Member key (source:origin) of each input record of the frozen version -> whether it
    belongs to one of that version's included studies."""
    if version is None:
        return {}
    keys = version.keys()
    included = version.included_records()
    return {member_key(r): r.id in included for r in records if record_key(r) in keys}


@dataclass(frozen=True)
class Split:
    """How the clusters divide between the previous version of the review and the new flow.

    `previous`: studies included in the previous version (a member from a `kind: previous`
    source, or a record of an included study of the frozen version named by `update_of`);
    `earlier`: clusters screened in the previous version and not included; `new`: the rest,
    which flow through the new-studies boxes. `old` holds the member keys of every record that
    belongs to the previous version, which therefore counts in no box of the new flow.
    """

    previous: tuple[Cluster, ...]
    earlier: tuple[Cluster, ...]
    new: tuple[Cluster, ...]
    old: frozenset[str]
    previous_reports: tuple[str, ...]  # one record id per previous report, sorted

    def is_fresh(self, member: Member) -> bool:
        """A record identified for this version of the review."""
        return member.key not in self.old


def split(
    clusters: Sequence[Cluster],
    records: Sequence[Record],
    previous_sources: set[str],
    version: Version | None,
) -> Split:
    """Divide `clusters` into previous studies, earlier screened-out clusters and new ones.

    `previous_sources` are the names of the review's `kind: previous` sources; `version` is
    the frozen version review.yaml's `update_of` names (None for a first version).
    """
    frozen = previous_keys(version, records)
    old = frozenset(frozen) | frozenset(
        member_key(r) for r in records if r.source in previous_sources
    )
    previous, earlier, new, reports = [], [], [], []
    for c in clusters:
        marks = [m for m in c.members if m.source in previous_sources or frozen.get(m.key)]
        if marks:
            previous.append(c)
            reports.append(min(m.record_id for m in marks))
        elif any(m.key in old for m in c.members):
            earlier.append(c)
        else:
            new.append(c)
    return Split(tuple(previous), tuple(earlier), tuple(new), old, tuple(sorted(reports)))
