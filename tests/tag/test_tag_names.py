"""Indicator terms describe techniques: a term that names a study is refused."""

from __future__ import annotations

import pytest

from litsift.errors import InputError
from litsift.models import KBEntry, Taxonomy
from litsift.store.kb import check_indicator_terms
from litsift.tag.names import study_name_terms


def _entry(key: str, title: str, systems: tuple[str, ...] = ()) -> KBEntry:
    return KBEntry.model_validate(
        {
            "key": key,
            "title": title,
            "authors": ["A. Author"],
            "year": 2022,
            "verification": {"method": "m"},
            "summary": "s",
            "classes": ["training"],
            "systems": list(systems),
        }
    )


ENTRIES = [
    _entry("kwon2022alphatuning", "AlphaTuning: Quantization-Aware Parameter-Efficient Adaptation"),
    _entry(
        "kwon2023vllm",
        "Efficient Memory Management for Large Language Model Serving with PagedAttention",
        ("vLLM", "PagedAttention"),
    ),
    _entry("houlsby2019parameter", "Parameter-Efficient Transfer Learning for NLP", ("adapters",)),
    _entry("frantar2023sparsegpt", "SparseGPT: Massive Language Models Can Be Pruned", ()),
    _entry("li2021prefix", "Prefix-Tuning: Optimizing Continuous Prompts for Generation"),
]

TAXONOMY_YAML = """\
classes:
  - id: training
    label: T
    definition: d
    indicators: [training, fine-tuning]
families:
  - id: efficient-fine-tuning
    label: F
    definition: d
    indicators: [low-rank, adapter*, {term}]
"""


def _taxonomy(tmp_path, term: str):
    from litsift.yamlio import load_model

    path = tmp_path / "taxonomy.yaml"
    path.write_text(TAXONOMY_YAML.format(term=term))
    return path, load_model(path, Taxonomy)


@pytest.mark.parametrize(
    ("term", "key"),
    [
        ("AlphaTuning", "kwon2022alphatuning"),  # the name before the title's colon
        ("PagedAttention", "kwon2023vllm"),  # a system name the title carries
        ("paged attention", "kwon2023vllm"),  # spaces and hyphens do not hide it
        ("prefix tuning", "li2021prefix"),
        ("Prefix-Tuning*", "li2021prefix"),  # nor a wildcard on the whole name
    ],
)
def test_a_study_name_term_is_refused_with_file_and_line(tmp_path, term, key):
    path, taxonomy = _taxonomy(tmp_path, term)
    with pytest.raises(InputError) as e:
        check_indicator_terms(path, taxonomy, ENTRIES)
    assert e.value.line == 10
    assert str(e.value).startswith(f"{path}:10: families.0.indicators.2: '{term}' names a study")
    assert key in str(e.value)


@pytest.mark.parametrize("term", ["adapters", "spars*", "vector quantization", "paging"])
def test_technique_terms_are_allowed(tmp_path, term):
    # "adapters" is a system name its study's title never uses; spars* only begins SparseGPT
    path, taxonomy = _taxonomy(tmp_path, term)
    check_indicator_terms(path, taxonomy, ENTRIES)
    assert study_name_terms(taxonomy, ENTRIES) == []


def test_the_flagship_taxonomy_names_no_study():
    from conftest import ROOT
    from litsift.store import Review

    review = Review(ROOT)
    assert study_name_terms(review.taxonomy, review.kb.entries(validate=False)) == []
