"""When to stop screening: the hypergeometric stopping test of Callaghan & Müller-Hansen.

Callaghan, M. W. & Müller-Hansen, F. (2020). Statistical stopping criteria for automated
screening in systematic reviews. Systematic Reviews 9, 273. doi:10.1186/s13643-020-01521-4

Records are screened most relevant first. Treat the last n screened records as if they
had been drawn at random from an urn made of themselves and every record not yet
screened: prioritisation puts relevant records early, so such a sample is, if anything,
richer in relevant records than the urn, which makes the test conservative. With r
relevant records found so far, the null hypothesis "recall < target" needs at least
K = floor(r / target) + 1 - r relevant records left unscreened. The p-value of a window
of n records holding k relevant ones is P(X <= k) for X hypergeometric (urn of
N - screened + n records, K + k of them relevant, n drawn); the test keeps the smallest
p-value over every window n = 1 .. screened (as `buscarpy.calculate_h0` does, bias 1).
Screening may stop when that p-value is below 1 - confidence.

Inverting the same test gives an upper bound on the relevant records left: the largest K
the test cannot reject at the confidence level.

Everything here is a pure function of the screening outcomes in order (True = relevant,
i.e. passed title/abstract screening) and the number of records to screen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np

from litsift.models import StopRule


def hypergeom_cdf(k: np.ndarray, m: np.ndarray, big_k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """P(X <= k) for X ~ Hypergeometric(urn m, K relevant in it, n drawn), elementwise.

    A test looks at thousands of windows after every batch, and scipy.stats.hypergeom.cdf
    spends ~20 us on each, so the tail is summed here with the pmf ratio between
    neighbours, vectorised over the windows, always from the term nearest the mode outwards
    (the largest term first, so nothing that matters underflows): below the mode the sum
    P(X <= k) runs down from k, at or above it 1 - P(X > k) runs up from k + 1. The tests
    check it against scipy. An impossible urn (K > m, n > m) or k below the fewest
    relevant records a sample can hold gives 0; k >= min(n, K) gives 1.
    """
    k, m, big_k, n = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (k, m, big_k, n))
    )
    low = np.maximum(0.0, n - (m - big_k))
    high = np.minimum(n, big_k)
    valid = (big_k <= m) & (n <= m) & (big_k >= 0) & (k >= low)
    out = np.zeros(k.shape)
    out[valid & (k >= high)] = 1.0
    todo = valid & (k < high)
    mode = np.floor((n + 1) * (big_k + 1) / (m + 2))
    down, up = todo & (k < mode), todo & (k >= mode)
    if down.any():
        out[down] = _tail(k[down], m[down], big_k[down], n[down], low[down], -1)
    if up.any():
        out[up] = 1.0 - _tail(k[up] + 1, m[up], big_k[up], n[up], high[up], 1)
    return np.clip(out, 0.0, 1.0)


def _tail(
    start: np.ndarray, m: np.ndarray, big_k: np.ndarray, n: np.ndarray, stop: np.ndarray, step: int
) -> np.ndarray:
    """Sum of pmf(j) for j from `start` to `stop` inclusive, moving by `step` (-1 or 1)."""
    term = np.exp(_log_pmf(start, m, big_k, n))
    total, j = term.copy(), start.copy()
    while True:
        live = j > stop if step < 0 else j < stop
        if not live.any():
            return total
        jl, ml, kl, nl = j[live], m[live], big_k[live], n[live]
        if step < 0:  # pmf(j-1) / pmf(j)
            ratio = jl * (ml - kl - nl + jl) / ((kl - jl + 1) * (nl - jl + 1))
        else:  # pmf(j+1) / pmf(j)
            ratio = (kl - jl) * (nl - jl) / ((jl + 1) * (ml - kl - nl + jl + 1))
        term[live] *= ratio
        total[live] += term[live]
        j[live] += step


def _log_pmf(k: np.ndarray, m: np.ndarray, big_k: np.ndarray, n: np.ndarray) -> np.ndarray:
    from scipy.special import gammaln  # here: reading a cached StopTest needs no scipy

    def log_choose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

    return log_choose(big_k, k) + log_choose(m - big_k, n - k) - log_choose(m, n)


def _windows(outcomes: Sequence[bool] | np.ndarray, total: int) -> tuple[np.ndarray, ...]:
    """Relevant records k, urn size and sample size of each window of the last n records."""
    seq = np.asarray(outcomes, dtype=np.int64)
    screened = len(seq)
    if total < screened:
        raise ValueError(f"{screened} records screened out of {total}")
    n = np.arange(1, screened + 1)
    k = np.cumsum(seq[::-1])
    return k, total - screened + n, n


def target_left(relevant: int, recall: float) -> int:
    """Fewest relevant records left unscreened that would put recall below `recall`."""
    return math.floor(Fraction(relevant) / Fraction(str(recall))) + 1 - relevant


def p_for_left(outcomes: Sequence[bool] | np.ndarray, total: int, left: int) -> float:
    """Smallest p-value, over the windows, of "at least `left` relevant records remain"."""
    if not len(outcomes):
        return 1.0
    k, urn, n = _windows(outcomes, total)
    return float(hypergeom_cdf(k, urn, k + left, n).min())


def p_value(outcomes: Sequence[bool] | np.ndarray, total: int, recall: float = 0.95) -> float:
    """p-value of the null hypothesis "recall is below `recall`" (small: safe to stop)."""
    return p_for_left(outcomes, total, target_left(int(np.sum(outcomes)), recall))


def max_left(outcomes: Sequence[bool] | np.ndarray, total: int, confidence: float = 0.95) -> int:
    """Upper bound, at `confidence`, on the relevant records not yet screened."""
    alpha = 1 - confidence
    lo, hi = 0, total - len(outcomes)  # p_for_left(0) is 1: lo is never rejected
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if p_for_left(outcomes, total, mid) >= alpha:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True)
class StopTest:
    """The stopping test at one point of screening: what status and the methods text state."""

    recall: float  # target recall
    confidence: float
    total: int  # records to screen at title/abstract
    screened: int
    relevant: int  # relevant records found so far
    p_value: float  # of "recall < target"
    max_left: int  # at most this many relevant records left, at the confidence level
    safe_to_stop: bool
    configured: bool = True  # False: review.yaml sets no rule, the defaults were used

    @property
    def recall_bound(self) -> float | None:
        """Lower bound on recall so far, at the confidence level (None before any find)."""
        found = self.relevant + self.max_left
        return self.relevant / found if found else None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> dict[str, object]:
        """For `litsift status`."""
        bound = self.recall_bound
        return {
            "rule": "review.yaml" if self.configured else "defaults (set screening.stop)",
            "target recall": self.recall,
            "confidence": self.confidence,
            "screened": f"{self.screened} of {self.total}",
            "relevant found": self.relevant,
            "p (recall below target)": f"{self.p_value:.4f}",
            "relevant records left at most": self.max_left,
            "recall at least": "n/a" if bound is None else f"{bound:.3f}",
            "safe to stop": "yes" if self.safe_to_stop else "no",
        }

    def line(self) -> str:
        """One line for `screen next`."""
        verdict = "met: safe to stop" if self.safe_to_stop else "not met"
        return (
            f"stopping rule (recall {self.recall:g}, confidence {self.confidence:g}) {verdict}: "
            f"p = {self.p_value:.4f}, at most {self.max_left} relevant records left among "
            f"{self.total - self.screened} unscreened"
        )

    def sentence(self) -> str:
        """The methods text: the rule, its parameters, and the figures where screening is."""
        rule = (
            "Title and abstract screening was prioritised by relevance and its end judged by "
            "the hypergeometric stopping test of Callaghan and Müller-Hansen (2020) with a "
            f"target recall of {self.recall:.0%} at {self.confidence:.0%} confidence."
        )
        if self.screened == self.total:
            return f"{rule} All {self.total} records were screened, so the rule did not end it."
        bound = self.recall_bound
        recall_text = "" if bound is None else f", recall at least {bound:.1%}"
        verdict = "was met" if self.safe_to_stop else "was not met"
        return (
            f"{rule} After {self.screened} of {self.total} records, with {self.relevant} relevant "
            f"found, the rule {verdict} (p = {self.p_value:.3f} for recall below target; at "
            f"most {self.max_left} relevant records left unscreened{recall_text})."
        )


def stop_test(
    outcomes: Sequence[bool] | np.ndarray, total: int, rule: StopRule, *, configured: bool = True
) -> StopTest:
    """The test on outcomes in screening order, `total` records to screen in all."""
    p = p_value(outcomes, total, rule.recall)
    return StopTest(
        recall=rule.recall,
        confidence=rule.confidence,
        total=total,
        screened=len(outcomes),
        relevant=int(np.sum(outcomes)),
        p_value=round(p, 6),
        max_left=max_left(outcomes, total, rule.confidence),
        safe_to_stop=p < 1 - rule.confidence,
        configured=configured,
    )


def first_stop(
    outcomes: Sequence[bool] | np.ndarray,
    total: int,
    rule: StopRule,
    checks: Iterable[int] | None = None,
) -> int | None:
    """Records screened when the rule first says stop, looking after each of `checks`
    records screened (every record when None)."""
    seq = np.asarray(outcomes, dtype=bool)
    alpha = 1 - rule.confidence
    for end in checks if checks is not None else range(1, len(seq) + 1):
        if 0 < end <= len(seq) and p_value(seq[:end], total, rule.recall) < alpha:
            return end
    return None
