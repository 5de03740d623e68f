"""Labelled CSVs for simulation: one clear line naming the file, exit 2, in the CLI and bench."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import load_script
from litsift.cli import app
from litsift.screen import prioritise as P

BENCH = Path(__file__).resolve().parents[2] / "bench" / "screen.py"

BAD = {
    "no-label.csv": ("title,abstract,label_abstract_screening\na,b,1\nc,d,0\n", "no-label.csv:1: "),
    "yes.csv": ("title,abstract,label_included\na,b,1\nc,d,yes\n", "yes.csv:3: "),
    "two.csv": ("title,abstract,label_included\na,b,1\nc,d,2\n", "two.csv:3: "),
    "empty-label.csv": ("title,abstract,label_included\na,b,\nc,d,1\n", "empty-label.csv:2: "),
    "none.csv": ("title,abstract,label_included\na,b,0\nc,d,0\n", "none.csv: no inclusion"),
    # the prior takes the only inclusion: a replay would find nothing and score nonsense
    "one.csv": ("title,abstract,label_included\na,b,1\nc,d,0\ne,f,0\n", "one.csv: one inclusion"),
}


def bench_module():
    return load_script(BENCH, "bench_screen")


@pytest.mark.parametrize("name", sorted(BAD))
def test_simulate_refuses_a_bad_labelled_csv_in_one_line(tmp_path: Path, name: str) -> None:
    text, where = BAD[name]
    path = tmp_path / name
    path.write_text(text)
    out = CliRunner().invoke(app, ["screen", "simulate", str(path)])
    assert out.exit_code == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and where in lines[0] and lines[0].startswith("error: ")


def test_labels_are_read_from_label_included_only(tmp_path: Path) -> None:
    path = tmp_path / "two-labels.csv"
    path.write_text(
        "title,abstract,label_abstract_screening,label_included\n"
        "a,b,1,0\nc,d,1,1\ne,f,0,0\ng,h,1.0,0.0\ni,j,0,1\n"
    )
    data = P.load_labelled(path)
    assert data.labels.tolist() == [0, 1, 0, 0, 1] and data.included == 2


def test_column_names_match_whatever_their_case_and_spaces(tmp_path: Path) -> None:
    path = tmp_path / "caps.csv"
    path.write_text("Title, ABSTRACT ,Keywords,Label_Included\na,b,K1;K2,1\nc,d,,0\ne,f,K2,1\n")
    data = P.load_labelled(path)
    assert data.texts == ("a b", "c d", "e f") and data.labels.tolist() == [1, 0, 1]
    assert data.keyword_lists() == [("K1", "K2"), (), ("K2",)]
    # the first of two columns that differ only in case is the one read
    both = tmp_path / "both.csv"
    both.write_text("title,Title,abstract,label_included\na,x,b,1\nc,y,d,0\ne,z,f,1\n")
    assert P.load_labelled(both).texts == ("a b", "c d", "e f")


def test_bench_stops_on_a_bad_set_naming_it(tmp_path: Path, monkeypatch, capsys) -> None:
    bench = bench_module()
    folder = tmp_path / "realworld" / "screening"
    folder.mkdir(parents=True)
    (folder / "good.csv").write_text("title,abstract,label_included\na,b,1\nc,d,0\ne,f,1\n")
    (folder / "none.csv").write_text(BAD["none.csv"][0])
    monkeypatch.setattr(bench, "SHARED", tmp_path / "realworld")
    assert bench.main(tmp_path / "out") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none.csv: no inclusion" in err[0]
    assert not (tmp_path / "out" / "screen.json").exists()


def test_bench_scores_an_order_that_stops_early() -> None:
    bench = bench_module()
    labels = np.array([1, 0, 1, 0, 0, 1, 0, 0])
    # priors rows 0 and 1; the order finds rows 2 and 5 first, then stops
    scored = bench.score_order([2, 5], labels, (0, 1))
    assert scored["screened_all"] == 2 and scored["recall10"] == 0.5
    assert scored["wss100"] == round((6 - 2) / 6, 4)


def test_asreview_reads_the_rows_litsift_reads(tmp_path: Path) -> None:
    # a byte-order mark and capitalised names: the copy for ASReview has the same rows
    path = tmp_path / "Set.csv"
    path.write_bytes(
        b"\xef\xbb\xbfTitle,Abstract,Label_Included\r\n"
        b'"a, with comma",b,1\r\nc,"d\r\nmore",0\r\ne,f,1\r\n'
    )
    data = P.load_labelled(path)
    out = tmp_path / "out"
    out.mkdir()
    copy = bench_module().reduced_copy(data, out)
    rows = copy.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "title,abstract,label_included"
    assert rows[1] == '"a, with comma",b,1' and rows[-1] == "e,f,1"
    assert data.texts == ("a, with comma b", "c d\r\nmore", "e f")
