"""Reading a hit's work straight from its line in a gzip data file (seek.py), and the
index step that records where the lines start."""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from snapshot_fixtures import generated_works, write_snapshot

from litsift.errors import InputError
from litsift.search.snapshot import build_index, default_folder, open_index, open_snapshot, seek
from litsift.search.snapshot.search import fetch

LINES = [b'{"a": 1}\n', b"\n", b'{"b": "caf\xc3\xa9"}\r\n', b'{"c": [1, 2, 3]}\n']


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
@pytest.mark.parametrize("final_newline", [True, False], ids=["newline-end", "no-newline-end"])
def test_every_line_is_read_back_exactly(tmp_path, compress, final_newline, monkeypatch):
    """Blank lines, CRLF, UTF-8 and a last line without its newline all keep their rows;
    a tiny spacing and read chunk make lines straddle seek points and chunks."""
    monkeypatch.setattr(seek, "SPACING", 64 * 1024)
    monkeypatch.setattr(seek, "CHUNK", 7)
    rng = random.Random(5)
    lines = [rng.choice(LINES) for _ in range(3000)] + [b'{"end": "' + b"x" * 5000 + b'"}\n']
    if not final_newline:
        lines[-1] = lines[-1].rstrip(b"\n")
    data = b"".join(lines)
    path = tmp_path / ("part_0000.gz" if compress else "part_0000.jsonl")
    path.write_bytes(gzip.compress(data) if compress else data)
    assert seek.build(path, tmp_path, 7) == len(lines)
    rows = [*sorted(rng.sample(range(len(lines)), 200)), 0, len(lines) - 1]
    got = seek.read_lines(path, tmp_path, 7, rows)
    assert got == {r: lines[r] for r in rows}
    with pytest.raises(InputError, match="row 3001 is not in the file"):
        seek.read_lines(path, tmp_path, 7, [len(lines)])


def test_an_empty_file_has_no_lines(tmp_path):
    path = tmp_path / "part_0000.gz"
    path.write_bytes(gzip.compress(b""))
    assert seek.build(path, tmp_path, 0) == 0


def test_a_corrupt_gzip_file_is_named_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "part_0000.gz"
    good = gzip.compress(b"".join(LINES * 2000))
    path.write_bytes(good[: len(good) // 2] + b"\x00garbage" * 100)
    with pytest.raises(InputError, match="corrupt partition file") as e:
        seek.build(path, tmp_path, 0)
    assert e.value.path == str(path)
    assert not [p for p in (tmp_path / "seek").iterdir()]


@pytest.fixture
def snap_root(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "snap", generated_works(90, seed=11), per_file=30)


def test_hits_read_through_seek_points_are_the_records_a_full_read_gives(snap_root):
    snap = open_snapshot(snap_root)
    folder = default_folder(snap_root, snap.format)
    build_index(snap, folder)
    indexed = open_index(snap, folder)
    assert indexed.seekable == frozenset(indexed.parts)
    wids = [no << 32 | row for no in indexed.parts for row in (0, 7, 29)]
    direct = fetch(indexed, wids, "openalex-local")
    sequential = fetch(replace(indexed, seekable=frozenset()), wids, "openalex-local")
    assert direct == sequential and len(direct) == len(wids)


def test_a_changed_data_file_gets_new_seek_points(snap_root):
    snap = open_snapshot(snap_root)
    folder = default_folder(snap_root, snap.format)
    build_index(snap, folder)
    part = snap.parts[0]
    works = [json.loads(x) for x in gzip.decompress(part.path.read_bytes()).splitlines()]
    works[3]["title"] = "A title that moved every later line " + "of the file " * 50
    part.path.write_bytes(gzip.compress(b"".join(json.dumps(w).encode() + b"\n" for w in works)))
    manifest = snap_root / "data" / "jsonl" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["entries"][0]["meta"]["content_length"] = part.path.stat().st_size
    manifest.write_text(json.dumps(data))
    snap = open_snapshot(snap_root)
    assert build_index(snap, folder).built == 1
    indexed = open_index(snap, folder)
    no = next(n for n, p in indexed.parts.items() if p.rel == part.rel)
    records = fetch(indexed, [no << 32 | 3, no << 32 | 20], "openalex-local")
    assert records[0].title.startswith("A title that moved") or records[1].title.startswith(
        "A title that moved"
    )
    assert {r.openalex_id for r in records} == {
        works[3]["id"].rsplit("/", 1)[-1],
        works[20]["id"].rsplit("/", 1)[-1],
    }


def test_an_index_without_seek_points_still_reads_its_hits(snap_root, monkeypatch):
    """An index built before seek points existed (or whose seek step was interrupted)
    reads hits by decompressing the file, and the next `snapshot index` adds them."""
    from litsift.search.snapshot import index as index_mod

    snap = open_snapshot(snap_root)
    folder = default_folder(snap_root, snap.format)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(index_mod, "build_seek", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_index(snap, folder)
    monkeypatch.undo()
    indexed = open_index(snap, folder)
    assert indexed.seekable == frozenset()
    assert len(fetch(indexed, [no << 32 for no in indexed.parts], "x")) == len(indexed.parts)
    build_index(snap, folder)
    assert open_index(snap, folder).seekable == frozenset(indexed.parts)


def test_parquet_snapshots_need_no_seek_points(tmp_path):
    root = write_snapshot(tmp_path / "pq", generated_works(20, seed=2), "openalex-parquet")
    snap = open_snapshot(root, "openalex-parquet")
    folder = default_folder(root, snap.format)
    build_index(snap, folder)
    assert open_index(snap, folder).seekable == frozenset()
    assert not (folder / "seek").exists()


def test_a_truncated_gzip_file_is_named(tmp_path):
    """indexed_gzip itself reads a truncated stream without an error."""
    path = tmp_path / "part_0000.gz"
    rng = random.Random(3)
    good = gzip.compress(b"".join(rng.choice(LINES[:1] + LINES[2:]) * 40 for _ in range(4000)))
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(InputError, match="corrupt partition file"):
        seek.build(path, tmp_path, 0)


def test_a_file_of_several_gzip_members_is_read_whole(tmp_path):
    path = tmp_path / "part_0000.gz"
    path.write_bytes(gzip.compress(b"".join(LINES)) + gzip.compress(b"".join(LINES[::-1])))
    assert seek.build(path, tmp_path, 0) == 2 * len(LINES)
    got = seek.read_lines(path, tmp_path, 0, range(2 * len(LINES)))
    assert list(got.values()) == LINES + LINES[::-1]
