"""`litsift dedup explain`, counts per rule, and malformed labelled sets (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from litsift.cli import app
from litsift.dedup import deduplicate
from litsift.dedup.bench import load_labels, load_records, run_bench
from litsift.dedup.explain import explain, lines
from litsift.errors import InputError, RecordError
from litsift.models import Record

TITLE = "Speculative decoding for fast transformer inference on commodity GPUs"
AUTHORS = ["Lindqvist, Maja", "Okafor, Chidi", "Brandt, Jonas"]


def rec(origin: str, **fields: object) -> Record:
    base: dict[str, object] = {
        "title": TITLE,
        "authors": AUTHORS,
        "year": 2023,
        "venue": "J Mach Learn Res",
        "volume": "24",
        "pages": "1201-1230",
    }
    base.update(fields)
    return Record.build(source="x", origin=origin, **base)


RECORDS = [
    rec("a"),
    rec("b", title=TITLE.upper(), pages="1201-30"),
    # the same team's companion paper: shares blocking keys, is not merged
    rec("c", title=TITLE.replace("commodity GPUs", "mobile phones"), pages="1231-1250"),
]


def test_explain_a_merged_record_and_its_nearest_candidate() -> None:
    result = deduplicate(RECORDS)
    e = explain(RECORDS, result, "x:a")
    assert {m.key for m in e.cluster.members} == {"x:a", "x:b"}
    assert [c.other for c in e.nearest] == ["x:c"]
    near = e.nearest[0]
    assert near.decision == "no" and "against: page" in near.reason
    assert near.weights.endswith(f"= {near.weight:+.1f}")
    text = "\n".join(lines(e))
    assert "merged because:" in text and "[near-identical title]" in text
    assert "nearest records not merged:" in text and "x:c" in text


def test_explain_a_record_that_did_not_merge() -> None:
    result = deduplicate(RECORDS)
    e = explain(RECORDS, result, RECORDS[2].id, nearest=1)
    assert [m.key for m in e.cluster.members] == ["x:c"]
    assert "not merged with any other record" in lines(e)
    assert len(e.nearest) == 1 and e.nearest[0].other in {"x:a", "x:b"}


def test_explain_an_unknown_id() -> None:
    with pytest.raises(RecordError, match="no record, member key or cluster"):
        explain(RECORDS, deduplicate(RECORDS), "doi-10.1/none")


def test_cli_explain_shows_the_version_of_record(flagship: Path) -> None:
    out = CliRunner().invoke(app, ["dedup", "explain", "arxiv-1811.06965", "--root", str(flagship)])
    assert out.exit_code == 0, out.output
    assert "version of record: curated:training.bib:110 (published over preprint)" in out.stdout
    assert "[same record id] same id arxiv-1811.06965" in out.stdout
    missing = CliRunner().invoke(app, ["dedup", "explain", "nope", "--root", str(flagship)])
    assert missing.exit_code == 2
    assert missing.output.strip().splitlines() == [
        "error: record nope: no record, member key or cluster with this id"
    ]


def test_cli_dedup_prints_links_per_rule(flagship: Path) -> None:
    out = CliRunner().invoke(app, ["dedup", "--root", str(flagship)])
    assert out.exit_code == 0, out.output
    assert "links by same record id" in out.stdout


# --------------------------------------------------------------------------- labelled sets


def write_set(folder: Path, records: str, labels: str) -> Path:
    folder.mkdir()
    (folder / "records_pre_merged.csv").write_text(records, encoding="utf-8")
    (folder / "merged_record_ids.csv").write_text(labels, encoding="utf-8")
    return folder


GOOD = '"ID","title","year"\n"r1","A title",2020\n"r2","A title",2020\n"r3","Other",2021\n'


def test_labelled_set_missing_a_column(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", '"ID","year"\n"r1",2020\n', 'merged_ids\n"r1;r2"\n')
    with pytest.raises(InputError, match=r"records_pre_merged.csv:1: missing column\(s\): title"):
        load_records(folder)
    other = write_set(tmp_path / "t", GOOD, 'ids\n"r1;r2"\n')
    with pytest.raises(
        InputError, match=r"merged_record_ids.csv:1: missing column\(s\): merged_ids"
    ):
        load_labels(other)


def test_labelled_set_with_an_id_in_two_clusters(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", GOOD, 'merged_ids\n"r1;r2"\n"r2;r3"\n')
    with pytest.raises(InputError) as caught:
        load_labels(folder)
    assert str(caught.value).endswith(
        "merged_record_ids.csv:3: id r2 is in two clusters (lines 2 and 3)"
    )


def test_labelled_set_with_unknown_or_repeated_ids(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", GOOD, 'merged_ids\n"r1;r9"\n')
    with pytest.raises(InputError, match=r"id r9 is not in records_pre_merged\.csv"):
        run_bench(folder)
    twice = write_set(tmp_path / "t", GOOD + '"r1","Again",2022\n', 'merged_ids\n"r1;r2"\n')
    with pytest.raises(InputError, match="ID r1 is on rows 2 and 5"):
        load_records(twice)


def test_cli_bench_on_a_malformed_set_is_one_line(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "s", GOOD, 'merged_ids\n"r1;r2"\n"r1;r3"\n')
    out = CliRunner().invoke(app, ["dedup", "bench", str(folder)])
    assert out.exit_code == 2
    (line,) = out.output.strip().splitlines()
    assert (
        line.startswith("error: ") and "merged_record_ids.csv:3: id r1 is in two clusters" in line
    )
