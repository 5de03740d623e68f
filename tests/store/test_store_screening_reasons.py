"""Exclusion reasons: every exclusion has one from the closed list, nothing else carries one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from litsift.cli import app
from litsift.errors import InputError
from litsift.models import Stage
from litsift.screen import criteria_header
from litsift.store import Review
from minireview import make_review, record_id, reviewer_file

RUNNER = CliRunner()


def run(root: Path) -> object:
    return RUNNER.invoke(app, ["run", "--root", str(root)])


@pytest.fixture
def review(tmp_path: Path) -> Path:
    return make_review(tmp_path / "r")


def write_decisions(root: Path, text: str) -> Path:
    path = reviewer_file(root)
    path.write_text(text, encoding="utf-8")
    return path


def test_run_fails_on_an_exclusion_without_a_reason(review: Path) -> None:
    path = write_decisions(
        review,
        f"- id: {record_id(0)}\n  decision: include\n- id: {record_id(1)}\n  decision: exclude\n",
    )
    out = run(review)
    assert out.exit_code == 2, out.output
    assert f"{path.name}:4: exclusion of {record_id(1)} has no reason" in out.output
    assert "E1, E2" in out.output and "I1" not in out.output.split("reason")[-1]


@pytest.mark.parametrize("verdict", ["include", "maybe"])
def test_an_include_or_maybe_with_an_exclusion_code_is_refused(review: Path, verdict: str) -> None:
    path = write_decisions(review, f"- id: {record_id(0)}\n  decision: {verdict}\n  reason: E2\n")
    out = run(review)
    assert out.exit_code == 2
    assert f"{path.name}:3: reason: 'E2' on a decision of {verdict}" in out.output


def test_an_inclusion_criterion_is_no_exclusion_reason(review: Path) -> None:
    write_decisions(review, f"- id: {record_id(0)}\n  decision: exclude\n  reason: I1\n")
    out = run(review)
    assert out.exit_code == 2 and "'I1' is not an exclusion code" in out.output
    protocol = Review(review).protocol
    assert protocol.exclusion_codes(Stage.TITLE_ABSTRACT) == ("E1", "E2")
    first = criteria_header(protocol, Stage.TITLE_ABSTRACT).splitlines()[0]
    assert first.endswith("reason (one of E1, E2)")


def test_check_lists_the_same_problem_with_its_line(review: Path) -> None:
    write_decisions(review, f"- id: {record_id(0)}\n  decision: exclude\n")
    out = RUNNER.invoke(app, ["check", "--root", str(review)])
    assert out.exit_code == 1 and "ann.yaml:2: exclusion of" in out.output


def test_decision_yes_hint_does_not_suggest_yes(review: Path) -> None:
    write_decisions(review, f"- id: {record_id(0)}\n  decision: yes\n")
    with pytest.raises(InputError) as info:
        Review(review).screening.load({}, [record_id(0)])
    message = str(info.value)
    assert "'include', 'exclude', 'maybe'" in message
    assert "write 'yes'" not in message and "boolean" in message
