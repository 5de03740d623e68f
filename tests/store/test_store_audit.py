"""The hash-chained audit log: sync from reviewer files, tampering of each kind detected."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litsift.cli import app as cli_app
from litsift.store import Review
from litsift.store.audit import event_hash, read_events, sync_audit, verify_audit

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


def sync(review: Review) -> int:
    return sync_audit(review, review.screening.load({}, IDS), "lead", now=NOW)


def lines(review: Review) -> list[str]:
    return review.audit_log.read_text().splitlines()


def test_sync_records_each_decision_once(review: Review) -> None:
    assert sync(review) == 4  # alice r1, r2; bob r1, r2 (r3 is undecided)
    assert sync(review) == 0  # idempotent
    events = read_events(review.audit_log)
    assert [(e.seq, e.actor, e.record, e.old, e.new) for e in events] == [
        (1, "alice", "r1", None, "include"),
        (2, "alice", "r2", None, "exclude"),
        (3, "bob", "r1", None, "include"),
        (4, "bob", "r2", None, "maybe"),
    ]
    first = events[0]
    assert first.stage == "title-abstract" and first.at == NOW and first.version
    assert first.file == "data/screening/title-abstract/alice.yaml"
    assert first.file_sha256 and first.prev == "0" * 64 and first.hash == event_hash(first)
    assert events[1].reason == "E1" and events[1].prev == first.hash
    assert verify_audit(review.audit_log) == []


def test_changed_and_withdrawn_decisions_append_events(review: Review) -> None:
    sync(review)
    bob = review.screening_dir / "title-abstract" / "bob.yaml"
    bob.write_text("- id: r1\n  decision: exclude\n  reason: E2\n")  # r1 changed, r2 removed
    assert sync(review) == 2
    new = read_events(review.audit_log)[-2:]
    assert [(e.record, e.old, e.new, e.reason) for e in new] == [
        ("r1", "include", "exclude", "E2"),
        ("r2", "maybe", None, None),
    ]
    # a withdrawal is filed under the stage and reviewer of the decision it withdraws
    assert [(e.stage, e.actor) for e in new] == [("title-abstract", "bob")] * 2
    assert verify_audit(review.audit_log) == []
    assert sync(review) == 0


def tamper(review: Review, edit) -> list[str]:
    sync(review)
    rows = lines(review)
    review.audit_log.write_text("".join(x + "\n" for x in edit(rows)))
    return verify_audit(review.audit_log)


def test_edited_entry_detected(review: Review) -> None:
    def edit(rows: list[str]) -> list[str]:
        event = json.loads(rows[1])
        event["new"] = "include"
        rows[1] = json.dumps(event)
        return rows

    problems = tamper(review, edit)
    assert any(":2: hash does not match" in p for p in problems)


def test_edited_entry_with_recomputed_hash_breaks_the_chain(review: Review) -> None:
    def edit(rows: list[str]) -> list[str]:
        from litsift.models import AuditEvent

        event = AuditEvent.model_validate_json(rows[1]).model_copy(update={"new": "include"})
        rows[1] = event.model_copy(update={"hash": event_hash(event)}).model_dump_json()
        return rows

    problems = tamper(review, edit)
    assert any(":3: does not chain" in p for p in problems)


def test_deleted_entry_detected(review: Review) -> None:
    problems = tamper(review, lambda rows: rows[:1] + rows[2:])
    assert any(":2: seq 3 where 2 was expected" in p for p in problems)


def test_reordered_entries_detected(review: Review) -> None:
    problems = tamper(review, lambda rows: [rows[1], rows[0], *rows[2:]])
    assert any(":1: seq 2 where 1 was expected" in p for p in problems)


def test_truncated_log_detected(review: Review) -> None:
    problems = tamper(review, lambda rows: rows[:2])
    assert problems == [
        f"{review.audit_log}: ends at seq 2 but head.json records seq 4 (log truncated)"
    ]


def test_cut_short_last_line_detected(review: Review) -> None:
    sync(review)
    text = review.audit_log.read_text()
    review.audit_log.write_text(text[: len(text) - 40])
    assert any(":4: not a valid audit event" in p for p in verify_audit(review.audit_log))


def test_missing_head_or_log_detected(review: Review) -> None:
    sync(review)
    head = review.audit_log.parent / "head.json"
    saved = head.read_text()
    head.unlink()
    assert "cannot check the log for truncation" in verify_audit(review.audit_log)[0]
    head.write_text(saved)
    review.audit_log.unlink()
    assert "missing" in verify_audit(review.audit_log)[0]


def test_crash_between_log_and_head_is_repaired(review: Review) -> None:
    sync(review)
    head = review.audit_log.parent / "head.json"
    stale = head.read_text()
    (review.screening_dir / "title-abstract" / "bob.yaml").write_text("- id: r1\n")
    sync(review)
    head.write_text(stale)  # as if killed after writing the log, before the head
    assert verify_audit(review.audit_log) == []  # the log may run ahead of its head
    assert sync(review) == 0
    assert json.loads(head.read_text())["seq"] == len(lines(review))


def test_no_log_yet_is_fine(review: Review) -> None:
    assert verify_audit(review.audit_log) == []


def test_cli_verify_exit_codes(review: Review) -> None:
    runner = CliRunner()
    sync(review)
    ok = runner.invoke(cli_app, ["audit", "verify", "--root", str(review.root)])
    assert ok.exit_code == 0, ok.output
    review.audit_log.write_text("".join(x + "\n" for x in lines(review)[1:]))
    bad = runner.invoke(cli_app, ["audit", "verify", "--root", str(review.root)])
    assert bad.exit_code == 1 and "seq 2 where 1 was expected" in bad.output
