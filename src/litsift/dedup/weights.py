"""Fellegi-Sunter weights on the field levels: how much each agreement or disagreement says.

Each field of a candidate pair has a level (`match.Fields`: same, differ, written another
way, missing; title similarity in bands). For a level, m is its share among duplicate
pairs and u its share among other candidate pairs; its weight is log2(m / u) (Fellegi and
Sunter 1969, the model Splink fits). A pair's weight is the sum over its fields; a missing
field weighs 0. Weights come either from labelled pairs (`estimate`) or, without labels,
from the candidate pairs themselves by expectation-maximisation (`expectation_maximisation`,
as Splink does).

`DEFAULT` holds the weights estimated on every labelled set (see `bench/dedup.py`, which
re-estimates them and measures them leave-one-dataset-out). litsift merges by its rules;
these weights explain each decision in numbers and rank the uncertain pairs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from litsift.dedup.match import Fields

FIELDS = ("title", "authors", "year", "volume", "pages", "venue", "abstract", "numbers")


def title_level(f: Fields) -> str:
    """Title similarity in bands; a title part or translation gets its own level."""
    if f.title is None:
        return ""
    if f.title >= 0.95:
        return "exact"
    if f.title_part:
        return "part"
    if f.title >= 0.85:
        return "high"
    if f.title >= 0.7:
        return "mid"
    return "translated" if f.translated else "low"


def levels(f: Fields) -> tuple[str, ...]:
    """The level of each field in `FIELDS` ('' when one record lacks it)."""
    return (
        title_level(f),
        f.authors,
        f.year,
        f.volume,
        f.pages,
        f.venue,
        f.abstract,
        "differ" if f.numbers else "",
    )


@dataclass(frozen=True)
class Weights:
    """log2(m/u) per (field, level); `prior` is log2 of the prior odds of a duplicate."""

    table: Mapping[tuple[str, str], float]
    prior: float = 0.0

    def parts(self, f: Fields) -> list[tuple[str, str, float]]:
        """(field, level, weight) of each field present in the pair."""
        return [
            (name, level, self.table.get((name, level), 0.0))
            for name, level in zip(FIELDS, levels(f), strict=True)
            if level
        ]

    def score(self, f: Fields) -> float:
        """The pair's match weight: the prior plus every field's weight."""
        return self.prior + sum(w for _, _, w in self.parts(f))

    def explain(self, f: Fields) -> str:
        """'title exact +6.1, authors list +4.0, pages format 0.0, ... = 12.3'."""
        parts = ", ".join(f"{n} {lv} {w:+.1f}" for n, lv, w in self.parts(f))
        return f"{parts} = {self.score(f):+.1f}"

    def rows(self) -> list[tuple[str, str, float]]:
        """The table in field order, for reports."""
        order = {name: i for i, name in enumerate(FIELDS)}
        return sorted(
            ((n, lv, w) for (n, lv), w in self.table.items()), key=lambda r: (order[r[0]], r[1])
        )


def estimate(pairs: Iterable[tuple[Fields, bool]], smoothing: float = 1.0) -> Weights:
    """Weights from labelled candidate pairs (duplicate or not), with add-`smoothing` counts."""
    counts: dict[bool, Counter[tuple[str, str]]] = {True: Counter(), False: Counter()}
    totals: Counter[bool] = Counter()
    for f, same in pairs:
        totals[same] += 1
        counts[same].update((n, lv) for n, lv in zip(FIELDS, levels(f), strict=True) if lv)
    return _weights(counts[True], counts[False], totals[True], totals[False], smoothing)


def _weights(
    m: Mapping[tuple[str, str], float],
    u: Mapping[tuple[str, str], float],
    n_m: float,
    n_u: float,
    smoothing: float,
) -> Weights:
    keys = sorted(set(m) | set(u))
    table = {}
    for key in keys:
        levels_of_field = sum(1 for k in keys if k[0] == key[0]) + 1
        pm = (m.get(key, 0.0) + smoothing) / (n_m + smoothing * levels_of_field)
        pu = (u.get(key, 0.0) + smoothing) / (n_u + smoothing * levels_of_field)
        table[key] = round(math.log2(pm / pu), 3)
    prior = math.log2((n_m + smoothing) / (n_u + smoothing))
    return Weights(table, round(prior, 3))


def expectation_maximisation(
    pairs: Sequence[Fields], start: Weights, iterations: int = 25
) -> Weights:
    """Weights fitted to unlabelled candidate pairs, starting from `start` (Splink's EM).

    Each round gives every pair its probability of being a duplicate under the current
    weights, then re-counts m and u with those probabilities as fractional labels.
    """
    rows = [tuple((n, lv) for n, lv in zip(FIELDS, levels(f), strict=True) if lv) for f in pairs]
    weights = start
    for _ in range(iterations):
        m: Counter[tuple[str, str]] = Counter()
        u: Counter[tuple[str, str]] = Counter()
        n_m = n_u = 0.0
        for row in rows:
            odds = weights.prior + sum(weights.table.get(k, 0.0) for k in row)
            p = 1.0 / (1.0 + 2.0 ** (-max(min(odds, 60.0), -60.0)))
            n_m += p
            n_u += 1.0 - p
            for k in row:
                m[k] += p
                u[k] += 1.0 - p
        weights = _weights(m, u, n_m, n_u, smoothing=0.5)
    return weights


# Estimated by `estimate` on the candidate pairs of every labelled set (haematology,
# respiratory, special_cases and the DOI-labelled exports; 10,650 pairs, 808 duplicates);
# `bench/dedup.py` re-estimates them and reports any drift.
DEFAULT = Weights(
    {
        ("title", "exact"): 5.844,
        ("title", "high"): 0.452,
        ("title", "mid"): -2.715,
        ("title", "part"): -0.92,
        ("title", "translated"): -4.176,
        ("title", "low"): -9.208,
        ("authors", "list"): 6.37,
        ("authors", "same"): 0.261,
        ("authors", "differ"): -8.489,
        ("year", "same"): 2.646,
        ("year", "near"): -4.819,
        ("year", "differ"): -7.498,
        ("volume", "same"): 4.953,
        ("volume", "format"): -0.955,
        ("volume", "differ"): -7.531,
        ("pages", "same"): 6.018,
        ("pages", "format"): 0.104,
        ("pages", "differ"): -5.804,
        ("venue", "same"): 3.224,
        ("venue", "differ"): -4.684,
        ("abstract", "same"): 4.602,
        ("abstract", "differ"): 0.602,
        ("numbers", "differ"): -4.84,
    },
    prior=-3.605,
)
