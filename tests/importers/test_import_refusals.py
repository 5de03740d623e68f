"""`litsift import` refuses a file it cannot read a single record from, even when every
entry parsed as an entry of that format (defect 1), says --format only when it was not
given, and `check` names every entry an imported file lost."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from litsift.cli import app

RUNNER = CliRunner()


def _review(tmp_path: Path) -> Path:
    root = tmp_path / "r"
    assert RUNNER.invoke(app, ["init", str(root)]).exit_code == 0
    return root


def _import(root: Path, *args: str):
    return RUNNER.invoke(app, ["import", *args, "--source", "example", "--root", str(root)])


def test_a_file_whose_every_entry_is_unreadable_is_refused(tmp_path: Path) -> None:
    root = _review(tmp_path)
    bad = tmp_path / "bad.bib"
    bad.write_text("@article{x, title={Broken\n", encoding="utf-8")
    before = sorted(p.name for p in (root / "data" / "imports" / "example").iterdir())
    out = _import(root, str(bad), "--format", "bibtex")
    assert out.exit_code == 2, out.output
    assert "bad.bib:1: no record could be read" in out.output
    assert "unreadable BibTeX entry" in out.output
    assert sorted(p.name for p in (root / "data" / "imports" / "example").iterdir()) == before
    assert RUNNER.invoke(app, ["check", "--root", str(root)]).exit_code == 0


def test_format_is_suggested_only_when_it_was_not_given(tmp_path: Path) -> None:
    root = _review(tmp_path)
    csv = tmp_path / "a.csv"
    csv.write_text("id,title\n1,hello\n", encoding="utf-8")
    out = _import(root, str(csv), "--format", "bibtex")
    assert out.exit_code == 2
    assert "no bibtex records in this file" in out.output
    assert "pass --format" not in out.output


def test_check_names_the_entries_an_imported_file_lost(tmp_path: Path) -> None:
    root = _review(tmp_path)
    mixed = tmp_path / "mixed.bib"
    mixed.write_text(
        "@article{a, title={Fast transformer inference}, year={2021}}\n\n@article{b, title={Cut\n",
        encoding="utf-8",
    )
    out = _import(root, str(mixed), "--format", "bibtex")
    assert out.exit_code == 0, out.output
    out = RUNNER.invoke(app, ["check", "--root", str(root)])
    assert out.exit_code == 0, out.output  # a warning: the rest of the file was imported
    assert "data/imports/example/mixed.bib:3: warning: entry not imported:" in out.output
