"""Why a record merged, or did not: its cluster, the links, and its nearest candidates.

Pure: the records and the dedup result in, an `Explanation` out; `lines` renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from litsift.dedup.blocking import keys
from litsift.dedup.core import Cluster, DedupResult, UncertainPair, member_key
from litsift.dedup.features import Features, features
from litsift.dedup.match import compare, compare_fields
from litsift.dedup.weights import DEFAULT
from litsift.errors import RecordError
from litsift.models import Record


@dataclass(frozen=True)
class Candidate:
    """A record that shares a blocking key with a member, and how the pair was judged."""

    member: str  # the member of the explained cluster
    other: str  # member key of the candidate
    other_id: str
    other_cluster: str
    title: str
    decision: str
    reason: str
    weights: str
    weight: float


@dataclass(frozen=True)
class Explanation:
    cluster: Cluster
    titles: dict[str, str]  # member key -> title
    nearest: tuple[Candidate, ...]  # candidates in other clusters, strongest weight first
    uncertain: tuple[UncertainPair, ...]


def find_cluster(result: DedupResult, wanted: str) -> Cluster:
    """The cluster whose id, member key or member record id is `wanted`."""
    for c in result.clusters:
        if c.id == wanted or any(wanted in (m.key, m.record_id) for m in c.members):
            return c
    raise RecordError(wanted, "no record, member key or cluster with this id")


def explain(
    records: Sequence[Record], result: DedupResult, wanted: str, nearest: int = 5
) -> Explanation:
    """Explain the cluster of `wanted` and list its `nearest` unmerged candidates."""
    cluster = find_cluster(result, wanted)
    by_key = {member_key(r): r for r in records}
    cluster_of = {m.key: c.id for c in result.clusters for m in c.members}
    inside = {m.key for m in cluster.members}
    feats = {k: features(r) for k, r in by_key.items()}
    index: dict[str, list[str]] = {}
    for k, f in feats.items():
        for key in set(keys(f)):
            index.setdefault(key, []).append(k)
    found: list[Candidate] = []
    for m in sorted(inside):
        near = {o for key in set(keys(feats[m])) for o in index.get(key, ()) if o not in inside}
        found.extend(_candidate(m, o, feats[m], feats[o], by_key[o], cluster_of[o]) for o in near)
    found.sort(key=lambda c: (-c.weight, c.other, c.member))
    best: dict[str, Candidate] = {}  # one line per candidate: its strongest pair
    for cand in found:
        best.setdefault(cand.other, cand)
    ids = {m.record_id for m in cluster.members}
    return Explanation(
        cluster=cluster,
        titles={k: by_key[k].title or "" for k in sorted(inside) if k in by_key},
        nearest=tuple(best.values())[:nearest],
        uncertain=tuple(u for u in result.uncertain if {u.a, u.b} & ids),
    )


def _candidate(
    member: str, other: str, a: Features, b: Features, record: Record, cluster: str
) -> Candidate:
    verdict = compare(a, b)
    fields = compare_fields(a, b)
    return Candidate(
        member=member,
        other=other,
        other_id=record.id,
        other_cluster=cluster,
        title=record.title or "",
        decision=verdict.decision.value,
        reason=verdict.reason,
        weights=DEFAULT.explain(fields),
        weight=round(DEFAULT.score(fields), 3),
    )


def lines(e: Explanation) -> list[str]:
    """The explanation as text, one fact a line."""
    c = e.cluster
    n = len(c.members)
    out = [f"cluster {c.id} (study {c.study}): {n} record{'s' if n != 1 else ''}"]
    if c.canonical_from:
        out.append(f"version of record: {c.canonical_from} ({c.canonical_why})")
    out.append("members:")
    out += [f"  {m.key}  {m.record_id}  {e.titles.get(m.key, '')[:80]}" for m in c.members]
    if c.links:
        out.append("merged because:")
        for lk in c.links:
            out.append(f"  {lk.a} + {lk.b}: [{lk.rule}] {lk.reason}")
            out.append(f"      weights: {lk.weights}")
    else:
        out.append("not merged with any other record")
    if e.nearest:
        out.append("nearest records not merged:")
        for cand in e.nearest:
            out.append(f"  {cand.other}  {cand.other_id} (cluster {cand.other_cluster})")
            out.append(f"      {cand.title[:80]}")
            out.append(f"      {cand.decision}: {cand.reason}")
            out.append(f"      weights: {cand.weights}")
    for u in e.uncertain:
        out.append(f"uncertain pair for a reviewer (data/dedup/pairs.yaml): {u.a} / {u.b}: {u.why}")
    return out
