"""The ranker's features depend on the records alone: `litsift run` computes them ahead,
and every reviewer's `screen next` after it, batch after batch, reuses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from litsift import runner
from litsift.cli import app
from litsift.screen import prioritise
from litsift.store import Review
from minireview import make_review, reviewer_file

CLI = CliRunner()


def next_batch(root: Path, reviewer: str) -> None:
    out = CLI.invoke(app, ["screen", "next", "-r", reviewer, "--n", "4", "--root", str(root)])
    assert out.exit_code == 0, out.output


def decide(root: Path, reviewer: str, include_first: bool) -> None:
    """Fill the reviewer's blank decisions: the first an inclusion if asked, the rest
    exclusions."""
    path = reviewer_file(root, reviewer)
    text = path.read_text(encoding="utf-8")
    if include_first:
        text = text.replace("  decision:\n  reason:\n", "  decision: include\n  reason:\n", 1)
    text = text.replace("  decision:\n  reason:\n", "  decision: exclude\n  reason: E1\n")
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def fits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = prioritise.vectorise

    def counting(texts, model=prioritise.DEFAULT):
        calls.append(len(texts))
        return real(texts, model)

    monkeypatch.setattr(prioritise, "vectorise", counting)
    return calls


def test_run_prepares_the_features_every_batch_of_every_reviewer_reuses(
    tmp_path: Path, fits: list[int]
) -> None:
    root = make_review(tmp_path / "r", n=24)
    runner.run(Review(root))
    assert len(fits) == 1  # the run computed them
    # dual screening: ann and bob each hold records the other has not seen, so the
    # records awaiting one reviewer differ from those awaiting the other
    next_batch(root, "ann")
    decide(root, "ann", include_first=True)
    next_batch(root, "bob")
    decide(root, "bob", include_first=False)
    next_batch(root, "ann")
    decide(root, "ann", include_first=False)
    next_batch(root, "bob")
    assert len(fits) == 1


def test_a_changed_record_is_fitted_again(tmp_path: Path, fits: list[int]) -> None:
    root = make_review(tmp_path / "r", n=24)
    runner.run(Review(root))
    export = root / "data" / "imports" / "mini" / "mini.bib"
    export.write_text(export.read_text().replace("Study 3 of", "Study three of"))
    runner.run(Review(root))
    next_batch(root, "ann")
    assert len(fits) == 2


def test_a_review_that_does_not_rank_computes_no_features(tmp_path: Path, fits: list[int]) -> None:
    root = make_review(tmp_path / "r", n=8)
    protocol = root / "review.yaml"
    protocol.write_text(protocol.read_text() + "screening: {prioritise: false}\n")
    runner.run(Review(root))
    next_batch(root, "ann")
    assert fits == []
