"""Reviewer files: validated loading with lines, append-only atomic writing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from litsift.errors import InputError
from litsift.models import Protocol, Stage
from litsift.store import screening as files
from litsift.store.screening import IdResolver, append_entries, load_reviewer_file
from litsift.yamlio import load_model

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screen"
PROTOCOL = load_model(FIXTURES / "review.yaml", Protocol)
RESOLVE = IdResolver.build({"member-of-r1": "r1"}, ["r1", "r2", "r3", "r4", "r5", "r6"])
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def write(tmp_path: Path, text: str, name: str = "alice.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path, stage: Stage = TA) -> files.ReviewerFile:
    return load_reviewer_file(path, stage, PROTOCOL, RESOLVE)


def error_of(tmp_path: Path, text: str, stage: Stage = TA) -> InputError:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load(path, stage)
    return info.value


def test_loads_entries_with_lines_and_resolves_aliases(tmp_path: Path) -> None:
    alice = (FIXTURES / "alice.yaml").read_text()
    path = write(tmp_path, alice + "- id: member-of-r1\n  decision: exclude\n  reason: E1\n")
    with pytest.raises(
        InputError,
        match=r"alice.yaml:14: member-of-r1 and r1 \(line 2\) are duplicates of one record, "
        r"r1, with different decisions; keep one",
    ):
        load(path)
    # a blank entry, or the same decision, on a duplicate of a decided record is no conflict
    for extra in ("- id: member-of-r1\n", "- id: member-of-r1\n  decision: include\n"):
        assert [e.line for e in load(write(tmp_path, alice + extra)).entries] == [2, 5, 10]
    # a decided entry takes the place of a blank one on its duplicate
    blank_first = "- id: member-of-r1\n- id: r1\n  decision: include\n"
    (entry,) = load(write(tmp_path, blank_first)).entries
    assert (entry.written_id, entry.decision, entry.line) == ("r1", "include", 2)
    loaded = load(write(tmp_path, (FIXTURES / "alice.yaml").read_text()))
    assert [(e.record_id, e.line) for e in loaded.entries] == [("r1", 2), ("r2", 5), ("r3", 10)]
    assert loaded.entries[0].decision.value == "include"
    assert loaded.entries[2].decision is None  # blank = undecided
    assert loaded.entries[2].note == "undecided: need the abstract"
    assert set(loaded.decided()) == {"r1", "r2"}


def test_unknown_record_id_names_file_and_line(tmp_path: Path) -> None:
    err = error_of(tmp_path, "- id: r1\n  decision: include\n- id: nope\n  decision: include\n")
    assert err.line == 3
    assert "unknown record id 'nope'" in str(err) and "alice.yaml:3" in str(err)


def test_reason_outside_the_closed_list(tmp_path: Path) -> None:
    err = error_of(tmp_path, "- id: r1\n  decision: exclude\n  reason: E9\n")
    assert err.line == 3 and "'E9' is not an exclusion code" in str(err)


def test_full_text_only_reason_refused_at_title_abstract(tmp_path: Path) -> None:
    text = "- id: r1\n  decision: exclude\n  reason: E6\n"
    assert "E6" in str(error_of(tmp_path, text, TA))
    assert load(write(tmp_path, text), FT).entries[0].reason == "E6"


def test_decision_no_read_as_boolean_is_explained(tmp_path: Path) -> None:
    err = error_of(tmp_path, "- id: r1\n  decision: include\n- id: r2\n  decision: no\n")
    assert err.line == 4
    assert "decision" in str(err) and "boolean" in str(err)


def test_duplicated_entry(tmp_path: Path) -> None:
    err = error_of(tmp_path, "- id: r1\n  decision: include\n- id: r2\n- id: r1\n")
    assert err.line == 4 and "duplicated entry for r1 (first at line 1)" in str(err)


def test_duplicated_key_in_an_entry(tmp_path: Path) -> None:
    err = error_of(tmp_path, "- id: r1\n  decision: include\n  decision: exclude\n")
    assert err.line == 3 and "duplicate key" in str(err)


def test_not_retrieved_only_at_full_text(tmp_path: Path) -> None:
    text = "- id: r1\n  decision: not-retrieved\n"
    assert error_of(tmp_path, text, TA).line == 2
    assert load(write(tmp_path, text), FT).entries[0].decision.value == "not-retrieved"


@pytest.mark.parametrize(
    "text, line",
    [
        ("id: r1\n", 1),  # not a list
        ("- id: r1\n  decision: [x\n", 3),  # invalid YAML
        ("- r1\n", 1),  # entry not a mapping
        ("- id: r1\n  verdict: include\n", 2),  # unknown key
    ],
)
def test_malformed_files(tmp_path: Path, text: str, line: int) -> None:
    assert error_of(tmp_path, text).line == line


def test_lenient_parse_collects_every_bad_entry(tmp_path: Path) -> None:
    path = write(tmp_path, "- id: r1\n  decision: include\n- id: x\n- id: r2\n  reason: Z\n")
    loaded, errors = files.parse_reviewer_file(path, TA, PROTOCOL, RESOLVE)
    assert [e.record_id for e in loaded.entries] == ["r1"]
    assert [e.line for e in errors] == [3, 5]


def test_empty_and_comment_only_files_are_empty_lists(tmp_path: Path) -> None:
    assert load(write(tmp_path, "")).entries == ()
    assert load(write(tmp_path, "# nothing yet\n")).entries == ()


# --------------------------------------------------------------------------- appending

NEW = [
    {
        "id": "r4",
        "title": "no",
        "year": 2021,
        "venue": "MLSys",
        "authors": "Doe, J.",
        "doi": "10.1/x",
        "score": 0.9,
        "abstract": "A long abstract " * 12 + "end: yes",
    },
    {"id": "r5", "title": "Second: with a colon"},
]


def test_append_keeps_existing_bytes_and_comments(tmp_path: Path) -> None:
    original = (FIXTURES / "alice.yaml").read_bytes()
    path = tmp_path / "alice.yaml"
    path.write_bytes(original)
    assert append_entries(path, NEW, header="batch 1\ncriteria here") == 2
    after = path.read_bytes()
    assert after.startswith(original)
    assert b"# batch 1\n# criteria here\n- id: r4\n" in after
    loaded = load(path)
    assert [e.record_id for e in loaded.entries] == ["r1", "r2", "r3", "r4", "r5"]
    data = yaml.safe_load(after)
    assert data[3]["title"] == "no" and data[3]["abstract"].endswith("end: yes")
    assert data[3]["decision"] is None and data[4]["reason"] is None
    # the reviewer decides r4, then another batch is appended: the edit survives byte for byte
    edited = after.replace(b"- id: r4\n", b"- id: r4   # read twice\n").replace(
        b"  decision:\n  reason:\n  note:\n- id: r5",
        b"  decision: exclude\n  reason: E2\n  note: benchmark only\n- id: r5",
        1,
    )
    assert edited != after
    path.write_bytes(edited)
    assert append_entries(path, [], header="nothing") == 0
    assert path.read_bytes() == edited  # nothing to append: untouched
    append_entries(path, [{"id": "r6"}], header="batch 2")
    assert path.read_bytes().startswith(edited)
    entries = {e.record_id: e for e in load(path).entries}
    assert entries["r4"].reason == "E2" and entries["r4"].note == "benchmark only"
    assert list(entries) == ["r1", "r2", "r3", "r4", "r5", "r6"]


def test_append_to_file_without_trailing_newline_and_new_file(tmp_path: Path) -> None:
    path = write(tmp_path, "- id: r1\n  decision: include  # last line, no newline")
    append_entries(path, [{"id": "r2"}])
    assert [e.record_id for e in load(path).entries] == ["r1", "r2"]
    fresh = tmp_path / "sub" / "bob.yaml"
    append_entries(fresh, [{"id": "r3"}])
    assert [e.record_id for e in load(fresh).entries] == ["r3"]


def test_append_matches_an_indented_list(tmp_path: Path) -> None:
    path = write(tmp_path, "  - id: r1\n    decision: include\n")
    append_entries(path, [{"id": "r2", "title": "t"}], header="more")
    assert [e.record_id for e in load(path).entries] == ["r1", "r2"]


def test_append_refuses_a_flow_list_and_leaves_it(tmp_path: Path) -> None:
    path = write(tmp_path, "[{id: r1}]\n")
    with pytest.raises(InputError, match="block style"):
        append_entries(path, [{"id": "r2"}])
    assert path.read_text() == "[{id: r1}]\n"


def test_failed_rename_leaves_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "- id: r1\n")

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        append_entries(path, [{"id": "r2"}])
    assert path.read_text() == "- id: r1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alice.yaml"]


WRITER = """
import sys
from pathlib import Path
from litsift.store.screening import append_entries
path = Path(sys.argv[1])
i = 0
while True:
    i += 1
    if i == 2:
        print("ready", flush=True)  # one batch written; now be killed at any moment
    entry = {"id": f"p{sys.argv[2]}-{i}", "title": "x" * 2000, "abstract": "y " * 5000}
    append_entries(path, [entry], header=f"batch {i}")
"""


def test_process_killed_mid_write_leaves_a_valid_file(tmp_path: Path) -> None:
    path = write(tmp_path, "# start\n")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    for run, delay in enumerate((0.05, 0.13, 0.27, 0.4)):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(path), str(run)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = yaml.safe_load(path.read_text())  # parses: never half an entry
        assert all(len(item["title"]) == 2000 and item["decision"] is None for item in data)
        ids = [item["id"] for item in data]
        assert len(ids) == len(set(ids))
        assert path.read_text().startswith("# start\n")
    assert len(ids) >= 4  # every writer appended at least once
    assert files.stage_files(tmp_path) == [path]  # temporary files are never read


def test_append_decided_entries_from_models(tmp_path: Path) -> None:
    from litsift.models import Decision, Verdict

    path = tmp_path / "alice.yaml"
    append_entries(
        path,
        [
            Decision(id="r1", decision=Verdict.EXCLUDE, reason="E1"),
            {"id": "r2", "decision": "include", "note": "from ASReview\nline 2"},
        ],
    )
    got = [(e.record_id, e.decision.value, e.reason, e.note) for e in load(path).entries]
    assert got == [("r1", "exclude", "E1", None), ("r2", "include", None, "from ASReview\nline 2")]


def test_append_keeps_file_permissions(tmp_path: Path) -> None:
    path = write(tmp_path, "- id: r1\n")
    path.chmod(0o640)
    append_entries(path, [{"id": "r2"}])
    assert path.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "bob.yaml"
    append_entries(fresh, [{"id": "r2"}])
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
