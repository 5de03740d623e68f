"""Deduplication as a pure function: records in, clusters with provenance out.

No record is deleted: every input record is a member of exactly one cluster.

Linking. Candidate pairs come from blocking (`blocking.py`) and are judged by the rules in
`match.py`. Links are then accepted greedily, strongest first: reviewer answers `same`
and memberships from the earlier run, then shared identifiers, then fuzzy matches by
score. A link is refused when it would put into one cluster two records a reviewer called
`different`, two different (non-preprint) DOIs, two kinds of report (article and erratum;
only a notice printed where its article says, or a reply printed with its letter, joins
its article's cluster, where it is listed in `notices` and is never the canonical record),
a preprint and a published version, or members of two different clusters of the earlier run
(records from an earlier search run are never merged into each other again). Matches of an
online-first record to a retitled print record come last, and are refused when the joined
cluster would hold two records printed at different places (another volume or pages). A
refused fuzzy match becomes an uncertain pair for a reviewer: one per two clusters (the
likeliest of their members' pairs), since the answer holds for both clusters whole.

Kinds. A record printed at the volume(issue):page where another record's title says
"[Erratum appears in ...]" ("[Retraction in: ...]") is an erratum (a retraction notice),
whatever its own title says. A cluster holding a retraction notice is `retracted`.

Studies. PRISMA counts studies and reports apart. A match between a preprint and a
published record, an erratum its article does not announce and the article, or two reports
with the same title, authors, year and venue but other pages (a one-page report printed
after the paper) links their clusters into one *study*; such reports are never merged into
one cluster. The study id is the id of
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

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from pydantic import Field

from litsift.dedup import canonical as versions
from litsift.dedup.blocking import KINDS, candidate_pairs
from litsift.dedup.features import Features, features, id_strength, mark_located_errata
from litsift.dedup.match import (
    JOINS_KINDS,
    Fields,
    MatchDecision,
    MatchVerdict,
    Rule,
    Thresholds,
    compare,
    compare_fields,
    pages_agree,
)
from litsift.dedup.weights import DEFAULT as DEFAULT_WEIGHTS
from litsift.errors import RecordError
from litsift.gcpause import paused
from litsift.models import Frozen, Record

log = logging.getLogger(__name__)

SAME = "same"
DIFFERENT = "different"
ANSWERS = (SAME, DIFFERENT)
_DEFAULT = Thresholds()
Matcher = Callable[[Features, Features], MatchVerdict]  # decides one candidate pair
_Edge = tuple[int, int, str, float, str, "Fields | None"]  # i, j, reason, score, rule, fields
Progress = Callable[[str, int, int], None]  # stage, done, total


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
    notices: tuple[str, ...] = ()  # member keys of its notices and replies (never canonical)
    retracted: bool = False  # a member is a retraction notice of the article


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

    def retracted_ids(self) -> frozenset[str]:
        """Ids of the clusters holding a retraction notice of their article."""
        return frozenset(c.id for c in self.clusters if c.retracted)

    def assignment(self) -> dict[str, str]:
        """Member key -> cluster id, to pass as `previous` on the next run."""
        return {m.key: c.id for c in self.clusters for m in c.members}


def member_key(record: Record) -> str:
    return f"{record.source}:{record.origin}"


def still_valid(
    previous: Mapping[str, tuple[str, str]],
    previous_links: Mapping[frozenset[str], Link],
    records: Sequence[Record],
) -> tuple[dict[str, str], dict[frozenset[str], Link]]:
    """The part of the last run's clusters that still describes these records.

    A member key names a record by where it was read (file and line); when an export file
    is edited, another record can come to sit at a key. The last run's cluster of a key is
    honoured only while the record there has the same id as then, and a link only while
    both its ends are honoured.
    """
    now = {member_key(r): r.id for r in records}
    kept = {key: cid for key, (cid, rid) in previous.items() if now.get(key) == rid}
    links = {pair: v for pair, v in previous_links.items() if pair <= kept.keys()}
    return kept, links


IDENTIFIER_LINK = "a shared identifier"
FUZZY_LINK = "fuzzy matching"
REVIEWER_LINK = "a reviewer's answer"
EARLIER_LINK = "an earlier run's clusters"


def link_method(reason: str, rule: str = "") -> str:
    """The kind of evidence behind a link, for counts in the methods text; a fuzzy match
    names the rule that made it ("fuzzy matching, rule 'near-identical title'"). A link written
    before links named their rule is read from its reason."""
    rule = rule or legacy_rule(reason)
    if rule == Rule.REVIEWER:
        return REVIEWER_LINK
    if rule == Rule.EARLIER_RUN:
        return EARLIER_LINK
    if rule in (Rule.IDENTIFIER, Rule.SAME_ID):
        return IDENTIFIER_LINK
    return f"{FUZZY_LINK}, rule '{rule}'" if rule in set(Rule) else FUZZY_LINK


def deduplicate(
    records: Sequence[Record],
    *,
    answers: Mapping[frozenset[str], str] = {},
    config: DedupConfig = DedupConfig(),  # noqa: B008
    previous: Mapping[str, str] = {},
    previous_links: Mapping[frozenset[str], Link] = {},
    matcher: Matcher | None = None,
    progress: Progress | None = None,
) -> DedupResult:
    """Cluster records into reports and studies; pure and deterministic.

    `answers` maps a pair of record ids to `same` or `different` (data/dedup/pairs.yaml);
    `previous` maps member keys of an earlier run to their cluster ids, and
    `previous_links` gives that run's links (by their member keys), which are replayed as
    they were made so that a re-run with nothing new gives the same clusters, links
    included. `matcher` replaces the matching rules (`match.compare`) to measure another
    matcher on the same candidate pairs. `progress(stage, done, total)` is called now and
    then on long runs (for a progress bar).
    """
    tick = progress or _quiet
    _check_keys(records)
    records = sorted(records, key=member_key)  # the result must not depend on input order
    with paused():  # the collector halved throughput on 100k records
        graph = _Graph(records, _features(records, tick), previous)
        if marked := mark_located_errata(records, graph.feats):
            log.info("dedup: %d records are errata announced in another title", marked)
        _apply_answers(graph, answers)
        _apply_previous(graph, previous, previous_links)
        _identifier_links(graph)
        matches, checked, maybes, study_links = _judge(graph, config, matcher, tick)
        _accept(graph, matches, checked, maybes)
        uncertain = _uncertain(graph, maybes, answers)
        tick("clusters", 0, 1)
        clusters = _build_clusters(graph, study_links)
        tick("clusters", 1, 1)
    log.info(
        "dedup: %d records, %d clusters, %d studies, %d uncertain pairs",
        len(records),
        len(clusters),
        len({c.study for c in clusters}),
        len(uncertain),
    )
    return DedupResult(clusters=clusters, uncertain=uncertain)


def _accept(
    graph: _Graph, matches: list[Scored], checked: list[Scored], maybes: list[Scored]
) -> None:
    """Link the matches strongest first, then those checked against placement; a refused
    match becomes an uncertain pair."""
    for late, found in ((False, matches), (True, checked)):
        for score, i, j, reason, rule, f in sorted(found, key=lambda m: (-m[0], m[1], m[2])):
            if (late and graph.placed_apart(i, j)) or not graph.union(
                i, j, reason, score, rule=rule, fields=f, kinds=rule in JOINS_KINDS
            ):
                why = f"matches ({reason}) but its cluster conflicts"
                maybes.append((score, i, j, why, "", None))


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress to show."""


_STEP = 1 << 15  # report progress every this many records or pairs


def _features(records: Sequence[Record], tick: Progress) -> list[Features]:
    feats = []
    for start in range(0, len(records), _STEP):
        feats.extend(features(r) for r in records[start : start + _STEP])
        tick("features", len(feats), len(records))
    return feats


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
        self.parent = list(range(len(self.records)))
        self.cannot = defaultdict(set)
        self.links = []
        self.groups = {}  # only clusters of two or more; a single record's is made on demand

    def group(self, root: int) -> _Group:
        """What the cluster rooted at `root` holds."""
        found = self.groups.get(root)
        if found is not None:
            return found
        f = self.feats[root]
        prev = self._previous(root)
        return _Group([root], {f.dois} - {""}, {f.kind}, {f.preprint}, {prev} if prev else set())

    def _previous(self, i: int) -> str | None:
        return self.previous_of.get(member_key(self.records[i])) if self.previous_of else None

    def members(self, root: int) -> list[int]:
        found = self.groups.get(root)
        return found.members if found is not None else [root]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def conflict(self, i: int, j: int) -> bool:
        ri, rj = self.find(i), self.find(j)
        return self._clash(ri, rj) or self._forbidden(ri, rj)

    def _clash(self, ri: int, rj: int, kinds: bool = False) -> bool:
        """Two DOIs, kinds, versions or earlier clusters that no one cluster may hold
        (`kinds`: two kinds of report are allowed, for a notice joining its article)."""
        if ri not in self.groups and rj not in self.groups:  # two single records: the fast way
            a, b = self.feats[ri], self.feats[rj]
            if (a.dois and b.dois and a.dois != b.dois) or (a.kind != b.kind and not kinds):
                return True
            if a.preprint != b.preprint:
                return True
            pa, pb = self._previous(ri), self._previous(rj)
            return bool(pa and pb and pa != pb)
        gi, gj = self.group(ri), self.group(rj)
        return any(
            x and y and x.isdisjoint(y)
            for x, y in (
                (gi.dois, gj.dois),
                (set() if kinds else gi.kinds, gj.kinds),
                (gi.preprint, gj.preprint),
                (gi.previous, gj.previous),
            )
        )

    def forbidden(self, i: int, j: int) -> bool:
        return self._forbidden(self.find(i), self.find(j))

    def _forbidden(self, ri: int, rj: int) -> bool:
        if not self.cannot:
            return False
        small, other = sorted((ri, rj), key=lambda r: len(self.members(r)))
        return any(
            self.find(x) == other for m in self.members(small) for x in self.cannot.get(m, ())
        )

    def placed_apart(self, i: int, j: int) -> bool:
        """The clusters of i and j hold two records printed at different places."""
        placed = [[self.feats[m] for m in self.members(self.find(x))] for x in (i, j)]
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
        self,
        i: int,
        j: int,
        reason: str,
        score: float,
        force: bool = False,
        rule: str = "",
        fields: Fields | None = None,
        kinds: bool = False,
    ) -> bool:
        """Join the clusters of i and j; False when the link is refused (`kinds`: the link
        puts a notice or reply with its article, so two kinds of report may meet)."""
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return True
        if self._forbidden(ri, rj) or (not force and self._clash(ri, rj, kinds)):
            return False
        gi, gj = self.group(ri), self.group(rj)
        if len(gi.members) < len(gj.members):
            ri, rj, gi, gj = rj, ri, gj, gi
        self.groups.pop(rj, None)
        self.groups[ri] = gi
        gi.members += gj.members
        gi.dois |= gj.dois
        gi.kinds |= gj.kinds
        gi.preprint |= gj.preprint
        gi.previous |= gj.previous
        self.parent[rj] = ri
        self.links.append((i, j, reason, score, rule, fields))
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


Scored = tuple[float, int, int, str, str, "Fields | None"]  # score, i, j, reason, rule, fields


def _kept_apart_anyway(a: Features, b: Features) -> bool:
    """Two different DOIs or two kinds of report: every cluster
    check refuses these already (`_Graph.conflict`), so no pair needs remembering (that
    would cost a set per record with a DOI)."""
    return (bool(a.dois and b.dois) and a.dois != b.dois) or a.kind != b.kind


def _pairs(pairs: np.ndarray, chunk: int = 65536) -> Iterator[tuple[int, int]]:
    """Rows of a pair array as Python ints, a chunk at a time (lists of ints are large)."""
    for start in range(0, len(pairs), chunk):
        part = pairs[start : start + chunk]
        yield from zip(part[:, 0].tolist(), part[:, 1].tolist(), strict=True)


_UNANNOUNCED = "a notice its article's record does not announce, the same report? "


def _judge(
    graph: _Graph, config: DedupConfig, matcher: Matcher | None = None, tick: Progress = _quiet
) -> tuple[list[Scored], list[Scored], list[Scored], list[Scored]]:
    """Compare candidate pairs: matches, matches to check against placement (accepted after
    the others), uncertain pairs, and links between reports of one study."""
    th = config.thresholds()
    matches: list[Scored] = []
    checked: list[Scored] = []
    maybes: list[Scored] = []
    study_links: list[Scored] = []
    feats = graph.feats
    kinds = len(KINDS)
    pairs = candidate_pairs(
        feats, config.max_block, config.window, lambda k: tick("blocking", k, kinds)
    )
    for done, (i, j) in enumerate(_pairs(pairs), start=1):
        if not done % _STEP:
            tick("comparing", done, len(pairs))
        verdict = matcher(feats[i], feats[j]) if matcher else compare(feats[i], feats[j], th)
        keep = verdict.fields if verdict.decision is MatchDecision.MATCH else None  # for the link
        item = (verdict.score, i, j, verdict.reason, verdict.rule, keep)
        if verdict.decision is MatchDecision.MATCH:
            if feats[i].preprint != feats[j].preprint:
                study_links.append(item)
            else:
                (checked if verdict.placed_apart_refuses else matches).append(item)
        elif verdict.decision is MatchDecision.MAYBE:
            maybes.append(item)
        elif verdict.decision is MatchDecision.STUDY:
            study_links.append(item)
            if feats[i].kind != feats[j].kind:  # a notice its article does not announce
                maybes.append((verdict.score, i, j, _UNANNOUNCED + verdict.reason, "", None))
        if verdict.hard and not _kept_apart_anyway(feats[i], feats[j]):
            graph.cannot[i].add(j)
            graph.cannot[j].add(i)
    tick("comparing", len(pairs), len(pairs))
    return matches, checked, maybes, study_links


# --------------------------------------------------------------------------- clusters


def _build_clusters(graph: _Graph, study_links: list[Scored]) -> tuple[Cluster, ...]:
    by_root: dict[int, list[int]] = defaultdict(list)
    for i in range(len(graph.records)):
        by_root[graph.find(i)].append(i)
    keys = [member_key(r) for r in graph.records]  # one string per member, shared
    links_by_root: dict[int, list[Link]] = defaultdict(list)
    for link in graph.links:
        links_by_root[graph.find(link[0])].append(_link(graph, keys, *link))
    ids = _unique_ids(
        {root: _cluster_id(graph, idx) for root, idx in by_root.items()}, by_root, graph
    )
    studies = _studies(graph, study_links, ids)
    kinds = {i: f.kind for i, f in enumerate(graph.feats) if f.kind != "article"}
    graph.feats = []  # no longer needed: free them before the clusters are built
    clusters = [
        _cluster(graph, keys, idx, links_by_root.pop(root, []), ids[root], studies[root], kinds)
        for root, idx in by_root.items()
    ]
    return tuple(sorted(clusters, key=lambda c: c.id))


_M = TypeVar("_M", bound=Frozen)


def _built(cls: type[_M], values: dict[str, object]) -> _M:
    """`cls.model_construct(**values)` for values that are complete (every field, in
    declaration order) and already valid, without its per-field loop, and sharing one
    fields-set per class: a million members and clusters are built here."""
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", _FIELDS_SET[cls])
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


_FIELDS_SET: dict[type, set[str]] = {c: set(c.model_fields) for c in (Member, Link, Cluster)}


def _cluster(
    graph: _Graph,
    keys: list[str],
    idx: list[int],
    links: list[Link],
    cid: str,
    study: str,
    kinds: Mapping[int, str],
) -> Cluster:
    """One cluster; built with model_construct because every part is already validated.

    Its notices and replies (members of another kind than an article it holds) are listed
    on it and never its version of record; a retraction notice marks it retracted."""
    records = graph.records
    members = tuple(
        _built(
            Member,
            {
                "key": keys[i],
                "record_id": records[i].id,
                "source": records[i].source,
                "origin": records[i].origin,
            },
        )
        for i in sorted(idx, key=keys.__getitem__)
    )
    recs = [graph.records[i] for i in idx]
    notices = [i for i in idx if i in kinds] if len(idx) > 1 and kinds else []
    if len(notices) == len(idx):
        notices = []  # copies of one notice: it is the report
    if len(recs) == 1:
        chosen, canon, why = "", canonical(recs, cid), ""
    else:
        noticed = {id(graph.records[i]) for i in notices}
        order, why = versions.choose(recs, lambda r: id(r) in noticed)
        reports = [r for r in order if id(r) not in noticed]
        chosen, canon = member_key(order[0]), versions.merge(reports, cid, len(order))
    return _built(
        Cluster,
        {
            "id": cid,
            "members": members,
            "canonical": canon,
            "links": tuple(sorted(links, key=lambda lk: (lk.a, lk.b))) if links else (),
            "study": study,
            "canonical_from": chosen,
            "canonical_why": why,
            "notices": tuple(sorted(keys[i] for i in notices)),
            "retracted": any(kinds[i] == "retraction" for i in notices),
        },
    )


def _link(
    graph: _Graph,
    keys: list[str],
    i: int,
    j: int,
    reason: str,
    score: float,
    rule: str,
    fields: Fields | None,
) -> Link:
    a, b = sorted((keys[i], keys[j]))
    compared = fields or compare_fields(graph.feats[i], graph.feats[j])
    weights = DEFAULT_WEIGHTS.explain(compared)
    return _built(
        Link,
        {
            "a": a,
            "b": b,
            "reason": reason,
            "score": round(score, 4),
            "rule": rule,
            "weights": weights,
        },
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

    for _, i, j, *_ in study_links:
        a, b = find(graph.find(i)), find(graph.find(j))
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for root in ids:
        groups[find(root)].append(root)
    study: dict[int, str] = {}
    for roots in groups.values():
        lead = min(
            roots, key=lambda r: (graph.group(r).preprint == {True}, id_strength(ids[r]), ids[r])
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
    # one question per two clusters: the answer to it holds for every member of both (a
    # `different` keeps the clusters apart, a `same` joins them), so asking about each
    # member of an article's cluster and its notice would ask one question several times
    best: dict[tuple[int, int], UncertainPair] = {}
    for score, i, j, why, *_ in maybes:
        ri, rj = graph.find(i), graph.find(j)
        if ri == rj or graph.forbidden(i, j):
            continue
        a, b = sorted((graph.records[i].id, graph.records[j].id))
        if a == b or frozenset((a, b)) in answers:
            continue
        pair = UncertainPair(a=a, b=b, score=round(score, 4), why=why)
        key = (min(ri, rj), max(ri, rj))
        held = best.get(key)
        if held is None or (-pair.score, pair.a, pair.b) < (-held.score, held.a, held.b):
            best[key] = pair
    return tuple(sorted(best.values(), key=lambda p: (p.a, p.b)))
