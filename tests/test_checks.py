"""`litsift check` validates what `litsift run` reads: queries, search logs left running,
and a new scaffold passes it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from litsift.cli import app
from litsift.search.log import RunLog
from litsift.store import Review
from minireview import make_review

RUNNER = CliRunner()


def cli(*args: str) -> object:
    return RUNNER.invoke(app, list(args))


@pytest.fixture
def review(tmp_path: Path) -> Path:
    return make_review(tmp_path / "r", n=3)


def set_query(root: Path, query: str) -> None:
    path = root / "queries" / "q.yaml"
    path.write_text(f"name: q\nquery: {query}\n")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("'(transformer AND inference'", "q.yaml:2"),
        ("'NOT survey'", "[bare-not]"),
    ],
)
def test_run_and_check_refuse_a_bad_query(review: Path, query: str, message: str) -> None:
    set_query(review, query)
    out = cli("run", "--root", str(review), "--until", "dedup")
    assert out.exit_code == 2 and message in out.output
    check = cli("check", "--root", str(review))
    assert check.exit_code == 1 and message in check.stdout


def test_a_missing_query_file_fails_run_and_check(review: Path) -> None:
    (review / "queries" / "q.yaml").unlink()
    out = cli("run", "--root", str(review))
    assert out.exit_code == 2 and "queries/q.yaml: file not found" in out.output
    check = cli("check", "--root", str(review))
    assert check.exit_code == 1 and "queries/q.yaml: file not found" in check.stdout


def test_query_warnings_are_printed_by_check_without_failing_it(review: Path) -> None:
    set_query(review, "transformer and inference")
    check = cli("check", "--root", str(review))
    assert check.exit_code == 0, check.output
    assert "'and' is searched as a word" in check.stderr


def log_running(root: Path, run_id: str) -> Path:
    review = Review(root)
    run = RunLog(run_id=run_id, snapshot=run_id, mode="search", offline=True, started="x")
    return review.search.write_log(run)


def test_a_search_killed_part_way_is_flagged_then_marked_interrupted(review: Path) -> None:
    path = log_running(review, "20260101T000000Z")
    check = cli("check", "--root", str(review))
    assert check.exit_code == 1
    assert "20260101T000000Z.yaml: status running: the search was interrupted" in check.stdout
    # the next search (here: an offline replay, which has nothing to replay) marks it
    out = cli("search", "--offline", "--root", str(review))
    assert out.exit_code == 2
    assert yaml.safe_load(path.read_text())["status"] == "interrupted"
    assert "status running" not in cli("check", "--root", str(review)).stdout


def test_a_running_search_holding_the_lock_is_not_called_interrupted(review: Path) -> None:
    log_running(review, "20260101T000000Z")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from litsift.store.lock import ReviewLock\n"
            "with ReviewLock(sys.argv[1], command='litsift search'):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(review),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        check = cli("check", "--root", str(review))
        assert f"a search may be in progress (pid {holder.pid}: litsift search" in check.stdout
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.05)
    assert "interrupted (killed?)" in cli("check", "--root", str(review)).stdout


def test_a_new_scaffold_passes_check(tmp_path: Path) -> None:
    assert cli("init", str(tmp_path / "new")).exit_code == 0
    out = cli("check", "--root", str(tmp_path / "new"))
    assert out.exit_code == 0, out.output
    assert os.listdir(tmp_path / "new")
