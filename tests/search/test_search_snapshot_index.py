"""The snapshot layout, the resumable index, and bad input: one clear error naming the file."""

from __future__ import annotations

import errno
import gzip
import json
from pathlib import Path

import pytest
from snapshot_fixtures import generated_works, write_snapshot

from litsift.errors import InputError
from litsift.search.snapshot import (
    build_index,
    default_folder,
    open_index,
    open_snapshot,
)
from litsift.search.snapshot import (
    index as index_mod,
)


@pytest.fixture
def snap_root(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "snap", generated_works(90, seed=3), per_file=30)


def test_layout_manifest_and_release_date(snap_root):
    snap = open_snapshot(snap_root)
    assert [p.rel.split("/")[1] for p in snap.parts] == [
        "part_0000.gz",
        "part_0001.gz",
        "part_0002.gz",
    ]
    assert snap.release_date == "2026-06-24"  # the newest updated_date partition
    assert snap.record_count == 90  # the authors entry of the combined manifest is ignored


def test_legacy_layout_is_recognised(tmp_path):
    works = tmp_path / "old" / "data" / "works" / "updated_date=2023-05-01"
    works.mkdir(parents=True)
    with gzip.open(works / "part_000.gz", "wt") as fh:
        fh.writelines(json.dumps(w) + "\n" for w in generated_works(5))
    url = "s3://openalex/data/works/updated_date=2023-05-01/part_000.gz"
    (works.parent / "manifest").write_text(json.dumps({"entries": [{"url": url}]}))
    snap = open_snapshot(tmp_path / "old")
    assert snap.release_date == "2023-05-01"
    assert build_index(snap, tmp_path / "ix").works == 5


def test_a_folder_that_is_not_a_snapshot(tmp_path):
    with pytest.raises(InputError, match="not an OpenAlex works snapshot") as e:
        open_snapshot(tmp_path)
    assert e.value.path == str(tmp_path)


def test_a_manifest_that_is_not_json(snap_root):
    manifest = snap_root / "data" / "jsonl" / "manifest.json"
    manifest.write_text("{not json")
    with pytest.raises(InputError, match="manifest is not JSON") as e:
        open_snapshot(snap_root)
    assert e.value.path == str(manifest)


def test_a_missing_or_truncated_file_is_named(snap_root):
    snap = open_snapshot(snap_root)
    victim = snap.parts[1].path
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.raises(InputError, match="incomplete download") as e:
        build_index(snap, default_folder(snap_root, snap.format))
    assert e.value.path == str(victim)
    victim.unlink()
    with pytest.raises(InputError, match="missing"):
        build_index(snap, default_folder(snap_root, snap.format))


def _manifest_sizes_match(snap_root: Path) -> None:
    """Rewrite the manifest's sizes after a file was changed on purpose."""
    manifest = snap_root / "data" / "jsonl" / "manifest.json"
    data = json.loads(manifest.read_text())
    for entry in data["entries"]:
        path = snap_root / "data" / "jsonl" / "works" / entry["url"].split("/works/")[-1]
        if path.is_file():
            entry["meta"]["content_length"] = path.stat().st_size
    manifest.write_text(json.dumps(data))


def test_a_corrupt_gzip_file_is_named(snap_root):
    victim = open_snapshot(snap_root).parts[2].path
    raw = gzip.decompress(victim.read_bytes())
    victim.write_bytes(gzip.compress(raw)[:-30])  # truncated stream
    _manifest_sizes_match(snap_root)
    snap = open_snapshot(snap_root)
    with pytest.raises(InputError, match="corrupt partition file") as e:
        build_index(snap, default_folder(snap_root, snap.format))
    assert e.value.path == str(victim)


def test_a_line_that_is_not_json_is_named_with_its_line(snap_root):
    victim = open_snapshot(snap_root).parts[0].path
    lines = gzip.decompress(victim.read_bytes()).decode().splitlines()
    lines[6] = lines[6][:40]
    victim.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    _manifest_sizes_match(snap_root)
    snap = open_snapshot(snap_root)
    with pytest.raises(InputError, match="not JSON") as e:
        build_index(snap, default_folder(snap_root, snap.format))
    assert (e.value.path, e.value.line) == (str(victim), 7)


def test_a_schema_from_another_release(tmp_path):
    works = generated_works(6)
    for w in works:
        del w["abstract_inverted_index"]  # e.g. abstracts shipped elsewhere
    root = write_snapshot(tmp_path / "s", works)
    snap = open_snapshot(root)
    with pytest.raises(InputError, match=r"schema from another release.*abstract_inverted_index"):
        build_index(snap, tmp_path / "ix")


def test_a_parquet_schema_from_another_release(tmp_path):
    works = [{"id": w["id"], "display_name": w["title"]} for w in generated_works(4)]
    root = write_snapshot(tmp_path / "s", works, "openalex-parquet")
    snap = open_snapshot(root, "openalex-parquet")
    with pytest.raises(InputError, match="schema from another release") as e:
        build_index(snap, tmp_path / "ix")
    assert e.value.path.endswith(".parquet")


def test_the_index_resumes_rather_than_restarts(snap_root, monkeypatch):
    snap = open_snapshot(snap_root)
    folder = default_folder(snap_root, snap.format)
    calls: list[Path] = []
    fail_at = [2]  # the second file hits a full disk, once
    real = index_mod._index_part

    def flaky(path, no, folder_, fmt):
        calls.append(path)
        if len(calls) == fail_at[0]:
            fail_at[0] = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, no, folder_, fmt)

    monkeypatch.setattr(index_mod, "_index_part", flaky)
    with pytest.raises(InputError, match=r"disk full.*1 data files are indexed.*resume") as e:
        build_index(snap, folder)
    assert e.value.path == str(folder)
    assert not list(folder.glob(".p*"))  # no temporary leftovers
    with pytest.raises(InputError, match="covers 1 of 3"):
        open_index(snap, folder)
    calls.clear()
    report = build_index(snap, folder)
    assert (report.built, report.skipped, report.works) == (2, 1, 90)
    assert calls == [p.path for p in snap.parts[1:]]
    assert build_index(snap, folder).built == 0
    open_index(snap, folder)  # complete now


def test_a_changed_file_is_indexed_again_and_a_vanished_one_dropped(snap_root):
    snap = open_snapshot(snap_root)
    folder = default_folder(snap_root, snap.format)
    build_index(snap, folder)
    manifest = snap_root / "data" / "jsonl" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["entries"] = [e for e in data["entries"] if "part_0002" not in e["url"]]
    manifest.write_text(json.dumps(data))
    changed = snap.parts[0].path
    changed.write_bytes(gzip.compress(gzip.decompress(changed.read_bytes())))
    _manifest_sizes_match(snap_root)
    report = build_index(open_snapshot(snap_root), folder)
    assert (report.built, report.skipped, report.removed, report.works) == (1, 1, 1, 60)
    assert len(list((folder / "works").glob("*.parquet"))) == 2
    assert _token_rows(folder) == _expected_token_rows(open_snapshot(snap_root), folder)


def test_parallel_workers_and_small_chunks_build_the_same_index(snap_root, tmp_path, monkeypatch):
    import duckdb

    snap = open_snapshot(snap_root)
    monkeypatch.setattr(index_mod, "CHUNK", 7)  # many flushes per file
    build_index(snap, tmp_path / "one", workers=1)
    monkeypatch.undo()
    build_index(snap, tmp_path / "two", workers=2)
    for table in ("works", "refs"):
        a, b = (
            duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path / d / table}/*.parquet')").fetchall()
            for d in ("one", "two")
        )
        assert a == b and a
    assert _token_rows(tmp_path / "one") == _token_rows(tmp_path / "two") != []


def test_cli_index_and_info(snap_root):
    from typer.testing import CliRunner

    from litsift.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["snapshot", "info", str(snap_root)])
    assert out.exit_code == 0, out.output
    info = json.loads(out.stdout)
    assert (info["release_date"], info["files"], info["indexed_files"]) == ("2026-06-24", 3, 0)
    out = runner.invoke(app, ["snapshot", "index", str(snap_root), "-j", "1"])
    assert out.exit_code == 0, out.output
    assert out.stdout == ""  # progress and summary go to stderr
    assert "3 files (3 indexed now, 0 already, 0 dropped), 90 works, 1 token shards" in out.stderr
    out = runner.invoke(app, ["snapshot", "info", str(snap_root)])
    info = json.loads(out.stdout)
    assert (info["indexed_files"], info["files_with_seek_points"]) == (3, 3)
    assert (info["token_shards"], info["files_not_merged"]) == (1, 0)
    out = runner.invoke(app, ["snapshot", "index", str(snap_root.parent)])
    assert out.exit_code == 2
    assert out.stderr.startswith(f"error: {snap_root.parent}: not an OpenAlex works snapshot")


# -- the merged token table -------------------------------------------------------------


def _token_rows(folder: Path) -> list[tuple]:
    """Every row of the token table a search reads, in the stored order."""
    import duckdb

    files = index_mod.token_files(index_mod.read_state(folder), folder)
    assert files is not None, "the index should be searchable"
    rows: list[tuple] = []
    for f in files:
        rows += duckdb.sql(f"SELECT token, wid, f, pos FROM read_parquet('{f}')").fetchall()
    return rows


def _expected_token_rows(snap, folder: Path) -> list[tuple]:
    """The token rows of the snapshot as it is now, straight from its works."""
    from litsift.search.snapshot.works import index_row, iter_works

    state = index_mod.read_state(folder)
    rows = []
    for part in snap.parts:
        base = state["parts"][part.rel]["no"] << 32
        for row, work in iter_works(part.path, snap.format):
            item = index_row(row, work)
            for f, tokens in ((1, item.title), (2, item.abstract)):
                rows += [(t, base | item.row, f, pos) for pos, t in enumerate(tokens)]
    return sorted(rows)


def test_the_token_tables_are_merged_into_sorted_shards_and_kept_once(snap_root):
    snap = open_snapshot(snap_root)
    folder = default_folder(snap_root, snap.format)
    report = build_index(snap, folder, shard_bytes=2_000)  # several shards
    assert report.shards > 2
    assert not list((folder / "tokens").glob("*.parquet"))  # the rows are in the shards
    rows = _token_rows(folder)
    assert rows == sorted(rows) == _expected_token_rows(snap, folder)
    assert len(open_index(snap, folder).files()["tokens"]) == report.shards
    again = build_index(snap, folder, shard_bytes=2_000)
    assert (again.built, again.shards) == (0, 0)  # nothing to merge


def test_an_interrupted_merge_resumes_and_the_old_shards_serve_until_the_switch(
    snap_root, monkeypatch
):
    snap = open_snapshot(snap_root)
    folder = default_folder(snap_root, snap.format)
    build_index(snap, folder, shard_bytes=2_000)
    before = _token_rows(folder)
    changed = snap.parts[1].path  # the same works, re-compressed: indexed again, merged again
    changed.write_bytes(gzip.compress(gzip.decompress(changed.read_bytes()), compresslevel=1))
    _manifest_sizes_match(snap_root)
    snap = open_snapshot(snap_root)
    real, written = index_mod._write_shard, []

    def failing(con, source, lo, hi, out):
        if len(written) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(out)
        real(con, source, lo, hi, out)

    monkeypatch.setattr(index_mod, "_write_shard", failing)
    with pytest.raises(InputError, match=r"disk full while merging.*resume"):
        build_index(snap, folder, shard_bytes=2_000)
    # the shards still hold the old copy of a file indexed again: no search until merged
    with pytest.raises(InputError, match="finish merging"):
        open_index(snap, folder)
    monkeypatch.setattr(index_mod, "_write_shard", lambda *a: (written.append(a[-1]), real(*a)))
    report = build_index(snap, folder, shard_bytes=2_000)
    shards = len(open_index(snap, folder).files()["tokens"])
    assert (report.built, report.shards) == (0, shards - 2)  # only the shards not yet written
    assert len(set(written)) == len(written) == shards  # none written twice
    assert _token_rows(folder) == before == _expected_token_rows(snap, folder)
    generations = sorted(p.name for p in (folder / index_mod.MERGED).iterdir())
    assert generations == ["g000002"]  # the old generation and spill files are gone


def test_a_first_merge_interrupted_leaves_the_per_file_tables_searchable(snap_root, monkeypatch):
    snap = open_snapshot(snap_root)
    folder = default_folder(snap_root, snap.format)

    def failing(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index_mod, "_write_shard", failing)
    with pytest.raises(InputError, match="disk full while merging"):
        build_index(snap, folder)
    indexed = open_index(snap, folder)  # not merged yet, but complete and correct
    assert len(indexed.files()["tokens"]) == len(snap.parts)
    assert sorted(_token_rows(folder)) == _expected_token_rows(snap, folder)
