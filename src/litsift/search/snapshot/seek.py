"""Random access into gzip JSON Lines: reading a hit's work without decompressing its file
from the start.

A gzip stream can only be read from its beginning, so materialising 69 hits spread over
50 files of 100,000 works meant decompressing all 50 files (70 s on 5 M works). After a
file is indexed, one more pass records where each line starts (offsets into the
decompressed text) and zlib seek points every SPACING bytes of it (indexed_gzip, the
library nibabel uses for the same job): a line is then read by decompressing at most
SPACING bytes from the nearest seek point. Plain (uncompressed) JSON Lines need the line
offsets only.
  seek/p000000.lines.npy   uint64 offset of every line of the data file
  seek/p000000.gzidx       the seek points (gzip files only)
SPACING trades disk for time: a seek point keeps a 32 KiB window, so 2 MiB spacing costs
about 1.6 % of the decompressed size and at most 2 MiB of decompression per hit.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from litsift.errors import InputError

SPACING = 2 << 20
CHUNK = 4 << 20


def files(folder: Path, no: int) -> tuple[Path, Path]:
    """(line offsets, seek points) of data file number `no`."""
    return folder / "seek" / f"p{no:06d}.lines.npy", folder / "seek" / f"p{no:06d}.gzidx"


def build(path: Path, folder: Path, no: int) -> int:
    """Write the line offsets (and for gzip the seek points) of one data file; returns the
    number of lines."""
    lines_file, points_file = files(folder, no)
    lines_file.parent.mkdir(parents=True, exist_ok=True)
    tmp_lines = lines_file.with_name(f".{lines_file.name}.tmp")
    tmp_points = points_file.with_name(f".{points_file.name}.tmp")
    try:
        with _open(path, None) as fh:
            offsets, size = _line_starts(fh)
            if _gzipped(path):
                _check_complete(path, size)
                fh.export_index(str(tmp_points))
        with open(tmp_lines, "wb") as out:
            np.save(out, offsets)
        if _gzipped(path):
            os.replace(tmp_points, points_file)
        os.replace(tmp_lines, lines_file)
    except (OSError, EOFError, ValueError, zlib.error) as e:
        tmp_lines.unlink(missing_ok=True)
        tmp_points.unlink(missing_ok=True)
        if isinstance(e, OSError) and e.errno is not None:
            raise
        raise InputError(path, f"corrupt partition file ({e})") from e
    return len(offsets)


def read_lines(path: Path, folder: Path, no: int, rows: Iterable[int]) -> dict[int, bytes]:
    """The raw lines at the given 0-based rows, each read from its nearest seek point."""
    lines_file, points_file = files(folder, no)
    offsets = np.load(lines_file)
    out = {}
    try:
        with _open(path, points_file if _gzipped(path) else None) as fh:
            for row in sorted(set(rows)):
                if not 0 <= row < len(offsets):
                    raise InputError(path, f"row {row} is not in the file: re-index it")
                fh.seek(int(offsets[row]))
                out[row] = fh.readline()
    except (OSError, EOFError, ValueError) as e:
        raise InputError(path, f"corrupt partition file ({e})") from e
    return out


def _gzipped(path: Path) -> bool:
    return path.suffix == ".gz"


def _open(path: Path, points: Path | None):
    if not _gzipped(path):
        return open(path, "rb")
    import indexed_gzip

    if points is None:
        return indexed_gzip.IndexedGzipFile(str(path), spacing=SPACING)
    return indexed_gzip.IndexedGzipFile(str(path), index_file=str(points))


def _check_complete(path: Path, size: int) -> None:
    """indexed_gzip reads a truncated file without complaint: the gzip trailer's length
    (ISIZE, the decompressed size mod 2**32) must match what was read. A file of several
    gzip members carries only the last member's length, so a mismatch is confirmed by
    decompressing the file as `gzip` does before it is called corrupt."""
    with open(path, "rb") as fh:
        fh.seek(-4, os.SEEK_END)
        trailer = int.from_bytes(fh.read(4), "little")
    if trailer == size % (1 << 32):
        return
    import gzip

    with gzip.open(path, "rb") as fh:
        while fh.read(CHUNK):
            pass


def _line_starts(fh) -> tuple[np.ndarray, int]:
    """Offsets of every line start and the decompressed size, reading the stream once."""
    starts = [np.zeros(1, dtype=np.uint64)]
    pos = 0
    last = b""
    while chunk := fh.read(CHUNK):
        newlines = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
        starts.append((newlines + pos + 1).astype(np.uint64))
        pos += len(chunk)
        last = chunk[-1:]
    offsets = np.concatenate(starts)
    if last == b"\n" or pos == 0:  # no line starts after the final newline
        offsets = offsets[:-1]
    return offsets, pos
