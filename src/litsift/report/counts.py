"""Fill the PRISMA 2020 flow from the data: identification records, clusters and screening.

`prisma_flow` is pure. Which arm a record belongs to follows its source's `kind` in
review.yaml; which arm a cluster (a report after deduplication) belongs to follows its
records: the databases arm when any record came from a database or register, otherwise the
other-methods arm. Each arm keeps one record per cluster it holds; every other record it
identified is a duplicate removed in that arm, so a record found by both arms counts once, in
the databases arm, and its other-methods copy is a duplicate of the other-methods arm.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from litsift import dedup, screen
from litsift.dedup import Cluster, member_key
from litsift.errors import InputError
from litsift.models import Arm, Protocol, Record, SourceKind
from litsift.report.flow import ArmFlow, PrismaFlow, SourceCount
from litsift.versions import Split

_PASSED = (
    screen.Status.FT_NOT_RETRIEVED,
    screen.Status.FT_EXCLUDED,
    screen.Status.FT_PENDING,
    screen.Status.FT_CONFLICT,
    screen.Status.INCLUDED,
)


@dataclass(frozen=True)
class MetaAnalysisInput:
    """The studies a meta-analysis pools, as listed in the file review.yaml names."""

    path: str
    studies: tuple[tuple[str, int], ...]  # (record id as written, line)


def cluster_arm(cluster: Cluster, kinds: Mapping[str, SourceKind]) -> Arm:
    """The databases arm when any record of the cluster came from a database or register."""
    arms = {kinds[m.source].arm for m in cluster.members if m.source in kinds}
    return Arm.DATABASES if Arm.DATABASES in arms else Arm.OTHER


def prisma_flow(
    protocol: Protocol,
    records: Sequence[Record],
    clusters: Sequence[Cluster],
    statuses: Mapping[str, screen.RecordStatus],
    split: Split,
    *,
    version: str = "",
    meta: MetaAnalysisInput | None = None,
) -> PrismaFlow:
    """Every box of the flow diagram (checked with `PrismaFlow.check` by the caller)."""
    kinds = {s.name: s.kind for s in protocol.sources}
    fresh = [r for r in records if member_key(r) not in split.old]
    per_source: dict[str, int] = {}
    for r in fresh:
        per_source[r.source] = per_source.get(r.source, 0) + 1
    everything: dict[str, int] = {}
    for r in records:
        everything[r.source] = everything.get(r.source, 0) + 1
    new = {c.id for c in split.new}
    arm_of = {c.id: cluster_arm(c, kinds) for c in split.new}
    arms = {
        arm: _arm_flow(arm, protocol, per_source, clusters, arm_of, new, statuses, split, kinds)
        for arm in Arm
    }
    previous_studies = {c.study for c in split.previous}
    included = [c for c in split.new if statuses[c.id].status is screen.Status.INCLUDED]
    declared = frozenset(a for s in protocol.sources if (a := s.kind.arm) is not None)
    return PrismaFlow(
        databases=arms[Arm.DATABASES],
        other=arms[Arm.OTHER],
        included_studies=len({c.study for c in included} - previous_studies),
        previous=tuple(
            SourceCount(s.name, s.kind, s.platform, everything.get(s.name, 0))
            for s in protocol.sources
            if s.kind is SourceKind.PREVIOUS
        ),
        previous_studies=len(previous_studies),
        previous_reports=len(split.previous_reports),
        previous_version=version,
        previous_members=split.previous_reports,
        included_members=tuple(sorted(c.id for c in included)),
        meta_analysis=None if meta is None else _meta_counts(meta, [*split.previous, *included]),
        meta_members=None if meta is None else _meta_members(meta, [*split.previous, *included]),
        reason_labels={cr.code: f"{cr.code}: {cr.text}" for cr in protocol.criteria},
        declared=declared,
    )


def _arm_flow(
    arm: Arm,
    protocol: Protocol,
    per_source: Mapping[str, int],
    clusters: Sequence[Cluster],
    arm_of: Mapping[str, Arm],
    new: set[str],
    statuses: Mapping[str, screen.RecordStatus],
    split: Split,
    kinds: Mapping[str, SourceKind],
) -> ArmFlow:
    sources = tuple(
        SourceCount(s.name, s.kind, s.platform, per_source.get(s.name, 0))
        for s in protocol.sources
        if s.kind.arm is arm
    )
    mine = sorted(cid for cid, a in arm_of.items() if a is arm)
    identified, duplicates, cross, why = _identified(arm, clusters, arm_of, new, split, kinds)
    counts = screen.tally({cid: statuses[cid] for cid in mine})
    ids = _ids_by_status(statuses, mine)
    st = screen.Status
    sought = sorted(i for s in _PASSED for i in ids[s])
    members = {
        "identified": identified,
        "removed": tuple(sorted(duplicates + ids[st.INELIGIBLE])),
        "screened": tuple(i for i in mine if statuses[i].status is not st.INELIGIBLE),
        "excluded_screening": tuple(ids[st.TA_EXCLUDED]),
        "sought": tuple(sought),
        "not_retrieved": tuple(ids[st.FT_NOT_RETRIEVED]),
        "assessed": tuple(i for i in sought if statuses[i].status is not st.FT_NOT_RETRIEVED),
        "excluded_full_text": tuple(ids[st.FT_EXCLUDED]),
        "included": tuple(ids[st.INCLUDED]),
    }
    return ArmFlow(
        arm=arm,
        sources=sources,
        duplicates=len(duplicates),
        cross_duplicates=cross,
        duplicate_reasons=why,
        ineligible_automation=counts.ineligible_by_automation,
        ineligible_reasons=dict(counts.ineligible_by_rule),
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
        members=members,
    )


def _identified(
    arm: Arm,
    clusters: Sequence[Cluster],
    arm_of: Mapping[str, Arm],
    new: set[str],
    split: Split,
    kinds: Mapping[str, SourceKind],
) -> tuple[tuple[str, ...], list[str], int, dict[str, int]]:
    """Record ids this arm identified; those it removed as duplicates; how many of those
    duplicate a report the other arm kept; and why each duplicate was merged.

    The arm keeps one record of each new cluster it holds (the cluster's own record when the
    arm found it); every other record it identified duplicates a kept one, or a record of
    the previous version of the review.
    """
    identified: list[str] = []
    duplicates: list[str] = []
    cross = 0
    why: dict[str, int] = {}
    for c in clusters:
        found = sorted(
            (m for m in c.members if split.is_fresh(m) and _arm(kinds, m.source) is arm),
            key=lambda m: (m.record_id != c.id, m.key),
        )
        identified += (m.record_id for m in found)
        if not found:
            continue
        keep = 1 if c.id in new and arm_of[c.id] is arm else 0
        duplicates += (m.record_id for m in found[keep:])
        if c.id in new and arm_of[c.id] is not arm:
            cross += len(found)
        if len(found) > keep:
            reasons = _joined_by(c, _anchors(c, split, arm_of, new, kinds))
            for m in found[keep:]:
                method = dedup.link_method(*reasons.get(m.key, ("", "")))
                why[method] = why.get(method, 0) + 1
    return tuple(sorted(identified)), duplicates, cross, why


def _anchors(
    c: Cluster,
    split: Split,
    arm_of: Mapping[str, Arm],
    new: set[str],
    kinds: Mapping[str, SourceKind],
) -> set[str]:
    """The members a cluster's duplicates were matched to: the record its own arm kept (a
    new cluster) or the records of the previous version (any other cluster)."""
    if c.id not in new:
        return {m.key for m in c.members if not split.is_fresh(m)}
    own = sorted(
        (m for m in c.members if _arm(kinds, m.source) is arm_of[c.id]),
        key=lambda m: (m.record_id != c.id, m.key),
    )
    return {own[0].key} if own else set()


def _joined_by(c: Cluster, anchors: set[str]) -> dict[str, tuple[str, str]]:
    """Member key -> the reason and rule of the link that joined it, walking out from
    `anchors`."""
    near: dict[str, list[tuple[str, str, str]]] = {}
    for link in c.links:
        near.setdefault(link.a, []).append((link.b, link.reason, link.rule))
        near.setdefault(link.b, []).append((link.a, link.reason, link.rule))
    reached = dict.fromkeys(anchors, ("", ""))
    queue = deque(sorted(anchors))
    while queue:
        key = queue.popleft()
        for other, reason, rule in sorted(near.get(key, ())):
            if other not in reached:
                reached[other] = (reason, rule)
                queue.append(other)
    return reached


def _arm(kinds: Mapping[str, SourceKind], source: str) -> Arm | None:
    kind = kinds.get(source)
    return kind.arm if kind is not None else None


def _ids_by_status(
    statuses: Mapping[str, screen.RecordStatus], ids: Iterable[str]
) -> dict[screen.Status, list[str]]:
    out: dict[screen.Status, list[str]] = {st: [] for st in screen.Status}
    for rid in sorted(ids):
        out[statuses[rid].status].append(rid)
    return out


# --------------------------------------------------------------------------- meta-analysis


def _resolve_meta(meta: MetaAnalysisInput, included: Sequence[Cluster]) -> set[str]:
    """Study ids of the listed studies; an id that names no included study is an error."""
    study_of: dict[str, str] = {}
    for c in included:
        study_of[c.id] = c.study
        study_of[c.study] = c.study
        for m in c.members:
            study_of.setdefault(m.record_id, c.study)
    studies = set()
    for rid, line in meta.studies:
        if rid not in study_of:
            raise InputError(
                meta.path, f"'{rid}' is not an included study or one of its reports", line=line
            )
        studies.add(study_of[rid])
    return studies


def _meta_counts(meta: MetaAnalysisInput, included: Sequence[Cluster]) -> tuple[int, int]:
    studies = _resolve_meta(meta, included)
    return len(studies), sum(c.study in studies for c in included)


def _meta_members(meta: MetaAnalysisInput, included: Sequence[Cluster]) -> tuple[str, ...]:
    studies = _resolve_meta(meta, included)
    return tuple(sorted(c.id for c in included if c.study in studies))
