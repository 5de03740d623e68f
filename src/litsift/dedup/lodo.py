"""Rules against learned matchers, leave one dataset out, on the same pair features.

For every labelled set in turn, the others are the training sets: Fellegi-Sunter weights
are estimated from their labelled candidate pairs (or fitted by EM without labels, as
Splink does), a logistic regression is trained on the same field levels, and each
learned matcher's merge threshold is the lowest that makes no false merge on any training
set. The held-out set is then deduplicated with each matcher (the vetoes that no field can
overturn - two kinds of report, two DOIs, a shared identifier - apply to all) and scored
pairwise. The rules need no training: they are scored on every set as they are.

Pure: labelled sets in (records and labelled clusters), rows of scores out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from litsift.dedup.bench import BenchResult, pairs_of, predicted_clusters, score
from litsift.dedup.blocking import candidate_pairs
from litsift.dedup.core import Matcher, deduplicate, member_key
from litsift.dedup.features import Features, features
from litsift.dedup.match import (
    Fields,
    MatchDecision,
    MatchVerdict,
    Thresholds,
    compare,
    compare_fields,
    settle,
    title_similarity,
)
from litsift.dedup.weights import FIELDS, Weights, estimate, expectation_maximisation, levels
from litsift.models import Record

LabelledSet = tuple[Sequence[Record], Sequence[Sequence[str]]]
MATCHERS = ("rules", "fellegi-sunter", "fellegi-sunter (EM)", "logistic regression", "rules + FS")


@dataclass(frozen=True)
class Pair:
    """One candidate pair the fields must decide (no veto or shared identifier settles it)."""

    fields: Fields
    duplicate: bool


def field_pairs(records: Sequence[Record], clusters: Sequence[Sequence[str]]) -> list[Pair]:
    """The labelled candidate pairs of one set that no veto or identifier settles."""
    truth = pairs_of(clusters)
    ordered = sorted(records, key=member_key)
    feats = [features(r) for r in ordered]
    th = Thresholds()
    out = []
    for i, j in candidate_pairs(feats).tolist():
        a, b = feats[i], feats[j]
        if settle(a, b, title_similarity(a, b), th) is not None:
            continue
        key = tuple(sorted((ordered[i].origin, ordered[j].origin)))
        out.append(Pair(compare_fields(a, b), key in truth))
    return out


# --------------------------------------------------------------------------- matchers


def scored_matcher(scorer: Callable[[Fields], float], threshold: float, explain: str) -> Matcher:
    """A matcher that merges when `scorer` reaches `threshold` (vetoes first, as the rules)."""
    th = Thresholds()

    def judge(a: Features, b: Features) -> MatchVerdict:
        settled = settle(a, b, title_similarity(a, b), th)
        if settled is not None:
            return settled
        value = scorer(compare_fields(a, b))
        decision = MatchDecision.MATCH if value >= threshold else MatchDecision.NO
        return MatchVerdict(decision, round(value, 3), f"{explain} {value:.2f}", rule=explain)

    return judge


def hybrid_matcher(weights: Weights, threshold: float) -> Matcher:
    """The rules, with an uncertain pair merged when its Fellegi-Sunter weight reaches the
    threshold."""
    th = Thresholds()

    def judge(a: Features, b: Features) -> MatchVerdict:
        verdict = compare(a, b, th)
        if verdict.decision is MatchDecision.MAYBE and not verdict.hard:
            value = weights.score(compare_fields(a, b))
            if value >= threshold:
                return MatchVerdict(
                    MatchDecision.MATCH, verdict.score, f"weight {value:.1f}; {verdict.reason}"
                )
        return verdict

    return judge


def zero_fp_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The lowest threshold above every non-duplicate's score (no false merge in training)."""
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    return (max(negatives) if negatives else min(scores, default=0.0)) + 1e-6


def one_hot(f: Fields) -> dict[str, float]:
    """Field levels as indicator features, plus the title similarity itself."""
    row = {f"{n}={lv}": 1.0 for n, lv in zip(FIELDS, levels(f), strict=True) if lv}
    row["title_similarity"] = f.title or 0.0
    return row


def _logistic(train: Sequence[Pair]) -> Callable[[Fields], float]:
    from sklearn.feature_extraction import DictVectorizer  # only the benchmark needs these
    from sklearn.linear_model import LogisticRegression

    vectoriser = DictVectorizer(sparse=False)
    x = vectoriser.fit_transform([one_hot(p.fields) for p in train])
    model = LogisticRegression(max_iter=2000, C=1.0).fit(x, [p.duplicate for p in train])

    def decision(f: Fields) -> float:
        return float(model.decision_function(vectoriser.transform([one_hot(f)]))[0])

    return decision


def _trained(name: str, train: Sequence[Pair]) -> tuple[Callable[[Fields], float], str]:
    if name == "logistic regression":
        return _logistic(train), "logistic score"
    supervised = estimate((p.fields, p.duplicate) for p in train)
    if name == "fellegi-sunter (EM)":
        fitted = expectation_maximisation([p.fields for p in train], supervised)
        return fitted.score, "EM weight"
    return supervised.score, "weight"


def matcher_for(name: str, train: Sequence[Sequence[Pair]]) -> tuple[Matcher | None, float]:
    """The matcher `name` trained on `train` (one list of pairs per set) and its threshold."""
    if name == "rules":
        return None, math.nan
    pooled = [p for pairs in train for p in pairs]
    if name == "rules + FS":
        weights = estimate((p.fields, p.duplicate) for p in pooled)
        maybes = [p for p in pooled if _rules_maybe(p.fields)]
        t = zero_fp_threshold(
            [weights.score(p.fields) for p in maybes], [p.duplicate for p in maybes]
        )
        return hybrid_matcher(weights, t), t
    scorer, label = _trained(name, pooled)
    t = zero_fp_threshold([scorer(p.fields) for p in pooled], [p.duplicate for p in pooled])
    return scored_matcher(scorer, t, label), t


def _rules_maybe(f: Fields) -> bool:
    """Pairs the rules could leave uncertain: only those can be promoted by the hybrid."""
    return (f.title is not None and f.title >= Thresholds().title_low) or f.title_part


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    held_out: str
    matcher: str
    threshold: float
    result: BenchResult


def leave_one_dataset_out(
    sets: Mapping[str, LabelledSet], matchers: Sequence[str] = MATCHERS
) -> list[Row]:
    """Every matcher scored on every set, trained on the others."""
    pairs = {name: field_pairs(*data) for name, data in sets.items()}
    rows = []
    for held, (records, clusters) in sets.items():
        train = [p for name, p in pairs.items() if name != held]
        truth = pairs_of(clusters)
        for name in matchers:
            matcher, threshold = matcher_for(name, train)
            start = time.perf_counter()
            result = deduplicate(records, matcher=matcher)
            seconds = time.perf_counter() - start
            found = pairs_of(predicted_clusters(result))
            rows.append(Row(held, name, threshold, score(truth, found, len(records), seconds)))
    return rows


# --------------------------------------------------------------------------- choosing


@dataclass(frozen=True)
class Choice:
    """The matcher chosen without the held-out set, and how it then did on that set."""

    held_out: str
    matcher: str
    result: BenchResult


def choose(rows: Sequence[Row], matchers: Sequence[str] = MATCHERS) -> str:
    """The matcher that made no false merge on any set it was scored on, with the highest
    mean recall (the earlier one in `matchers` on a tie); the rules when none is clean."""

    def mean_recall(name: str) -> float:
        own = [r.result.recall for r in rows if r.matcher == name]
        return sum(own) / len(own) if own else -1.0

    clean = [
        m
        for m in matchers
        if any(r.matcher == m for r in rows)
        and all(r.result.false_merges == 0 for r in rows if r.matcher == m)
    ]
    if not clean:
        return "rules"
    return max(clean, key=lambda m: (mean_recall(m), -list(matchers).index(m)))


def nested_choice(
    sets: Mapping[str, LabelledSet],
    matchers: Sequence[str] = MATCHERS,
    outer: Sequence[Row] | None = None,
) -> list[Choice]:
    """Leave one dataset out around the choice itself: for each set, the matcher is chosen
    by `choose` on a leave-one-dataset-out run over the other sets only, then scored on the
    held-out set (trained on all the others, as in `leave_one_dataset_out`, whose rows may
    be passed as `outer`). Needs three sets or more (two to choose on)."""
    if len(sets) < 3:
        return []
    outer = list(outer) if outer is not None else leave_one_dataset_out(sets, matchers)
    choices = []
    for held in sets:
        others = {name: data for name, data in sets.items() if name != held}
        picked = choose(leave_one_dataset_out(others, matchers), matchers)
        row = next(r for r in outer if r.held_out == held and r.matcher == picked)
        choices.append(Choice(held, picked, row.result))
    return choices
