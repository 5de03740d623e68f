"""Progress on stderr: shown for long work on a terminal, never under --quiet, in CI or
when stderr is not a terminal; -v and -q work after the subcommand too."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litsift import progress
from litsift.cli import app, hoist_global_flags
from minireview import make_review

RUNNER = CliRunner()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_shown_only_on_a_terminal_outside_ci_and_not_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert progress.wanted(False, Terminal())
    assert not progress.wanted(True, Terminal())
    assert not progress.wanted(False, io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not progress.wanted(False, Terminal())


def test_a_task_running_past_the_delay_is_drawn_then_cleared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.05)
    stream = Terminal()
    progress.enable(stream)
    try:
        with progress.task("quick one", total=2) as t:
            t.advance(2)
        assert "quick one" not in stream.getvalue()  # done before the delay: never shown
        with progress.task("dedup 50,000 records", total=3) as t:
            t.advance()
            time.sleep(0.4)
            t.describe("dedup 50,000 records: linking")
            t.advance()
        drawn = stream.getvalue()
        assert "dedup 50,000 records" in drawn and "1/3" in drawn
    finally:
        progress.disable()
    with progress.task("nothing shown") as t:  # disabled: a no-op handle
        t.advance()


def test_global_flags_after_the_subcommand() -> None:
    assert hoist_global_flags(["run", "-v", "--root", "x"]) == ["-v", "run", "--root", "x"]
    assert hoist_global_flags(["run", "--", "-q"]) == ["run", "--", "-q"]


def test_verbose_and_quiet_after_the_subcommand(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_review(tmp_path / "r", n=2)
    loud = RUNNER.invoke(app, ["run", "--until", "dedup", "--root", str(root), "-v"])
    assert loud.exit_code == 0, loud.output
    assert "dedup: 2 records" in caplog.text  # INFO, logged only under -v
    caplog.clear()
    quiet = RUNNER.invoke(app, ["run", "--until", "dedup", "--root", str(root), "--quiet"])
    assert quiet.exit_code == 0 and "dedup: 2 records" not in caplog.text
    assert "dedup 2 records" not in quiet.stderr  # no progress line off a terminal


def test_flags_show_no_type_in_help() -> None:
    for args in (["search", "--help"], ["--help"], ["screen", "conflicts", "--help"]):
        out = RUNNER.invoke(app, args)
        assert out.exit_code == 0 and "<bool>" not in out.output, args
