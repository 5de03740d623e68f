"""Writing files so that a killed process never leaves half of one behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from litsift.errors import ChangedError


def read_or_empty(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def atomic_write(path: Path, data: bytes, *, unchanged: bytes | bool | None = False) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename.

    `unchanged` (the bytes the new content was made from, None for a file that did not
    exist) guards a file a human edits: it is read again just before the rename, and when
    it no longer holds those bytes (saved in an editor meanwhile) nothing is replaced and
    ChangedError is raised.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600; keep what the file had
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if unchanged is not False and read_or_empty(path) != unchanged:
            raise ChangedError(path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _mode_for(path: Path) -> int:
    """The existing file's permissions, else the default for a new file (0666 - umask)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """`atomic_write` of UTF-8 text with "\\n" line ends on every platform."""
    atomic_write(path, text.encode("utf-8"))
