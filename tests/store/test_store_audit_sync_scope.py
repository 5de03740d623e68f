"""Audit sync beside other writers: scoped syncs, stale reads skipped, the log read once."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from litsift.store import Review
from litsift.store import audit as audit_store
from litsift.store.audit import read_events, verify_audit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screen"
IDS = ["r1", "r2", "r3", "r4"]
NOW = "2024-01-01T00:00:00Z"


@pytest.fixture
def review(tmp_path: Path) -> Review:
    shutil.copy(FIXTURES / "review.yaml", tmp_path / "review.yaml")
    ta = tmp_path / "data" / "screening" / "title-abstract"
    ta.mkdir(parents=True)
    shutil.copy(FIXTURES / "alice.yaml", ta / "alice.yaml")
    (ta / "bob.yaml").write_text("- id: r1\n  decision: include\n- id: r2\n  decision: maybe\n")
    return Review.find(tmp_path)


def load(review: Review):
    return review.screening.load({}, IDS)


def test_a_scoped_sync_records_only_the_entries_named(review: Review) -> None:
    alice = "data/screening/title-abstract/alice.yaml"
    assert review.audit.sync(load(review), "lead", NOW, scope=[(alice, "r2")]) == 1
    (event,) = read_events(review.audit_log)
    assert (event.file, event.record, event.new) == (alice, "r2", "exclude")
    bob = "data/screening/title-abstract/bob.yaml"
    assert review.audit.sync(load(review), "lead", NOW, files=[bob]) == 2
    assert {e.actor for e in read_events(review.audit_log)} == {"alice", "bob"}
    assert review.audit.sync(load(review), "lead", NOW) == 1  # the rest, once
    assert verify_audit(review.audit_log) == []


def test_a_file_changed_since_it_was_loaded_is_left_to_its_writer(review: Review) -> None:
    state = load(review)
    bob = review.screening.reviewer_file(review_stage(), "bob")
    bob.write_text("- id: r1\n  decision: exclude\n  reason: E2\n")  # another writer
    assert review.audit.sync(state, "lead", NOW) == 2  # alice's two; bob's stale read skipped
    assert {e.actor for e in read_events(review.audit_log)} == {"alice"}
    assert review.audit.sync(load(review), "lead", NOW) == 1  # bob's file as it is now
    assert [(e.record, e.new) for e in read_events(review.audit_log) if e.actor == "bob"] == [
        ("r1", "exclude")
    ]


def test_a_file_created_after_the_load_is_not_withdrawn(review: Review) -> None:
    before = load(review)
    carol = review.screening.reviewer_file(review_stage(), "carol")
    carol.write_text("- id: r4\n  decision: include\n")  # another writer adds a file
    assert review.audit.sync(load(review), "lead", NOW) == 5
    assert review.audit.sync(before, "lead", NOW) == 0  # an older load must not undo it
    assert [e.new for e in read_events(review.audit_log) if e.actor == "carol"] == ["include"]
    carol.unlink()
    assert review.audit.sync(before, "lead", NOW) == 1  # gone from disk: withdrawn
    assert read_events(review.audit_log)[-1].new is None


def test_the_log_is_parsed_once_and_a_rewritten_log_again(review: Review, monkeypatch) -> None:
    review.audit.sync(load(review), "lead", NOW)
    parsed: list[int] = []
    real = audit_store._parse_lines
    monkeypatch.setattr(
        audit_store,
        "_parse_lines",
        lambda path, text, first: parsed.append(len(text.splitlines())) or real(path, text, first),
    )
    bob = review.screening.reviewer_file(review_stage(), "bob")
    bob.write_text(bob.read_text() + "- id: r3\n  decision: include\n")
    assert review.audit.sync(load(review), "lead", NOW) == 1
    assert parsed == [1]  # the log it read is its start: only the line it wrote is read
    review.audit_log.write_text(review.audit_log.read_text().replace('"E1"', '"E2"'))
    review.audit.view()
    assert parsed == [1, 5]  # edited: read in full again
    assert verify_audit(review.audit_log)  # and the edit is what verify reports


SYNC = """
import sys
from litsift.store import Review
from litsift.vocab import Stage
review = Review.find(sys.argv[1])
me = sys.argv[2]
path = review.screening.reviewer_file(Stage.TITLE_ABSTRACT, me)
for i in range(int(sys.argv[3])):
    with open(path, "a") as fh:
        fh.write(f"- id: x{i}\\n  decision: include\\n")
    rel = review.rel(path)
    state = review.screening.load({}, [f"x{j}" for j in range(1000)] + ["r1", "r2", "r3"])
    review.audit.sync(state, me, scope=[(rel, f"x{i}")])
"""


def test_two_processes_syncing_at_once_lose_no_event(review: Review) -> None:
    for name in ("alice.yaml", "bob.yaml"):
        (review.screening_dir / "title-abstract" / name).write_text("")
    procs = [
        subprocess.Popen([sys.executable, "-c", SYNC, str(review.root), who, "40"])
        for who in ("alice", "bob")
    ]
    assert [p.wait(120) for p in procs] == [0, 0]
    events = read_events(review.audit_log)
    assert sorted((e.actor, e.record) for e in events) == sorted(
        (who, f"x{i}") for who in ("alice", "bob") for i in range(40)
    )
    assert verify_audit(review.audit_log) == []


def review_stage():
    from litsift.models import Stage

    return Stage.TITLE_ABSTRACT
