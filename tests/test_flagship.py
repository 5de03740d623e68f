"""The flagship review's own acceptance figures, computed on a temporary copy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from litsift import runner
from litsift.review import Review

NAMED_SYSTEMS = (
    "Megatron-LM",
    "CoLLiE",
    "LightSeq2",
    "ByteTransformer",
    "GPipe",
    "FlexGen",
    "EET",
    "LightSeq",
    "DeepSpeed Inference",
    "TurboTransformers",
    "PETALS",
    "Splitwise",
    "LoRA",
    "AlphaTuning",
    "SparseGPT",
    "QMoE",
)


def _norm(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from conftest import ROOT

    dest = tmp_path_factory.mktemp("flagship") / "review"
    dest.mkdir()
    for name in ("review.yaml", "queries", "data"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    runner.run(Review(dest))
    return dest


def test_kb_stats_meet_the_review_targets(built):
    out = subprocess.run(
        [sys.executable, "-m", "litsift", "kb", "stats", "--json"],
        cwd=built,
        capture_output=True,
        text=True,
        check=True,
    )
    stats = json.loads(out.stdout)
    assert set(stats) >= {"studies", "by_class", "by_family", "by_year"}
    assert stats["studies"] >= 100
    assert all(stats["by_class"].get(c, 0) >= 20 for c in ("training", "inference", "serving"))
    assert all(2017 <= int(y) <= 2023 for y in stats["by_year"])
    systems = {_norm(s) for s in stats["systems"]}
    missing = [s for s in NAMED_SYSTEMS if _norm(s) not in systems]
    assert not missing, f"named systems missing from the knowledge base: {missing}"


def test_every_kb_study_is_an_included_record(built):
    review = Review(built)
    result = runner.run(review, until="tag", record=False)
    assert len(result.kb_links) == len(result.kb_entries)
    included = {r.id for r in runner.included_records(result)}
    assert set(result.kb_links.values()) <= included


def test_tagger_keeps_its_macro_f1_on_the_three_classes(built):
    # A regression floor for the keyword tagger, not a quality claim: since issue 18 the
    # curated keywords name techniques only (no class words), so this figure no longer leaks
    # the answer. The tagger's honest, cross-validated evaluation belongs to its rewrite.
    # Measured 0.768 on 226 studies: the serving studies added in issue 18 (query routing,
    # cascades, response caching) use words the serving indicators do not list, and the
    # indicators were deliberately not tuned to the knowledge base they are measured on.
    ev = runner.evaluate_tagger(Review(built))
    assert ev.studies >= 100
    assert ev.macro_f1 >= 0.75, ev.per_class


def test_taxonomy_keeps_the_seed_classes_and_families():
    from conftest import ROOT

    review = Review(ROOT)
    assert set(review.taxonomy.class_ids()) == {"training", "inference", "serving"}
    families = set(review.taxonomy.family_ids())
    for needed in (
        "parallelism",
        "memory-optimisation",
        "heterogeneous-offloading",
        "automatic-parallelism",
        "quantisation",
        "pruning",
        "distillation",
        "efficient-fine-tuning",
        "algorithmic-optimisation",
        "hardware-kernels",
        "scheduling",
        "scalability-reliability",
    ):
        assert needed in families
