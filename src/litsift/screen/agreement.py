"""Inter-rater agreement for screening: Cohen's kappa, Fleiss' kappa, Krippendorff's alpha
(nominal), Gwet's AC1 and raw (pairwise) agreement, each with a bootstrap confidence interval.

Every statistic is computed from a count matrix: one row per record, one column per
category, cell = how many reviewers gave that category. Records rated by fewer than two
reviewers carry no agreement information and are left out (Krippendorff's alpha handles the
varying number of raters that remains). Cohen's kappa needs the pair of ratings per record
and is only given when exactly two reviewers rated the records.

Confidence intervals are 95% percentile bootstrap intervals over records, with a fixed seed
so the same decisions always give the same interval.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

N_BOOT = 1000
SEED = 20240601


@dataclass(frozen=True)
class Estimate:
    """A statistic with its 95% bootstrap interval (None when it cannot be computed)."""

    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class AgreementReport:
    """Agreement among the reviewers of one stage."""

    stage: str
    reviewers: tuple[str, ...]
    items: int  # records rated by at least two reviewers
    categories: tuple[str, ...]
    raw: Estimate
    gwet_ac1: Estimate
    krippendorff_alpha: Estimate
    fleiss_kappa: Estimate
    cohen_kappa: Estimate | None  # only for exactly two reviewers

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# --------------------------------------------------------------------------- statistics


def count_matrix(
    units: Sequence[Sequence[Hashable]], categories: Sequence[Hashable] | None = None
) -> tuple[np.ndarray, list]:
    """Rows of category counts per unit; returns the matrix and the category order."""
    cats = (
        list(categories)
        if categories is not None
        else sorted({v for unit in units for v in unit}, key=str)
    )
    index = {c: i for i, c in enumerate(cats)}
    counts = np.zeros((len(units), len(cats)), dtype=float)
    for row, unit in enumerate(units):
        for value in unit:
            counts[row, index[value]] += 1
    return counts, cats


def _paired(counts: np.ndarray) -> np.ndarray:
    return counts[counts.sum(axis=1) >= 2]


def raw_agreement(counts: np.ndarray) -> float:
    """Mean proportion of agreeing rater pairs per unit."""
    c = _paired(counts)
    m = c.sum(axis=1)
    return float(np.mean((c * (c - 1)).sum(axis=1) / (m * (m - 1))))


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa (1971); with unequal raters per unit, category shares are pooled."""
    c = _paired(counts)
    m = c.sum(axis=1)
    p_bar = float(np.mean((c * (c - 1)).sum(axis=1) / (m * (m - 1))))
    p_cat = c.sum(axis=0) / m.sum()
    p_e = float((p_cat**2).sum())
    return _chance_corrected(p_bar, p_e)


def gwet_ac1(counts: np.ndarray, n_categories: int | None = None) -> float:
    """Gwet's AC1 (2008) for any number of raters."""
    c = _paired(counts)
    q = n_categories or c.shape[1]
    m = c.sum(axis=1)
    p_a = float(np.mean((c * (c - 1)).sum(axis=1) / (m * (m - 1))))
    pi = np.mean(c / m[:, None], axis=0)
    p_e = float((pi * (1 - pi)).sum() / (q - 1)) if q > 1 else 1.0
    return _chance_corrected(p_a, p_e)


def krippendorff_alpha(counts: np.ndarray) -> float:
    """Krippendorff's alpha for nominal data, from the coincidence matrix."""
    c = _paired(counts)
    m = c.sum(axis=1)
    agree = float(((c * (c - 1)).sum(axis=1) / (m - 1)).sum())  # sum of o_cc
    n_c = c.sum(axis=0)
    n = float(n_c.sum())
    expected = n * n - float((n_c**2).sum())
    if expected == 0:
        return float("nan")
    return 1.0 - (n - 1) * (n - agree) / expected


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa for two raters' paired ratings."""
    if len(a) != len(b):
        raise ValueError("Cohen's kappa needs paired ratings")
    cats = sorted(set(a) | set(b), key=str)
    index = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)))
    for x, y in zip(a, b, strict=True):
        table[index[x], index[y]] += 1
    return _kappa_from_table(table)


def _kappa_from_table(table: np.ndarray) -> float:
    n = table.sum()
    p_o = float(np.trace(table) / n)
    p_e = float((table.sum(axis=0) * table.sum(axis=1)).sum() / (n * n))
    return _chance_corrected(p_o, p_e)


def _chance_corrected(observed: float, chance: float) -> float:
    if chance >= 1.0:
        return 1.0 if observed >= 1.0 else float("nan")
    return (observed - chance) / (1.0 - chance)


# --------------------------------------------------------------------------- bootstrap


def bootstrap(
    stat: Callable[[np.ndarray], float], rows: np.ndarray, n_boot: int = N_BOOT, seed: int = SEED
) -> Estimate:
    """The statistic on `rows` with a 95% percentile interval from resampling rows."""
    if len(rows) < 2:
        return Estimate(_clean(stat(rows)) if len(rows) else None)
    value = stat(rows)
    rng = np.random.default_rng(seed)
    draws = np.array([stat(rows[rng.integers(0, len(rows), len(rows))]) for _ in range(n_boot)])
    draws = draws[~np.isnan(draws)]
    if not len(draws):
        return Estimate(_clean(value))
    low, high = np.percentile(draws, [2.5, 97.5])
    return Estimate(_clean(value), _clean(low), _clean(high))


def _clean(x: float) -> float | None:
    return None if x is None or np.isnan(x) else round(float(x), 4)


def agreement(
    ratings: Mapping[str, Mapping[str, str]], stage: str = "", n_boot: int = N_BOOT
) -> AgreementReport:
    """Agreement report from {record id: {reviewer: category}}."""
    reviewers = tuple(sorted({r for votes in ratings.values() for r in votes}))
    items = sorted(rid for rid, votes in ratings.items() if len(votes) >= 2)
    units = [[ratings[rid][r] for r in sorted(ratings[rid])] for rid in items]
    counts, cats = count_matrix(units)
    q = max(len(cats), 2)
    empty = Estimate(None)
    if not items:
        return AgreementReport(stage, reviewers, 0, tuple(cats), empty, empty, empty, empty, None)
    cohen = None
    if len(reviewers) == 2:
        a, b = reviewers
        index = {c: i for i, c in enumerate(cats)}
        pairs = np.array([[index[ratings[rid][a]], index[ratings[rid][b]]] for rid in items])
        cohen = bootstrap(lambda p: _kappa_pairs(p, len(cats)), pairs, n_boot)
    return AgreementReport(
        stage,
        reviewers,
        len(items),
        tuple(cats),
        raw=bootstrap(raw_agreement, counts, n_boot),
        gwet_ac1=bootstrap(lambda c: gwet_ac1(c, q), counts, n_boot),
        krippendorff_alpha=bootstrap(krippendorff_alpha, counts, n_boot),
        fleiss_kappa=bootstrap(fleiss_kappa, counts, n_boot),
        cohen_kappa=cohen,
    )


def _kappa_pairs(pairs: np.ndarray, q: int) -> float:
    table = np.zeros((q, q))
    np.add.at(table, (pairs[:, 0], pairs[:, 1]), 1)
    return _kappa_from_table(table)
