"""Wildcard vocabularies in a search run: sources that truncate go first and feed the ones
that cannot; the expansion is logged, so a replay sends the same requests."""

from __future__ import annotations

from pathlib import Path

import yaml

from fakeapi import FakeApis, make_works, write_review
from litsift.search import Settings, explain, run_search
from litsift.search.executor import RetryPolicy
from litsift.search.relax import Vocabulary
from litsift.store import Review

FAST = RetryPolicy(attempts=3, base=0.001, cap=0.01, jitter=0.1, timeout=0.5)
QUERY = '"language model" AND infer*'


def run(review: Review, fake: FakeApis | None, **kw: object):
    settings = Settings(page_size=50, policy=FAST, rates={"openalex": 1e3, "dblp": 1e3})
    factory = fake.session_factory() if fake is not None else None
    return run_search(
        review, session_factory=factory, settings=settings, sleep=lambda _: None, **kw
    )


def test_truncating_sources_feed_the_vocabulary_of_the_others(tmp_path: Path) -> None:
    write_review(tmp_path / "r", ["openalex", "dblp"], query=QUERY)
    review = Review(tmp_path / "r")
    with FakeApis(make_works(5)) as fake:
        report = run(review, fake)
        sent = fake.requests_for("openalex")[0].query["filter"][0]
    dblp, openalex = report.entries
    assert (dblp.source, openalex.source) == ("dblp", "openalex")
    assert openalex.expansions == {"infer": ["inference"]}
    assert "infer OR inference" in sent
    log = yaml.safe_load(report.log_path.read_text())
    assert log["sources"][1]["expansions"] == {"infer": ["inference"]}


def test_replay_sends_the_logged_expansion_whatever_was_retrieved_since(tmp_path: Path) -> None:
    write_review(tmp_path / "r", ["openalex"], query=QUERY)
    review = Review(tmp_path / "r")
    with FakeApis(make_works(5)) as fake:
        first = run(review, fake)
    (entry,) = first.entries
    # nothing retrieved before: the stem went as a whole word, with a warning
    assert entry.expansions == {"infer": None}
    assert any("sent as the whole word 'infer'" in w for w in entry.warnings)
    # the records retrieved since would expand it, but a replay sends the logged request
    replay = run(review, None, offline=True)
    assert replay.mode == "replay" and replay.entries[0].cache_hits == 1
    (row,) = explain(review, vocabulary=Vocabulary({"inference": 3}))
    assert "infer" in row["request"] and "inference" not in row["request"]
    # an update is a fresh search: it expands from what is known now
    with FakeApis(make_works(5)) as fake:
        update = run(review, fake, update=True)
    assert update.entries[0].expansions == {"infer": ["inference"]}
