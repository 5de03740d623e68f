import sqlite3

import pytest

from litsift import kb
from litsift.errors import InputError, LitsiftError
from litsift.models import KBEntry, Record, Taxonomy
from litsift.store.build import open_kb
from litsift.store.kb import load_entries

TAXONOMY = Taxonomy.model_validate(
    {
        "classes": [
            {"id": c, "label": c, "definition": "d", "indicators": [c]}
            for c in ("training", "inference", "serving")
        ],
        "families": [
            {"id": f, "label": f, "definition": "d", "indicators": [f]}
            for f in ("quantisation", "memory-optimisation", "scheduling")
        ],
    }
)


def entry(key, title, year, classes, families=(), systems=(), summary="s", **kw):
    return KBEntry.model_validate(
        {
            "key": key,
            "title": title,
            "authors": ["Ann Author"],
            "year": year,
            "verification": {"method": "test"},
            "summary": summary,
            "classes": list(classes),
            "families": list(families),
            "systems": list(systems),
            **kw,
        }
    )


ENTRIES = [
    entry(
        "a2023flex",
        "Offloading inference on one GPU",
        2023,
        ["inference"],
        ["memory-optimisation"],
        ["FlexGen"],
        summary="Runs a 175B model on a single GPU by offloading weights to CPU and disk.",
        arxiv_id="2303.06865",
        results=[{"metric": "throughput", "value": 100, "unit": "x", "baseline": "ZeRO-Inference"}],
    ),
    entry(
        "b2022quant",
        "Post-training quantization of GPT models",
        2022,
        ["inference"],
        ["quantisation"],
        ["GPTQ"],
        summary="Quantizes weights to 3 or 4 bits in hours.",
    ),
    entry(
        "c2019mega",
        "Training multi-billion parameter models",
        2019,
        ["training"],
        [],
        ["Megatron-LM"],
        summary="Intra-layer model parallelism for GPT-3-like models.",
    ),
    entry(
        "d2023paged",
        "Paged attention for serving",
        2023,
        ["serving", "inference"],
        ["memory-optimisation", "scheduling"],
        ["vLLM"],
        summary="KV cache in pages; more requests batched; throughput higher.",
        doi="10.1145/3600006.3613165",
    ),
]


@pytest.fixture
def con(tmp_path):
    path = tmp_path / "kb.sqlite"
    path.write_bytes(kb.build_database(ENTRIES, {"d2023paged": "doi-x"}))
    return open_kb(path)


def test_build_is_byte_identical():
    a = kb.build_database(ENTRIES, {})
    b = kb.build_database(list(reversed(ENTRIES)), {})
    assert a == b


def test_search_ranks_and_snippets(con):
    hits = kb.search(con, "single GPU offloading")
    assert hits[0].key == "a2023flex"
    assert "[" in hits[0].snippet and "]" in hits[0].snippet


def test_search_filters_by_class_family_and_year(con):
    assert {h.key for h in kb.search(con, "throughput")} == {"a2023flex", "d2023paged"}
    assert [h.key for h in kb.search(con, "throughput", cls="serving")] == ["d2023paged"]
    hits = kb.search(con, "throughput", family="memory-optimisation", years=(2023, 2023))
    assert sorted(h.key for h in hits) == ["a2023flex", "d2023paged"]
    assert kb.search(con, "throughput", years=(None, 2022)) == []
    assert [h.key for h in kb.search(con, "GPT-3")] == ["c2019mega"]  # punctuation is safe
    assert [h.key for h in kb.search(con, "quantiz*")] == ["b2022quant"]


def test_year_ranges_parse():
    assert kb.parse_years("2020..2023") == (2020, 2023)
    assert kb.parse_years("2021..") == (2021, None)
    assert kb.parse_years("..2019") == (None, 2019)
    assert kb.parse_years("2022") == (2022, 2022)
    with pytest.raises(LitsiftError):
        kb.parse_years("last year")


def test_stats_and_show(con):
    s = kb.stats(con)
    assert s["studies"] == 4
    assert s["by_class"] == {"inference": 3, "serving": 1, "training": 1}
    assert s["by_family"]["memory-optimisation"] == 2
    assert s["by_year"] == {"2019": 1, "2022": 1, "2023": 2}
    shown = kb.show(con, "a2023flex")
    assert shown["systems"] == ["FlexGen"] and shown["results"][0]["baseline"] == "ZeRO-Inference"
    with pytest.raises(LitsiftError):
        kb.show(con, "nope")


def test_connect_without_build_is_a_clear_error(tmp_path):
    with pytest.raises(LitsiftError, match="kb build"):
        open_kb(tmp_path / "missing.sqlite")


def test_bad_kb_file_names_file_and_line(tmp_path):
    d = tmp_path / "kb"
    d.mkdir()
    (d / "x2020y.yaml").write_text(
        "key: x2020y\ntitle: T\nauthors: [A B]\nyear: 2020\nverification: {method: m}\n"
        "summary: s\nclasses: [inference]\nfamilies: [magic]\n"
    )
    with pytest.raises(InputError) as e:
        load_entries(d, TAXONOMY)
    assert str(e.value) == f"{d / 'x2020y.yaml'}:8: families: unknown family 'magic'"
    (d / "x2020y.yaml").write_text("key: x2020y\ntitle: T\nauthors: [A B]\nyear: '2020'\n")
    with pytest.raises(InputError, match=r"x2020y.yaml:4: year"):
        load_entries(d, TAXONOMY)


def test_link_records_by_doi_arxiv_and_title():
    recs = [
        Record.build(
            source="s", title="Paged Attention for Serving", doi="10.1145/3600006.3613165"
        ),
        Record.build(source="s", title="x", arxiv_id="2303.06865"),
        Record.build(source="s", title="Training Multi-Billion Parameter Models", year=2019),
    ]
    links = kb.link_records(ENTRIES, recs)
    assert links["d2023paged"] == recs[0].id and links["a2023flex"] == recs[1].id
    assert links["c2019mega"] == recs[2].id and "b2022quant" not in links


def test_export_formats():
    bib = kb.export(ENTRIES, "bibtex")
    assert bib.count("@misc{") == 4 and "eprint = {2303.06865}" in bib
    csv_text = kb.export(ENTRIES, "csv")
    assert csv_text.splitlines()[0].startswith("key,title")
    assert len(csv_text.splitlines()) == 5
    assert kb.export(ENTRIES, "md").count("\n") == 6
    with pytest.raises(LitsiftError):
        kb.export(ENTRIES, "docx")


def test_fts5_is_available():
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(x)")


def test_bibtex_export_prefers_record_names_for_family_names():
    e = entry("b2021bitfit", "BitFit", 2021, ["training"])
    e = e.model_copy(update={"authors": ("Elad Ben Zaken", "Yoav Goldberg")})
    plain = kb.export([e], "bibtex")
    assert "Zaken, Elad Ben" in plain  # the guess a bare name allows
    named = kb.export([e], "bibtex", {"b2021bitfit": ("Ben Zaken, Elad", "Goldberg, Yoav")})
    assert "author = {Ben Zaken, Elad and Goldberg, Yoav}" in named
