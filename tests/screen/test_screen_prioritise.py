"""Ranking and the simulation of prioritised screening."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import realworld_file
from litsift.errors import InputError
from litsift.models import Record
from litsift.screen import prioritise as P

ON = "speculative decoding speeds up large language model inference"
OFF = [
    "soil moisture sensing for irrigation",
    "bird migration tracked by radar",
    "medieval manuscript dating by ink",
    "river sediment transport models",
]


def records() -> list[Record]:
    out = [
        Record(id=f"on{i}", source="t", title=f"{ON} {i}", abstract=f"{ON} variant {i}")
        for i in range(6)
    ]
    out += [
        Record(id=f"off{i}", source="t", title=OFF[i % 4], abstract=f"{OFF[i % 4]} {i}")
        for i in range(20)
    ]
    return out


def test_rank_puts_relevant_first_and_is_deterministic() -> None:
    recs = records()
    decisions = {"on0": True, "off0": False, "off1": False}
    ranked = P.rank(recs, decisions, seed=3)
    assert {rid for rid, _ in ranked} == {r.id for r in recs} - set(decisions)
    assert {rid for rid, _ in ranked[:5]} == {f"on{i}" for i in range(1, 6)}
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    assert P.rank(recs, decisions, seed=3) == ranked
    presumed = P.Model(presumed_negatives=5)
    with_presumed = P.rank(recs, decisions, seed=4, model=presumed)
    assert with_presumed == P.rank(recs, decisions, seed=4, model=presumed)
    assert {rid for rid, _ in with_presumed[:5]} == {f"on{i}" for i in range(1, 6)}


def test_cold_start_ranks_by_the_review_question() -> None:
    ranked = P.rank(records(), {}, query="faster language model inference by decoding")
    assert ranked[0][0].startswith("on")
    only_excluded = P.rank(records(), {"off0": False}, query="language model inference")
    assert only_excluded[0][0].startswith("on")


def test_metrics_on_a_hand_made_order() -> None:
    # 20 records, 4 inclusions found at positions 1, 2, 5 and 20
    found = np.zeros(20, dtype=int)
    found[[0, 1, 4, 19]] = 1
    wss95, recall10, screened_all = P.metrics(found)
    assert screened_all == 20
    assert wss95 == pytest.approx((20 - 20) / 20 - 0.05)  # 95% of 4 needs all 4
    assert recall10 == pytest.approx(0.5)  # 2 of 4 in the first 2 records
    found[19], found[5] = 0, 1
    assert P.metrics(found) == (pytest.approx(14 / 20 - 0.05), 0.5, 6)


def test_simulation_on_a_separable_set_finds_everything_early() -> None:
    texts = [f"{ON} {i}" for i in range(10)] + [f"{OFF[i % 4]} {i}" for i in range(190)]
    labels = np.array([1] * 10 + [0] * 190)
    sim = P.simulate(P.LabelledSet("t.csv", tuple(texts), labels), seed=2)
    assert sim.n == 200 and sim.screened_all <= 12 and sim.wss95 > 0.85


def test_load_labelled_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("title,abstract\na,b\n")
    with pytest.raises(InputError, match="missing column"):
        P.load_labelled(path)
    path.write_text("title,abstract,label_included\na,b,0\nc,d,0\n")
    with pytest.raises(InputError, match=r"x\.csv: no inclusion"):
        P.load_labelled(path)


@pytest.mark.shared
def test_realworld_simulation_beats_random_by_far() -> None:
    data = P.load_labelled(realworld_file("screening/Nagtegaal_2019.SUBSET.csv"))
    assert len(data.labels) == 891 and data.included == 101
    sim = P.simulate(data, seed=1)
    assert sim.wss95 > 0.5 and sim.recall10 > 0.25  # random: 0 and 0.1


def test_blend_adds_a_model_without_keywords_only_when_records_have_them() -> None:
    recs = records()
    decisions = {"on0": True, "off0": False, "off1": False}
    blend = P.Model(blend=True)
    # without keywords the blend is the single model
    assert P.rank(recs, decisions, model=blend) == P.rank(recs, decisions)
    tagged = [r.model_copy(update={"keywords": ("Inference",)}) for r in recs]
    ranked = P.rank(tagged, decisions, model=blend)
    assert {rid for rid, _ in ranked[:5]} == {f"on{i}" for i in range(1, 6)}
    assert [s for _, s in ranked] != [s for _, s in P.rank(tagged, decisions)]
