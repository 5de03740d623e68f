"""Every command that writes the review takes its lock; read-only commands do not; and a
file a reviewer saved while litsift worked is never overwritten."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from litsift.cli import app
from litsift.errors import ChangedError
from litsift.fileio import atomic_write
from minireview import make_review, record_id, reviewer_file

RUNNER = CliRunner()
HOLD = """
import sys, time
from litsift.store.lock import ReviewLock
with ReviewLock(sys.argv[1], command="litsift run"):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_review(tmp_path_factory.mktemp("locked") / "r", n=6)
    export = root / "more.bib"
    export.write_text("@article{m, title={More transformer inference}, year={2021}}\n")
    return root


@pytest.fixture(scope="module")
def holder(review: Path):
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(review)], stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline().strip() == b"held"
    yield child
    child.kill()
    child.wait()


WRITERS = [
    ["run"],
    ["report"],
    ["dedup"],
    ["tag"],
    ["kb", "build"],
    ["freeze", "v1"],
    ["search", "--offline"],
    ["search", "--translate", "scopus"],
    ["screen", "next", "--reviewer", "ann"],
    ["screen", "conflicts", "--write"],
    ["import", "{root}/more.bib", "--source", "mini"],
]
READERS = [
    ["check"],
    ["status"],
    ["export", "--format", "csv", "--stage", "all"],
    ["screen", "conflicts"],
    ["screen", "agreement"],
    ["audit", "verify"],
    ["import", "{root}/more.bib", "--source", "mini", "--dry-run"],
]


def invoke(review: Path, args: list[str]) -> object:
    args = [a.format(root=review) for a in args]
    return RUNNER.invoke(app, [*args, "--root", str(review)])


@pytest.mark.parametrize("args", WRITERS, ids=" ".join)
def test_a_writing_command_waits_for_no_one(review: Path, holder, args: list[str]) -> None:
    before = sorted(p.relative_to(review) for p in (review / "data").rglob("*"))
    out = invoke(review, args)
    assert out.exit_code == 2, out.output
    assert f"another litsift command is running (pid {holder.pid}: litsift run" in out.output
    assert sorted(p.relative_to(review) for p in (review / "data").rglob("*")) == before


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_a_read_only_command_runs_beside_a_writer(review: Path, holder, args: list[str]) -> None:
    out = invoke(review, args)
    assert "another litsift command is running" not in out.output
    assert out.exit_code in (0, 1), out.output  # check exits 1: records await decisions


def test_two_screen_next_at_once_never_hand_out_a_record_twice(tmp_path: Path) -> None:
    root = make_review(tmp_path / "r", n=30)
    cmd = [sys.executable, "-m", "litsift", "screen", "next", "-r", "ann", "--n", "5"]
    procs = [
        subprocess.Popen([*cmd, "--root", str(root)], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outcomes = [(p.wait(), p.stderr.read()) for p in procs]
    for code, err in outcomes:
        assert code == 0 or (code == 2 and "another litsift command is running" in err), err
    done = sum(code == 0 for code, _ in outcomes)
    ids = [e["id"] for e in yaml.safe_load(reviewer_file(root).read_text())]
    assert len(ids) == len(set(ids)) == 5 * done
    assert RUNNER.invoke(app, ["run", "--root", str(root), "--until", "screen"]).exit_code == 0


def test_a_reviewer_saving_while_screen_next_ranks_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_review(tmp_path / "r", n=6)
    path = reviewer_file(root)
    path.write_text(f"- id: {record_id(0)}\n  decision: include\n")
    from litsift import screen

    real = screen.next_batch

    def saving_meanwhile(*args, **kwargs):
        batch = real(*args, **kwargs)
        path.write_text(path.read_text() + f"- id: {record_id(1)}\n  decision: include\n")
        return batch

    monkeypatch.setattr(screen, "next_batch", saving_meanwhile)
    out = RUNNER.invoke(app, ["screen", "next", "-r", "ann", "--root", str(root)])
    assert out.exit_code == 2
    assert "changed while litsift was writing it (saved in an editor?)" in out.output
    saved = path.read_text()
    assert saved.count("- id:") == 2 and record_id(1) in saved


def test_a_file_changed_between_reading_and_renaming_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "ann.yaml"
    path.write_bytes(b"- id: a\n")
    path.write_bytes(b"- id: a\n  decision: include\n")  # the reviewer saved meanwhile
    with pytest.raises(ChangedError):
        atomic_write(path, b"- id: a\n- id: b\n", unchanged=b"- id: a\n")
    assert path.read_bytes() == b"- id: a\n  decision: include\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ann.yaml"]  # no temporary left
