"""Nothing under data/ is dropped silently: a file litsift does not read is an error (where
decisions or answers would be missed) or a warning naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from litsift.cli import app
from litsift.store import Review
from minireview import make_review, record_id, reviewer_file

RUNNER = CliRunner()
DECISION = "- id: {id}\n  decision: exclude\n  reason: E1\n"


def cli(*args: str) -> object:
    return RUNNER.invoke(app, list(args))


@pytest.fixture
def review(tmp_path: Path) -> Path:
    return make_review(tmp_path / "r", n=3)


def put(root: Path, rel: str, text: str = "") -> Path:
    path = root / "data" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text or DECISION.format(id=record_id(0)), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rel", "message"),
    [
        ("screening/title_abstract/ann.yaml", "not a screening stage"),
        ("screening/title-abstract/ann.yml", "'.yml' is not read: rename it to ann.yaml"),
        ("screening/ann.yaml", "reviewer files go in data/screening/<stage>/"),
        ("screening/title-abstract/old/ann.yaml", "the files of this folder are not read"),
        ("dedup/pairs.yml", "'.yml' is not read"),
        ("dedup/answers.yaml", "answers go in pairs.yaml"),
        ("tags/ann.yml", "'.yml' is not read"),
        ("kb/study.yml", "'.yml' is not read"),
        ("imports/stray.bib", "not in a source folder"),
        ("imports/mini/old/x.bib", "a folder in a source folder"),
    ],
)
def test_decisions_litsift_would_miss_stop_run_and_fail_check(
    review: Path, rel: str, message: str
) -> None:
    path = put(review, rel)
    where = str(path.relative_to(review))
    if path.parent.name == "old":
        where = str(path.parent.relative_to(review))
    elif "title_abstract" in rel:
        where = "data/screening/title_abstract"
    out = cli("run", "--root", str(review), "--until", "dedup")
    assert out.exit_code == 2, out.output
    assert f"{where}: {message}" in out.output
    check = cli("check", "--root", str(review))
    assert check.exit_code == 1 and f"{where}: {message}" in check.stdout


def test_other_unread_files_are_warnings_naming_them(review: Path) -> None:
    put(review, "notes.txt", "my notes\n")
    put(review, "audit/backup.jsonl", "{}\n")
    put(review, "screening/title-abstract/.ann.yaml.x1y2.tmp", "- id: x\n")
    out = cli("run", "--root", str(review), "--until", "dedup")
    assert out.exit_code == 0, out.output
    assert "data/notes.txt: warning: unexpected file" in out.stderr
    assert "data/audit/backup.jsonl: warning: unexpected file" in out.stderr
    assert "left by an interrupted write" in out.stderr
    check = cli("check", "--root", str(review))
    assert check.exit_code == 0 and "data/notes.txt: warning" in check.stderr


def test_documentation_and_git_files_are_not_reported(review: Path) -> None:
    put(review, "screening/PROTOCOL.md", "# how we screened\n")
    put(review, "kb/eval/PROTOCOL.md", "# labels\n")
    put(review, "imports/mini/README.md", "# where the export came from\n")
    put(review, "tags/.gitkeep", "\n")
    assert Review(review).unread() == []


def test_a_formats_entry_for_a_missing_file_is_a_warning(review: Path) -> None:
    put(review, "imports/mini/formats.yaml", "gone.ris: {format: ris}\n")
    (warning,) = Review(review).unread()
    assert not warning.error and "an entry for gone.ris, which is not here" in warning.message


def test_the_flagship_reads_every_file_under_data(flagship: Path) -> None:
    assert Review(flagship).unread() == []


def test_a_valid_reviewer_file_is_read_not_reported(review: Path) -> None:
    path = reviewer_file(review)
    path.write_text(DECISION.format(id=record_id(0)))
    assert Review(review).unread() == []
    assert cli("run", "--root", str(review), "--until", "screen").exit_code == 0
