"""The runner: stages in order, and a warm run that takes unchanged stages from build/.cache
while writing the same build/ as a fresh one."""

from __future__ import annotations

from pathlib import Path

import pytest

from litsift import runner
from litsift.models import Stage
from litsift.store import Review
from litsift.store.skeleton import create as create_skeleton

EVERY_STAGE = ("identify", "dedup", "screen", "tag", "report")

# two records a reviewer must tell apart: one title and author list, a year apart, no ids
TWINS = """
@inproceedings{twin2021,
  title = {Introduction to the Minitrack on Efficient Language Model Serving},
  author = {Deng, Xuefei and Taylor, Joseph},
  booktitle = {Hawaii International Conference on System Sciences},
  year = {2021}
}
@inproceedings{twin2022,
  title = {Introduction to the Minitrack on Efficient Language Model Serving},
  author = {Deng, Xuefei and Taylor, Joseph},
  booktitle = {Hawaii International Conference on System Sciences},
  year = {2022}
}
"""


@pytest.fixture
def review(tmp_path: Path) -> Review:
    root = tmp_path / "r"
    create_skeleton(root)
    # an included study, so that the tag stage and the included tables have something
    ta = root / "data" / "screening" / "title-abstract" / "reviewer1.yaml"
    ft = root / "data" / "screening" / "full-text" / "reviewer1.yaml"
    ids = [r.id for r in runner.identify(Review(root)).records]
    distil = next(i for i in ids if "1910.01108" in i)
    with ta.open("a", encoding="utf-8") as f:
        f.write(f"- {{id: {distil}, decision: include}}\n")
    ft.parent.mkdir(parents=True, exist_ok=True)
    ft.write_text(f"- {{id: {distil}, decision: include}}\n", encoding="utf-8")
    return Review(root)


def exclude_int8(reviewer_file: Path) -> str:
    """Turn the skeleton's inclusion of LLM.int8() into an exclusion; returns its id."""
    text = reviewer_file.read_text(encoding="utf-8")
    entry = "- id: arxiv-2208.07339\n"
    head, tail = text.split(entry)
    assert tail.startswith("  title:") and "  decision: include\n  reason: ''" in tail
    tail = tail.replace("  decision: include\n  reason: ''", "  decision: exclude\n  reason: E2", 1)
    reviewer_file.write_text(head + entry + tail, encoding="utf-8")
    return "arxiv-2208.07339"


def outputs(review: Review) -> dict[str, bytes]:
    """Every file under build/ except the stage cache itself."""
    return {
        str(p.relative_to(review.build)): p.read_bytes()
        for p in sorted(review.build.rglob("*"))
        if p.is_file() and ".cache" not in p.relative_to(review.build).parts
    }


def data_files(review: Review) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(review.data.rglob("*")) if p.is_file()}


def test_a_warm_run_reuses_every_stage_and_writes_the_same_build(review: Review) -> None:
    cold = runner.run(review)
    assert cold.reused == () and cold.tags, "the fixture should include a study"
    built, data = outputs(review), data_files(review)
    warm = runner.run(Review(review.root))
    assert warm.reused == EVERY_STAGE
    assert warm.summary()[:-1] == cold.summary()[:-1]  # the same counts, stage by stage
    assert warm.summary()[-1][1].endswith("files up to date under build/")
    assert outputs(review) == built and data_files(review) == data
    fresh = runner.run(Review(review.root), fresh=True)
    assert fresh.reused == () and outputs(review) == built


def test_a_reviewer_decision_reruns_screening_on_and_not_before(review: Review) -> None:
    runner.run(review)
    ta = review.screening.reviewer_file(Stage.TITLE_ABSTRACT, "reviewer1")
    int8 = exclude_int8(ta)
    result = runner.run(Review(review.root))
    assert result.reused == ("identify", "dedup")
    assert result.screening is not None
    assert result.screening.statuses[int8].reason == "E2"
    assert result.audit_events == 1  # the new decision reached the audit log


def test_an_edited_export_reruns_everything(review: Review) -> None:
    runner.run(review)
    bib = review.imports.folder / "example" / "example.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + TWINS, encoding="utf-8")
    result = runner.run(Review(review.root))
    assert result.reused == ()
    assert len(result.identification.records) == 6


def test_a_damaged_or_missing_output_is_written_again(review: Review) -> None:
    runner.run(review)
    built = outputs(review)
    index = review.build / "report" / "index.html"
    index.write_text("edited by hand", encoding="utf-8")
    (review.build / "report" / "prisma.svg").unlink()
    result = runner.run(Review(review.root))
    assert "report" not in result.reused and "tag" in result.reused
    assert outputs(review) == built


def test_an_unreadable_cache_entry_is_a_miss_not_an_error(review: Review) -> None:
    runner.run(review)
    (review.build / ".cache" / "dedup.pickle").write_bytes(b"not a pickle")
    result = runner.run(Review(review.root))
    assert "dedup" not in result.reused and "identify" in result.reused


def test_litsift_code_is_part_of_every_key(review: Review, monkeypatch) -> None:
    from litsift.store import cache

    runner.run(review)
    monkeypatch.setattr(cache, "code_digest", lambda: "another version of litsift")
    assert runner.run(Review(review.root)).reused == ()


def test_read_only_runs_do_not_stand_in_for_recording_ones(review: Review) -> None:
    """`litsift status` and `check` neither append pairs nor write the audit log; the run
    after them must still do both, though nothing changed in between."""
    bib = review.imports.folder / "example" / "example.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + TWINS, encoding="utf-8")
    looked = runner.run(review, record=False)
    assert looked.dedup is not None and len(looked.dedup.uncertain) == 1
    assert not review.dedup.pairs.exists() and not review.audit.log.exists()
    recorded = runner.run(Review(review.root))
    assert "dedup" in recorded.reused and "screen" not in recorded.reused
    assert recorded.new_uncertain_pairs == 1 and recorded.audit_events > 0
    assert review.dedup.pairs.exists() and review.audit.log.exists()
    again = runner.run(Review(review.root))
    assert again.reused == EVERY_STAGE
    assert again.new_uncertain_pairs == 0 and again.audit_events == 0


def test_a_lenient_run_does_not_hide_a_bad_entry_from_a_strict_one(review: Review) -> None:
    from litsift.errors import LitsiftError

    ta = review.screening.reviewer_file(Stage.TITLE_ABSTRACT, "reviewer1")
    with ta.open("a", encoding="utf-8") as f:
        f.write("- {id: no-such-record, decision: include}\n")
    lenient = runner.run(review, strict=False, record=False)
    assert lenient.screening is not None and lenient.screening.issues
    with pytest.raises(LitsiftError, match="no-such-record"):
        runner.run(Review(review.root))


def test_status_is_answered_from_the_cache_until_a_file_changes(review: Review) -> None:
    from litsift.status import status

    first = status(review)
    assert status(Review(review.root)) == first
    ta = review.screening.reviewer_file(Stage.TITLE_ABSTRACT, "reviewer1")
    exclude_int8(ta)
    changed = status(Review(review.root))
    assert changed.excluded == first.excluded + 1


def test_a_writers_temporary_file_does_not_change_a_stage_key(review: Review) -> None:
    """Another command saving a reviewer file leaves a hidden temporary copy beside it
    for a moment; a run meanwhile must neither read it nor fail when it vanishes."""
    runner.run(review)
    folder = review.screening.reviewer_file(Stage.TITLE_ABSTRACT, "reviewer1").parent
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".reviewer1.yaml.x1y2.tmp").write_text("decisions: [half a save\n")
    (folder / ".lock").write_text("4242\n")
    result = runner.run(Review(review.root))
    assert result.reused == EVERY_STAGE
