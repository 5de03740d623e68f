"""Every knowledge-base study carries a quantitative result or says why it has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from litsift import checks, kb
from litsift.errors import InputError
from litsift.models import KBEntry, ResultsStatus
from litsift.store import Review
from litsift.store.build import open_kb
from litsift.yamlio import load_model

BASE = """\
key: k2023
title: A study
authors: [Ann Author]
year: 2023
verification: {method: test}
summary: s
classes: [inference]
"""


def _load(tmp_path: Path, extra: str) -> KBEntry:
    path = tmp_path / "k2023.yaml"
    path.write_text(BASE + extra, encoding="utf-8")
    return load_model(path, KBEntry)


def test_a_note_names_its_status_from_the_closed_list(tmp_path):
    entry = _load(
        tmp_path,
        "results_note: {status: none-reported, reason: a design paper without measurements}\n",
    )
    assert entry.results_note is not None
    assert entry.results_note.status is ResultsStatus.NONE_REPORTED
    with pytest.raises(InputError, match=r"k2023.yaml:8: results_note.status"):
        _load(tmp_path, "results_note: {status: unknown, reason: x}\n")
    with pytest.raises(InputError, match=r"results_note.reason"):
        _load(tmp_path, "results_note: {status: not-verified, reason: ''}\n")


def test_a_note_beside_results_is_refused_with_its_line(tmp_path):
    extra = (
        "results: [{metric: speedup, value: 2, unit: x}]\n"
        "results_note: {status: not-verified, reason: x}\n"
    )
    with pytest.raises(InputError, match=r"k2023.yaml:9: results_note: explains missing"):
        _load(tmp_path, extra)


def test_missing_results_lists_entries_with_neither(tmp_path):
    bare = _load(tmp_path, "")
    noted = _load(tmp_path, "results_note: {status: not-verified, reason: no source seen}\n")
    measured = _load(tmp_path, "results: [{metric: speedup, value: 2, unit: x}]\n")
    assert kb.missing_results([bare, noted, measured]) == ["k2023"]


def test_check_fails_on_an_entry_without_results_or_note(flagship):
    review = Review(flagship)
    assert checks.check(review) == []
    path = next(iter(sorted((flagship / "data" / "kb").glob("*.yaml"))))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept, skipping = [], False
    for line in lines:  # drop the results (or the note) block of the first entry
        if line.startswith(("results:", "results_note:")):
            skipping = True
            continue
        if skipping and line.startswith((" ", "-")):
            continue
        skipping = False
        kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")
    problems = checks.check(Review(flagship))
    assert problems == [f"data/kb/{path.stem}.yaml: no results and no results_note saying why"]


def test_stats_count_results_and_notes(tmp_path):
    entries = [
        _load(tmp_path, "results: [{metric: speedup, value: 2, unit: x}]\n"),
        _load(tmp_path, "results_note: {status: none-reported, reason: r}\n").model_copy(
            update={"key": "n2023"}
        ),
    ]
    path = tmp_path / "kb.sqlite"
    path.write_bytes(kb.build_database(entries, {}))
    con = open_kb(path)
    assert kb.stats(con)["results"] == {"reported": 1, "none-reported": 1}
    assert kb.show(con, "n2023")["results_note"] == {"status": "none-reported", "reason": "r"}
