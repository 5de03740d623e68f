"""One decision at a time into a reviewer file, for the workbench: append or edit in place.

`screen next` appends batches; the workbench writes one decision per keypress, and an undo
changes a decision already written. Both keep every other byte of the file as it was:

- a decision on a record the file does not list is a new entry appended at the end (the
  same text `screen next` writes, with the decision filled in);
- a decision on a listed record (a blank entry from `screen next`, or an undo) rewrites only
  that entry's `decision:`, `reason:` and `note:` lines, keeping what precedes the key on its
  line and a comment after the value; a missing key is added after the entry's last line.

A `FileSnapshot` is the file as last read and validated. Before each write the file is read
again: if its bytes are not the snapshot's, `FileChangedError` is raised and nothing is
written (the caller re-reads the file and decides again, so an editor's or another
command's change is never overwritten). The edited entry is parsed back and compared with
what was meant before the file is replaced (atomically, via `fileio.atomic_write`); the
caller holds the review lock. Parsing a 10,000-entry file takes seconds, so a snapshot is
updated from the edit itself rather than re-parsed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from litsift.errors import ChangedError, InputError, LitsiftError
from litsift.fileio import atomic_write
from litsift.models import Protocol, Stage
from litsift.screen.state import Entry, IdResolver, ReviewerFile
from litsift.store.screening import (
    DECISION_FIELDS,
    _entry,
    _sequence_indent,
    parse_reviewer_file,
    render_entry,
)
from litsift.yamlio import read_yaml


class FileChangedError(LitsiftError):
    """The reviewer file changed on disk since it was read; nothing was written."""


@dataclass(frozen=True)
class FileSnapshot:
    """A reviewer file as last read (or written) by this process."""

    path: Path
    stage: Stage
    reviewer: str
    lines: tuple[str, ...]  # the text, line ends kept
    sha256: str
    indent: int  # column of the list's dashes
    starts: tuple[int, ...]  # 0-based first line of each list item
    entries: dict[str, Entry]  # record id -> the entry that stands for it, in file order

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def reviewer_file(self, only: str | None = None) -> ReviewerFile:
        """As the screening stage reads it (`only`: that record's entry alone)."""
        entries = tuple(self.entries.values()) if only is None else (self.entries[only],)
        return ReviewerFile(self.path, self.reviewer, self.stage, entries, self.sha256)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_snapshot(
    path: Path, stage: Stage, protocol: Protocol, resolve: IdResolver, reviewer: str
) -> FileSnapshot:
    """Read and validate the file; its first problem raises InputError (file and line)."""
    data = path.read_bytes() if path.exists() else b""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text ({e.reason})") from e
    loaded, errors = parse_reviewer_file(path, stage, protocol, resolve, text)
    if errors:
        raise errors[0]
    try:
        indent = _sequence_indent(path, text)
    except yaml.YAMLError as e:  # parse_reviewer_file read it; kept for safety
        raise InputError(path, f"invalid YAML: {e}") from e
    _, lines = read_yaml(path, text)
    root = lines.root
    starts = tuple(n.start_mark.line for n in root.value) if root is not None else ()
    if any(line.rstrip() == "..." for line in text.splitlines()):
        raise InputError(path, "remove the '...' document end marker so entries can be added")
    entries = {e.record_id: e for e in loaded.entries}
    return FileSnapshot(
        path, stage, reviewer, tuple(text.splitlines(True)), _digest(data), indent, starts, entries
    )


def write_decision(
    snap: FileSnapshot,
    protocol: Protocol,
    resolve: IdResolver,
    record_id: str,
    values: Mapping[str, str | None],
    context: Mapping[str, object] | None = None,
    header: str = "",
) -> FileSnapshot:
    """Set the record's `decision`, `reason` and `note` (None = blank) and return the new
    snapshot. `context` (title, year, ...) and `header` (comment lines, for a new file)
    are written only with a new entry. Raises FileChangedError when the file is not the
    snapshot's any more, InputError when the values are not valid for this stage."""
    _check_unchanged(snap)
    current = snap.entries.get(record_id)
    if current is None:
        start = end = len(snap.lines)
        fields = {"id": record_id, **(context or {}), **values}
        chunk = render_entry(fields, snap.indent)
        if header and not snap.lines:
            chunk = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines()) + chunk
        before = None
    else:
        item = snap.starts.index(current.line - 1)
        start = snap.starts[item]
        end = snap.starts[item + 1] if item + 1 < len(snap.starts) else len(snap.lines)
        old = "".join(snap.lines[start:end])
        chunk = edit_entry(snap.path, old, values)
        before = _mapping(snap.path, old)
    entry = _validated(snap, protocol, resolve, chunk, start, values, before)
    lines = list(snap.lines)
    if start == len(lines) and lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    new_lines = chunk.splitlines(True)
    lines[start:end] = new_lines
    data = "".join(lines).encode("utf-8")
    before = snap.text.encode("utf-8") if snap.path.exists() or snap.lines else None
    try:  # the file is read once more just before the rename
        atomic_write(snap.path, data, unchanged=before)
    except ChangedError as e:
        raise FileChangedError(
            f"{snap.path}: changed on disk since it was read; nothing written"
        ) from e
    return _updated(snap, tuple(lines), data, start, end, len(new_lines), entry)


def unchanged(snap: FileSnapshot) -> bool:
    """Whether the file on disk still holds the bytes of the snapshot (absent = empty)."""
    try:
        data = snap.path.read_bytes()
    except FileNotFoundError:
        data = b""
    return _digest(data) == snap.sha256


def _check_unchanged(snap: FileSnapshot) -> None:
    if not unchanged(snap):
        raise FileChangedError(f"{snap.path}: changed on disk since it was read; nothing written")


def _validated(
    snap: FileSnapshot,
    protocol: Protocol,
    resolve: IdResolver,
    chunk: str,
    start: int,
    values: Mapping[str, str | None],
    before: dict | None,
) -> Entry:
    """The entry the new text holds, checked against what was meant."""
    data = _mapping(snap.path, chunk)
    expected = dict(before) if before is not None else None
    if expected is not None:
        for key, value in values.items():
            if value is not None or key in expected:
                expected[key] = value
        if data != expected:
            raise InputError(
                snap.path,
                "could not change this entry in place; edit it in the file",
                start + 1,
            )
    elif any(data.get(k) != v for k, v in values.items()):
        raise InputError(snap.path, "the new entry does not read back as written", start + 1)
    _, lines = read_yaml(snap.path, chunk)
    entry = _entry(snap.path, snap.stage, protocol, resolve, data, 0, lines)
    first = next(i for i, line in enumerate(chunk.splitlines()) if line.lstrip().startswith("-"))
    return replace(entry, line=start + first + 1)


def _mapping(path: Path, text: str) -> dict:
    data, _ = read_yaml(path, text)
    if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
        raise InputError(path, "expected one entry (- id: ...) here")
    return dict(data[0])


def _updated(
    snap: FileSnapshot,
    lines: tuple[str, ...],
    data: bytes,
    start: int,
    end: int,
    new_count: int,
    entry: Entry,
) -> FileSnapshot:
    shift = new_count - (end - start)
    if entry.record_id in snap.entries:  # edited in place: later items move by `shift`
        starts = tuple(s if s <= start else s + shift for s in snap.starts)
    else:  # appended
        starts = (*snap.starts, entry.line - 1)
    entries = dict(snap.entries)
    if shift:
        entries = {
            rid: e if e.line - 1 <= start else replace(e, line=e.line + shift)
            for rid, e in entries.items()
        }
    entries[entry.record_id] = entry
    return replace(snap, lines=lines, sha256=_digest(data), starts=starts, entries=entries)


# --------------------------------------------------------------------------- editing text


def _scalar_line(key: str, value: str | None) -> str:
    """`key: value` on one line, quoted as YAML needs (no newline at the end)."""
    if value is None:
        return f"{key}:"
    text = yaml.safe_dump(
        {key: value}, allow_unicode=True, width=float("inf"), default_flow_style=False
    )
    return text.rstrip("\n")


def _last_line(node: yaml.Node) -> int:
    """0-based last line a node's text occupies (block scalars end at the next line's start)."""
    end = node.end_mark
    if end.column == 0 and end.line > node.start_mark.line:
        return end.line - 1
    return end.line


def edit_entry(path: Path, text: str, values: Mapping[str, str | None]) -> str:
    """The entry's text (one list item, with any comments after it) with the keys of
    `values` set; every other line is kept as it was."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.SequenceNode) or len(root.value) != 1:
        raise InputError(path, "expected one entry (- id: ...) here")
    mapping = root.value[0]
    if not isinstance(mapping, yaml.MappingNode) or mapping.flow_style:
        line = mapping.start_mark.line + 1
        raise InputError(path, "entry written in flow style {...}; edit it in the file", line)
    lines = text.splitlines(True)
    present = {k.value: (k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode)}
    column = mapping.value[0][0].start_mark.column if mapping.value else 2
    after = max(_last_line(v) for _, v in mapping.value) + 1 if mapping.value else 1
    edits: list[tuple[int, int, int, list[str]]] = []  # (start, end, order, new lines)
    for order, key in enumerate(DECISION_FIELDS):
        if key not in values:
            continue
        value = values[key]
        if key in present:
            k, v = present[key]
            blank = v.tag.endswith(":null") or (v.tag.endswith(":str") and v.value == "")
            if (value is None and blank) or (value == v.value and v.tag.endswith(":str")):
                continue  # already says so: leave the bytes alone
            first, last = k.start_mark.line, _last_line(v)
            prefix = lines[first][: k.start_mark.column]
            tail = lines[last][v.end_mark.column :] if last == v.end_mark.line else "\n"
            comment = tail.rstrip("\n") if tail.strip().startswith("#") else ""
            new = prefix + _scalar_line(key, value) + comment + "\n"
            edits.append((first, last + 1, order, [new]))
        elif value is not None:
            new = " " * column + _scalar_line(key, value) + "\n"
            edits.append((after, after, order, [new]))
    for first, last, _, new_lines in sorted(edits, key=lambda e: (e[0], e[2]), reverse=True):
        if first == last == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines[first:last] = new_lines
    return "".join(lines)
