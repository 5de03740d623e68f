"""The learned tagger: fitted on labelled records, it shows the record's words behind a tag."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from litsift.cli import app
from litsift.tag import Example, LearnedTagger, Settings, StudyText, make_tagger
from litsift.tag.evaluation import assign_folds, cross_validate, score
from test_tag import TAXONOMY


def _ex(i: int, title: str, classes: tuple[str, ...], families: tuple[str, ...] = ()) -> Example:
    return Example(StudyText(f"r{i}", {"title": title}), classes, families)


TRAIN = [
    _ex(0, "Pipeline parallel pre-training of giant models", ("training",)),
    _ex(1, "Faster optimizer steps for large model pre-training", ("training",)),
    _ex(2, "Memory-efficient backpropagation for pre-training", ("training",)),
    _ex(3, "Gradient compression for distributed pre-training", ("training",)),
    _ex(4, "Low-latency decoding kernels for generation", ("inference",), ("quantisation",)),
    _ex(5, "Weight quantization for fast generation", ("inference",), ("quantisation",)),
    _ex(6, "Early exit decoding speeds up generation", ("inference",)),
    _ex(7, "Quantized attention kernels for generation", ("inference",), ("quantisation",)),
    _ex(8, "Request scheduling for a multi-tenant cluster service", ("serving",), ("scheduling",)),
    _ex(9, "Autoscaling a cluster service under bursty requests", ("serving",), ("scheduling",)),
    _ex(10, "Admission control of requests in a cluster service", ("serving",)),
    _ex(11, "Fair request scheduling in a shared cluster service", ("serving",), ("scheduling",)),
]


def test_learned_tags_carry_the_records_own_words():
    tagger = LearnedTagger(TAXONOMY, Settings(indicators=False)).fit(TRAIN)
    tags = tagger.tag(StudyText("new", {"title": "Quantized generation with new kernels"}))
    assert tags.class_ids()[0] == "inference"
    words = {(e.field, e.phrase) for e in tags.classes[0].evidence}
    assert words and all(f == "title" for f, _ in words)
    assert all(p in "quantized generation with new kernels" for _, p in words)
    assert 0 < tags.classes[0].confidence < 1


def test_a_record_no_word_of_which_supports_a_class_is_unclassified_with_the_reason():
    tagger = LearnedTagger(TAXONOMY, Settings(indicators=False)).fit(TRAIN)
    tags = tagger.tag(StudyText("odd", {"title": "Zebra migration patterns"}))
    assert tags.classes == () and "supports a class" in (tags.unclassified or "")


def test_fitting_is_deterministic_and_folds_hold_every_class():
    a = LearnedTagger(TAXONOMY).fit(TRAIN).tag(TRAIN[0].study)
    b = LearnedTagger(TAXONOMY).fit(list(TRAIN)).tag(TRAIN[0].study)
    assert a == b
    folds = assign_folds(TRAIN, 4, "s")
    assert folds == assign_folds(list(reversed(TRAIN)), 4, "s")
    for f in range(4):
        held = {e.classes[0] for e in TRAIN if folds[e.study.id] == f}
        assert held == {"training", "inference", "serving"}


def test_cross_validation_never_tags_a_record_with_a_model_that_saw_it():
    seen: list[set[str]] = []

    class Spy:
        name = "spy"

        def __init__(self, train):
            self.train = {e.study.id for e in train}
            seen.append(self.train)

        def tag(self, study):
            assert study.id not in self.train
            return LearnedTagger(TAXONOMY).fit(TRAIN).tag(study)

    tags = cross_validate(TRAIN, Spy, 3, "s")
    assert set(tags) == {e.study.id for e in TRAIN} and len(seen) == 3
    result = score("spy", tags, TRAIN, TAXONOMY)
    assert result.classes.studies == len(TRAIN)
    row = result.classes.confusion["serving"]
    assert sum(row.values()) >= 4  # every serving record lands in some column


def test_make_tagger_falls_back_to_terms_without_enough_curated_studies():
    assert make_tagger(TAXONOMY, TRAIN[:3]).name == "terms"
    assert make_tagger(TAXONOMY, TRAIN * 2).name == "learned"


BIB = """@article{a1,
  title = {Quantization of Large Language Models for Low-Latency Inference},
  author = {Doe, Jane},
  year = {2022},
  keywords = {8-bit weights}
}
@article{a2,
  title = {A Transformer Architecture with Sparse Attention},
  author = {Roe, Richard},
  year = {2023}
}
@article{broken,
  author = {Nobody, No},
"""


def test_classify_tags_any_export_file_as_json_lines(tmp_path):
    runner = CliRunner()
    review = tmp_path / "rev"
    assert runner.invoke(app, ["init", str(review)]).exit_code == 0
    bib = tmp_path / "new.bib"
    bib.write_text(BIB)
    out = runner.invoke(app, ["tag", "classify", str(bib), "--json", "--root", str(review)])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 2
    # the skeleton review's taxonomy (inference, architecture) and no knowledge base yet
    first = next(r for r in rows if r["title"].startswith("Quantization"))
    assert [c["label"] for c in first["classes"]] == ["inference"]
    assert "quantisation" in [f["label"] for f in first["families"]]
    assert {"field": "keywords", "words": "8-bit"} in first["families"][0]["evidence"]
    for label in (*first["classes"], *first["families"]):
        for ev in label["evidence"]:
            assert ev["field"] in ("title", "keywords", "abstract", "venue") and ev["words"]
    second = next(r for r in rows if r["title"].startswith("A Transformer"))
    assert [c["label"] for c in second["classes"]] == ["architecture"]
    assert "not read" in out.stderr and "tagged by the terms tagger" in out.stderr
