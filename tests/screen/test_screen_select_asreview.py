"""The speed limit of the leave-one-dataset-out driver: ASReview's time in the same folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import load_script
from litsift.screen import prioritise as P

SELECT = Path(__file__).resolve().parents[2] / "bench" / "screen_select.py"


@pytest.fixture(scope="module")
def select():
    return load_script(SELECT, "bench_screen_select_limit")


def labelled(tmp_path: Path) -> P.LabelledSet:
    path = tmp_path / "set.csv"
    path.write_text("title,abstract,label_included\na,b,1\nc,d,0\ne,f,0\ng,h,1\n")
    return P.load_labelled(path)


def test_asreview_seconds_is_the_mean_over_every_seed_of_the_cache(select, tmp_path) -> None:
    data = labelled(tmp_path)
    digest = select.BENCH.sha256(Path(data.path))
    cache = tmp_path / "screen-asreview-cache.json"
    saved = {}
    for k, seed in enumerate(select.BENCH.SEEDS):
        i, e = P.choose_priors(data.labels, seed)
        key = f"{select.BENCH.ASREVIEW}|{digest}|seed {seed}|priors {i} {e}"
        saved[key] = {"seconds": 10.0 + 2 * k}
    cache.write_text(json.dumps(saved))
    assert select.asreview_seconds([data], cache) == pytest.approx(np.mean([10, 12, 14, 16, 18]))
    # one run missing: the limit is unknown rather than computed from part of the runs
    saved.pop(next(iter(saved)))
    cache.write_text(json.dumps(saved))
    assert select.asreview_seconds([data], cache) is None
    assert select.asreview_seconds([data], tmp_path / "absent.json") is None


def test_every_candidate_is_named_once_and_the_baseline_comes_first(select) -> None:
    names = list(select.CANDIDATES)
    assert names[0] == "elas_u4"
    assert len(set(select.CANDIDATES.values())) == len(names)  # no setting measured twice
