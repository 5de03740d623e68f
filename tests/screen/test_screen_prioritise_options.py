"""Options of the ranking model measured by bench/screen_select.py: keyword block, batches
of fixed size, ASReview 1's dynamic balance, a second model on static embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from litsift.models import Record
from litsift.screen import prioritise as P

ON = "speculative decoding speeds up large language model inference"
OFF = ["soil moisture sensing", "bird migration by radar", "manuscript ink", "river sediment"]


def records(keywords: bool = True) -> list[Record]:
    out = [
        Record(
            id=f"on{i}",
            source="t",
            title=f"{ON} {i}",
            abstract=f"variant {i}",
            keywords=("Language Models", "Decoding") if keywords else (),
        )
        for i in range(6)
    ]
    out += [
        Record(
            id=f"off{i}",
            source="t",
            title=OFF[i % 4],
            abstract=f"{OFF[i % 4]} {i}",
            keywords=("Soil", "Humans") if keywords else (),
        )
        for i in range(20)
    ]
    return out


DECISIONS = {"on0": True, "off0": False, "off1": False}


def test_keyword_block_has_one_feature_per_whole_keyword_scaled_by_its_weight() -> None:
    x = P.keyword_features([("Pain, Postoperative", "Humans"), ("humans",), ()], 0.5)
    assert x.shape == (3, 2)  # "pain, postoperative" is one feature, case folded
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
    assert norms == pytest.approx([0.5, 0.5, 0.0])
    assert P.keyword_features([(), ()], 1.0).nnz == 0  # no keyword at all: an empty block


def test_keyword_block_joins_the_text_features_only_when_records_have_keywords() -> None:
    texts = ["alpha beta", "gamma delta", "alpha gamma"]
    block = P.Model(keyword_block=0.25)
    plain = P.feature_matrices(texts, [(), (), ()], block)
    assert len(plain) == 1 and plain[0].shape == P.vectorise(texts).shape
    with_kw = P.feature_matrices(texts, [("A",), ("B",), ("A", "C")], block)
    assert with_kw[0].shape[1] == plain[0].shape[1] + 3
    # keywords in the text change the TF-IDF vocabulary instead
    in_text = P.feature_matrices(texts, [("Zeta",), (), ()], P.Model(keywords=True))
    assert in_text[0].shape[1] > plain[0].shape[1]


def test_rank_with_a_keyword_block_still_puts_relevant_first() -> None:
    ranked = P.rank(records(), DECISIONS, model=P.Model(keyword_block=0.5))
    assert {rid for rid, _ in ranked[:5]} == {f"on{i}" for i in range(1, 6)}
    assert ranked != P.rank(records(), DECISIONS, model=P.ASREVIEW_U4)


def _vocabulary(texts, keywords, model):
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyse = P._TextAndTerms(TfidfVectorizer(ngram_range=(1, 2)).build_analyzer())
    joined = P.Joined(texts, keywords, words=model.keywords, terms=True)
    return [analyse(t) for t in joined]


def test_keywords_as_terms_are_whole_headings_never_paired_with_a_word() -> None:
    tokens = _vocabulary(
        ["Sugar control", "Migraine"],
        [("Blood Glucose", "Diabetes  Mellitus, Type 2"), ()],
        P.Model(keyword_terms=True),
    )
    assert tokens[0] == [
        "sugar",
        "control",
        "sugar control",
        "kw=blood glucose",
        "kw=diabetes mellitus, type 2",
    ]
    assert tokens[1] == ["migraine"]  # no keyword: no term
    # with keywords as words too, their words join the text's n-grams as well
    both = _vocabulary(["Sugar"], [("Blood Glucose",)], P.Model(keywords=True, keyword_terms=True))
    assert both[0] == [
        "sugar",
        "blood",
        "glucose",
        "sugar blood",
        "blood glucose",
        "kw=blood glucose",
    ]


def test_a_separator_inside_a_record_cannot_make_a_term() -> None:
    # the unit and record separators mark where the terms begin: a record's own are spaces
    tokens = _vocabulary(["Sugar\x1fkw\x1eforged"], [("Real\x1eTwo",)], P.Model(keyword_terms=True))
    assert tokens[0] == ["sugar", "kw", "forged", "sugar kw", "kw forged", "kw=real two"]


def test_keywords_as_terms_widen_the_vocabulary_by_one_feature_per_heading() -> None:
    texts = ["alpha beta", "gamma delta", "alpha gamma"]
    model = P.Model(keyword_terms=True)
    plain = P.feature_matrices(texts, [(), (), ()], model)[0]
    assert plain.shape == P.vectorise(texts).shape
    terms = P.feature_matrices(texts, [("A b",), ("B",), ("a  B", "C")], model)[0]
    assert terms.shape[1] == plain.shape[1] + 3  # "a b" (case and spaces folded), "b", "c"
    ranked = P.rank(records(), DECISIONS, model=model)
    assert {rid for rid, _ in ranked[:5]} == {f"on{i}" for i in range(1, 6)}


def test_fixed_batches_override_the_fraction() -> None:
    assert P.Model(batch_records=5, batch_fraction=0.5).batch(1000) == 5
    assert P.Model(batch_fraction=0.01).batch(1000) == 10
    assert P.Model().batch(1000) == 1


def test_inclusion_share_fixed_and_dynamic() -> None:
    assert P.inclusion_share(3, 300) == pytest.approx(9.8 / 10.8)
    dynamic = P.Model(balance="dynamic")
    # one of each: w1 = 2.155, w0 = 1 - 0.211 / 3
    assert P.inclusion_share(1, 1, dynamic) == pytest.approx(2.155 / (2.155 + 1 - 0.211 / 3))
    # 10 inclusions, 300 exclusions: w1 = 2.155 * 30 ** 0.94 per inclusion
    w1, w0 = 2.155 * 30**0.94, 1 - 0.211 / 311
    assert P.inclusion_share(10, 300, dynamic) == pytest.approx(10 * w1 / (10 * w1 + 300 * w0))


@pytest.mark.parametrize("balance", ["fixed", "dynamic"])
def test_sample_weights_put_that_share_on_the_inclusions(balance: str) -> None:
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    model = P.Model(balance=balance)
    w = P._weights(y, model)
    assert w.mean() == pytest.approx(1.0)
    assert w[y == 1].sum() / w.sum() == pytest.approx(P.inclusion_share(2, 8, model))


def test_dynamic_balance_ranks_and_differs_from_fixed() -> None:
    ranked = P.rank(records(False), DECISIONS, model=P.Model(balance="dynamic"))
    assert {rid for rid, _ in ranked[:5]} == {f"on{i}" for i in range(1, 6)}
    fixed = P.rank(records(False), DECISIONS, model=P.ASREVIEW_U4)
    assert [s for _, s in ranked] != [s for _, s in fixed]


def test_rank_combination_is_in_unit_range_with_ties_averaged() -> None:
    r = P._ranks(np.array([0.3, -1.0, 0.3, 2.0]), np.arange(4))
    assert r.tolist() == pytest.approx([0.5, 0.0, 0.5, 1.0])


def test_wordllama_partner_embeds_from_the_wheel_and_ranks() -> None:
    pytest.importorskip("wordllama")
    from litsift import embeddings as embed

    texts = ["large language model inference", "soil moisture", ""]
    vectors = embed.embed(texts)
    assert vectors.shape == (3, embed.DIM)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0, 0.0], abs=1e-5)
    # the same vectors WordLlama's own embed() computes (it pads; the mean skips padding)
    own = embed.model().embed(texts[:2], norm=True)
    assert vectors[:2] == pytest.approx(own, abs=1e-5)
    for combine in ("zscore", "rank"):
        model = P.Model(partner="wordllama", combine=combine)
        ranked = P.rank(records(), DECISIONS, model=model)
        assert {rid for rid, _ in ranked[:5]} == {f"on{i}" for i in range(1, 6)}
    xs = P.feature_matrices(texts, [(), (), ()], P.Model(partner="wordllama"))
    assert len(xs) == 2 and xs[1].shape == (3, embed.DIM)
