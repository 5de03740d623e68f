"""The import stage: export files of bibliographic databases -> records, with accounting.

`read_bytes` parses one export (format and encoding detected), and returns every entry either
as a Record or as a Rejection with its line, plus a warning for every repaired oddity.
`export_records` writes records back out as BibTeX, RIS, CSV or ASReview CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from litsift.errors import InputError
from litsift.gcpause import paused
from litsift.importers import asreview, bibtex, csljson, csvfmt, nbib, ris, wos
from litsift.importers.asreview import asreview_decisions, label_decisions
from litsift.importers.base import (
    DOC_TYPES,
    Draft,
    FormatError,
    ImportResult,
    Rejection,
    assemble,
    keep_matching,
)
from litsift.importers.detect import decode, normalise_newlines, sniff
from litsift.importers.export import EXPORT_FORMATS, Screened, export_records
from litsift.vocab import ImportFormat

__all__ = [
    "DOC_TYPES",
    "EXPORT_FORMATS",
    "FORMATS",
    "IMPORT_FORMATS",
    "ImportResult",
    "Rejection",
    "Screened",
    "asreview_decisions",
    "export_records",
    "keep_matching",
    "label_decisions",
    "read_bytes",
]

_PARSERS: dict[str, Callable[[str], list[Draft]]] = {
    "bibtex": bibtex.parse,
    "ris": ris.parse,
    "csv": csvfmt.parse,
    "wos": wos.parse,
    "nbib": nbib.parse,
    "asreview": asreview.parse,
    "csljson": csljson.parse,
}
FORMATS: tuple[str, ...] = tuple(_PARSERS)
IMPORT_FORMATS: tuple[str, ...] = tuple(ImportFormat)  # "auto" and every parser
assert ("auto", *FORMATS) == IMPORT_FORMATS, "litsift.vocab.ImportFormat lists every parser"


def read_bytes(
    data: bytes,
    *,
    name: str,
    source: str,
    fmt: str = "auto",
    batch: str | None = None,
    where: str | Path | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Parse the bytes of one export file called `name` (read by litsift.store.imports).

    `where` (default `name`) is the path that error messages name; `encoding` (default:
    detected) decodes the bytes.
    """
    where = where or name
    if fmt not in IMPORT_FORMATS:
        raise InputError(
            where, f"unknown format {fmt!r}; choose one of {', '.join(IMPORT_FORMATS)}"
        )
    with paused():
        return _read(data, name, source, fmt, batch, where, encoding)


def _read(
    data: bytes,
    name: str,
    source: str,
    fmt: str,
    batch: str | None,
    where: str | Path,
    encoding: str | None,
) -> ImportResult:
    try:
        text, encoding, notes = decode(data, encoding)
        text, repaired = normalise_newlines(text)
        notes += repaired
        actual = sniff(text) if fmt == "auto" else fmt
        drafts = _PARSERS[actual](text)
    except FormatError as e:
        raise InputError(where, e.message, line=e.line) from e
    if not drafts and text.strip():
        notes.append((None, f"no {actual} records found"))
    return assemble(
        drafts,
        file=name,
        fmt=actual,
        encoding=encoding,
        source=source,
        batch=batch,
        warnings=[f"{name}:{line}: {n}" if line else f"{name}: {n}" for line, n in notes],
    )
