"""A run that stops after dedup and finds both stages cached (`screen next`) does not
read the identified records; a stage or caller that needs them still gets them."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from litsift import runner
from litsift.store import Review
from litsift.store.cache import StageCache
from litsift.store.skeleton import create as create_skeleton
from litsift.vocab import PipelineStage


@pytest.fixture
def review(tmp_path: Path) -> Review:
    root = tmp_path / "r"
    create_skeleton(root)
    runner.run(Review(root))
    return Review(root)


def forbid_identify(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real_load = StageCache.load

    def load(self: StageCache, stage: str, key: str):
        calls.append(stage)
        return real_load(self, stage, key)

    monkeypatch.setattr(StageCache, "load", load)
    monkeypatch.setattr(runner, "identify", lambda _review: pytest.fail("identified again"))
    return calls


def test_until_dedup_with_both_cached_reads_no_record(
    review: Review, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = runner.run(review, until=PipelineStage.DEDUP, record=False)
    ids = [r.id for r in expected.identification.records]
    calls = forbid_identify(monkeypatch)
    result = runner.run(Review(review.root), until=PipelineStage.DEDUP, record=False)
    assert "identify" not in calls and "dedup" in calls
    assert result.reused == ("identify", "dedup")
    assert result.aliases() == expected.aliases()
    assert result.record_ids() == set(ids)
    # asked for, the records come from the cache, as they were
    assert [r.id for r in result.identification.records] == ids
    assert calls.count("identify") == 1


def test_an_entry_damaged_below_its_key_line_is_identified_afresh(review: Review) -> None:
    path = review.build / ".cache" / "identify.pickle"
    key = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(key + b"\n" + b"not a pickle")
    result = runner.run(Review(review.root), until=PipelineStage.DEDUP, record=False)
    assert len(result.identification.records) > 0


def test_an_entry_starts_with_its_key_then_the_pickle(tmp_path: Path) -> None:
    stages = StageCache(tmp_path)
    stages.save("s", "k1", {"a": 1})
    head, body = (tmp_path / "s.pickle").read_bytes().split(b"\n", 1)
    assert head == b"k1" and pickle.loads(body) == {"a": 1}
    assert stages.holds("s", "k1") and not stages.holds("s", "k")
    assert StageCache(tmp_path).load("s", "k1") == {"a": 1}
    assert StageCache(tmp_path).load("s", "k2") is None
    assert not stages.holds("missing", "k1")
