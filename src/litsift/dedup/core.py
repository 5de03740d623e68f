"""Deduplication as a pure function: records in, clusters with provenance out.

No record is deleted: every input record is a member of exactly one cluster.

Linking. Candidate pairs come from blocking (`blocking.py`) and are judged by the rules in
`match.py`. Links are then accepted greedily, strongest first: reviewer answers `same`
and memberships from the earlier run, then shared identifiers, then fuzzy matches by
score. A link is refused when it would put into one cluster two records a reviewer called
`different`, two different (non-preprint) DOIs, two kinds of report (article and erratum),
a preprint and a published version, or members of two different clusters of the earlier run
(records from an earlier search run are never merged into each other again). Matches of an
online-first record to a retitled print record come last, and are refused when the joined
cluster would hold two records printed at different places (another volume or pages). A
refused fuzzy match becomes an uncertain pair for a reviewer.

Kinds. A record printed at the volume(issue):page where another record's title says
"[Erratum appears in ...]" is an erratum, whatever its own title says.

Studies. PRISMA counts studies and reports apart. A match between a preprint and a
published record, an erratum and its article, or two reports with the same title, authors,
year and venue but other pages (a conference abstract and the paper) links their clusters
into one *study*; such reports are never merged into one cluster. The study id is the id of
its published cluster (the strongest, then smallest, id when several).

Reviewer answers are keyed by record id, so two records with the same title/author/year id
cannot be answered apart (they are compared on their other fields as usual).

Canonical record. The version of record (published over preprint, article over meeting
abstract, the copy with a DOI, an abstract, the fuller author list; see `canonical.py`),
its gaps filled from the other members; the cluster names the member chosen and why. It
carries the cluster id, so which member is chosen never changes an id.

Cluster id. The record id of the member with the strongest identifier (the smallest id on a
tie). When an earlier run is given, a cluster that holds members of an earlier cluster keeps
that cluster's id unless a member with a strictly stronger identifier has arrived.
"""

from __future__ import annotations

import gc
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from pydantic import Field

from litsift.dedup import canonical as versions
from litsift.dedup.blocking import candidate_pairs
from litsift.dedup.features import Features, features, id_strength, mark_located_errata
from litsift.dedup.match import (
    Decision,
    Rule,
    Thresholds,
    Verdict,
    compare,
    compare_fields,
    pages_agree,
)
from litsift.dedup.weights import DEFAULT as DEFAULT_WEIGHTS
from litsift.errors import RecordError
from litsift.models import Frozen, Record

log = logging.getLogger(__name__)

SAME = "same"
DIFFERENT = "different"
ANSWERS = (SAME, DIFFERENT)
_DEFAULT = Thresholds()
Matcher = Callable[[Features, Features], Verdict]  # decides one candidate pair
_Edge = tuple[int, int, str, float, str]  # i, j, reason, score, rule


class DedupConfig(Frozen):
    """The one matching configuration (the same for every data set)."""

    title_high: float = Field(_DEFAULT.title_high, ge=0, le=1)
    title_mid: float = Field(_DEFAULT.title_mid, ge=0, le=1)
    title_low: float = Field(_DEFAULT.title_low, ge=0, le=1)
    short_title_words: int = Field(_DEFAULT.short_title_words, ge=1)
    max_block: int = Field(60, ge=2)
    window: int = Field(12, ge=1)

    def thresholds(self) -> Thresholds:
        return Thresholds(self.title_high, self.title_mid, self.title_low, self.short_title_words)


class Member(Frozen):
    key: str  # f"{source}:{origin}", unique in one run
    record_id: str
    source: str
    origin: str


class Link(Frozen):
    a: str  # member keys
    b: str
    reason: str
    score: float
    rule: str = ""  # a `match.Rule`: what made the link, counted in reports
    weights: str = ""  # each field's Fellegi-Sunter weight for this pair (`weights.py`)


class Cluster(Frozen):
    id: str
    members: tuple[Member, ...]
    canonical: Record
    links: tuple[Link, ...]
    study: str
    canonical_from: str = ""  # member key of the version of record ('' for one member)
    canonical_why: str = ""  # what made it the version of record (`canonical.py`)


class UncertainPair(Frozen):
    a: str  # record ids, a < b
    b: str
    score: float
    why: str


class DedupResult(Frozen):
    clusters: tuple[Cluster, ...]
    uncertain: tuple[UncertainPair, ...]

    @property
    def records(self) -> int:
        return sum(len(c.members) for c in self.clusters)

    @property
    def duplicates_removed(self) -> int:
        """Input records minus clusters: the PRISMA 'duplicate records removed' count."""
        return self.records - len(self.clusters)

    @property
    def studies(self) -> int:
        return len({c.study for c in self.clusters})

    def links_per_rule(self) -> dict[str, int]:
        """How many links each rule made (reviewer answers and earlier runs included)."""
        counts = Counter(lk.rule or legacy_rule(lk.reason) for c in self.clusters for lk in c.links)
        return dict(sorted(counts.items()))

    def assignment(self) -> dict[str, str]:
        """Member key -> cluster id, to pass as `previous` on the next run."""
        return {m.key: c.id for c in self.clusters for m in c.members}


def member_key(record: Record) -> str:
    return f"{record.source}:{record.origin}"


def deduplicate(
    records: Sequence[Record],
    *,
    answers: Mapping[frozenset[str], str] = {},
    config: DedupConfig = DedupConfig(),  # noqa: B008
    previous: Mapping[str, str] = {},
    previous_links: Mapping[frozenset[str], Link] = {},
    matcher: Matcher | None = None,
) -> DedupResult:
    """Cluster records into reports and studies; pure and deterministic.

    `answers` maps a pair of record ids to `same` or `different` (data/dedup/pairs.yaml);
    `previous` maps member keys of an earlier run to their cluster ids, and
    `previous_links` gives that run's links (member keys -> reason, score), which are
    replayed as they were made so that a re-run with nothing new gives the same clusters,
    links included. `matcher` replaces the matching rules (`match.compare`) to measure
    another matcher on the same candidate pairs.
    """
    _check_keys(records)
    records = sorted(records, key=member_key)  # the result must not depend on input order
    with _gc_paused():
        feats = [features(r) for r in records]
        if marked := mark_located_errata(records, feats):
            log.info("dedup: %d records are errata announced in another title", marked)
        graph = _Graph(records, feats, previous)
        _apply_answers(graph, answers)
        _apply_previous(graph, previous, previous_links)
        _identifier_links(graph)
        matches, checked, maybes, study_links = _judge(graph, config, matcher)
        for score, i, j, reason, rule in sorted(matches, key=lambda m: (-m[0], m[1], m[2])):
            if not graph.union(i, j, reason, score, rule=rule):
                maybes.append((score, i, j, f"matches ({reason}) but its cluster conflicts", ""))
        for score, i, j, reason, rule in sorted(checked, key=lambda m: (-m[0], m[1], m[2])):
            if graph.placed_apart(i, j) or not graph.union(i, j, reason, score, rule=rule):
                maybes.append((score, i, j, f"matches ({reason}) but its cluster conflicts", ""))
        clusters = _build_clusters(graph, study_links)
        uncertain = _uncertain(graph, maybes, answers)
    log.info(
        "dedup: %d records, %d clusters, %d studies, %d uncertain pairs",
        len(records),
        len(clusters),
        len({c.study for c in clusters}),
        len(uncertain),
    )
    return DedupResult(clusters=clusters, uncertain=uncertain)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: it halved throughput on 100k records, and the
    objects built here hold no reference cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_keys(records: Sequence[Record]) -> None:
    seen: dict[str, str] = {}
    for r in records:
        key = member_key(r)
        if key in seen:
            raise RecordError(
                r.id,
                f"member key {key!r} is not unique (also {seen[key]}); "
                "every record needs its own source and origin",
            )
        seen[key] = r.id


# --------------------------------------------------------------------------- the link graph


@dataclass
class _Group:
    """What one growing cluster holds, to refuse links that would make it inconsistent."""

    members: list[int]
    dois: set[str]
    kinds: set[str]
    preprint: set[bool]
    previous: set[str]


@dataclass
class _Graph:
    records: Sequence[Record]
    feats: list[Features]
    previous_of: Mapping[str, str]
    parent: list[int] = field(init=False)
    groups: dict[int, _Group] = field(init=False)
    cannot: dict[int, set[int]] = field(init=False)
    links: list[_Edge] = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.records)
        self.parent = list(range(n))
        self.cannot = defaultdict(set)
        self.links = []
        self.groups = {}
        for i, (r, f) in enumerate(zip(self.records, self.feats, strict=True)):
            prev = self.previous_of.get(member_key(r))
            self.groups[i] = _Group(
                [i], {f.dois} - {""}, {f.kind}, {f.preprint}, {prev} if prev else set()
            )

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def conflict(self, i: int, j: int) -> bool:
        gi, gj = self.groups[self.find(i)], self.groups[self.find(j)]
        for x, y in (
            (gi.dois, gj.dois),
            (gi.kinds, gj.kinds),
            (gi.preprint, gj.preprint),
            (gi.previous, gj.previous),
        ):
            if x and y and x.isdisjoint(y):
                return True
        return self.forbidden(i, j)

    def forbidden(self, i: int, j: int) -> bool:
        ri, rj = self.find(i), self.find(j)
        small, other = sorted((ri, rj), key=lambda r: len(self.groups[r].members))
        return any(
            self.find(x) == other
            for m in self.groups[small].members
            for x in self.cannot.get(m, ())
        )

    def placed_apart(self, i: int, j: int) -> bool:
        """The clusters of i and j hold two records printed at different places."""
        placed = [[self.feats[m] for m in self.groups[self.find(x)].members] for x in (i, j)]
        return any(
            fa.volume
            and fa.page
            and fb.volume
            and fb.page
            and (fa.volume != fb.volume or not pages_agree(fa, fb))
            for fa in placed[0]
            for fb in placed[1]
        )

    def union(
        self, i: int, j: int, reason: str, score: float, force: bool = False, rule: str = ""
    ) -> bool:
        """Join the clusters of i and j; False when the link is refused."""
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return True
        if self.forbidden(i, j) or (not force and self.conflict(i, j)):
            return False
        if len(self.groups[ri].members) < len(self.groups[rj].members):
            ri, rj = rj, ri
        gi, gj = self.groups[ri], self.groups.pop(rj)
        gi.members += gj.members
        gi.dois |= gj.dois
        gi.kinds |= gj.kinds
        gi.preprint |= gj.preprint
        gi.previous |= gj.previous
        self.parent[rj] = ri
        self.links.append((i, j, reason, score, rule))
        return True


def _apply_answers(graph: _Graph, answers: Mapping[frozenset[str], str]) -> None:
    by_id: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(graph.records):
        by_id[r.id].append(i)
    ordered = sorted(answers.items(), key=lambda kv: (kv[1] != DIFFERENT, sorted(kv[0])))
    for pair, answer in ordered:
        if len(pair) != 2 or not all(x in by_id for x in pair):
            continue
        x, y = sorted(pair)
        for i in by_id[x]:
            for j in by_id[y]:
                if answer == DIFFERENT:
                    graph.cannot[i].add(j)
                    graph.cannot[j].add(i)
                elif answer == SAME and not graph.union(
                    i, j, "reviewer: same", 1.0, force=True, rule=Rule.REVIEWER
                ):
                    log.warning("reviewer answers conflict for %s and %s; kept apart", x, y)


def _apply_previous(
    graph: _Graph,
    previous: Mapping[str, str],
    links: Mapping[frozenset[str], Link] = {},
) -> None:
    index = {member_key(r): i for i, r in enumerate(graph.records)}
    for pair, link in sorted(links.items(), key=lambda kv: sorted(kv[0])):
        a, b = sorted(pair)
        if a in index and b in index and previous.get(a) == previous.get(b) is not None:
            rule = link.rule or legacy_rule(link.reason)
            graph.union(index[a], index[b], link.reason, link.score, force=True, rule=rule)
    first: dict[str, int] = {}  # members whose earlier links are gone still stay together
    for i, r in enumerate(graph.records):
        cid = previous.get(member_key(r))
        if cid is None:
            continue
        if cid in first:
            graph.union(first[cid], i, "earlier run", 1.0, force=True, rule=Rule.EARLIER_RUN)
        else:
            first[cid] = i


def legacy_rule(reason: str) -> str:
    """The rule of a link written before links named their rule (read from its reason)."""
    for prefix, rule in (
        ("same id ", Rule.SAME_ID),
        ("reviewer", Rule.REVIEWER),
        ("earlier run", Rule.EARLIER_RUN),
        ("same ", Rule.IDENTIFIER),
    ):
        if reason.startswith(prefix):
            return rule
    return "fuzzy match (earlier run)"


def _identifier_links(graph: _Graph) -> None:
    """Records with the same persistent-identifier record id (not a title/author/year id)."""
    first: dict[str, int] = {}
    for i, r in enumerate(graph.records):
        if r.id.startswith("ta-"):
            continue
        if r.id in first:
            a = first[r.id]
            if graph.feats[a].preprint == graph.feats[i].preprint:
                graph.union(a, i, f"same id {r.id}", 1.0, rule=Rule.SAME_ID)
        else:
            first[r.id] = i


Scored = tuple[float, int, int, str, str]  # score, i, j, reason, rule


def _judge(
    graph: _Graph, config: DedupConfig, matcher: Matcher | None = None
) -> tuple[list[Scored], list[Scored], list[Scored], list[Scored]]:
    """Compare candidate pairs: matches, matches to check against placement (accepted after
    the others), uncertain pairs, and links between reports of one study."""
    th = config.thresholds()
    matches: list[Scored] = []
    checked: list[Scored] = []
    maybes: list[Scored] = []
    study_links: list[Scored] = []
    feats = graph.feats
    for i, j in candidate_pairs(feats, config.max_block, config.window):
        verdict = matcher(feats[i], feats[j]) if matcher else compare(feats[i], feats[j], th)
        item = (verdict.score, i, j, verdict.reason, verdict.rule)
        if verdict.decision is Decision.MATCH:
            if feats[i].preprint != feats[j].preprint:
                study_links.append(item)
            else:
                (checked if verdict.placed_apart_refuses else matches).append(item)
        elif verdict.decision is Decision.MAYBE:
            maybes.append(item)
        elif verdict.decision is Decision.STUDY:
            study_links.append(item)
        if verdict.hard:
            graph.cannot[i].add(j)
            graph.cannot[j].add(i)
    return matches, checked, maybes, study_links


# --------------------------------------------------------------------------- clusters


def _build_clusters(graph: _Graph, study_links: list[Scored]) -> tuple[Cluster, ...]:
    by_root: dict[int, list[int]] = defaultdict(list)
    for i in range(len(graph.records)):
        by_root[graph.find(i)].append(i)
    links_by_root: dict[int, list[_Edge]] = defaultdict(list)
    for link in graph.links:
        links_by_root[graph.find(link[0])].append(link)
    ids = _unique_ids(
        {root: _cluster_id(graph, idx) for root, idx in by_root.items()}, by_root, graph
    )
    studies = _studies(graph, study_links, ids)
    clusters = [
        _cluster(graph, idx, links_by_root[root], ids[root], studies[root])
        for root, idx in by_root.items()
    ]
    return tuple(sorted(clusters, key=lambda c: c.id))


def _cluster(graph: _Graph, idx: list[int], links: list[_Edge], cid: str, study: str) -> Cluster:
    """One cluster; built with model_construct because every part is already validated."""
    recs = [graph.records[i] for i in idx]
    members = sorted(
        (
            Member.model_construct(
                key=member_key(r), record_id=r.id, source=r.source, origin=r.origin
            )
            for r in recs
        ),
        key=lambda m: m.key,
    )
    order = versions.ranked(recs)
    return Cluster.model_construct(
        id=cid,
        members=tuple(members),
        canonical=canonical(recs, cid),
        canonical_from=member_key(order[0]) if len(recs) > 1 else "",
        canonical_why=versions.why_chosen(order),
        links=tuple(sorted((_link(graph, *lk) for lk in links), key=lambda lk: (lk.a, lk.b))),
        study=study,
    )


def _link(graph: _Graph, i: int, j: int, reason: str, score: float, rule: str) -> Link:
    a, b = sorted((member_key(graph.records[i]), member_key(graph.records[j])))
    weights = DEFAULT_WEIGHTS.explain(compare_fields(graph.feats[i], graph.feats[j]))
    return Link.model_construct(
        a=a, b=b, reason=reason, score=round(score, 4), rule=rule, weights=weights
    )


def _cluster_id(graph: _Graph, idx: list[int]) -> str:
    best = min((id_strength(graph.records[i].id), graph.records[i].id) for i in idx)
    earlier = {
        graph.previous_of[k]
        for k in (member_key(graph.records[i]) for i in idx)
        if k in graph.previous_of
    }
    if len(earlier) == 1:
        old = next(iter(earlier))
        if id_strength(old) <= best[0]:
            return old
    return best[1]


def _unique_ids(
    ids: dict[int, str], by_root: dict[int, list[int]], graph: _Graph
) -> dict[int, str]:
    """Two clusters can share a title/author/year id; later ones get a '~2', '~3' suffix."""
    by_id: dict[str, list[int]] = defaultdict(list)
    for root, cid in ids.items():
        by_id[cid].append(root)
    out = dict(ids)
    for cid, roots in by_id.items():
        if len(roots) < 2:
            continue
        roots.sort(key=lambda r: min(member_key(graph.records[i]) for i in by_root[r]))
        for n, root in enumerate(roots[1:], start=2):
            out[root] = f"{cid}~{n}"
    return out


def _studies(graph: _Graph, study_links: list[Scored], ids: dict[int, str]) -> dict[int, str]:
    """Study id of each cluster root: clusters joined by preprint-published matches."""
    parent = {root: root for root in ids}

    def find(r: int) -> int:
        while parent[r] != r:
            r = parent[r]
        return r

    for _, i, j, _, _ in study_links:
        a, b = find(graph.find(i)), find(graph.find(j))
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for root in ids:
        groups[find(root)].append(root)
    study: dict[int, str] = {}
    for roots in groups.values():
        lead = min(
            roots, key=lambda r: (graph.groups[r].preprint == {True}, id_strength(ids[r]), ids[r])
        )
        study.update({r: ids[lead] for r in roots})
    return study


def canonical(records: Sequence[Record], cluster_id: str) -> Record:
    """The merged record of a cluster (its version of record; see `canonical.py`)."""
    if len(records) == 1 and records[0].id == cluster_id:
        return records[0]
    return versions.merge(versions.ranked(records), cluster_id)


def _uncertain(
    graph: _Graph, maybes: list[Scored], answers: Mapping[frozenset[str], str]
) -> tuple[UncertainPair, ...]:
    best: dict[tuple[str, str], UncertainPair] = {}
    for score, i, j, why, _ in maybes:
        if graph.find(i) == graph.find(j) or graph.forbidden(i, j):
            continue
        a, b = sorted((graph.records[i].id, graph.records[j].id))
        if a == b or frozenset((a, b)) in answers:
            continue
        pair = UncertainPair(a=a, b=b, score=round(score, 4), why=why)
        if (a, b) not in best or best[(a, b)].score < pair.score:
            best[(a, b)] = pair
    return tuple(best[k] for k in sorted(best))
