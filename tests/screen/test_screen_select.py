"""Leave-one-dataset-out selection of the ranker's settings (bench/screen_select.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import load_script
from litsift.screen import prioritise as P

SELECT = Path(__file__).resolve().parents[2] / "bench" / "screen_select.py"


@pytest.fixture(scope="module")
def select():
    return load_script(SELECT, "bench_screen_select")


def test_held_out_score_is_that_of_the_choice_made_without_it(select) -> None:
    # "tuned" wins big on set a only; "steady" is good everywhere else
    scores = {
        "base": {"a": 0.50, "b": 0.50, "c": 0.50},
        "tuned": {"a": 0.95, "b": 0.40, "c": 0.45},
        "steady": {"a": 0.55, "b": 0.60, "c": 0.58},
    }
    folds, chosen = select.leave_one_group_out(scores, "base")
    by = {f.held_out: f for f in folds}
    # holding out a, the others pick steady, whose score on a is 0.55 (not tuned's 0.95)
    assert (by["a"].chosen, by["a"].chosen_score) == ("steady", 0.55)
    assert (by["a"].best, by["a"].best_score, by["a"].baseline_score) == ("tuned", 0.95, 0.50)
    # holding out b: on a and c, tuned averages 0.70 and steady 0.565
    assert (by["b"].chosen, by["b"].chosen_score) == ("tuned", 0.40)
    assert by["c"].chosen == "tuned"
    assert chosen == "tuned"  # mean 0.600 against steady's 0.577


def test_ties_go_to_the_earlier_candidate(select) -> None:
    scores = {"simple": {"a": 0.5, "b": 0.5}, "complex": {"a": 0.5, "b": 0.5}}
    folds, chosen = select.leave_one_group_out(scores, "simple")
    assert chosen == "simple" and all(f.chosen == "simple" for f in folds)


def test_a_subset_is_held_out_with_its_full_set(select) -> None:
    assert select.group_of("Nagtegaal_2019.SUBSET.csv") == select.group_of("Nagtegaal_2019.csv")
    assert select.group_of("Cohen_2006_ADHD.csv") != select.group_of("Cohen_2006_Triptans.csv")
    results = {
        "m": {
            "X.csv": [{"wss95": 0.4}, {"wss95": 0.6}],
            "X.SUBSET.csv": [{"wss95": 0.2}, {"wss95": 0.2}],
            "Y.csv": [{"wss95": 0.9}, {"wss95": 0.7}],
        }
    }
    assert select.group_scores(results) == {"m": {"X": 0.35, "Y": 0.8}}


def test_shipped_default_is_a_candidate_and_the_baseline_is_asreview_recipe(select) -> None:
    assert P.DEFAULT in select.CANDIDATES.values()
    assert select.CANDIDATES["elas_u4"] == P.ASREVIEW_U4
    u4 = P.ASREVIEW_U4
    assert (u4.ngrams, u4.c, u4.ratio, u4.batch_fraction, u4.keywords) == (2, 0.11, 9.8, 0, False)


def test_only_candidates_faster_than_asreview_may_be_chosen(select) -> None:
    scores = {
        "replica": {"a": 0.5, "b": 0.5},
        "slow but good": {"a": 0.9, "b": 0.9},
        "fast": {"a": 0.6, "b": 0.55},
    }
    seconds = {"replica": 10.0, "slow but good": 20.0, "fast": 2.0}
    allowed = select.faster_than(seconds, 12.0)  # ASReview: 12 s a simulation
    assert allowed == ["replica", "fast"]
    assert select.faster_than(seconds, 10.0) == ["fast"]  # as slow as ASReview is not faster
    assert select.faster_than(seconds, None) == list(seconds)  # no ASReview timings
    folds, chosen = select.leave_one_group_out(scores, "replica", allowed)
    assert chosen == "fast" and all(f.chosen == "fast" for f in folds)
    assert all(f.best == "slow but good" for f in folds)  # the oracle still sees everything


def test_a_later_round_is_admitted_only_if_it_raises_the_held_out_mean(select) -> None:
    base = {"u4": {"a": 0.5, "b": 0.5, "c": 0.5}, "kw": {"a": 0.6, "b": 0.6, "c": 0.4}}
    # "lucky" is best on the mean of all sets by its score on a alone; chosen when a is
    # in the sets it is chosen on, it loses on the held-out set
    lucky = {"lucky": {"a": 0.95, "b": 0.40, "c": 0.40}}
    assert select.leave_one_group_out(base | lucky, "u4")[1] == "lucky"
    rounds = [("one", ["u4", "kw"]), ("two", ["lucky"])]
    pool, trail = select.admit_rounds(base | lucky, rounds, "u4")
    assert pool == ["u4", "kw"]
    (two,) = trail
    assert (two.round, two.admitted) == ("two", False)
    assert (two.held_out_before, two.held_out_with) == (0.4667, 0.4333)
    # one that is better on every set raises the held-out mean and is admitted
    better = {"better": {"a": 0.7, "b": 0.7, "c": 0.6}}
    pool, trail = select.admit_rounds(
        base | better, [("one", ["u4", "kw"]), ("two", ["better"])], "u4"
    )
    assert pool == ["u4", "kw", "better"] and trail[0].admitted
    assert trail[0].held_out_with > trail[0].held_out_before


def test_a_round_is_judged_on_its_candidates_that_may_be_chosen(select) -> None:
    scores = {"u4": {"a": 0.5, "b": 0.5}, "slow": {"a": 0.9, "b": 0.9}}
    pool, trail = select.admit_rounds(scores, [("one", ["u4"]), ("two", ["slow"])], "u4", ["u4"])
    assert pool == ["u4"] and not trail[0].admitted  # nothing of round two may be chosen
    assert trail[0].held_out_with == trail[0].held_out_before == 0.5


def test_every_candidate_belongs_to_one_round(select) -> None:
    named = [n for _, grid in select.ROUNDS for n in grid]
    assert len(named) == len(set(named)) == len(select.CANDIDATES)
    assert "elas_u4" in select.ROUNDS[0][1] and P.DEFAULT in select.ROUNDS[0][1].values()
