"""Knowledge-base search: questions in plain words find the studies a reader expects."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litsift import kb, kbsearch
from litsift.cli import app
from litsift.errors import LitsiftError
from litsift.store import Review
from test_textnorm import _flagship_index

ROOT = Path(__file__).resolve().parents[1]

# Ten questions a reader of the field would ask, each with the studies that answer it; at
# least one of them must be among the first three hits.
QUESTIONS = {
    "which studies reduce KV cache memory": {
        "kwon2023vllm", "zhang2023h2o", "liu2023scissorhands", "ge2023fastgen",
        "xiao2023streamingllm", "liu2023cachegen",
    },
    "how to quantise weights to 4 bits": {
        "frantar2022gptq", "lin2023awq", "dettmers2023qlora", "dettmers2022kbit",
        "liu2023llmfp4", "zhao2023atom", "kim2023peqa", "dettmers2023spqr",
    },
    "serving many LoRA adapters at once": {"sheng2023slora", "chen2023punica"},
    "training models with a trillion parameters on thousands of GPUs": {
        "narayanan2021megatron", "rajbhandari2019zero", "lepikhin2020gshard", "fedus2021switch",
    },
    "speculative decoding with a draft model": {
        "leviathan2022speculative", "chen2023speculative", "liu2023onlinespeculative",
    },
    "offloading to CPU memory and NVMe": {
        "rajbhandari2021zeroinfinity", "ren2021zerooffload", "sheng2023flexgen",
    },
    "exact attention that is IO-aware": {"dao2022flashattention", "dao2023flashattention2"},
    "pruning large language models in one shot": {
        "frantar2023sparsegpt", "sun2023wanda", "ma2023llmpruner",
    },
    "knowledge distillation into a smaller student model": {
        "sanh2019distilbert", "jiao2019tinybert", "wang2020minilm", "gu2023minillm",
    },
    "continuous batching and scheduling of LLM requests": {
        "yu2022orca", "kwon2023vllm", "wu2023fastserve", "agrawal2023sarathi",
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def index() -> kbsearch.Index:
    return _flagship_index()


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_questions_find_the_studies_that_answer_them(index, question):
    top = [h.key for h in index.search(question, limit=3)]
    assert set(top) & QUESTIONS[question], (question, top)


def test_stop_words_are_dropped_and_any_word_matches_with_all_word_hits_first(index):
    assert index.concepts("which studies reduce KV cache memory") == ["reduc", "kv_cach", "memory"]
    hits = index.search("KV cache memory zzzunknownword", limit=1000)
    assert hits, "any word matches: an unknown word does not empty the result"
    matched = [h.matched for h in hits]
    assert matched == sorted(matched, reverse=True)  # the most words first
    assert all(h.concepts == 3 for h in hits)
    full = [h for h in index.search("KV cache memory", limit=1000) if h.matched == 2]
    rest = [h for h in index.search("KV cache memory", limit=1000) if h.matched < 2]
    assert full and rest
    with pytest.raises(LitsiftError, match="only stop words"):
        index.search("which of the studies")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("quantisation", "quantization"),
        ("optimised kernels", "optimized kernels"),
        ("parallelisation", "parallelization"),
    ],
)
def test_british_and_american_spellings_find_the_same_studies(index, one, other):
    a = [h.key for h in index.search(one, limit=1000)]
    assert a and a == [h.key for h in index.search(other, limit=1000)]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("KV cache", "key-value cache"),
        ("4-bit", "int4"),
        ("mixture of experts", "MoE"),
        ("fine-tuning", "finetuning"),
    ],
)
def test_synonyms_find_the_same_studies(index, one, other):
    a = [h.key for h in index.search(one, limit=1000)]
    assert a and a == [h.key for h in index.search(other, limit=1000)]


def test_a_synonym_finds_studies_that_only_use_the_other_phrase(index):
    by_key = {s.key: s for s in index.studies}
    hits = [h.key for h in index.search("key-value cache", limit=1000)]
    only_kv = [k for k in hits if "key-value" not in " ".join(by_key[k].fields.values()).lower()]
    assert only_kv, "the synonym added nothing"


def test_filters_on_extracted_results(index):
    f = kbsearch.Filters(metric="throughput", min=2, unit="x")
    hits = index.search("", f, limit=1000)
    assert hits
    for h in hits:
        assert h.results
        for r in h.results:
            assert "throughput" in r.metric.lower() and r.unit.split()[0] == "x"
            assert (kbsearch.max_figure(r.value) or 0) >= 2
    tops = [max(kbsearch.max_figure(r.value) or 0 for r in h.results) for h in hits]
    assert tops == sorted(tops, reverse=True)  # without a query: the best figure first
    a100 = index.search("inference", kbsearch.Filters(hardware="A100"), limit=1000)
    assert a100 and all(
        any("a100" in hw.lower() for hw in {s.key: s for s in index.studies}[h.key].hardware)
        for h in a100
    )
    assert kbsearch.max_figure("2-4") == 4.0 and kbsearch.max_figure("an order") is None


def test_cli_search_with_filters_reads_the_built_database(tmp_path):
    review = tmp_path / "review"
    (review / "data").mkdir(parents=True)
    shutil.copy2(ROOT / "review.yaml", review / "review.yaml")
    shutil.copy2(ROOT / "data" / "taxonomy.yaml", review / "data" / "taxonomy.yaml")
    entries = Review(ROOT).kb.entries(validate=False)
    Review(review).output.write_kb(kb.build_database(entries, {}))
    runner = CliRunner()
    out = runner.invoke(app, ["kb", "search", "quantisation", "--root", str(review)])
    assert out.exit_code == 0, out.output
    assert (
        out.stdout
        == runner.invoke(app, ["kb", "search", "quantization", "--root", str(review)]).stdout
    )
    out = runner.invoke(
        app,
        ["kb", "search", "--metric", "throughput", "--min", "2", "--unit", "x",
         "--root", str(review)],
    )  # fmt: skip
    assert out.exit_code == 0 and "result: " in out.stdout
    out = runner.invoke(app, ["kb", "search", "the of which", "--root", str(review)])
    assert out.exit_code == 2 and "only stop words" in out.output


def test_semantic_search_runs_offline_from_the_wheel(index, monkeypatch):
    pytest.importorskip("wordllama")
    # any attempt to reach the network fails loudly
    import socket

    from litsift import embeddings, semantic

    def refuse(*args, **kwargs):
        raise AssertionError("semantic search tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    embeddings.model.cache_clear()
    hits = semantic.search(index, "running a large model on one consumer GPU", None, limit=5)
    keys = [h.key for h in hits]
    assert {"song2023powerinfer", "sheng2023flexgen", "dettmers2023qlora"} & set(keys), keys
    assert hits[0].score >= hits[-1].score
