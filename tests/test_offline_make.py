"""`make test` runs offline (defect 9): fetching Mermaid is optional there, and the test
that needs it skips."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from conftest import load_script

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    return load_script(ROOT / "tools" / "fetch_mermaid.py", "fetch_mermaid")


def _offline(*args, **kwargs):
    raise OSError("network is unreachable")


def test_the_fetch_is_optional_offline(tmp_path: Path, monkeypatch, capsys) -> None:
    tool = _tool()
    target = tmp_path / "mermaid.min.js"
    monkeypatch.setattr(urllib.request, "urlopen", _offline)
    assert tool.main(["--optional"], target) == 0
    assert "the Mermaid browser test will skip" in capsys.readouterr().err
    assert not target.exists()
    with pytest.raises(SystemExit, match="could not fetch"):
        tool.main([], target)


def test_make_test_asks_for_mermaid_optionally() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^test:.*?\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe is not None
    fetches = [line for line in recipe.group(1).splitlines() if "fetch_mermaid.py" in line]
    assert fetches and all("--optional" in line for line in fetches)
