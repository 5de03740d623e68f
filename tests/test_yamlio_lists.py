"""Reading a long list file from where it changed (`read_yaml_list`) gives what a full
parse gives, or falls back to one: for every kind of change a reviewer's file sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from litsift.errors import InputError
from litsift.yamlio import ItemLines, read_yaml, read_yaml_list

PATH = Path("ann.yaml")


def entry(i: int, decision: str = "", indent: int = 0) -> str:
    pad = " " * indent
    return (
        f"{pad}- id: r{i}\n{pad}  title: Study {i}\n{pad}  abstract: >-\n"
        f"{pad}    words of study {i}\n{pad}    more words\n"
        f"{pad}  decision:{' ' + decision if decision else ''}\n{pad}  reason:\n"
    )


PREFIX = "# next 3 records\n" + "".join(entry(i, "exclude") for i in range(3))


def item_lines(text: str) -> list[int]:
    _, lines = read_yaml(PATH, text)
    return [n.start_mark.line + 1 for n in lines.root.value]


def read_after(first: str, second: str):
    """Read `first` (keeping the memo), then `second` with it."""
    _, _, memo = read_yaml_list(PATH, first, None)
    assert memo is not None
    return read_yaml_list(PATH, second, memo)


def same_as_full(text: str, data, lines) -> None:
    full, _ = read_yaml(PATH, text)
    assert data == full
    assert [lines.line((i,)) for i in range(len(full))] == item_lines(text)


@pytest.mark.parametrize(
    "tail",
    [
        "# next 2 records\n" + entry(3) + entry(4),  # a batch appended
        "\n# next 1 records\n" + entry(3, "include"),  # a batch decided
        "",  # nothing new
        "# only a comment\n",
    ],
)
def test_a_file_that_grew_at_its_end_is_read_from_there(tail: str) -> None:
    text = PREFIX + tail
    data, lines, memo = read_after(PREFIX, text)
    assert isinstance(lines, ItemLines)  # the shortcut was taken
    same_as_full(text, data, lines)
    assert memo is not None and memo.length == len(text.encode())


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # an edit above the end: the earlier bytes changed
        (PREFIX, PREFIX.replace("decision: exclude", "decision: include", 1) + entry(3)),
        # the new text continues the last item (a field added to it)
        (PREFIX, PREFIX + "  note: read twice\n" + entry(3)),
        # the new text continues the last item's list
        (PREFIX + "  authors:\n  - Doe, J.\n", PREFIX + "  authors:\n  - Doe, J.\n  - Roe, R.\n"),
        # a comment-like line deeper than the dashes, inside the last item's folded text
        (PREFIX, PREFIX + "    # not a comment\n" + entry(3)),
        # a comment-like line inside the last item's folded text, at the end of the part
        (
            "- id: r1\n  abstract: >-\n    words\n",
            "- id: r1\n  abstract: >-\n    words\n    # more words\n- id: r2\n",
        ),
        # an alias to an anchor in the earlier part
        (PREFIX + "- id: &x r9\n", PREFIX + "- id: &x r9\n- id: *x\n"),
        # an indented list (read apart at its own column: the same all the same)
        (
            "".join(entry(i, indent=2) for i in range(2)),
            "".join(entry(i, indent=2) for i in range(3)),
        ),
    ],
)
def test_what_cannot_be_read_apart_is_read_in_full(first: str, second: str) -> None:
    data, lines, _ = read_after(first, second)
    same_as_full(second, data, lines)


def test_a_file_shrunk_or_with_document_markers_is_read_in_full() -> None:
    data, lines, _ = read_after(PREFIX, PREFIX[: PREFIX.index("- id: r2")])
    same_as_full(PREFIX[: PREFIX.index("- id: r2")], data, lines)
    marked = "---\n" + PREFIX
    assert read_yaml_list(PATH, marked, None)[2] is None  # never kept
    kept = PREFIX + "  note: |+\n    kept\n"
    assert read_yaml_list(PATH, kept, None)[2] is None


def test_an_error_in_the_new_text_names_its_line_in_the_file() -> None:
    broken = PREFIX + entry(3) + "- id: r4\n  title: [unclosed\n"
    _, _, memo = read_yaml_list(PATH, PREFIX, None)
    with pytest.raises(InputError) as info:
        read_yaml_list(PATH, broken, memo)
    with pytest.raises(InputError) as full:
        read_yaml(PATH, broken)
    assert str(info.value) == str(full.value)


def test_deeper_lines_come_from_a_full_parse() -> None:
    text = PREFIX + entry(3, "include")
    _, lines, _ = read_after(PREFIX, text)
    _, full = read_yaml(PATH, text)
    assert lines.line((3, "decision")) == full.line((3, "decision"))
    assert lines.node((3, "decision")).value == "include"
