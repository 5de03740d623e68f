"""The hypergeometric stopping test: hand-computed values, scipy, and buscarpy as oracles."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import hypergeom

from litsift.models import StopRule
from litsift.screen import stopping as S


def exact_cdf(k: int, m: int, big_k: int, n: int) -> Fraction:
    """P(X <= k), X ~ Hypergeometric(m, K, n), by counting (math.comb)."""
    if big_k > m or n > m:
        return Fraction(0)
    ways = sum(math.comb(big_k, j) * math.comb(m - big_k, n - j) for j in range(k + 1))
    return Fraction(ways, math.comb(m, n))


def brute_p(outcomes: list[int], total: int, recall: float) -> float:
    """The test written out window by window, exactly as the paper states it."""
    r = sum(outcomes)
    need = math.floor(Fraction(r) / Fraction(str(recall))) + 1 - r
    last = outcomes[::-1]
    return float(
        min(
            exact_cdf(sum(last[:n]), total - len(outcomes) + n, need + sum(last[:n]), n)
            for n in range(1, len(outcomes) + 1)
        )
    )


def test_p_value_by_hand() -> None:
    # 10 records, 6 screened: two relevant, then four irrelevant. r = 2, so recall < 95%
    # needs at least floor(2 / 0.95) + 1 - 2 = 1 relevant record left. The window of the
    # last 4 records (urn of 4 + 4 unscreened = 8, one relevant) misses it with
    # probability C(7,4) / C(8,4) = 35/70 = 0.5; longer windows hold the relevant
    # records and give 91/126 (5 records) and 1 - 35/210 (6 records).
    outcomes = [1, 1, 0, 0, 0, 0]
    assert S.target_left(2, 0.95) == 1
    assert S.p_value(outcomes, 10, 0.95) == pytest.approx(0.5)
    assert brute_p(outcomes, 10, 0.95) == pytest.approx(0.5)
    test = S.stop_test(outcomes, 10, StopRule())
    assert not test.safe_to_stop and test.relevant == 2 and test.screened == 6


def test_target_left_is_exact_at_integer_boundaries() -> None:
    # 19 / 0.95 is 20 exactly: recall 19/20 is not below 95%, so 2 more are needed
    assert S.target_left(19, 0.95) == 2
    assert S.target_left(57, 0.95) == 4  # 57 / 0.95 = 60
    assert S.target_left(0, 0.95) == 1  # nothing found: one relevant record left is enough
    assert S.target_left(10, 1.0) == 1


def test_long_run_of_exclusions_is_safe_and_short_one_is_not() -> None:
    found = [1] * 20
    # 2,000 records, 20 relevant found first: recall < 95% needs 2 relevant records among
    # the 1,980 others; 1,600 irrelevant records in a row make that unlikely, 50 do not
    assert S.p_value(found + [0] * 1600, 2000) < 0.05
    assert S.p_value(found + [0] * 50, 2000) > 0.05
    assert S.p_value(found + [0] * 1600, 2000) == pytest.approx(
        brute_p(found + [0] * 1600, 2000, 0.95), rel=1e-9
    )


def test_everything_screened_is_always_safe() -> None:
    assert S.p_value([1, 0, 1, 0], 4) == 0.0
    assert S.max_left([1, 0, 1, 0], 4) == 0
    assert S.stop_test([0, 0, 0], 3, StopRule()).safe_to_stop


def test_nothing_screened_is_never_safe() -> None:
    assert S.p_value([], 100) == 1.0
    assert S.max_left([], 100) == 100


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 1), min_size=1, max_size=40),
    st.integers(0, 30),
    st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]),
)
def test_p_value_matches_exact_counting(outcomes: list[int], unscreened: int, recall: float):
    total = len(outcomes) + unscreened
    assert S.p_value(outcomes, total, recall) == pytest.approx(
        brute_p(outcomes, total, recall), abs=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 1), min_size=1, max_size=60),
    st.integers(0, 200),
    st.sampled_from([0.8, 0.9, 0.95]),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_upper_bound_agrees_with_the_test(outcomes, unscreened, recall, confidence) -> None:
    total = len(outcomes) + unscreened
    test = S.stop_test(outcomes, total, StopRule(recall=recall, confidence=confidence))
    # stopping is safe exactly when fewer relevant records than recall allows to miss can
    # be left, at the same confidence
    assert test.safe_to_stop == (test.max_left < S.target_left(test.relevant, recall))
    alpha = 1 - confidence
    assert S.p_for_left(outcomes, total, test.max_left) >= alpha
    if test.max_left < unscreened:
        assert S.p_for_left(outcomes, total, test.max_left + 1) < alpha


def test_cdf_matches_scipy_including_the_tails() -> None:
    rng = np.random.default_rng(7)
    m = rng.integers(1, 3000, 5000)
    big_k = rng.integers(0, m + 1)
    n = rng.integers(0, m + 1)
    k = rng.integers(0, np.minimum(n, big_k) + 1)
    assert np.allclose(S.hypergeom_cdf(k, m, big_k, n), hypergeom.cdf(k, m, big_k, n), atol=1e-10)
    # rich samples (cdf near 1, pmf at k underflowing) and poor ones (cdf near 0)
    m, big_k, n = 5000, 1000, 4000
    k = np.array([10, 700, 790, 800, 810, 900, 999])
    assert np.allclose(S.hypergeom_cdf(k, m, big_k, n), hypergeom.cdf(k, m, big_k, n), atol=1e-12)
    assert S.hypergeom_cdf(3, 10, 11, 2) == 0.0  # more relevant than the urn holds


def test_matches_buscarpy() -> None:
    buscarpy = pytest.importorskip("buscarpy")
    rng = np.random.default_rng(3)
    compared = 0
    for _ in range(60):
        total = int(rng.integers(30, 2500))
        seen = int(rng.integers(1, total + 1))
        rate = rng.uniform(0.01, 0.3) * np.linspace(3, 0.2, seen)
        outcomes = (rng.random(seen) < rate).astype(int)
        recall = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
        expected = buscarpy.calculate_h0(outcomes, total, recall_target=recall)
        ours = S.p_value(outcomes, total, recall)
        if np.isnan(expected):
            # buscarpy's minimum turns nan when a window cannot hold the relevant records
            # the null hypothesis needs; that window rejects it outright
            assert ours == 0.0
            continue
        assert ours == pytest.approx(expected, abs=1e-9)
        compared += 1
    assert compared >= 40


def test_first_stop_is_the_first_safe_prefix() -> None:
    outcomes = [1] * 15 + [0] * 2 + [1] + [0] * 700
    rule = StopRule(recall=0.9, confidence=0.9)
    first = S.first_stop(outcomes, 800, rule)
    assert first is not None
    assert S.p_value(outcomes[:first], 800, 0.9) < 0.1
    assert all(S.p_value(outcomes[:end], 800, 0.9) >= 0.1 for end in range(1, first))
    assert S.first_stop(outcomes[:30], 800, rule) is None


def test_summary_and_sentence_state_the_figures() -> None:
    test = S.stop_test([1] * 20 + [0] * 1600, 2000, StopRule(recall=0.95, confidence=0.95))
    summary = test.summary()
    assert summary["safe to stop"] == "yes" and summary["screened"] == "1620 of 2000"
    assert summary["relevant found"] == 20
    text = test.sentence()
    assert "Callaghan and Müller-Hansen (2020)" in text and "target recall of 95%" in text
    assert "After 1620 of 2000 records" in text and "the rule was met" in text
    assert f"at most {test.max_left} relevant records" in text
    assert test.line().startswith("stopping rule (recall 0.95, confidence 0.95) met")
