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

# The canon issue 18 names, plus landmarks a reviewer of the field expects, by KB key.
CANON = {
    "sparsely-gated mixture of experts (2017)": "shazeer2017outrageously",
    "mixed-precision training (FP8 formats)": "micikevicius2022fp8",
    "mixed-precision training (FP8-LM)": "peng2023fp8lm",
    "adapters": "houlsby2019parameter",
    "prompt tuning": "lester2021power",
    "MegaBlocks": "gale2022megablocks",
    "ring attention": "liu2023ringattention",
    "DeepSpeed-Ulysses": "jacobs2023ulysses",
    "LLM-QAT": "liu2023llmqat",
    "BitNet": "wang2023bitnet",
    "Sheared LLaMA": "xia2023sheared",
    "LoRA": "hu2021lora",
    "FlashAttention": "dao2022flashattention",
    "vLLM / PagedAttention": "kwon2023vllm",
    "Orca": "yu2022orca",
    "GPTQ": "frantar2022gptq",
    "LLM.int8()": "dettmers2022llmint8",
    "SmoothQuant": "xiao2022smoothquant",
    "AWQ": "lin2023awq",
    "QLoRA": "dettmers2023qlora",
    "ZeRO": "rajbhandari2019zero",
    "Megatron-LM": "shoeybi2019megatron",
    "GPipe": "huang2018gpipe",
    "GShard": "lepikhin2020gshard",
    "Switch Transformer": "fedus2021switch",
    "speculative decoding": "leviathan2022speculative",
    "DistilBERT": "sanh2019distilbert",
    "prefix tuning": "li2021prefix",
    "Transformer-XL": "dai2019transformerxl",
    "BigBird": "zaheer2020bigbird",
}
CLASSES = ("training", "inference", "serving")
YEARS = tuple(str(y) for y in range(2017, 2024))


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
    assert set(stats) >= {"studies", "by_class", "by_family", "by_year", "results"}
    # Issue 18 targets: 220 studies 2017-2023, 40 per class, 8 per family and per year.
    assert stats["studies"] >= 220
    low = {c: stats["by_class"].get(c, 0) for c in CLASSES if stats["by_class"].get(c, 0) < 40}
    assert not low, low
    families = Review(built).taxonomy.family_ids()
    thin = {f: stats["by_family"].get(f, 0) for f in families if stats["by_family"].get(f, 0) < 8}
    assert not thin, thin
    assert set(stats["by_year"]) == set(YEARS), stats["by_year"]
    assert all(stats["by_year"][y] >= 8 for y in YEARS), stats["by_year"]
    # every study gives a result or a note saying why not, and nothing else
    assert sum(stats["results"].values()) == stats["studies"], stats["results"]
    assert set(stats["results"]) <= {"reported", "none-reported", "not-verified"}
    systems = {_norm(s) for s in stats["systems"]}
    missing = [s for s in NAMED_SYSTEMS if _norm(s) not in systems]
    assert not missing, f"named systems missing from the knowledge base: {missing}"


def test_the_canon_is_in_the_knowledge_base(built):

    review = Review(built)
    keys = {e.key for e in review.kb.entries()}
    missing = {label: key for label, key in CANON.items() if key not in keys}
    assert not missing, missing


def test_every_kb_study_is_an_included_record(built):
    review = Review(built)
    result = runner.run(review, until="tag", record=False)
    assert len(result.kb_links) == len(result.kb_entries)
    included = {r.id for r in runner.included_records(result)}
    assert set(result.kb_links.values()) <= included


def test_tagger_is_judged_by_cross_validation_and_on_the_independent_set(built):
    # Regression floors below the figures measured in issue 18 (README, "Tagger evaluation"):
    # 5-fold cross-validation over the curated studies, class macro-F1 0.861 (learned) and
    # 0.723 (terms); independent set 0.816 and 0.832. The tagger reads the records' own
    # text only, so none of these is circular; the target (0.85 on the independent
    # set) is not met, and this test does not pretend it is.
    ev = views.evaluate_tagger(Review(built)).as_dict()
    assert ev["used"] == "learned"
    cv = ev["cross_validation"]
    assert cv["studies"] >= 220 and ev["independent"]["papers"] >= 100
    learned = cv["taggers"]["learned"]
    assert learned["classes"]["macro_f1"] >= 0.80, learned["classes"]
    assert learned["families"]["macro_f1"] >= 0.60, learned["families"]
    assert learned["classes"]["macro_f1"] > cv["taggers"]["terms"]["classes"]["macro_f1"]
    independent = ev["independent"]["taggers"]["learned"]
    assert independent["classes"]["macro_f1"] >= 0.75, independent["classes"]
    assert independent["families"]["macro_f1"] >= 0.55, independent["families"]


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
