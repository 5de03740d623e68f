"""The flagship review's own acceptance figures, computed on a temporary copy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from litsift import runner, views
from litsift.models import SourceKind
from litsift.store import Review

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


def test_tagger_reaches_macro_f1_085_on_the_three_classes(built):
    ev = views.evaluate_tagger(Review(built))
    assert ev.studies >= 100
    assert ev.macro_f1 >= 0.85, ev.per_class


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


def test_readme_diagram_is_the_flagship_diagram(built):
    """docs/flagship-prisma.svg (shown in the README) is what the flagship regenerates."""
    from conftest import ROOT

    shown = (ROOT / "docs" / "flagship-prisma.svg").read_bytes()
    assert shown == (built / "build" / "report" / "prisma.svg").read_bytes(), (
        "docs/flagship-prisma.svg is stale: run `make docs`"
    )


def test_flagship_flow_has_both_columns_and_adds_up(built):
    flow = runner.run(Review(built), until="screen", record=False).prisma
    assert flow is not None
    assert [a.label for a in flow.arms] == ["databases and registers", "other methods"]
    flow.check()
    # the curated lists are a website source: other methods, never the databases arm
    assert flow.other.records_of(SourceKind.WEBSITE) >= flow.included_studies > 0


POOL_SOURCES = {
    "efficientpaper": 433,
    "llminmde-scopus": 333,
    "llminmde-wos": 242,
    "llminmde-acm": 50,
    "llminmde-ieee": 25,
    "llminmde-sciencedirect": 100,
}


def test_candidate_pool_is_the_size_of_the_seed_review_and_fully_screened(built):
    result = runner.run(Review(built), until="screen", record=False)
    per_source = result.identification.per_source
    assert {s: per_source[s] for s in POOL_SOURCES} == POOL_SOURCES
    p = result.prisma
    assert p.databases.identified == 750 and p.identified >= 983  # the seed review screened 983
    assert p.pending_screening == 0 and p.pending_full_text == 0
    assert p.screened == p.excluded_screening + p.sought
    assert p.sought == p.not_retrieved + p.assessed
    assert p.included_studies >= 140
    pool = [r for r in result.identification.records if r.source in POOL_SOURCES]
    assert not [r.id for r in pool if r.abstract or r.keywords]  # facts only
