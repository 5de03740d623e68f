"""The workbench's audit writes in signed mode: with the reviewer's key in the environment
its decisions are signed like any command's; without it they wait, and the chain a
workbench finds broken is never extended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_workbench import client_for, open_session
from synthetic import make_review

from litsift import signing
from litsift.store import Review
from litsift.store.audit import read_events

ANN = "a1" * 32  # an Ed25519 seed, as LITSIFT_SIGNING_KEY may give it


@pytest.fixture
def review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Review:
    root = make_review(tmp_path / "review", 30)
    monkeypatch.setenv(signing.KEY_ENV, ANN)
    monkeypatch.delenv(signing.KEY_FILE_ENV, raising=False)
    review = Review.find(root)
    assert review.audit.register_key("ann", signing.load(ANN))
    return Review.find(root)


def decide(review: Review, n: int) -> list[str]:
    session = open_session(review)
    done = []
    try:
        with client_for(session) as client:
            for _ in range(n):
                rid = session.current()
                answer = client.post("/api/decide", json={"id": rid, "decision": "include"})
                assert answer.status_code == 200, answer.text
                done.append(rid)
    finally:
        session.close()
    return done


def test_decisions_at_the_workbench_are_signed_with_the_key_in_the_environment(
    review: Review,
) -> None:
    done = decide(review, 3)
    events = [e for e in read_events(review.audit_log) if e.action == "decision"]
    assert [e.record for e in events] == done
    fingerprint = signing.load(ANN).fingerprint
    assert all(e.actor == "ann" and e.key == fingerprint and e.signature for e in events)
    report = review.audit.inspect()
    assert report.problems == [] and report.signed["ann"] == 4  # the key entry and 3


def test_without_the_key_the_decisions_wait_for_it(
    review: Review, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(signing.KEY_ENV)
    done = decide(review, 2)
    assert [e.action for e in read_events(review.audit_log)] == ["key"]  # nothing unsigned
    monkeypatch.setenv(signing.KEY_ENV, ANN)
    from litsift import runner

    runner.run(Review.find(review.root), until="screen")
    recorded = [e for e in read_events(review.audit_log) if e.action == "decision"]
    assert sorted(e.record for e in recorded) == sorted(done) and all(e.signature for e in recorded)
    assert Review.find(review.root).audit.verify() == []


def test_a_broken_chain_stops_the_workbench_write(review: Review) -> None:
    decide(review, 2)
    session = open_session(Review.find(review.root))
    try:
        with client_for(session) as client:
            log = review.audit_log
            lines = log.read_text().splitlines()
            edited = json.loads(lines[1])
            edited["new"] = "exclude"  # the first decision rewritten, hashes left as they were
            log.write_text("\n".join([lines[0], json.dumps(edited), *lines[2:]]) + "\n")
            before, yaml_before = log.read_bytes(), session.path.read_bytes()
            answer = client.post(
                "/api/decide", json={"id": session.current(), "decision": "include"}
            )
    finally:
        session.close()
    assert answer.status_code == 409
    assert "will not extend it" in answer.json()["error"]
    assert log.read_bytes() == before  # nothing appended to the broken chain
    assert session.path.read_bytes() == yaml_before  # and the decision not written either
