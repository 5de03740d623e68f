"""The tagger's evaluation on the flagship reads records' own text, never curated fields."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from litsift import views
from litsift.cli import app
from litsift.store import Review


def _copy(dest: Path) -> Path:
    from conftest import ROOT

    dest.mkdir(parents=True)
    for name in ("review.yaml", "queries", "data"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    return dest


def _scramble(review: Path) -> None:
    """Replace every curated description in data/kb/*.yaml: summary, techniques, systems,
    hardware, model scale and the wording of results. Labels and facts stay."""
    for n, path in enumerate(sorted((review / "data" / "kb").glob("*.yaml"))):
        data = yaml.safe_load(path.read_text())
        data["summary"] = f"zebra number {n} grazes quietly"
        data["techniques"] = ["juggling", "origami"]
        data["systems"] = [f"Zork{n}"]
        data["hardware"] = ["abacus"]
        data["model_scale"] = ""
        for r in data.get("results", []):
            r.update(metric="zebras counted", baseline="none", setting="a meadow")
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.fixture(scope="module")
def evaluations(tmp_path_factory):
    base = tmp_path_factory.mktemp("tag-eval")
    plain = _copy(base / "plain")
    scrambled = _copy(base / "scrambled")
    _scramble(scrambled)
    return views.evaluate_tagger(Review(plain)), views.evaluate_tagger(Review(scrambled))


def test_scrambling_curated_fields_leaves_every_score_unchanged(evaluations):
    plain, scrambled = evaluations
    assert json.dumps(plain.as_dict()) == json.dumps(scrambled.as_dict())


def test_the_evaluation_covers_both_taggers_both_ways_per_class_and_family(evaluations):
    ev = evaluations[0].as_dict()
    assert ev["used"] == "learned"
    cv, ind = ev["cross_validation"], ev["independent"]
    assert cv["studies"] >= 220 and cv["folds"] == 5 and ind["papers"] >= 100
    for part in (cv["taggers"], cv["title_and_venue_only"], ind["taggers"]):
        assert set(part) == {"terms", "learned"}
        for result in part.values():
            classes, families = result["classes"], result["families"]
            assert set(classes["per_label"]) == {"training", "inference", "serving"}
            assert len(families["per_label"]) == 12
            assert set(classes["confusion"]) == {"training", "inference", "serving"}
            assert set(classes["confusion"]["serving"]) == {
                "training", "inference", "serving", "(none)"
            }  # fmt: skip
            assert 0 < classes["macro_f1"] <= 1 and 0 < families["macro_f1"] <= 1
            # every record gets a class or is listed as unclassified with the reason
            none_column = sum(row["(none)"] for row in classes["confusion"].values())
            assert bool(none_column) == bool(result["unclassified"])
            assert all(u["reason"] for u in result["unclassified"])


def test_the_learned_tagger_beats_the_terms_on_the_curated_studies(evaluations):
    cv = evaluations[0].as_dict()["cross_validation"]
    for reading in ("taggers", "title_and_venue_only"):
        learned = cv[reading]["learned"]["classes"]["macro_f1"]
        terms = cv[reading]["terms"]["classes"]["macro_f1"]
        assert learned > terms, reading


def test_tag_eval_prints_both_sets_and_a_confusion_matrix(evaluations, monkeypatch):
    ev = evaluations[0]
    monkeypatch.setattr(views, "evaluate_tagger", lambda review: ev)
    from conftest import ROOT

    out = CliRunner().invoke(app, ["tag", "eval", "--root", str(ROOT)])
    assert out.exit_code == 0, out.output
    for needle in ("cross-validation: 5 folds", "independent set:", "labelled \\ given", "(none)"):
        assert needle in out.stdout
    js = CliRunner().invoke(app, ["tag", "eval", "--json", "--root", str(ROOT)])
    assert json.loads(js.stdout) == ev.as_dict()
