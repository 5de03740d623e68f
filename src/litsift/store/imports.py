"""data/imports/<source>/<file>: export files researchers bring in, one folder per source.

Each file is kept byte for byte as it was imported; `litsift run` reads every file of every
source folder again (a file whose name starts with '.' or ends with .md is not an export).

How each file is read is recorded beside it, in the folder's `formats.yaml`, when it is
imported: the format (detected, or given with `--format`) and, when given with
`--encoding`, the encoding. A later run reads the file exactly so, instead of guessing
again; a file without an entry (copied in by hand) is detected as at import.

    # data/imports/scopus/formats.yaml
    scopus.csv: {format: csv}
    legacy.ris: {format: ris, encoding: gbk}
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import RootModel, field_validator

from litsift import importers, progress
from litsift.errors import InputError
from litsift.fileio import atomic_write, read_or_empty
from litsift.importers import ImportResult
from litsift.models import Frozen
from litsift.store.unread import Unread, is_doc, other, visible
from litsift.vocab import ImportFormat
from litsift.yamlio import dump_yaml, load_model

if TYPE_CHECKING:
    from litsift.store import Review

FOLDER = "imports"  # under data/
FORMATS = "formats.yaml"  # in each source folder
FORMATS_HEADER = """\
# How litsift reads each export file of this folder, recorded by `litsift import`.
# format: bibtex | ris | csv | wos | nbib | asreview | csljson; encoding: as given at import
# (absent: detected). Change an entry only to correct how a file is read.
"""


class FileFormat(Frozen):
    """How one export file is read."""

    format: ImportFormat
    encoding: str | None = None

    @field_validator("format")
    @classmethod
    def _not_auto(cls, value: ImportFormat) -> ImportFormat:
        if value is ImportFormat.AUTO:
            raise ValueError("write the file's format, not auto")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str | None) -> str | None:
        if value is not None:
            check_encoding(value)
        return value


class Formats(RootModel[dict[str, FileFormat]]):
    """A source folder's formats.yaml: file name -> how it is read."""


def check_encoding(name: str) -> str:
    """`name` if Python knows the codec; ValueError otherwise."""
    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding '{name}'") from None
    return name


def read_file(
    path: Path,
    *,
    source: str,
    fmt: str = "auto",
    batch: str | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Read one export file: every entry becomes a Record or a Rejection with its line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from e
    return importers.read_bytes(
        data, name=path.name, source=source, fmt=fmt, batch=batch, where=path, encoding=encoding
    )


def require_records(
    path: Path, result: ImportResult, *, format_given: bool = False
) -> ImportResult:
    """Refuse a file the parser read nothing from (it is not an export of that format), or
    one whose every entry was unreadable: importing it would add nothing but its errors."""
    if result.read == 0:
        hint = "" if format_given else " (pass --format to name its format)"
        raise InputError(
            path,
            f"no {result.format} records in this file; it is empty or not {result.format}{hint}",
        )
    if not result.records:
        first = result.rejected[0]
        more = f" (and {len(result.rejected) - 1} more)" if len(result.rejected) > 1 else ""
        raise InputError(path, f"no record could be read: {first.reason}{more}", first.line or None)
    return result


def _is_export(path: Path) -> bool:
    return (
        path.is_file()
        and not path.name.startswith(".")
        and path.suffix.lower() != ".md"
        and path.name != FORMATS
    )


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

    def unread(self) -> list[Unread]:
        """Files under data/imports/ that no run reads (see store/unread.py)."""
        out = []
        for path in visible(self.folder):
            if path.is_dir():
                out += self._unread_in(path)
            elif not is_doc(path):
                out.append(
                    Unread(
                        path,
                        "not in a source folder (data/imports/<source>/), so not read",
                        error=True,
                    )
                )
        return out

    def _unread_in(self, folder: Path) -> list[Unread]:
        out = []
        for path in visible(folder):
            if path.is_dir():
                out.append(
                    Unread(path, "a folder in a source folder: its files are not read", error=True)
                )
            elif path.name.startswith("."):
                out.append(other(path))
        present = {p.name for p in self.files(folder)}
        out += [
            Unread(self.formats_file(folder.name), f"an entry for {name}, which is not here")
            for name in sorted(set(self.formats(folder.name)) - present)
        ]
        return out

    def formats_file(self, source: str) -> Path:
        return self.folder / source / FORMATS

    def formats(self, source: str) -> dict[str, FileFormat]:
        """File name -> how it is read, from the source folder's formats.yaml."""
        path = self.formats_file(source)
        if not path.is_file():
            return {}
        return dict(load_model(path, Formats).root)

    def paths(self) -> list[Path]:
        """The export files `read_all` reads, in its order."""
        return [path for folder in self.source_folders() for path in self.files(folder)]

    def read_all(self) -> list[ImportResult]:
        """Every export file of every source folder, read as recorded at import; a folder
        must name a declared source."""
        jobs = []
        for folder in self.source_folders():
            source = self.review.protocol.source(folder.name)
            if source is None:
                raise InputError(
                    folder, f"source '{folder.name}' is not declared in review.yaml `sources`"
                )
            recorded = self.formats(folder.name)
            jobs += [(path, source.name, recorded.get(path.name)) for path in self.files(folder)]
        results = []
        with progress.task("import", total=len(jobs)) as task:
            for path, source_name, how in jobs:
                task.describe(f"import {self.review.rel(path)}")
                fmt = str(how.format) if how else "auto"
                encoding = how.encoding if how else None
                results.append(read_file(path, source=source_name, fmt=fmt, encoding=encoding))
                task.advance()
        return results

    def add(self, source: str, path: Path, fmt: str, encoding: str | None = None) -> Path | None:
        """Copy an export unchanged into data/imports/<source>/ and record how it is read;
        None when that very file was already imported (its recorded format is updated)."""
        dest = self.folder / source / path.name
        if dest.exists() and _sha256(dest) != _sha256(path):
            raise InputError(
                dest,
                f"a different file with this name is already imported; rename "
                f"{path.name} or remove the old one",
            )
        # the format first: a kill between the two writes leaves an entry for a file not
        # copied yet (re-running the import copies it), never a file read the wrong way
        self._record(source, path.name, FileFormat(format=ImportFormat(fmt), encoding=encoding))
        if dest.exists():
            return None
        atomic_write(dest, path.read_bytes())
        return dest

    def _record(self, source: str, name: str, how: FileFormat) -> None:
        path = self.formats_file(source)
        old = read_or_empty(path)
        formats = self.formats(source)
        if formats.get(name) == how:
            return
        formats[name] = how
        data = {k: v.model_dump(mode="json", exclude_none=True) for k, v in sorted(formats.items())}
        text = FORMATS_HEADER + dump_yaml(data)
        atomic_write(path, text.encode("utf-8"), unchanged=old)  # an edit meanwhile wins
