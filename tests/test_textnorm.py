"""Words as the tagger and the search compare them, in Python and in the report's browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from litsift import kbsearch, textnorm
from litsift.store import Review

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "src" / "litsift" / "templates" / "kb_search.js"


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("quantisation", "quantization"),
        ("quantised", "quantized"),
        ("optimise", "optimize"),
        ("optimising", "optimizing"),
        ("parallelisation", "parallelization"),
        ("modelling", "modeling"),
        ("analyse", "analyze"),
        ("behaviour", "behavior"),
    ],
)
def test_british_spellings_fold_to_american(british, american):
    assert textnorm.fold_spelling(british) == american
    assert textnorm.stem(british) == textnorm.stem(american)


@pytest.mark.parametrize("word", ["precise", "noise", "promising", "supervised", "pairwise"])
def test_words_spelled_ise_in_american_english_too_are_kept(word):
    assert textnorm.fold_spelling(word) == word


def test_stemming_joins_forms_of_one_word():
    for forms in (
        ("quantization", "quantized", "quantize", "quantisation"),
        ("caching", "cache", "caches", "cached"),
        ("serving", "serve", "served"),
        ("pruning", "prune", "pruned"),
        ("batching", "batches"),
        ("embedding", "embedded"),
    ):
        assert len({textnorm.stem(w) for w in forms}) == 1, forms
    assert textnorm.stem("speed") == "speed"  # not 'spe': -ed needs four letters before it


def test_synonym_phrases_become_one_concept():
    syn = textnorm.Synonyms.from_phrases([["KV cache", "key-value cache"], ["4-bit", "INT4"]])
    query = syn.concepts(textnorm.stems("reduce the key-value cache with INT4"))
    assert query == ["reduc", "kv_cach", "4_bit"]
    doc = syn.expand(textnorm.stems("A 4-bit KV cache"))
    assert {"kv_cach", "4_bit", "cach"} <= set(doc)  # the words stay, the concepts are added


def _node_run(script: str) -> object:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _flagship_index() -> kbsearch.Index:
    review = Review(ROOT)
    tx = review.taxonomy
    labels = {c.id: c.label for c in tx.classes} | {f.id: f.label for f in tx.families}
    studies = [kbsearch.from_entry(e, labels) for e in review.kb.entries(validate=False)]
    return kbsearch.Index.build(studies, textnorm.Synonyms.from_phrases(tx.synonyms))


QUESTIONS = [
    "which studies reduce KV cache memory",
    "Quantisation of weights to 4-bit",
    "serving many LoRA adapters on one GPU",
    "fine tuning with fewer parameters",
    "offloading to CPU and NVMe",
    "speculative decoding with a draft model",
    "mixture-of-experts training",
    "optimising the scheduling of requests",
]


def test_the_browser_search_gives_the_same_words_and_ranking_as_python(tmp_path):
    index = _flagship_index()
    texts = [s.fields["summary"] for s in index.studies] + [s.title for s in index.studies]
    data = tmp_path / "index.json"
    data.write_text(json.dumps(index.index_data()))
    script = (
        f"const s = require({json.dumps(str(JS))}).make(require({json.dumps(str(data))}));"
        f"const texts = {json.dumps(texts)}; const qs = {json.dumps(QUESTIONS)};"
        "const f = {metric: '', unit: '', min: null, max: null, hardware: ''};"
        "console.log(JSON.stringify({stems: texts.map(s.stems),"
        " concepts: qs.map(s.concepts), ranks: qs.map(q => s.search(q, f, null)),"
        " filtered: s.search('', {metric: 'throughput', unit: 'x', min: 2, max: null,"
        " hardware: 'A100'}, null)}));"
    )
    got = _node_run(script)
    assert got["stems"] == [textnorm.stems(t) for t in texts]
    assert got["concepts"] == [index.concepts(q) for q in QUESTIONS]
    for q, ranked in zip(QUESTIONS, got["ranks"], strict=True):
        assert ranked == [h.key for h in index.search(q, limit=10_000)], q
    filters = kbsearch.Filters(metric="throughput", unit="x", min=2, hardware="A100")
    assert got["filtered"] == [h.key for h in index.search("", filters, limit=10_000)]
    assert got["filtered"]  # the filter case is not vacuous
