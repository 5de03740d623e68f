"""Online (prequential) choice between the ranker with keywords and the one without
(`Model(select="prequential")`, `prioritise.Prequential`, `prioritise.percentiles`)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from litsift.screen import prioritise as P

SELECT = P.Model(keywords=True, select="prequential")


def test_percentile_is_the_share_of_the_pool_scored_strictly_higher() -> None:
    s = np.array([5.0, 3.0, 3.0, 1.0, 9.0])
    q = P.percentiles(s, np.array([0, 1, 2, 3]))  # row 4 is labelled: not in the pool
    assert q.tolist() == [0.0, 0.25, 0.25, 0.75, 0.0]


def test_at_the_start_and_on_ties_the_first_ranker_is_used() -> None:
    tally = P.Prequential()
    assert tally.choice() == 0
    tally.update(np.array([0.1, 0.3]), np.array([0.1, 0.3]), np.array([1, 0]))
    assert (tally.total, tally.choice(), tally.labelled) == (0.0, 0, 2)


def test_relevant_records_count_for_the_ranker_that_placed_them_higher() -> None:
    tally = P.Prequential()
    # the second ranker had both inclusions near its top, the first near its bottom
    tally.update(np.array([0.8, 0.6]), np.array([0.0, 0.1]), np.array([1, 1]))
    assert tally.total == pytest.approx(-1.3) and tally.choice() == 1
    # an exclusion the second ranker placed at its top counts against it
    tally.update(np.array([0.9]), np.array([0.0]), np.array([0]))
    assert tally.total == pytest.approx(-0.4) and tally.choice() == 1
    tally.update(np.array([0.7]), np.array([0.0]), np.array([0]))
    assert tally.total == pytest.approx(0.3) and tally.choice() == 0


def pool(keywords_tell: bool) -> P.LabelledSet:
    """30 rows, 6 relevant. Either only the keywords tell the relevant rows apart (their
    texts are like the others'), or only the texts do (the keywords are noise)."""
    texts, keywords, labels = [], [], []
    for i in range(30):
        relevant = i % 5 == 0
        if keywords_tell:
            texts.append(f"study {i % 3} of patients in ward {i % 4}")
            keywords.append("Target Therapy; Humans" if relevant else f"Other {i % 2}; Humans")
        else:
            topic = "speculative decoding for language models" if relevant else "soil moisture"
            texts.append(f"{topic} sample {i}")
            keywords.append(f"Noise {i % 3}; Humans")
        labels.append(int(relevant))
    return P.LabelledSet("pool.csv", tuple(texts), np.array(labels), tuple(keywords))


def replay(data: P.LabelledSet, model: P.Model, priors=(0, 1)) -> list[int]:
    x = P.feature_matrices(data.texts, data.keyword_lists(), model)
    return P.replay(x, data.labels, priors, 0, model)


def found_all(data: P.LabelledSet, order: list[int]) -> int:
    return int(np.searchsorted(np.cumsum(data.labels[order]), data.included - 1)) + 1


class Choices(P.Prequential):
    made: ClassVar[list[int]] = []

    def choice(self) -> int:
        c = super().choice()
        Choices.made.append(c)
        return c


def test_the_choice_moves_to_keywords_when_only_they_tell_relevance(monkeypatch) -> None:
    data = pool(keywords_tell=True)
    Choices.made = []
    monkeypatch.setattr(P, "Prequential", Choices)
    chosen = replay(data, SELECT)
    assert Choices.made[0] == 0 and 1 in Choices.made  # starts as ASReview, then switches
    plain = replay(data, P.ASREVIEW_U4)
    with_keywords = replay(data, P.Model(keywords=True))
    assert found_all(data, chosen) < found_all(data, plain)
    assert found_all(data, with_keywords) <= found_all(data, chosen)


def test_the_choice_stays_with_elas_u4_when_it_is_never_behind(monkeypatch) -> None:
    data = pool(keywords_tell=False)
    Choices.made = []
    monkeypatch.setattr(P, "Prequential", Choices)
    assert replay(data, SELECT) == replay(data, P.ASREVIEW_U4)
    assert set(Choices.made) == {0}


def test_each_record_is_judged_on_scores_made_before_its_label_was_known(monkeypatch) -> None:
    data = pool(keywords_tell=True)
    events: list[tuple[str, frozenset[int]]] = []
    scores, percentiles, update = P.scores, P.percentiles, P.Prequential.update

    def fit(x, labelled, labels, rng, model):
        events.append(("fit", frozenset(labelled.tolist())))
        return scores(x, labelled, labels, rng, model)

    def rank_in(s, rows):
        events.append(("pool", frozenset(rows.tolist())))
        return percentiles(s, rows)

    def record(self, first, second, labels):
        events.append(("update", frozenset()))
        update(self, first, second, labels)

    monkeypatch.setattr(P, "scores", fit)
    monkeypatch.setattr(P, "percentiles", rank_in)
    monkeypatch.setattr(P.Prequential, "update", record)
    order = replay(data, SELECT)  # retrained after every record: one record per update
    updates = [i for i, (kind, _) in enumerate(events) if kind == "update"]
    assert len(updates) == len(order)
    start = 0
    for row, at in zip(order, updates, strict=True):
        before = events[start:at]
        assert [k for k, _ in before] == ["fit", "fit", "pool", "pool"]  # both models
        assert all(row not in rows for kind, rows in before if kind == "fit")
        assert all(row in rows for kind, rows in before if kind == "pool")
        start = at + 1


def test_without_keywords_the_choice_is_elas_u4_itself() -> None:
    data = pool(keywords_tell=True)
    bare = P.LabelledSet(data.path, data.texts, data.labels)  # no keywords column
    assert replay(bare, SELECT) == replay(bare, P.ASREVIEW_U4)


def test_rank_refuses_the_online_choice_it_cannot_replay() -> None:
    from litsift.models import Record

    records = [Record(id=f"r{i}", source="t", title=f"title {i}") for i in range(3)]
    with pytest.raises(ValueError, match="select"):
        P.rank(records, {"r0": True, "r1": False}, model=SELECT)


def test_screen_next_and_simulate_rank_alike_with_the_default() -> None:
    """`rank` (screen next, the workbench) puts first the record `replay` (screen simulate)
    screens next, from the same decisions, with the shipped default."""
    from litsift.models import Record

    data = pool(keywords_tell=True)
    records = [
        Record(id=f"r{i:02d}", source="t", title=t, keywords=tuple(k.split("; ")))
        for i, (t, k) in enumerate(zip(data.texts, data.keywords, strict=True))
    ]
    order = replay(data, P.DEFAULT)
    assert len(order) >= 4
    for k in range(len(order)):
        decided = [0, 1, *order[:k]]
        decisions = {f"r{i:02d}": bool(data.labels[i]) for i in decided}
        assert P.rank(records, decisions)[0][0] == f"r{order[k]:02d}"
