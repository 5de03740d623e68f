"""Rules named on every link, Fellegi-Sunter weights, and the leave-one-dataset-out table."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REALWORLD
from litsift.dedup import deduplicate
from litsift.dedup.bench import BenchResult, doi_labelled, load_labels, load_records
from litsift.dedup.core import legacy_rule
from litsift.dedup.features import features
from litsift.dedup.lodo import (
    Row,
    choose,
    field_pairs,
    leave_one_dataset_out,
    nested_choice,
    zero_fp_threshold,
)
from litsift.dedup.match import Rule, compare_fields
from litsift.dedup.weights import DEFAULT, estimate, expectation_maximisation, levels
from litsift.models import Record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dedup"


def rec(origin: str, **fields: object) -> Record:
    base: dict[str, object] = {
        "title": "Pipeline parallelism with interleaved schedules for very large models",
        "authors": ["Weber, Karl", "Costa, Rita", "Yilmaz, Emre"],
        "year": 2021,
        "venue": "IEEE Transactions on Parallel and Distributed Systems",
        "volume": "32",
        "pages": "2243-2255",
    }
    base.update(fields)
    return Record.build(source="x", origin=origin, **base)


def test_every_link_names_its_rule_and_weights() -> None:
    a = rec("1", doi="10.1109/TPDS.2021.1")
    b = rec("2", doi="10.1109/tpds.2021.1", title="Other words entirely")
    c = rec("3", title="PIPELINE PARALLELISM WITH INTERLEAVED SCHEDULES FOR VERY LARGE MODELS.",
            venue="IEEE Trans Parallel Distrib Syst", pages="2243-55")  # fmt: skip
    result = deduplicate([a, b, c])
    (cluster,) = result.clusters
    rules = sorted(link.rule for link in cluster.links)
    assert rules == sorted([Rule.SAME_ID, Rule.TITLE])
    fuzzy = next(link for link in cluster.links if link.rule == Rule.TITLE)
    assert fuzzy.weights.startswith("title exact +5.8, authors list +6.4, year same +2.6")
    assert result.links_per_rule() == {"near-identical title": 1, "same record id": 1}


def test_links_written_before_rules_were_named() -> None:
    assert legacy_rule("same id doi-10.1/x") == Rule.SAME_ID
    assert legacy_rule("same doi") == Rule.IDENTIFIER
    assert legacy_rule("reviewer: same") == Rule.REVIEWER
    assert legacy_rule("title 0.98; same year") == "fuzzy match (earlier run)"


def test_weights_reward_agreement_and_punish_disagreement() -> None:
    same = compare_fields(features(rec("1")), features(rec("2", pages="2243-55")))
    moved = compare_fields(features(rec("1")), features(rec("3", pages="100-110", volume="9")))
    other = compare_fields(
        features(rec("1")),
        features(
            rec(
                "4",
                title="A survey of quantisation",
                authors=["Olsen, B"],
                year=2019,
                volume="33",
                pages="1-40",
            )
        ),
    )
    pairs = [(same, True)] * 5 + [(moved, False)] * 3 + [(other, False)] * 20
    weights = estimate(pairs)
    assert weights.table[("pages", "same")] > 0 > weights.table[("pages", "differ")]
    assert weights.score(same) > weights.score(moved) > weights.score(other)
    assert levels(same)[0] == "exact" and "= " in weights.explain(same)
    # EM started from the labelled estimate keeps the order without the labels
    fitted = expectation_maximisation([f for f, _ in pairs], weights)
    assert fitted.score(same) > fitted.score(other)


def test_default_weights_say_a_garbled_page_is_neither_for_nor_against() -> None:
    assert DEFAULT.table[("pages", "differ")] < -5
    assert abs(DEFAULT.table[("pages", "format")]) < 1
    assert DEFAULT.table[("pages", "same")] > 5


def test_zero_false_merge_threshold() -> None:
    assert zero_fp_threshold([1.0, 5.0, 9.0, 3.0], [False, True, True, False]) > 3.0
    assert zero_fp_threshold([1.0, 5.0, 9.0, 3.0], [False, True, True, False]) < 5.0


def test_leave_one_dataset_out_on_handmade_sets() -> None:
    sets = {
        name: (load_records(FIXTURES / name), load_labels(FIXTURES / name))
        for name in ("handmade", "label_errata")
    }
    rows = leave_one_dataset_out(sets, ["rules", "fellegi-sunter"])
    assert [(r.held_out, r.matcher) for r in rows] == [
        ("handmade", "rules"),
        ("handmade", "fellegi-sunter"),
        ("label_errata", "rules"),
        ("label_errata", "fellegi-sunter"),
    ]
    rules = rows[0].result
    assert (rules.precision, rules.recall, rules.false_merges) == (1.0, 1.0, 0)


@pytest.mark.shared
def test_default_weights_are_the_estimate_on_the_labelled_sets() -> None:
    from litsift.store.imports import read_file

    folders = [REALWORLD / "dedup" / n for n in ("haematology", "respiratory", "special_cases")]
    exports = REALWORLD / "exports" / "slr-llm-in-mde"
    if not all(f.is_dir() for f in [*folders, exports]):
        pytest.skip("../shared/realworld is absent")
    sets = [(load_records(f), load_labels(f)) for f in folders]
    records = [r for p in sorted(exports.iterdir()) for r in read_file(p, source=p.stem).records]
    sets.append(doi_labelled(records))
    pairs = [p for data in sets for p in field_pairs(*data)]
    fresh = estimate((p.fields, p.duplicate) for p in pairs)
    assert fresh.table == pytest.approx(dict(DEFAULT.table), abs=0.01)
    assert fresh.prior == pytest.approx(DEFAULT.prior, abs=0.01)


def _row(held: str, matcher: str, recall: float, false_merges: int) -> Row:
    result = BenchResult(
        precision=1.0, recall=recall, f1=recall, false_merges=false_merges, records=10, seconds=0
    )
    return Row(held, matcher, float("nan"), result)


def test_choose_prefers_no_false_merge_then_recall() -> None:
    rows = [
        _row("a", "rules", 0.8, 0),
        _row("b", "rules", 0.9, 0),
        _row("a", "logistic regression", 0.99, 1),  # higher recall, but one false merge
        _row("b", "logistic regression", 0.99, 0),
        _row("a", "rules + FS", 0.85, 0),
        _row("b", "rules + FS", 0.9, 0),
    ]
    assert choose(rows) == "rules + FS"
    assert choose(rows[:4]) == "rules"
    assert choose([_row("a", "fellegi-sunter", 0.9, 2)]) == "rules"  # none clean


def test_the_choice_is_made_without_the_held_out_set() -> None:
    base = {
        name: (load_records(FIXTURES / name), load_labels(FIXTURES / name))
        for name in ("handmade", "label_errata")
    }
    assert nested_choice(base, ["rules"]) == []  # two sets: nothing to choose on
    sets = {**base, "again": base["handmade"]}
    choices = nested_choice(sets, ["rules", "fellegi-sunter"])
    assert [c.held_out for c in choices] == ["handmade", "label_errata", "again"]
    assert all(c.matcher in ("rules", "fellegi-sunter") for c in choices)
    outer = leave_one_dataset_out(sets, ["rules", "fellegi-sunter"])
    for c in choices:
        row = next(r for r in outer if r.held_out == c.held_out and r.matcher == c.matcher)
        same = ("precision", "recall", "false_merges")
        assert [getattr(c.result, k) for k in same] == [getattr(row.result, k) for k in same]
