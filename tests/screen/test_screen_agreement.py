"""Agreement statistics against textbook examples."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from litsift.screen import agreement as ag


def two_by_two(yy: int, yn: int, ny: int, nn: int) -> tuple[list[str], list[str]]:
    """Paired ratings from a 2x2 table (rater A in rows, rater B in columns)."""
    a = ["yes"] * (yy + yn) + ["no"] * (ny + nn)
    b = ["yes"] * yy + ["no"] * yn + ["yes"] * ny + ["no"] * nn
    return a, b


def test_cohen_kappa_textbook_table() -> None:
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15.
    # p_o = 0.70, p_e = 0.5*0.6 + 0.5*0.4 = 0.50, kappa = 0.40.
    a, b = two_by_two(20, 5, 10, 15)
    assert ag.cohen_kappa(a, b) == pytest.approx(0.4)
    assert ag.cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_kappa_paradox_where_ac1_stays_high() -> None:
    # Gwet's paradox: 118 agreements on 'yes', none on 'no', 7 disagreements.
    # p_o = 0.944; kappa is about -0.023 while AC1 = (0.944 - 0.054432) / 0.945568 = 0.9408.
    a, b = two_by_two(118, 5, 2, 0)
    assert ag.cohen_kappa(a, b) == pytest.approx(-0.0234, abs=1e-4)
    counts, _ = ag.count_matrix(list(zip(a, b, strict=True)))
    assert ag.gwet_ac1(counts) == pytest.approx(0.9408, abs=1e-4)
    assert ag.raw_agreement(counts) == pytest.approx(0.944)


def test_gwet_ac1_two_raters_balanced_table() -> None:
    # Same table as the Cohen example: pi_yes = (25+30)/100 = 0.55,
    # p_e = 2 * 0.55 * 0.45 = 0.495, AC1 = (0.70 - 0.495) / 0.505 = 0.40594.
    a, b = two_by_two(20, 5, 10, 15)
    counts, _ = ag.count_matrix(list(zip(a, b, strict=True)))
    assert ag.gwet_ac1(counts) == pytest.approx(0.40594, abs=1e-5)


FLEISS_1971_STYLE = np.array(
    [  # the worked example of Fleiss' kappa: 10 subjects, 14 raters
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ],
    dtype=float,
)


def test_fleiss_kappa_worked_example() -> None:
    # P-bar = 0.378, P_e = 0.213, kappa = 0.210
    assert ag.fleiss_kappa(FLEISS_1971_STYLE) == pytest.approx(0.2099, abs=1e-4)


def test_krippendorff_alpha_nominal_with_missing_values() -> None:
    # Krippendorff's reliability data example: 4 coders, 12 units, missing values;
    # nominal alpha = 0.743.
    coders = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = [[c[u] for c in coders if c[u] is not None] for u in range(12)]
    counts, _ = ag.count_matrix(units)
    assert ag.krippendorff_alpha(counts) == pytest.approx(0.743, abs=1e-3)


def test_perfect_agreement_and_interval() -> None:
    ratings = {f"r{i}": {"alice": v, "bob": v} for i, v in enumerate(["include", "exclude"] * 10)}
    rep = ag.agreement(ratings, "title-abstract", n_boot=200)
    assert rep.items == 20 and rep.reviewers == ("alice", "bob")
    for est in (rep.raw, rep.cohen_kappa, rep.gwet_ac1, rep.krippendorff_alpha):
        assert est is not None and est.value == 1.0 and est.low == 1.0 and est.high == 1.0


def test_report_interval_brackets_value_and_is_deterministic() -> None:
    a, b = two_by_two(20, 5, 10, 15)
    ratings = {f"r{i}": {"alice": x, "bob": y} for i, (x, y) in enumerate(zip(a, b, strict=True))}
    ratings["solo"] = {"alice": "yes"}  # one rating only: no agreement information
    rep = ag.agreement(ratings, n_boot=300)
    assert rep.items == 50
    assert rep.cohen_kappa is not None and rep.cohen_kappa.value == 0.4
    assert rep.cohen_kappa.low < 0.4 < rep.cohen_kappa.high
    assert rep == ag.agreement(ratings, n_boot=300)


def test_three_reviewers_give_fleiss_not_cohen() -> None:
    ratings = {
        "a": {"x": "include", "y": "include", "z": "exclude"},
        "b": {"x": "exclude", "y": "exclude", "z": "exclude"},
        "c": {"x": "include", "y": "include"},
    }
    rep = ag.agreement(ratings, n_boot=50)
    assert rep.cohen_kappa is None and rep.items == 3
    assert rep.fleiss_kappa.value is not None and rep.krippendorff_alpha.value is not None


def test_no_overlap_gives_empty_report() -> None:
    rep = ag.agreement({"a": {"x": "include"}, "b": {"y": "exclude"}})
    assert rep.items == 0 and rep.raw.value is None and rep.cohen_kappa is None
