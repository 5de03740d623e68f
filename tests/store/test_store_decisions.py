"""One decision at a time into a reviewer file: appended or edited in place, bytes kept."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from litsift.errors import InputError
from litsift.models import Stage
from litsift.store import Review
from litsift.store.decisions import FileChangedError
from litsift.store.screening import IdResolver, load_reviewer_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screen"
IDS = [f"r{i}" for i in range(1, 30)]
RESOLVE = IdResolver.build({"member-of-r5": "r5"}, IDS)
TA = Stage.TITLE_ABSTRACT


@pytest.fixture
def review(tmp_path: Path) -> Review:
    shutil.copy(FIXTURES / "review.yaml", tmp_path / "review.yaml")
    ta = tmp_path / "data" / "screening" / "title-abstract"
    ta.mkdir(parents=True)
    shutil.copy(FIXTURES / "alice.yaml", ta / "alice.yaml")
    return Review.find(tmp_path)


def alice(review: Review) -> Path:
    return review.screening.reviewer_file(TA, "alice")


def decide(review: Review, snap, rid: str, **values):
    return review.screening.set_decision(snap, RESOLVE, rid, values, {"title": f"Title {rid}"})


def test_a_new_record_is_appended_and_the_rest_kept(review: Review) -> None:
    before = alice(review).read_bytes()
    snap = review.screening.snapshot(TA, "alice", RESOLVE)
    snap = decide(review, snap, "r4", decision="exclude", reason="E2", note="off topic")
    after = alice(review).read_bytes()
    assert after.startswith(before)
    assert after[len(before) :].decode() == (
        "- id: r4\n  title: Title r4\n  decision: exclude\n  reason: E2\n  note: off topic\n"
    )
    loaded = load_reviewer_file(alice(review), TA, review.protocol, RESOLVE)
    assert loaded.sha256 == snap.sha256
    assert [(e.record_id, e.line) for e in loaded.entries] == [
        (e.record_id, e.line) for e in snap.entries.values()
    ]


def test_a_listed_record_changes_only_its_decision_lines(review: Review) -> None:
    original = alice(review).read_text()
    snap = review.screening.snapshot(TA, "alice", RESOLVE)
    snap = decide(review, snap, "r3", decision="exclude", reason="E1")
    edited = alice(review).read_text()
    assert edited == original.replace(
        "  decision:\n  reason:\n", "  decision: exclude\n  reason: E1\n"
    )
    assert "note: 'undecided: need the abstract'" in edited  # a note not given is kept
    # undo: the blank fields come back byte for byte
    decide(review, snap, "r3", decision=None, reason=None)
    assert alice(review).read_text() == original


def test_a_comment_after_the_value_and_before_the_key_is_kept(review: Review) -> None:
    snap = review.screening.snapshot(TA, "alice", RESOLVE)
    decide(review, snap, "r1", decision="maybe", note="needs: a second look")
    text = alice(review).read_text()
    assert "  decision: maybe   # clearly on topic\n" in text
    assert "  note: 'needs: a second look'\n" in text
    assert text.startswith("# Alice's title/abstract decisions.  Keep this comment!\n")


def test_missing_keys_are_added_after_the_entry(review: Review) -> None:
    path = alice(review)
    path.write_text(
        "- id: r1\n  title: One\n# between\n- id: member-of-r5\n  title: |\n    two\n    lines\n"
    )
    snap = review.screening.snapshot(TA, "alice", RESOLVE)
    snap = decide(review, snap, "r5", decision="exclude", reason="E2")
    snap = decide(review, snap, "r1", decision="include")
    assert path.read_text() == (
        "- id: r1\n  title: One\n  decision: include\n# between\n- id: member-of-r5\n"
        "  title: |\n    two\n    lines\n  decision: exclude\n  reason: E2\n"
    )
    assert snap.entries["r5"].line == 5 and snap.entries["r5"].written_id == "member-of-r5"
    assert load_reviewer_file(path, TA, review.protocol, RESOLVE).entries == tuple(
        snap.entries.values()
    )


def test_a_changed_file_is_not_overwritten(review: Review) -> None:
    snap = review.screening.snapshot(TA, "alice", RESOLVE)
    edited = alice(review).read_text() + "- id: r9\n  decision: include\n"
    alice(review).write_text(edited)  # an editor saves meanwhile
    with pytest.raises(FileChangedError, match="changed on disk since it was read"):
        decide(review, snap, "r4", decision="include")
    assert alice(review).read_text() == edited


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"decision": "exclude", "reason": "E6"}, "not an exclusion code for stage title-abstract"),
        ({"decision": "not-retrieved"}, "only allowed at the full-text stage"),
        ({"decision": "perhaps"}, "decision"),
    ],
)
def test_invalid_values_write_nothing(review: Review, values, message) -> None:
    original = alice(review).read_bytes()
    snap = review.screening.snapshot(TA, "alice", RESOLVE)
    for rid in ("r3", "r4"):  # listed, and new
        with pytest.raises(InputError, match=message):
            decide(review, snap, rid, **values)
    assert alice(review).read_bytes() == original


def test_a_flow_style_entry_is_left_to_the_editor(review: Review) -> None:
    alice(review).write_text("- {id: r1, decision: include}\n")
    snap = review.screening.snapshot(TA, "alice", RESOLVE)
    with pytest.raises(InputError, match=r"alice.yaml:1: entry written in flow style"):
        decide(review, snap, "r1", decision="exclude", reason="E1")


def test_a_malformed_file_cannot_be_snapshotted(review: Review) -> None:
    alice(review).write_text("- id: r1\n  decision: include\n- id: r2\n  reason: E9\n")
    with pytest.raises(InputError, match=r"alice.yaml:4: reason: 'E9' is not an exclusion code"):
        review.screening.snapshot(TA, "alice", RESOLVE)


def test_random_decisions_and_undos_keep_every_other_byte(review: Review) -> None:
    rng = random.Random(7)
    path = alice(review)
    snap = review.screening.snapshot(TA, "alice", RESOLVE)
    expected = {e.record_id: (e.decision, e.reason, e.note) for e in snap.entries.values()}
    choices = [("include", None), ("exclude", "E1"), ("exclude", "E2"), ("maybe", None)]
    previous = load_reviewer_file(path, TA, review.protocol, RESOLVE)
    for step in range(120):
        rid = rng.choice(IDS[:12])
        before = path.read_text().splitlines(True)
        decision, reason = rng.choice([*choices, (None, None)])
        note = rng.choice([None, "a: note", "x" * 90, "über # not a comment"])
        snap = decide(review, snap, rid, decision=decision, reason=reason, note=note)
        expected[rid] = (decision, reason, note)
        after = path.read_text().splitlines(True)
        loaded = load_reviewer_file(path, TA, review.protocol, RESOLVE)
        assert {e.record_id: (e.decision, e.reason, e.note) for e in loaded.entries} == expected
        assert loaded.entries == tuple(snap.entries.values()), step
        old, new = _span(previous, rid, len(before)), _span(loaded, rid, len(after))
        assert before[: old.start] == after[: new.start], step  # everything before the entry
        assert before[old.stop :] == after[new.stop :], step  # and after it
        previous = loaded


def _span(loaded, rid: str, n: int) -> range:
    """Lines of the record's list item (to the next item); empty at the end when absent."""
    starts = sorted(e.line - 1 for e in loaded.entries)
    first = next((e.line - 1 for e in loaded.entries if e.record_id == rid), None)
    if first is None:
        return range(n, n)
    return range(first, next((s for s in starts if s > first), n))
