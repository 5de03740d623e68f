"""Reading works out of one snapshot file, and what the index keeps of each.

A work becomes a Record through the OpenAlex API source's own parser (`parse_work`), so a
snapshot record and an API record of the same work are the same record. The index keeps
what a boolean query needs: the folded title and abstract tokens (the local evaluator's
`fold(...).split()`), year, normalised type, DOI, and the works it references.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litsift.errors import InputError
from litsift.ids import fold
from litsift.models import Record
from litsift.search.snapshot.layout import Format
from litsift.search.sources.openalex import parse_work

# fields a works file of this release has; a file without them is from another schema
REQUIRED = ("id", "publication_year", "type", "abstract_inverted_index", "referenced_works")
TITLE_FIELDS = ("title", "display_name")
BATCH = 2000  # Parquet rows fetched at a time


@dataclass(frozen=True)
class IndexRow:
    """What the index keeps of one work."""

    row: int  # 0-based position in its file
    id: str  # W123
    doi: str | None
    year: int | None
    doc_type: str | None
    title: tuple[str, ...]  # folded tokens
    abstract: tuple[str, ...]
    refs: tuple[str, ...]  # referenced W ids


def check_schema(keys: Iterable[str], path: Path, line: int | None = None) -> None:
    """A work (or Parquet schema) without the fields litsift reads is another release's."""
    have = set(keys)
    missing = [k for k in REQUIRED if k not in have]
    if not any(k in have for k in TITLE_FIELDS):
        missing.append("title")
    if missing:
        raise InputError(
            path,
            f"schema from another release or another entity: no {', '.join(missing)} "
            "field (litsift reads OpenAlex works as documented since 2023)",
            line,
        )


def iter_works(path: Path, fmt: Format) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row, work) for every work of a file; a corrupt file is an InputError naming it."""
    if fmt == "openalex-parquet":
        yield from _parquet_works(path)
    else:
        yield from _jsonl_works(path)


def _jsonl_works(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    opener = gzip.open if path.suffix == ".gz" else open
    line_no = 0
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                yield line_no - 1, _decode(line, path, line_no)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
        raise InputError(path, f"corrupt partition file ({e})", line_no or None) from e


def _decode(line: str, path: Path, line_no: int) -> dict[str, Any]:
    try:
        work = json.loads(line)
    except json.JSONDecodeError as e:
        raise InputError(path, f"corrupt partition file: not JSON ({e.msg})", line_no) from e
    if not isinstance(work, dict):
        raise InputError(path, "corrupt partition file: a line is not a JSON object", line_no)
    if line_no == 1:
        check_schema(work, path, line_no)
    elif "id" not in work:
        raise InputError(path, "a work without an id", line_no)
    return work


def _parquet_works(path: Path, rows: Iterable[int] | None = None) -> Iterator[tuple[int, dict]]:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET threads TO 1")
        where = ""
        if rows is not None:
            wanted = sorted(set(rows))
            where = f" WHERE file_row_number IN ({', '.join(str(int(r)) for r in wanted)})"
        sql = "SELECT * FROM read_parquet(?, file_row_number = true)" + where
        rel = con.execute(sql, [str(path)])
        names = [d[0] for d in rel.description]
        check_schema(names, path)
        while batch := rel.fetchmany(BATCH):
            for values in batch:
                work = dict(zip(names, values, strict=True))
                row = work.pop("file_row_number")
                yield int(row), work
    except duckdb.Error as e:
        raise InputError(path, f"corrupt partition file ({str(e).splitlines()[0]})") from e
    finally:
        con.close()


def read_rows(path: Path, fmt: Format, rows: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The works at the given rows of one file (materialising a query's hits)."""
    wanted = set(rows)
    if fmt == "openalex-parquet":
        return dict(_parquet_works(path, wanted))
    out = {}
    last = max(wanted, default=-1)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for row, line in enumerate(fh):
                if row in wanted:
                    out[row] = _decode(line, path, row + 1)
                if row >= last:
                    break
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
        raise InputError(path, f"corrupt partition file ({e})") from e
    return out


def decode_lines(path: Path, lines: dict[int, bytes]) -> dict[int, dict[str, Any]]:
    """Works from raw lines read at known rows (seek.py), checked as read_rows checks them."""
    out = {}
    for row, raw in lines.items():
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(path, f"corrupt partition file ({e})", row + 1) from e
        out[row] = _decode(text, path, row + 1)
    return out


def _inverted_index(value: Any) -> Any:
    """The inverted index as a dict, whichever way a Parquet file stores it."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    if isinstance(value, dict) and set(value) == {"key", "value"}:
        return dict(zip(value["key"], value["value"], strict=False))
    return value


def to_record(work: dict[str, Any], source: str) -> Record | None:
    """A snapshot work as the OpenAlex API source would parse it."""
    if "abstract_inverted_index" in work:
        work = {**work, "abstract_inverted_index": _inverted_index(work["abstract_inverted_index"])}
    return parse_work(work, source)


def index_row(row: int, work: dict[str, Any]) -> IndexRow | None:
    """The index's view of a work: exactly what the local evaluator would tokenise."""
    record = to_record(work, "snapshot")
    if record is None or not record.openalex_id:
        return None
    refs = work.get("referenced_works") or ()
    return IndexRow(
        row=row,
        id=record.openalex_id,
        doi=record.doi,
        year=record.year,
        doc_type=record.doc_type,
        title=tuple(fold(record.title).split()),
        abstract=tuple(fold(record.abstract).split()),
        refs=tuple(r.rsplit("/", 1)[-1] for r in refs if isinstance(r, str) and r),
    )
