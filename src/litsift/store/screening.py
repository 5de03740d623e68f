"""data/screening/<stage>/<reviewer>.yaml and adjudication.yaml: the reviewers' decisions.

A reviewer file is a YAML list, one mapping per record (the fields of `models.Decision`).
It is the source of truth, written by a human: litsift only ever appends new entries as text
at the end of the file, never re-dumps what is there, so comments, order and formatting
survive. Every write goes to a temporary file in the same folder which is then renamed over
the original, so a process killed mid-write leaves the old file or the new one, never half.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import ValidationError

from litsift.errors import ChangedError, InputError
from litsift.fileio import atomic_write, read_or_empty
from litsift.gcpause import paused
from litsift.models import Decision, Protocol, Stage, Verdict
from litsift.screen.state import ADJUDICATION, Entry, IdResolver, ReviewerFile, ScreeningState
from litsift.store.unread import YAML, Unread, is_doc, other, scan, visible
from litsift.yamlio import (
    YAML_LOADER,
    ItemLines,
    LineMap,
    ListMemo,
    read_yaml,
    read_yaml_list,
    validation_error,
)

if TYPE_CHECKING:
    from litsift.store import Review
    from litsift.store.decisions import FileSnapshot

FOLDER = "screening"  # under data/
MEMOS = "reviewer-files"  # under build/.cache: how each reviewer file was last parsed
# Context fields copied in by `screen next`, in the order the reviewer reads them.
CONTEXT_FIELDS = (
    "title",
    "retracted",
    "year",
    "venue",
    "authors",
    "doi",
    "arxiv_id",
    "score",
    "abstract",
)
DECISION_FIELDS = ("decision", "reason", "note")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def allowed_reasons(protocol: Protocol, stage: Stage) -> tuple[str, ...]:
    """Exclusion codes a reviewer may give as a reason at this stage (an inclusion
    criterion is never a reason to exclude)."""
    return protocol.exclusion_codes(stage)


def parse_reviewer_file(
    path: Path,
    stage: Stage,
    protocol: Protocol,
    resolve: IdResolver,
    text: str | None = None,
    memo: Path | None = None,
) -> tuple[ReviewerFile, list[InputError]]:
    """Validate a reviewer file; returns the valid entries and one error per bad entry.

    A file that is not valid YAML, or not a list, raises InputError at once. `memo` is a
    file under build/.cache keeping how this file was last parsed: a file that grew at its
    end (the usual case: a reviewer deciding the last batch) is parsed from where it
    changed (`yamlio.read_yaml_list`); every entry is validated again either way.
    """
    if text is None:
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError as e:
            raise InputError(path, "file not found") from e
        except UnicodeDecodeError as e:
            raise InputError(path, f"not UTF-8 text ({e.reason})") from e
    raw = text.encode("utf-8")
    if memo is None:
        data, lines = read_yaml(path, text)
    else:
        before = _read_memo(memo)
        data, lines, after = read_yaml_list(path, text, before)
        if after is not None and (before is None or after.sha256 != before.sha256):
            _write_memo(memo, after)
    if data is None:
        data = []
    if not isinstance(data, list):
        raise InputError(path, "expected a YAML list of entries (- id: ...)", lines.line(()))
    entries: list[Entry] = []
    errors: list[InputError] = []
    first: dict[str, Entry] = {}
    for i, item in enumerate(data):
        line = lines.line((i,)) or 1
        try:
            entry = _entry(path, stage, protocol, resolve, item, i, lines)
        except InputError as e:
            errors.append(e)
            continue
        earlier = first.get(entry.record_id)
        if earlier is None:
            first[entry.record_id] = entry
            entries.append(entry)
        elif earlier.written_id == entry.written_id:
            errors.append(
                InputError(
                    path,
                    f"duplicated entry for {entry.written_id} (first at line {earlier.line})",
                    line,
                )
            )
        elif earlier.decision is None:
            # two records listed apart were since found to be one (deduplication): a
            # blank entry gives way to a decided one
            first[entry.record_id] = entry
            entries[entries.index(earlier)] = entry
        elif entry.decision is not None and (earlier.decision, earlier.reason) != (
            entry.decision,
            entry.reason,
        ):
            errors.append(
                InputError(
                    path,
                    f"{entry.written_id} and {earlier.written_id} (line {earlier.line}) are "
                    f"duplicates of one record, {entry.record_id}, with different decisions; "
                    "keep one",
                    line,
                )
            )
        # else: the same decision (or a blank) on a duplicate; the first entry stands
    loaded = ReviewerFile(path, path.stem, stage, tuple(entries), sha256_bytes(raw))
    return loaded, errors


def _read_memo(path: Path) -> ListMemo | None:
    """A reviewer file's parse memo (a pickle this code wrote under build/.cache), or None."""
    try:
        with path.open("rb") as f, paused():
            memo = pickle.load(f)
    except Exception:  # missing, damaged or from another version: parse in full
        return None
    return memo if isinstance(memo, ListMemo) else None


def _write_memo(path: Path, memo: ListMemo) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, pickle.dumps(memo, protocol=5))
    except OSError:  # a read-only build/: the next read parses in full
        pass


def _entry(
    path: Path,
    stage: Stage,
    protocol: Protocol,
    resolve: IdResolver,
    item: object,
    index: int,
    lines: LineMap | ItemLines,
) -> Entry:
    line = lines.line((index,)) or 1
    if not isinstance(item, dict):
        raise InputError(path, "each entry must be a mapping with at least 'id'", line)
    try:
        dec = Decision.model_validate(item)
    except ValidationError as e:
        raise validation_error(path, e, lines, (index,)) from e
    record_id = resolve(dec.id)
    if record_id is None:
        raise InputError(path, f"unknown record id {dec.id!r}", lines.line((index, "id")))
    if dec.decision is Verdict.NOT_RETRIEVED and stage is not Stage.FULL_TEXT:
        raise InputError(
            path,
            "decision: not-retrieved is only allowed at the full-text stage",
            lines.line((index, "decision")),
        )
    problem = _reason_problem(stage, protocol, dec)
    if problem:  # the field's line only now: finding it may take a full parse (ItemLines)
        where = (index, "reason") if dec.reason is not None else (index, "decision")
        raise InputError(path, problem, lines.line(where) or line)
    return Entry(record_id, dec.id, dec.decision, dec.reason, dec.note, line)


def _reason_problem(stage: Stage, protocol: Protocol, dec: Decision) -> str:
    """An exclusion needs a reason from the closed list; nothing else carries one."""
    codes = allowed_reasons(protocol, stage)
    choices = ", ".join(codes) or "none declared: add exclude criteria to review.yaml"
    if dec.decision is Verdict.EXCLUDE and dec.reason is None:
        return f"exclusion of {dec.id} has no reason (reason: one of {choices})"
    if dec.reason is None:
        return ""
    if dec.decision in (Verdict.INCLUDE, Verdict.MAYBE):
        return (
            f"reason: {dec.reason!r} on a decision of {dec.decision.value}: only an exclusion "
            "takes a reason (change the decision to exclude, or remove the reason)"
        )
    if dec.reason not in codes:
        return (
            f"reason: {dec.reason!r} is not an exclusion code for stage {stage.value} "
            f"(one of {choices})"
        )
    return ""


def load_reviewer_file(
    path: Path, stage: Stage, protocol: Protocol, resolve: IdResolver
) -> ReviewerFile:
    """Load and validate one reviewer file; the first problem raises InputError."""
    loaded, errors = parse_reviewer_file(path, stage, protocol, resolve)
    if errors:
        raise errors[0]
    return loaded


# --------------------------------------------------------------------------- writing


def atomic_append(
    path: Path,
    text: str,
    check: Callable[[str], object] | None = None,
    old: bytes | bool | None = False,
) -> None:
    """Append `text` to the file, leaving existing bytes untouched; `check(new_text)` may
    validate the result before it replaces the original. `old` is what the file held when
    the text was made (read now when not given): if the file changed since (saved in an
    editor), ChangedError is raised and nothing is written."""
    if old is False:
        old = read_or_empty(path)
    assert not isinstance(old, bool)
    base = old or b""
    if base and not base.endswith(b"\n"):
        base += b"\n"
    new = base + text.encode("utf-8")
    if check is not None:
        check(new.decode("utf-8"))
    atomic_write(path, new, unchanged=old)


def _sequence_indent(path: Path, text: str) -> int:
    """Column of the top-level list's dashes (0 for an empty file).

    Only the first events are parsed: composing the whole file took longer with every
    batch the reviewer had screened. The whole text is parsed anyway (with libyaml) before
    the appended file replaces it (`_check_appended`)."""
    events = yaml.parse(text, Loader=YAML_LOADER)
    for event in events:
        if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentStartEvent)):
            continue
        if isinstance(event, (yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            return 0
        if not isinstance(event, yaml.SequenceStartEvent):
            raise InputError(path, "expected a YAML list of entries (- id: ...)", 1)
        if event.flow_style:
            raise InputError(
                path,
                "write the list in block style (- id: ...) so litsift can append to it",
                event.start_mark.line + 1,
            )
        first = next(events)
        if isinstance(first, yaml.SequenceEndEvent):
            return 0
        return max(first.start_mark.column - 2, 0)
    return 0


class _EntryDumper(yaml.SafeDumper):
    """Safe dumper writing long strings (abstracts) as folded blocks for reading."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = ">" if len(value) > 80 and value == value.strip() and "\n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_EntryDumper.add_representer(str, _str)


def _dump(data: object) -> str:
    return yaml.dump(data, Dumper=_EntryDumper, sort_keys=False, allow_unicode=True, width=92)


def render_entry(fields: Mapping[str, object], indent: int = 0) -> str:
    """YAML text of one new entry: context fields, then blank decision fields to fill.

    A `comment` field becomes a comment line above the entry.
    """
    body = {"id": fields["id"]}
    body.update({k: fields[k] for k in CONTEXT_FIELDS if fields.get(k) not in (None, "")})
    text = _dump([body])
    for key in DECISION_FIELDS:
        value = fields.get(key)
        if value in (None, ""):
            text += f"  {key}:\n"
        else:
            text += "".join("  " + line for line in _dump({key: value}).splitlines(True))
    comment = str(fields.get("comment") or "")
    if comment:
        text = "".join(f"# {line}\n" for line in comment.splitlines()) + text
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def append_entries(
    path: Path,
    entries: Sequence[Decision | Mapping[str, object]],
    header: str = "",
    expected_sha256: str | None = None,
) -> int:
    """Append entries as new text at the end of a reviewer file; returns how many.

    `header` (comment lines, without '#') is written before the batch. The existing file is
    never re-serialised; the combined text must parse before it replaces the original.
    `expected_sha256` is the file the entries were chosen from (the sha256 of b"" for a
    file that did not exist): a file changed since is not written (ChangedError), and
    neither is one that changes while it is written.
    """
    if not entries:
        return 0
    old = read_or_empty(path)
    if expected_sha256 is not None and sha256_bytes(old or b"") != expected_sha256:
        raise ChangedError(path)
    try:
        existing = (old or b"").decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text ({e.reason})") from e
    try:
        indent = _sequence_indent(path, existing)
    except yaml.YAMLError as e:
        read_yaml(path, existing)  # names the line where the file is broken
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError(path, f"invalid YAML, fix it before appending ({problem})") from e
    parts = [f"{' ' * indent}# {line}".rstrip() + "\n" for line in header.splitlines()]
    for entry in entries:
        fields = entry.model_dump() if isinstance(entry, Decision) else dict(entry)
        if fields.get("decision") is not None:
            fields["decision"] = str(getattr(fields["decision"], "value", fields["decision"]))
        parts.append(render_entry(fields, indent))
    if existing and not existing.endswith("\n"):
        existing += "\n"

    def check(text: str) -> None:
        _check_appended(path, text, existing, len(entries))

    atomic_append(path, "".join(parts), check=check, old=old)
    return len(entries)


def _check_appended(path: Path, text: str, before: str, added: int) -> None:
    """The appended text is still one YAML list, and each entry appended is an item of it.

    Checked in one pass over libyaml's events, without building the data (a full parse of
    a long file was the slowest part of an append): the items that start after `before`
    must be exactly the `added` entries, so none of them ran into an earlier entry."""
    depth, documents, new = 0, 0, 0
    try:
        for event in yaml.parse(text, Loader=YAML_LOADER):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.NodeEvent):
                if depth == 0 and not isinstance(event, yaml.SequenceStartEvent):
                    documents = 2  # the top level is not a list
                new += depth == 1 and event.start_mark.index >= len(before)
                depth += isinstance(event, yaml.CollectionStartEvent)
    except yaml.YAMLError:
        read_yaml(path, text)  # names the line where the text is broken
        raise
    if documents > 1 or new != added:
        raise InputError(path, "appending would not give a valid list; file left unchanged")


def stage_files(folder: Path) -> list[Path]:
    """Reviewer files of one stage folder, sorted by name (temporary files skipped)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("."))


class ScreeningStore:
    """data/screening/: one folder per stage, one YAML file per reviewer (and adjudication)."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.folder = review.data / FOLDER

    def stage_folder(self, stage: Stage) -> Path:
        return self.folder / stage.value

    def reviewer_file(self, stage: Stage, reviewer: str) -> Path:
        """The file a reviewer's decisions at `stage` live in."""
        return self.stage_folder(stage) / f"{reviewer}.yaml"

    def adjudication_file(self, stage: Stage) -> Path:
        return self.reviewer_file(stage, ADJUDICATION)

    def files(self, stage: Stage) -> list[Path]:
        return stage_files(self.stage_folder(stage))

    def unread(self) -> list[Unread]:
        """Files under data/screening/ that no run reads: decisions in a misspelled stage
        folder, a `.yml` file, a reviewer file outside a stage folder are errors."""
        stages = {self.stage_folder(s): s for s in Stage}
        names = ", ".join(s.value for s in Stage)
        out: list[Unread] = []
        for path in visible(self.folder):
            if path in stages:
                out += scan(path, self.files(stages[path]), yaml_is_error=True)
            elif path.is_dir():
                out.append(
                    Unread(path, f"not a screening stage ({names}): its files are not read", True)
                )
            elif path.suffix.lower() in YAML:
                out.append(
                    Unread(path, "reviewer files go in data/screening/<stage>/: not read", True)
                )
            elif not is_doc(path):
                out.append(other(path))
        return out

    def load(
        self, aliases: Mapping[str, str], known: Iterable[str] = (), *, strict: bool = True
    ) -> ScreeningState:
        """Read every reviewer and adjudication file.

        Ids are resolved through `aliases` (member record id -> cluster id); `known` adds ids
        that are valid as written (cluster ids without aliases). With `strict`, the first
        problem raises InputError; otherwise bad entries are skipped and listed in `problems`.
        """
        protocol = self.review.protocol
        resolve = IdResolver.build(aliases, known)
        files: list[ReviewerFile] = []
        problems: list[InputError] = []
        reviewers = {r.id for r in protocol.reviewers}
        for stage in Stage:
            for path in self.files(stage):
                if path.stem != ADJUDICATION and path.stem not in reviewers:
                    problems.append(
                        InputError(
                            path, f"reviewer {path.stem!r} is not declared in review.yaml reviewers"
                        )
                    )
                    if strict:
                        raise problems[0]
                    continue
                try:
                    memo = self.review.output.cache / MEMOS / stage.value / f"{path.stem}.pickle"
                    loaded, errors = parse_reviewer_file(path, stage, protocol, resolve, memo=memo)
                except InputError as e:
                    loaded, errors = None, [e]
                if errors and strict:
                    raise errors[0]
                problems += errors
                if loaded is not None:
                    files.append(loaded)
        return ScreeningState(tuple(files), tuple(str(e) for e in problems))

    def written_ids(self, stage: Stage, reviewer: str) -> set[str]:
        """Every id written in a reviewer's file (decided or not), as written."""
        path = self.reviewer_file(stage, reviewer)
        if not path.exists():
            return set()
        data, _ = read_yaml(path)
        return {str(e.get("id")) for e in data or [] if isinstance(e, dict)}

    def append(
        self,
        stage: Stage,
        reviewer: str,
        entries: Sequence[Decision | Mapping[str, object]],
        header: str = "",
        based_on: ScreeningState | None = None,
    ) -> int:
        """Append entries to a reviewer's file (see `append_entries`). With `based_on`, the
        state the entries were chosen from, a file edited since is left alone."""
        path = self.reviewer_file(stage, reviewer)
        expected = None
        if based_on is not None:
            loaded = next((f for f in based_on.files if f.path == path), None)
            expected = loaded.sha256 if loaded is not None else sha256_bytes(b"")
        return append_entries(path, entries, header, expected)

    def snapshot(self, stage: Stage, reviewer: str, resolve: IdResolver) -> FileSnapshot:
        """A reviewer's file read and validated, to write decisions one at a time
        (`litsift.store.decisions`); the first problem raises InputError."""
        from litsift.store.decisions import read_snapshot

        path = self.reviewer_file(stage, reviewer)
        return read_snapshot(path, stage, self.review.protocol, resolve, reviewer)

    def set_decision(
        self,
        snap: FileSnapshot,
        resolve: IdResolver,
        record_id: str,
        values: Mapping[str, str | None],
        context: Mapping[str, object] | None = None,
        header: str = "",
    ) -> FileSnapshot:
        """Write one record's decision fields into the file `snap` was read from, keeping
        every other byte (see `litsift.store.decisions.write_decision`)."""
        from litsift.store.decisions import write_decision

        protocol = self.review.protocol
        return write_decision(snap, protocol, resolve, record_id, values, context, header)
