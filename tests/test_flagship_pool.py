"""The flagship's pool import files are what tools/derive_pool.py derives, byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

POOL = (
    "efficientpaper",
    "llminmde-scopus",
    "llminmde-wos",
    "llminmde-acm",
    "llminmde-ieee",
    "llminmde-sciencedirect",
)


def test_derived_pool_files_are_reproducible(realworld: Path, tmp_path: Path) -> None:
    tool = ROOT / "tools" / "derive_pool.py"
    subprocess.run(
        [sys.executable, str(tool), "--shared", str(realworld), "--root", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for source in POOL:
        committed = ROOT / "data" / "imports" / source / f"{source}.bib"
        derived = tmp_path / "data" / "imports" / source / f"{source}.bib"
        assert derived.read_bytes() == committed.read_bytes(), source


def test_pool_files_hold_no_abstract_or_keywords() -> None:
    for source in POOL:
        text = (ROOT / "data" / "imports" / source / f"{source}.bib").read_text(encoding="utf-8")
        assert text.startswith("@comment{Derived by tools/derive_pool.py")
        for field in ("abstract", "keywords", "note"):
            assert f"  {field} = " not in text, (source, field)
