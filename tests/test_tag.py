import pytest

from litsift.errors import InputError
from litsift.models import Protocol, TagOverride, Taxonomy
from litsift.store.tags import load_overrides
from litsift.tag import StudyText, apply_overrides, evaluate, tag_study

TAXONOMY = Taxonomy.model_validate(
    {
        "classes": [
            {
                "id": "training",
                "label": "T",
                "definition": "d",
                "indicators": ["training", "train"],
            },
            {
                "id": "inference",
                "label": "I",
                "definition": "d",
                "indicators": ["inference", "decoding", "quantization"],
            },
            {
                "id": "serving",
                "label": "S",
                "definition": "d",
                "indicators": ["serving", "request*", "batching"],
            },
        ],
        "families": [
            {
                "id": "quantisation",
                "label": "Q",
                "definition": "d",
                "indicators": ["quantization", "4-bit"],
            },
            {
                "id": "scheduling",
                "label": "S",
                "definition": "d",
                "indicators": ["schedul*", "continuous batching"],
            },
        ],
    }
)
PROTOCOL = Protocol.model_validate(
    {
        "title": "t",
        "question": "q",
        "date_range": {"start": 2017, "end": 2023},
        "sources": [{"name": "x"}],
        "criteria": [{"code": "E1", "kind": "exclude", "text": "t"}],
        "reviewers": [{"id": "ann"}, {"id": "bob"}, {"id": "lead", "role": "adjudicator"}],
    }
)


def test_tagger_gives_classes_and_families_with_evidence():
    study = StudyText(
        "s1",
        {"title": "4-bit quantization for fast LLM inference", "abstract": "We speed up decoding."},
    )
    tags = tag_study(study, TAXONOMY)
    assert tags.class_ids() == ("inference",)
    assert tags.family_ids() == ("quantisation",)
    phrases = {(e.field, e.phrase.lower()) for e in tags.classes[0].evidence}
    assert ("title", "inference") in phrases and ("abstract", "decoding") in phrases
    assert 0 < tags.classes[0].confidence < 1


def test_wildcard_and_phrase_indicators_match_whole_words_only():
    tags = tag_study(
        StudyText("s", {"title": "Scheduling requests with continuous batching for LLM serving"}),
        TAXONOMY,
    )
    assert "serving" in tags.class_ids() and "scheduling" in tags.family_ids()
    none = tag_study(StudyText("s", {"title": "Constraining pretrained embeddings"}), TAXONOMY)
    assert none.class_ids() == ()  # 'train' inside 'constraining'/'pretrained' is no match


def test_adjudicator_override_wins_over_reviewer_and_tagger():
    auto = tag_study(StudyText("s", {"title": "LLM inference"}), TAXONOMY)
    ann = ("ann", TagOverride(id="s", classes=("training",)))
    lead = ("lead", TagOverride(id="s", classes=("serving",), families=()))
    final = apply_overrides(auto, [ann, lead], PROTOCOL)
    assert final.class_ids() == ("serving",) and final.overridden_by == "lead"
    assert final.family_ids() == ()
    only_ann = apply_overrides(auto, [ann], PROTOCOL)
    assert only_ann.class_ids() == ("training",)
    assert only_ann.family_ids() == auto.family_ids()  # families not overridden stay


def test_override_file_errors_name_file_and_line(tmp_path):
    d = tmp_path / "tags"
    d.mkdir()
    (d / "ann.yaml").write_text("- id: s1\n  classes: [training]\n- id: s2\n  classes: [gpu]\n")
    with pytest.raises(InputError) as e:
        load_overrides(d, PROTOCOL, TAXONOMY, {"s1", "s2"})
    assert str(e.value).startswith(f"{d / 'ann.yaml'}:3: classes: unknown class 'gpu'")
    (d / "ann.yaml").write_text("- id: nope\n")
    with pytest.raises(InputError, match="unknown or not included study 'nope'"):
        load_overrides(d, PROTOCOL, TAXONOMY, {"s1"})
    (d / "ann.yaml").unlink()
    (d / "zed.yaml").write_text("[]\n")
    with pytest.raises(InputError, match="not a reviewer"):
        load_overrides(d, PROTOCOL, TAXONOMY, {"s1"})


def test_evaluation_arithmetic_on_a_hand_made_case():
    curated = {
        "a": ["training"],
        "b": ["inference"],
        "c": ["inference", "serving"],
        "d": ["serving"],
    }
    predicted = {
        "a": ["training"],
        "b": ["inference", "serving"],
        "c": ["inference"],
        "d": ["serving"],
    }
    ev = evaluate(predicted, curated, ["training", "inference", "serving"])
    # training: tp1 fp0 fn0 -> 1.0; inference: tp2 -> 1.0; serving: tp1 fp1 fn1 -> 0.5
    assert ev.per_class["training"].f1 == 1.0
    assert ev.per_class["inference"].f1 == 1.0
    s = ev.per_class["serving"]
    assert (s.precision, s.recall, s.f1, s.support) == (0.5, 0.5, 0.5, 2)
    assert ev.macro_f1 == pytest.approx((1 + 1 + 0.5) / 3, abs=1e-4)
    # serving: observed 2/4 agree; p_yes = c_yes = 0.5 -> expected 0.5 -> kappa 0
    assert ev.kappa["serving"] == 0.0
    assert ev.kappa["training"] == 1.0
    assert ev.disagreements == ("b", "c")


def test_taxonomy_validation_errors_name_file_and_line(tmp_path):
    from litsift.yamlio import load_model

    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "classes:\n"
        "  - {id: training, label: T, definition: d, indicators: [train]}\n"
        "  - {id: training, label: T2, definition: d, indicators: [fit]}\n"
    )
    with pytest.raises(InputError, match="duplicate class id: training"):
        load_model(path, Taxonomy)
    path.write_text(
        "classes:\n"
        "  - {id: training, label: T, definition: d, indicators: [train]}\n"
        "families:\n"
        "  - id: quant\n"
        "    label: Q\n"
        "    definition: d\n"
        "    indicators: []\n"
    )
    with pytest.raises(InputError) as e:
        load_model(path, Taxonomy)
    assert e.value.line == 7 and "families.0.indicators" in str(e.value)
    path.write_text(
        "classes:\n"
        "  - {id: training, label: T, definition: d, indicators: [train]}\n"
        "families:\n"
        "  - {id: quant, label: Q, definition: d, indicators: [int8], classes: [serving]}\n"
    )
    with pytest.raises(InputError, match="family quant names unknown class serving"):
        load_model(path, Taxonomy)
