"""data/imports/: a file is read at every run exactly as it was imported, and a file the
parser cannot read is refused at import with nothing copied."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from litsift.cli import app
from litsift.store import Review
from minireview import make_review

RUNNER = CliRunner()
SINGLE_COLUMN_CSV = "Title\nSpeculative decoding for transformer serving\nA second title\n"


def cli(*args: str) -> object:
    return RUNNER.invoke(app, list(args))


@pytest.fixture
def review(tmp_path: Path) -> Path:
    return make_review(tmp_path / "r", n=3)


def imported(review: Path) -> set[str]:
    folder = review / "data" / "imports" / "mini"
    return {p.name for p in folder.iterdir()}


def test_the_format_given_at_import_is_recorded_and_used_by_run(
    review: Path, tmp_path: Path
) -> None:
    export = tmp_path / "titles.csv"
    export.write_text(SINGLE_COLUMN_CSV, encoding="utf-8")
    # one column: nothing to tell CSV by, so detection alone cannot read it
    auto = cli("import", str(export), "--source", "mini", "--root", str(review))
    assert auto.exit_code == 2 and "cannot tell the format" in auto.output
    assert "titles.csv" not in imported(review)
    out = cli("import", str(export), "--format", "csv", "--source", "mini", "--root", str(review))
    assert out.exit_code == 0, out.output
    formats = review / "data" / "imports" / "mini" / "formats.yaml"
    assert yaml.safe_load(formats.read_text()) == {"titles.csv": {"format": "csv"}}
    run = cli("run", "--root", str(review), "--until", "dedup")
    assert run.exit_code == 0, run.output
    assert "5 records from 1 sources (mini 5)" in run.output
    assert not cli("check", "--root", str(review)).exit_code
    formats.unlink()  # without the record, the file is guessed again, and cannot be read
    again = cli("run", "--root", str(review), "--until", "dedup")
    assert again.exit_code == 2 and "titles.csv" in again.output


def test_an_unparseable_file_is_refused_with_nothing_copied(review: Path, tmp_path: Path) -> None:
    junk = tmp_path / "notes.bib"
    junk.write_text("these are my notes, not a BibTeX export\n", encoding="utf-8")
    before = imported(review)
    out = cli("import", str(junk), "--format", "bibtex", "--source", "mini", "--root", str(review))
    assert out.exit_code == 2
    assert "notes.bib: no bibtex records in this file" in out.output
    assert imported(review) == before
    assert cli("run", "--root", str(review), "--until", "dedup").exit_code == 0


def test_binary_data_is_refused_in_one_short_printable_line(review: Path, tmp_path: Path) -> None:
    blob = tmp_path / "scan.csv"
    blob.write_bytes(random.Random(1).randbytes(1 << 20))
    for fmt in ("auto", "csv"):
        out = cli("import", str(blob), "--format", fmt, "--source", "mini", "--root", str(review))
        assert out.exit_code == 2
        (line,) = out.output.strip().splitlines()
        assert "binary data, not a text export" in line and len(line) < 300
        assert line.isprintable()
    assert "scan.csv" not in imported(review)


def test_quoted_file_content_is_escaped_and_cut(review: Path, tmp_path: Path) -> None:
    bad = tmp_path / "odd.csv"
    bad.write_text("\x1b[2J" + ",".join(f"column{i}" for i in range(200)) + "\nx\n")
    out = cli("import", str(bad), "--source", "mini", "--root", str(review))
    assert out.exit_code == 2 and "\x1b" not in out.output
    assert "\\x1b[2J" in out.output and "more characters" in out.output


def test_the_encoding_given_at_import_is_recorded(review: Path, tmp_path: Path) -> None:
    export = tmp_path / "gb.bib"
    export.write_bytes(
        "@article{a, title={Transformer inference 推理}, year={2020}}\n".encode("gbk")
    )
    out = cli("import", str(export), "--encoding", "gbk", "--source", "mini", "--root", str(review))
    assert out.exit_code == 0, out.output
    assert Review(review).imports.formats("mini")["gb.bib"].encoding == "gbk"
    titles = {r.title for res in Review(review).imports.read_all() for r in res.records}
    assert "Transformer inference 推理" in titles
    wrong = cli(
        "import", str(export), "--encoding", "klingon", "--source", "mini", "--root", str(review)
    )
    assert wrong.exit_code == 2 and "unknown encoding 'klingon'" in wrong.output


def test_source_hint_only_when_no_source_was_passed(review: Path, tmp_path: Path) -> None:
    export = tmp_path / "other.bib"
    export.write_text("@article{a, title={T}, year={2020}}\n")
    named = cli("import", str(export), "--source", "nope", "--root", str(review))
    assert "source 'nope' is not declared" in named.output
    assert "--source NAME" not in named.output
    guessed = cli("import", str(export), "--root", str(review))
    assert "(or pass --source NAME)" in guessed.output


def test_dry_run_previews_any_file_even_outside_a_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "anything.bib"
    export.write_text(
        "@article{a, title={First title}, year={2021}}\n@article{b, title={Second}, year={2022}}\n"
    )
    monkeypatch.chdir(tmp_path)
    out = cli("import", str(export), "--dry-run", "--root", str(tmp_path))
    assert out.exit_code == 0, out.output
    assert "anything.bib: bibtex utf-8, 2 read, 2 imported, 0 rejected" in out.stderr
    assert "not inside a review" in out.stderr
    assert "First title" in out.stdout and "Second" in out.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anything.bib"]


def test_dry_run_for_an_undeclared_source(review: Path, tmp_path: Path) -> None:
    export = tmp_path / "scopus.bib"
    export.write_text("@article{a, title={First title}, year={2021}}\n")
    out = cli("import", str(export), "--dry-run", "--json", "--root", str(review))
    assert out.exit_code == 0, out.output
    assert "source 'scopus' is not declared in review.yaml" in out.stderr
    assert '"first_records": [{"id":' in out.stdout
    assert not (review / "data" / "imports" / "scopus").exists()


def test_asreview_exclusions_need_a_reason(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", n=1)
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "record_id,title,abstract,authors,year,doi,label_included\n"
        '1,Paged attention for serving,Serving.,"Kwon, W.",2023,10.1145/3600006.3613165,1\n'
        '2,A survey of cooking,Not relevant.,"Cook, A.",2020,,0\n'
    )
    args = ["import", str(labels), "--source", "mini", "--reviewer", "ann", "--root", str(review)]
    out = cli(*args)
    assert out.exit_code == 2 and "1 exclusion(s) carry no reason; pass --reason CODE" in out.output
    assert "labels.csv" not in imported(review)
    assert cli(*args, "--reason", "I1").exit_code == 2  # an inclusion criterion is no reason
    assert cli(*args, "--reason", "E1").exit_code == 0
    assert cli("check", "--root", str(review)).exit_code == 1  # pending full-text only
    run = cli("run", "--root", str(review), "--until", "screen")
    assert run.exit_code == 0, run.output
