"""Where an OpenAlex works snapshot keeps its files, and what its manifest says.

Two layouts are recognised (OpenAlex's "Snapshot data format" page):
  legacy (before 2026)  data/works/manifest, data/works/updated_date=YYYY-MM-DD/part_NNN.gz
  2026 and later        data/jsonl/manifest.json, data/jsonl/works/updated_date=.../part_NNNN.gz
                        data/parquet/manifest.json, data/parquet/works/updated_date=.../*.parquet
A manifest is JSON in Redshift manifest form: {"entries": [{"url": "s3://openalex/data/...",
"meta": {"content_length": N, "record_count": N}}]}; the 2026 manifests list every entity,
so only the entries under works/ count. The snapshot's date is the newest `updated_date`
partition it lists: a partition holds the works that last changed on that date.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from litsift.errors import InputError
from litsift.vocab import SnapshotFormat

Format = Literal["openalex-jsonl", "openalex-parquet"]  # the values of SnapshotFormat
_DATE_RE = re.compile(r"updated_date=(\d{4}-\d{2}-\d{2})")
_SUFFIX = {"openalex-jsonl": (".gz",), "openalex-parquet": (".parquet",)}


@dataclass(frozen=True)
class PartFile:
    """One data file of the works snapshot, as the manifest lists it."""

    path: Path
    rel: str  # relative to the works folder: "updated_date=2026-06-24/part_0000.gz"
    updated_date: str
    content_length: int | None  # bytes, from the manifest
    record_count: int | None  # works, from the manifest


@dataclass(frozen=True)
class Snapshot:
    """An OpenAlex works snapshot on disk."""

    root: Path
    format: Format
    works_dir: Path
    manifest: Path
    parts: tuple[PartFile, ...]

    @property
    def release_date(self) -> str:
        """The newest updated_date partition: the date the snapshot's data stands at."""
        return max(p.updated_date for p in self.parts)

    @property
    def record_count(self) -> int | None:
        counts = [p.record_count for p in self.parts]
        return None if any(c is None for c in counts) else sum(c or 0 for c in counts)


def _candidates(root: Path, fmt: Format) -> list[tuple[Path, Path]]:
    """(works folder, manifest) pairs to try, most specific first."""
    sub = "jsonl" if fmt == "openalex-jsonl" else "parquet"
    out = [
        (root / "data" / sub / "works", root / "data" / sub / "manifest.json"),
        (root / sub / "works", root / sub / "manifest.json"),
        (root / "works", root / "manifest.json"),
        (root, root.parent / "manifest.json"),
    ]
    if fmt == "openalex-jsonl":
        out += [(root / "data" / "works", root / "data" / "works" / "manifest")]
        out += [(root / "works", root / "works" / "manifest"), (root, root / "manifest")]
    return out


def open_snapshot(path: str | Path, fmt: Format | SnapshotFormat = "openalex-jsonl") -> Snapshot:
    """Find the works folder and manifest under `path`; InputError naming what is missing."""
    fmt = SnapshotFormat(fmt).value  # a plain string from here on (it goes into the logs)
    root = Path(path)
    if not root.is_dir():
        raise InputError(root, "snapshot folder not found")
    for works, manifest in _candidates(root, fmt):
        if works.is_dir() and manifest.is_file():
            parts = _parts(manifest, works, fmt)
            return Snapshot(root, fmt, works, manifest, parts)
    kind = "JSON Lines" if fmt == "openalex-jsonl" else "Parquet"
    raise InputError(
        root,
        f"not an OpenAlex works snapshot in {kind} form: expected data/"
        f"{'jsonl' if fmt == 'openalex-jsonl' else 'parquet'}/manifest.json and works/"
        + (" (or the legacy data/works/manifest)" if fmt == "openalex-jsonl" else "")
        + "; download it with `aws s3 sync` (see the README)",
    )


def _parts(manifest: Path, works: Path, fmt: Format) -> tuple[PartFile, ...]:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(manifest, f"manifest is not JSON ({e})") from e
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputError(manifest, "manifest has no 'entries' list (Redshift manifest form)")
    parts = []
    for n, entry in enumerate(entries):
        part = _part(entry, works, fmt, manifest, n)
        if part is not None:
            parts.append(part)
    if not parts:
        raise InputError(manifest, f"manifest lists no works files ending in {_SUFFIX[fmt][0]}")
    return tuple(sorted(parts, key=lambda p: p.rel))


def _part(entry: Any, works: Path, fmt: Format, manifest: Path, n: int) -> PartFile | None:
    url = entry.get("url") if isinstance(entry, dict) else None
    if not isinstance(url, str):
        raise InputError(manifest, f"entries[{n}] has no url")
    if "/works/" not in url and not url.startswith("updated_date="):
        return None  # another entity of a combined manifest
    if not url.endswith(_SUFFIX[fmt]):
        return None
    rel = url.split("/works/", 1)[-1]
    date = _DATE_RE.search(rel)
    if date is None:
        raise InputError(manifest, f"entries[{n}]: no updated_date= partition in {url}")
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    return PartFile(
        path=works / rel,
        rel=rel,
        updated_date=date.group(1),
        content_length=_int(meta.get("content_length")),
        record_count=_int(meta.get("record_count")),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_present(snapshot: Snapshot) -> None:
    """Every file the manifest lists exists with the size it gives (a complete download)."""
    for part in snapshot.parts:
        if not part.path.is_file():
            raise InputError(
                part.path, f"listed in {snapshot.manifest.name} but missing: re-sync the snapshot"
            )
        size = part.path.stat().st_size
        if part.content_length is not None and size != part.content_length:
            raise InputError(
                part.path,
                f"{size} bytes where the manifest says {part.content_length}: an incomplete "
                "download; re-sync this file",
            )
