"""data/imports/<source>/<file>: export files researchers bring in, one folder per source.

Each file is kept byte for byte as it was imported; `litsift run` reads every file of every
source folder again (a file whose name starts with '.' or ends with .md is not an export).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from litsift import importers
from litsift.errors import InputError
from litsift.importers import ImportResult

if TYPE_CHECKING:
    from litsift.store import Review

FOLDER = "imports"  # under data/


def read_file(
    path: Path, *, source: str, fmt: str = "auto", batch: str | None = None
) -> ImportResult:
    """Read one export file: every entry becomes a Record or a Rejection with its line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from e
    return importers.read_bytes(
        data, name=path.name, source=source, fmt=fmt, batch=batch, where=path
    )


def _is_export(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".") and path.suffix.lower() != ".md"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class ImportsStore:
    """data/imports/: one folder per identification source."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.folder = review.data / FOLDER

    def source_folders(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.is_dir())

    def files(self, folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if _is_export(p))

    def read_all(self) -> list[ImportResult]:
        """Every export file of every source folder; a folder must name a declared source."""
        results = []
        for folder in self.source_folders():
            source = self.review.protocol.source(folder.name)
            if source is None:
                raise InputError(
                    folder, f"source '{folder.name}' is not declared in review.yaml `sources`"
                )
            results += [read_file(p, source=source.name) for p in self.files(folder)]
        return results

    def add(self, source: str, path: Path) -> Path | None:
        """Copy an export unchanged into data/imports/<source>/; None when already there."""
        dest = self.folder / source / path.name
        if dest.exists():
            if _sha256(dest) == _sha256(path):
                return None
            raise InputError(
                dest,
                f"a different file with this name is already imported; rename "
                f"{path.name} or remove the old one",
            )
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        return dest
