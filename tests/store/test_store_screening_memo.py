"""Reviewer files read through their parse memo (build/.cache/reviewer-files/) give the
same decisions, and the same errors with the same lines, as a full parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from litsift import runner
from litsift.errors import InputError
from litsift.models import Stage
from litsift.store import Review
from minireview import make_review, record_id, reviewer_file


def entry(i: int, decision: str = "", reason: str = "") -> str:
    return (
        f"- id: {record_id(i)}\n  title: Study {i}\n  abstract: >-\n    a long text\n"
        f"  decision:{' ' + decision if decision else ''}\n"
        f"  reason:{' ' + reason if reason else ''}\n"
    )


def decisions(root: Path) -> dict[str, tuple]:
    review = Review(root)
    result = runner.run(review, until="dedup", record=False)
    state = review.screening.load(result.aliases())
    return {
        e.record_id: (e.decision, e.reason, e.line)
        for f in state.reviewer_files(Stage.TITLE_ABSTRACT)
        for e in f.entries
    }


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_review(tmp_path / "r", n=12)


def test_a_growing_file_reads_the_same_through_its_memo(root: Path) -> None:
    path = reviewer_file(root)
    path.write_text("".join(entry(i, "exclude", "E1") for i in range(4)))
    decisions(root)
    memos = list((root / "build" / ".cache" / "reviewer-files").rglob("*.pickle"))
    assert [m.name for m in memos] == ["ann.pickle"]
    path.write_text(path.read_text() + "# next 2\n" + entry(4, "include") + entry(5))
    through_memo = decisions(root)
    for memo in memos:
        memo.unlink()
    assert decisions(root) == through_memo
    assert through_memo[record_id(4)][0].value == "include"


def test_an_error_in_the_new_entries_names_the_same_line(root: Path) -> None:
    path = reviewer_file(root)
    path.write_text("".join(entry(i, "exclude", "E1") for i in range(4)))
    decisions(root)
    path.write_text(path.read_text() + entry(4, "include", "E1"))
    with pytest.raises(InputError) as memo:
        decisions(root)
    for m in (root / "build" / ".cache" / "reviewer-files").rglob("*.pickle"):
        m.unlink()
    with pytest.raises(InputError) as full:
        decisions(root)
    assert str(memo.value) == str(full.value) and ":30:" in str(full.value)  # entry 5, line 6


def test_a_damaged_memo_is_a_full_parse(root: Path) -> None:
    path = reviewer_file(root)
    path.write_text("".join(entry(i, "exclude", "E1") for i in range(3)))
    first = decisions(root)
    for m in (root / "build" / ".cache" / "reviewer-files").rglob("*.pickle"):
        m.write_bytes(b"not a pickle")
    assert decisions(root) == first
