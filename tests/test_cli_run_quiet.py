"""`litsift run --quiet` and `litsift dedup --quiet`: counts on stdout, no progress bar."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from litsift.cli import app
from litsift.store.skeleton import create as create_skeleton


def test_run_and_dedup_take_quiet(tmp_path: Path) -> None:
    root = tmp_path / "r"
    create_skeleton(root)
    for args in (["run", "--root", str(root), "--quiet"], ["dedup", "--root", str(root), "-q"]):
        out = CliRunner().invoke(app, args)
        assert out.exit_code == 0, out.output
        assert "dedup:" in out.stdout
        assert "━" not in out.output  # no bar drawn
