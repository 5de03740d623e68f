"""data/dedup/pairs.yaml: answers must name known records, unanswered pairs fail check, and
no more pairs are asked than a reviewer can answer (the rest are kept apart by rule)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from litsift import runner
from litsift.cli import app
from litsift.store import Review
from minireview import make_review, twin_bibtex

RUNNER = CliRunner()


def cli(*args: str) -> object:
    return RUNNER.invoke(app, list(args))


def twins(tmp_path: Path, k: int, cap: int | None = None) -> Path:
    root = make_review(tmp_path / "r", n=2)
    (root / "data" / "imports" / "mini" / "twins.bib").write_text(twin_bibtex(k))
    if cap is not None:
        with (root / "review.yaml").open("a") as f:
            f.write(f"dedup: {{max_pairs: {cap}}}\n")
    return root


def pairs_file(root: Path) -> Path:
    return root / "data" / "dedup" / "pairs.yaml"


def answer_all(root: Path, answer: str = "different") -> None:
    path = pairs_file(root)
    path.write_text(re.sub(r"answer: ''", f"answer: {answer}", path.read_text()))


def test_unanswered_pairs_fail_check_until_answered(tmp_path: Path) -> None:
    root = twins(tmp_path, 3)
    before = cli("check", "--root", str(root))  # nothing written yet: the run will ask
    assert before.exit_code == 1
    assert "3 uncertain duplicate pair(s) await an answer" in before.stdout
    assert "3 of them are written there by the next `litsift run`" in before.stdout
    assert cli("run", "--root", str(root), "--until", "dedup").exit_code == 0
    written = cli("check", "--root", str(root))
    assert written.exit_code == 1 and "the first at line 6" in written.stdout
    answer_all(root)
    assert cli("check", "--root", str(root)).exit_code == 0


def test_an_answer_naming_an_unknown_record_is_an_error(tmp_path: Path) -> None:
    root = twins(tmp_path, 1)
    assert cli("run", "--root", str(root), "--until", "dedup").exit_code == 0
    answer_all(root, "same")
    path = pairs_file(root)
    text = path.read_text()
    first_a = yaml.safe_load(text)[0]["a"]
    path.write_text(text.replace(f"a: {first_a}", "a: ta-typo0000", 1))
    out = cli("run", "--root", str(root), "--until", "dedup")
    assert out.exit_code == 2
    assert "pairs.yaml:6: answer for ta-typo0000" in out.output
    assert "unknown record id 'ta-typo0000'" in out.output
    check = cli("check", "--root", str(root))
    assert check.exit_code == 1 and "unknown record id 'ta-typo0000'" in check.stdout


def test_pairs_are_capped_ranked_and_the_rest_kept_apart_by_rule(tmp_path: Path) -> None:
    root = twins(tmp_path, 6, cap=4)
    out = cli("run", "--root", str(root), "--until", "dedup")
    assert out.exit_code == 0, out.output
    assert (
        "6 uncertain pairs (4 await an answer in data/dedup/pairs.yaml, 2 kept apart by "
        "rule (over the cap of 4 pairs))" in out.output
    )
    entries = yaml.safe_load(pairs_file(root).read_text())
    assert len(entries) == 4
    scores = [e["score"] for e in entries]
    assert scores == sorted(scores, reverse=True)
    result = runner.run(Review(root), until="dedup", record=False)
    assert len(result.dedup.clusters) == 14  # every pair kept apart: nothing merged
    answer_all(root)
    again = cli("run", "--root", str(root), "--until", "dedup")
    assert "(0 await an answer in data/dedup/pairs.yaml, 2 kept apart by rule" in again.output
    assert len(yaml.safe_load(pairs_file(root).read_text())) == 4  # the cap holds
    assert cli("check", "--root", str(root)).exit_code == 0


def test_a_question_about_two_clusters_already_in_the_file_is_not_asked_again() -> None:
    from litsift.dedup import UncertainPair
    from litsift.store.dedup import PairEntry, plan_pairs

    # the file asks about article copy a1 and erratum e; this run's likeliest pair of the
    # same two clusters is a3 / e (a copy found later): that is the question already asked
    entries = [(PairEntry(a="a1", b="e"), 4), (PairEntry(a="x", b="y", answer="same"), 9)]
    clusters = {"a1": "A", "a3": "A", "e": "E", "x": "X", "y": "X", "z": "Z"}
    later = UncertainPair(a="a3", b="e", score=0.8, why="erratum")
    other = UncertainPair(a="e", b="z", score=0.7, why="title")
    plan = plan_pairs([later, other], entries, cap=10, clusters=lambda: clusters)
    assert plan.new == (other,) and plan.waiting == (4,)
    # without the clusters (or with the first asked pair) it is matched by its ids only
    assert plan_pairs([later], entries, cap=10).new == (later,)
    calls = []
    asked = UncertainPair(a="a1", b="e", score=0.8, why="erratum")
    same = plan_pairs([asked], entries, 10, lambda: calls.append(1) or clusters)
    assert same.waiting == (4,) and same.new == () and calls == []  # no mapping was built
