"""Appending to a reviewer file: every shape of file it may find, and a long one.

The append reads only the start of the file to learn how its list is indented; the whole
text is still parsed (by libyaml) before it replaces the file, so a file broken further
down is refused, named, and left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from litsift.errors import InputError
from litsift.store import screening
from litsift.store.screening import append_entries


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ann.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("", 0),
        ("# only a comment\n\n", 0),
        ("---\n- id: r1\n", 0),
        ("# batch 1\n    - id: r1\n      decision: include\n", 4),
        ("[]\n", None),  # flow style
        ("id: r1\n", None),  # a mapping
        ("just words\n", None),  # a scalar
    ],
)
def test_indent_of_each_kind_of_file(tmp_path: Path, text: str, column: int | None) -> None:
    path = write(tmp_path, text)
    if column is None:
        with pytest.raises(InputError, match=r"ann\.yaml:1: "):
            screening._sequence_indent(path, text)
        return
    assert screening._sequence_indent(path, text) == column
    append_entries(path, [{"id": "r9"}])
    assert yaml.safe_load(path.read_text())[-1]["id"] == "r9"
    assert path.read_text().startswith(text)


def test_a_file_broken_below_its_first_entry_is_refused_and_kept(tmp_path: Path) -> None:
    text = "- id: r1\n  decision: include\n- id: r2\n  title: [unclosed\n"
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=r"ann\.yaml:\d+"):
        append_entries(path, [{"id": "r3"}])
    assert path.read_text() == text


def test_indent_reads_only_the_start_of_a_long_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Composing the whole file (pure-Python PyYAML) grew with every batch a reviewer had
    screened; the indent now comes from the first events alone."""
    text = "".join(f"- id: r{i}\n  decision: exclude\n  reason: E1\n" for i in range(5000))
    path = write(tmp_path, text)
    seen: list[object] = []
    real = screening.yaml.parse

    def counting(*args: object, **kwargs: object):
        for event in real(*args, **kwargs):
            seen.append(event)
            yield event

    monkeypatch.setattr(screening.yaml, "parse", counting)
    assert screening._sequence_indent(path, text) == 0
    assert 0 < len(seen) < 10  # the indent came from the events, and only the first


@pytest.mark.parametrize(
    ("before", "added", "entries", "ok"),
    [
        ("- id: r1\n", "- id: r2\n  title: t\n- id: r3\n", 2, True),
        ("", "- id: r2\n", 1, True),
        ("  - id: r1\n", "  - id: r2\n", 1, True),
        ("- id: r1\n", "  note: runs into r1\n", 1, False),  # no new item
        ("- id: r1\n...\n", "- id: r2\n", 1, False),  # a second document
        ("- id: r1\n", "- id: r2\n- id: r3\n", 1, False),  # more items than entries
    ],
)
def test_the_append_check_counts_the_new_items(
    tmp_path: Path, before: str, added: str, entries: int, ok: bool
) -> None:
    path = tmp_path / "ann.yaml"
    if ok:
        screening._check_appended(path, before + added, before, entries)
        return
    with pytest.raises(InputError, match=r"ann\.yaml"):
        screening._check_appended(path, before + added, before, entries)
