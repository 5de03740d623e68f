"""bench/screen_select.py: replays shared by settings that run alike on a set, and results
carried over from an earlier version of the ranking code only once one of them is
reproduced; the shipped default is the one its leave-one-dataset-out procedure chose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import load_script
from litsift.screen import prioritise as P

ROOT = Path(__file__).resolve().parents[2]
SELECT = ROOT / "bench" / "screen_select.py"


@pytest.fixture(scope="module")
def select():
    return load_script(SELECT, "bench_screen_select_carry")


def labelled(tmp_path: Path, keywords: bool) -> P.LabelledSet:
    path = tmp_path / f"set{int(keywords)}.csv"
    rows = ["title,abstract,label_included" + (",keywords" if keywords else "")]
    for i in range(12):
        words = "speculative decoding models" if i % 4 == 0 else f"soil river {i}"
        rows.append(f"t{i},{words},{int(i % 4 == 0)}" + (",Humans; Kw" if keywords else ""))
    path.write_text("\n".join(rows) + "\n")
    return P.load_labelled(path)


def test_on_a_set_without_keywords_the_keyword_settings_run_as_elas_u4(select, tmp_path):
    bare, rich = labelled(tmp_path, False), labelled(tmp_path, True)
    fused = P.Model(keywords=True, blend=True, combine="rank", batch_fraction=0.005)
    assert select.effective(fused, bare) == P.Model(batch_fraction=0.005)
    assert select.effective(P.Model(keywords=True, select="prequential"), bare) == P.ASREVIEW_U4
    assert select.effective(fused, rich) == fused
    # and that is what the replays do: the same order from the same priors
    for model in (fused, P.Model(keywords=True, select="prequential")):
        x = P.feature_matrices(bare.texts, bare.keyword_lists(), model)
        u4 = select.effective(model, bare)
        y = P.feature_matrices(bare.texts, bare.keyword_lists(), u4)
        assert P.replay(x, bare.labels, (0, 1), 1, model) == P.replay(y, bare.labels, (0, 1), 1, u4)


def test_a_cache_key_model_reads_back_with_settings_added_since(select) -> None:
    old = repr(P.Model(keywords=True)).replace(", select=''", "")
    assert "select" not in old
    assert select.parse_model(old) == P.Model(keywords=True)
    assert select.parse_model("not a model(") is None


def test_earlier_results_are_carried_over_only_once_one_is_reproduced(select, tmp_path):
    data = labelled(tmp_path, True)
    model = P.Model(keywords=True)
    cache = tmp_path / "cache.json"
    digest = select.BENCH.sha256(Path(data.path))
    real = {}
    for seed in select.BENCH.SEEDS:
        priors = P.choose_priors(data.labels, seed)
        case = f"{digest}|seed {seed}|priors {priors}"
        real[case] = select._simulate(data, seed, model, priors)

    def earlier(tamper: bool) -> dict:
        saved = {}
        for case, result in real.items():
            kept = dict(result, seconds=99.0)
            if tamper:
                kept["wss95"] = -1.0
            saved[f"{model!r}|{case}|code 0000000000000000"] = kept
        return saved

    saved = earlier(tamper=False)
    rows = select._replays(data, model, "1111111111111111", saved, cache)
    assert [r["seconds"] for r in rows] == [99.0] * len(rows)  # carried over, not replayed
    assert len(saved) == 2 * len(rows)

    saved = earlier(tamper=True)
    rows = select._replays(data, model, "1111111111111111", saved, cache)
    assert [r["wss95"] for r in rows] == [r["wss95"] for r in real.values()]  # replayed
    assert all(r["wss95"] != -1.0 for r in rows)


def test_the_shipped_default_is_the_choice_recorded_in_docs(select) -> None:
    text = (ROOT / "docs" / "ranker-selection.md").read_text(encoding="utf-8")
    chosen = re.search(r"Chosen on all groups: \*\*(.+?)\*\*", text)
    assert chosen is not None
    assert select.CANDIDATES[chosen.group(1)] == P.DEFAULT
