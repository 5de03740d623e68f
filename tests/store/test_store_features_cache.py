"""The ranker's features through build/.cache: reused for the same texts and model only,
and a ranking from cached features is the ranking from fresh ones."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from litsift.models import Record
from litsift.screen.prioritise import DEFAULT, rank, vectorise
from litsift.store.cache import StageCache, cached_features

TEXTS = ["sparse attention for long inputs", "quantised weights on phones", "a survey of x"]


def counting(calls: list[int]):
    def compute(texts, model):
        calls.append(len(texts))
        return vectorise(texts, model)

    return compute


def test_the_same_texts_and_model_are_computed_once(tmp_path):
    calls: list[int] = []
    features = cached_features(StageCache(tmp_path), counting(calls))
    first = features(TEXTS, DEFAULT)
    again = cached_features(StageCache(tmp_path), counting(calls))(list(TEXTS), DEFAULT)
    assert calls == [3]  # the second process-like cache read it from disk
    assert (first != again).nnz == 0


def test_a_changed_text_order_or_model_is_computed_afresh(tmp_path):
    calls: list[int] = []
    features = cached_features(StageCache(tmp_path), counting(calls))
    features(TEXTS, DEFAULT)
    features([*TEXTS[:2], TEXTS[2] + " again"], DEFAULT)
    features(TEXTS[::-1], DEFAULT)
    features(TEXTS, replace(DEFAULT, ngrams=1))
    features(["a", "b\x00c"], DEFAULT)
    features(["a\x00b", "c"], DEFAULT)  # the same characters split otherwise
    assert len(calls) == 6


def test_a_ranking_from_cached_features_is_the_ranking_from_fresh_ones(tmp_path):
    records = [
        Record(id=f"r{i}", source="t", title=t, abstract=f"{t} {i % 3}")
        for i, t in enumerate(TEXTS * 4)
    ]
    decisions = {"r0": True, "r2": False}
    fresh = rank(records, decisions, query="attention")
    cache = StageCache(tmp_path)
    cold = rank(records, decisions, query="attention", features=cached_features(cache, vectorise))
    warm = rank(records, decisions, query="attention", features=cached_features(cache, vectorise))
    assert fresh == cold == warm
    assert np.isfinite([s for _, s in warm]).all()
