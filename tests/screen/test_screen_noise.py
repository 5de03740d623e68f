"""The noise floor of the ranker choice (bench/screen_noise.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import load_script

NOISE = Path(__file__).resolve().parents[2] / "bench" / "screen_noise.py"


@pytest.fixture(scope="module")
def noise():
    return load_script(NOISE, "bench_screen_noise")


def _labelled(path: Path, rows: int = 60) -> Path:
    lines = ["title,abstract,label_included"]
    for i in range(rows):
        on = i % 6 == 0
        topic = "speculative decoding for language models" if on else f"soil erosion study {i}"
        lines.append(f"{topic} {i},{'draft tokens verified' if on else 'rainfall'} {i},{int(on)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_spread_is_largest_minus_smallest(noise) -> None:
    assert noise.spread({"a": 0.5, "b": 0.53, "c": 0.51}) == 0.03
    assert noise.spread({"a": 0.5}) == 0.0


def test_every_variant_replays_every_set_and_the_cache_is_shared(noise, tmp_path, monkeypatch):
    data = _labelled(tmp_path / "Tiny.csv")
    monkeypatch.setattr(noise.BENCH, "labelled_sets", lambda folder: [data])
    out = tmp_path / "bench"
    assert noise.main(out) == 0
    report = json.loads((out / "screen-noise.json").read_text())
    means = report["wss95"]["Tiny.csv"]
    assert sorted(means) == sorted(noise.VARIANTS)
    assert report["spread"]["Tiny.csv"] == noise.spread(means)
    assert "| Tiny |" in (out / "screen-noise.md").read_text()
    # the replays went into screen_select's cache, where a second run finds them
    saved = json.loads((out / "screen-select-cache.json").read_text())
    assert len(saved) == len(noise.VARIANTS) * len(noise.BENCH.SEEDS)
    monkeypatch.setattr(noise.SELECT, "_simulate", lambda *a: pytest.fail("replayed again"))
    assert noise.main(out) == 0


def test_a_set_that_cannot_be_scored_stops_with_exit_2(noise, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "Bad.csv"
    bad.write_text("title,abstract\nx,y\n", encoding="utf-8")
    monkeypatch.setattr(noise.BENCH, "labelled_sets", lambda folder: [bad])
    assert noise.main(tmp_path / "bench") == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "Bad.csv" in err and "\n" not in err
