"""Each source: pure request building, parsing of hand-made and real recorded responses."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import realworld_file
from litsift.models import Record
from litsift.search.query import QuerySpec, build_query
from litsift.search.sources import SOURCES, ApiError, get_source
from litsift.search.sources.arxiv import delatex, split_id
from litsift.search.sources.base import TruncatedBody
from litsift.search.sources.openalex import abstract_from_index

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "search"


def query(text: str, **kw: object):
    return build_query(QuerySpec(name="t", query=text, **kw))  # type: ignore[arg-type]


def params(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.display()).query).items()}


FLAG = dict(years={"start": 2017, "end": 2023}, types=["article", "conference-paper", "preprint"])


# --------------------------------------------------------------------------- requests


def test_openalex_request() -> None:
    q = query('("language model" OR LLM) AND (inference OR serving) NOT survey', **FLAG)
    req = get_source("openalex").first_request(q)
    p = params(req)
    assert p["filter"] == (
        'title_and_abstract.search.no_stem:("language model" OR LLM) AND '
        "(inference OR serving) AND NOT survey,"
        "publication_year:2017-2023,type:article|preprint"
    )
    assert p["cursor"] == "*" and p["per_page"] == "200"
    assert get_source("openalex").translate(q).exact


def test_openalex_scopes_become_separate_filters() -> None:
    q = query("title:(llm OR gpt) AND abstract:latency")
    p = params(get_source("openalex").first_request(q, page_size=50))
    assert p["filter"] == "title.search.no_stem:llm OR gpt,abstract.search.no_stem:latency"
    assert p["per_page"] == "50"
    mixed = query("title:llm OR abstract:latency")
    tr = get_source("openalex").translate(mixed)
    assert not tr.exact and tr.text == "title_and_abstract.search.no_stem:llm OR latency"


def test_openalex_paging_follows_cursor() -> None:
    src = get_source("openalex")
    first = src.first_request(query("llm"))
    page = src.parse((FIX / "openalex-page.json").read_text())
    nxt = src.next_request(first, page, 3)
    assert nxt is not None and params(nxt)["cursor"] == "Q3Vyc29y" and nxt.page == 2
    assert params(nxt)["filter"] == params(first)["filter"]


def test_crossref_request_is_relevance_with_filters() -> None:
    q = query('"language model*" AND (inference OR serving) NOT survey', **FLAG)
    src = get_source("crossref")
    p = params(src.first_request(q))
    assert p["query"] == "language model inference serving"
    assert p["filter"] == (
        "from-pub-date:2017,until-pub-date:2023,type:journal-article,"
        "type:proceedings-article,type:posted-content"
    )
    assert p["rows"] == "1000" and p["cursor"] == "*"
    assert not src.translate(q).exact


def test_arxiv_request() -> None:
    q = query(
        'title:"language model" AND (inference OR serving) NOT survey',
        years={"start": 2017, "end": 2023},
    )
    tr = get_source("arxiv").translate(q)
    assert tr.text == (
        '(ti:"language model" AND ((ti:inference OR abs:inference) OR '
        "(ti:serving OR abs:serving)) ANDNOT (ti:survey OR abs:survey)) "
        "AND submittedDate:[201701010000 TO 202312312359]"
    )
    assert tr.exact
    p = params(get_source("arxiv").first_request(q, page_size=100))
    assert p["start"] == "0" and p["max_results"] == "100"


def test_arxiv_phrase_wildcard_is_broadened() -> None:
    tr = get_source("arxiv").translate(query('"large language model*"', fields="title"))
    # no vocabulary yet: the phrase without truncation, and its words with it (broader)
    assert tr.text == 'ti:"large language model" OR (ti:large AND ti:language AND ti:model*)'
    assert not tr.exact and tr.warnings


def test_semanticscholar_request() -> None:
    q = query(
        '("language model" OR llm*) AND NOT survey',
        years={"start": 2017, "end": 2023},
        types=["article", "conference-paper"],
    )
    p = params(get_source("semanticscholar").first_request(q))
    # S2 stems every term: '-survey' would drop "surveys" too, so the NOT is applied locally
    assert p["query"] == '"language model" | llm*'
    assert p["year"] == "2017-2023" and p["publicationTypes"] == "Conference,JournalArticle"
    # preprints have no S2 type: no type filter, checked locally
    q2 = query("llm", types=["preprint"])
    assert "publicationTypes" not in params(get_source("semanticscholar").first_request(q2))
    assert not get_source("semanticscholar").translate(q2).exact


def test_dblp_request_is_broader_cnf() -> None:
    q = query('("large language model*" OR LLM*) AND (optimi* OR "high performance") NOT survey')
    p = params(get_source("dblp").first_request(q))
    assert p["q"] == "language|llm optimi|performance"
    assert p["h"] == "1000" and p["f"] == "0" and p["format"] == "json"


def test_dblp_paging_respects_cap() -> None:
    src = get_source("dblp")
    first = src.first_request(query("llm"))
    page = src.parse(
        json.dumps(
            {
                "result": {
                    "status": {"@code": "200"},
                    "hits": {
                        "@total": "50000",
                        "@first": "9000",
                        "hit": [{"info": {"key": f"k/{i}"}} for i in range(1000)],
                    },
                }
            }
        )
    )
    assert src.next_request(first, page, 10000) is None
    page = src.parse(
        json.dumps(
            {
                "result": {
                    "status": {"@code": "200"},
                    "hits": {
                        "@total": "50000",
                        "@first": "8500",
                        "hit": [{"info": {"key": f"k/{i}"}} for i in range(1000)],
                    },
                }
            }
        )
    )
    nxt = src.next_request(first, page, 9500)
    assert nxt is not None and params(nxt)["f"] == "9500" and params(nxt)["h"] == "500"


def test_request_cache_key_ignores_nothing_but_order() -> None:
    src = get_source("openalex")
    a = src.first_request(query("llm"))
    assert a.cache_key("s1") != a.cache_key("s2")
    assert a.cache_key("s1") == a.with_params(1).cache_key("s1")


# --------------------------------------------------------------------------- own fixtures


def test_openalex_parse_fixture() -> None:
    page = get_source("openalex").parse((FIX / "openalex-page.json").read_text(), "oa")
    assert page.total == 3 and page.raw_count == 3 and page.next == "Q3Vyc29y"
    first, second, third = page.records
    assert first.source == "oa" and first.origin == "oa:W111" and first.source_key == "W111"
    assert first.title == "Serving & batching LLMs" and first.doi == "10.1000/abc.1"
    assert first.abstract == "We batch requests and batch tokens."
    assert first.authors == ("Grace Hopper", "Alan Turing") and first.pages == "10-20"
    assert first.doc_type == "conference-paper" and first.year == 2023
    assert second.title == "Quantised inference" and second.year is None
    assert second.id == "pmid-12345" and second.authors == ()
    assert third.doc_type == "thesis" and third.id == "openalex-W333"


def test_abstract_from_index_handles_junk() -> None:
    assert abstract_from_index({"b": [1], "a": [0], "x": "bad", "y": [None]}) == "a b"
    assert abstract_from_index(None) is None and abstract_from_index({}) is None


def test_crossref_parse_fixture() -> None:
    page = get_source("crossref").parse((FIX / "crossref-page.json").read_text())
    assert page.total == 2 and page.raw_count == 3 and len(page.records) == 2
    r = page.records[0]
    assert r.title == "Pipeline parallelism for giant models"
    assert r.abstract == "We train models with <1% bubbles… using GPipe."
    assert r.authors == ("Huang, Yanping", "The GPipe Team") and r.year == 2019
    assert r.doc_type == "conference-paper" and r.doi == "10.1145/xyz.99"
    assert r.venue == "NeurIPS" and r.pages == "103-112"
    blank = page.records[1]
    assert blank.title is None and blank.year is None and blank.doc_type == "preprint"


def test_arxiv_parse_fixture() -> None:
    page = get_source("arxiv").parse((FIX / "arxiv-page.xml").read_text())
    assert page.total == 5 and page.next == "2"
    r, old = page.records
    assert r.arxiv_id == "2208.07339" and r.id == "arxiv-2208.07339"
    assert r.title == "LLM.int8(): 8-bit Matrix Multiplication for Transformers at Scale"
    assert r.abstract == (
        "We reduce memory by 2x with vector-wise quantization; Schrödinger & Erdős agree."
    )
    assert r.venue == "NeurIPS 2022" and r.year == 2022 and r.keywords == ("cs.LG",)
    assert old.arxiv_id == "hep-th/9901001" and old.id == "arxiv-hep-th_9901001"
    assert split_id("http://arxiv.org/abs/2301.00306v12") == ("2301.00306", 12)


def test_arxiv_error_feed_is_an_error() -> None:
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/api/errors#max_results_must_be_nonneg</id>"
        "<title>Error</title><summary>max_results must be non-negative</summary>"
        "</entry></feed>"
    )
    with pytest.raises(ApiError, match="max_results must be non-negative"):
        get_source("arxiv").parse(body)
    with pytest.raises(TruncatedBody):
        get_source("arxiv").parse(body[:50])


def test_delatex() -> None:
    assert (
        delatex(r"\textbf{Fast} $O(n^2)$ attention \cite{dao22} in Caf\'e")
        == "Fast O(n^2) attention in Café"
    )
    assert delatex(None) is None


def test_semanticscholar_parse_fixture() -> None:
    page = get_source("semanticscholar").parse((FIX / "s2-page.json").read_text())
    assert page.total == 3 and page.next == "NEXT123" and len(page.records) == 2
    r = page.records[0]
    assert r.arxiv_id == "2303.06865" and r.id == "arxiv-2303.06865"
    assert r.venue == "ICML" and r.authors == ("Ying Sheng",) and r.abstract is None
    assert r.doc_type == "conference-paper" and r.dblp_key == "conf/icml/ShengZ23"
    assert page.records[1].id.startswith("s2-")


def test_dblp_parse_fixture() -> None:
    page = get_source("dblp").parse((FIX / "dblp-page.json").read_text())
    assert page.total == 3 and page.next is None
    first, solo, mixed = page.records
    assert first.title == "Large Scale Distributed Deep Networks & Friends"
    assert first.authors == ("Jeff Dean",) and first.year == 2012
    assert solo.authors == ("Solo Author",) and solo.arxiv_id == "2101.00001"
    assert solo.venue == "CoRR, abs/2101.00001" and solo.doc_type == "preprint"
    assert mixed.authors == ("A. B", "C. D") and mixed.year is None


def test_dblp_single_hit_as_object() -> None:
    body = json.dumps(
        {
            "result": {
                "status": {"@code": "200"},
                "hits": {
                    "@total": "1",
                    "@first": "0",
                    "hit": {"info": {"key": "a/b", "title": "T."}},
                },
            }
        }
    )
    page = get_source("dblp").parse(body)
    assert [r.title for r in page.records] == ["T"]


@pytest.mark.parametrize("api", sorted(SOURCES))
def test_truncated_json_is_retryable(api: str) -> None:
    if api == "arxiv":
        return
    with pytest.raises(TruncatedBody):
        get_source(api).parse('{"results": [{"id": ')


# --------------------------------------------------------------------------- real responses


def parse_real(api: str, name: str):
    return get_source(api).parse(realworld_file(f"api/{api}/{name}").read_text("utf-8"))


def test_real_openalex_cursor_pages() -> None:
    p1 = parse_real("openalex", "cursor-page-1.json")
    assert p1.total == 2 and p1.next and len(p1.records) == 2
    r = p1.records[0]
    assert (r.openalex_id, r.doi, r.year) == ("W2755950973", "10.1016/j.joi.2017.08.007", 2017)
    assert r.title.startswith("bibliometrix")
    p2 = parse_real("openalex", "cursor-page-2-last-empty.json")
    assert p2.records == () and p2.next is None
    src = get_source("openalex")
    assert src.next_request(src.first_request(query("x")), p2, 2) is None


def test_real_openalex_search_page() -> None:
    page = parse_real("openalex", "search-page-2026.json")
    assert page.total == 65899 and len(page.records) == 50
    assert len({r.openalex_id for r in page.records}) == 50
    assert sum(1 for r in page.records if r.abstract) == 49
    first = page.records[0]
    assert first.openalex_id == "W4327510205" and first.year == 2022
    assert first.doi == "10.3126/nelta.v27i1-2.53203"
    assert all(r.year == 2022 for r in page.records[:5])


def test_real_openalex_work() -> None:
    (r,) = parse_real("openalex", "work-W2741809807.json").records
    assert r.doi == "10.7717/peerj.4375" and r.year == 2018
    assert r.title.startswith("The state of OA")
    assert r.abstract.startswith("Despite growing interest in Open Access")
    assert r.authors[:2] == ("Heather Piwowar", "Jason Priem")


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("error-400-bad-filter.json", "DOESNTEXIST is not a valid field"),
        ("error-401-missing-key.json", "Invalid or missing API key"),
    ],
)
def test_real_openalex_errors(name: str, match: str) -> None:
    with pytest.raises(ApiError, match=match):
        parse_real("openalex", name)


def test_real_crossref_pages() -> None:
    page = parse_real("crossref", "works-cursor.json")
    assert page.total == 454 and len(page.records) == 20 and page.next
    assert page.records[0].year is None  # issued date-parts [[null]]
    fq = parse_real("crossref", "works-field-queries.json")
    assert fq.total == 1253 and len(fq.records) == 20
    assert sum(1 for r in fq.records if r.abstract) == 15
    r = fq.records[0]
    assert (r.doi, r.title, r.year) == ("10.1111/ele.14024", "The forecast trap", 2022)
    assert r.abstract.startswith("Encouraged by decision makers")
    assert not any("jats" in (r.abstract or "") for r in fq.records)


def test_real_crossref_works() -> None:
    (r,) = parse_real("crossref", "work-10.2196_22081.json").records
    assert r.doi == "10.2196/22081" and r.year == 2020
    assert r.title.startswith("Investigating Patients’ Intention")
    assert r.abstract.startswith("Background The COVID-19 crisis")
    (r2,) = parse_real("crossref", "work-10.17705_1cais.04607.json").records
    assert r2.year == 2021 and r2.abstract is None and r2.authors[0] == "Schryen, Guido"
    with pytest.raises(ApiError, match="Cursor specified but it is invalid"):
        parse_real("crossref", "error-404-bad-cursor.json")


def test_real_arxiv() -> None:
    (r,) = parse_real("arxiv", "id-1605.08386.xml").records
    assert (r.arxiv_id, r.year) == ("1605.08386", 2016)
    assert r.title == "Heat-bath random walks with Markov bases"
    assert r.authors == ("Caprice Stanley", "Tobias Windisch")
    assert r.abstract.startswith("Graphs on lattice points")
    page = parse_real("arxiv", "search-2026.xml")
    assert page.total == 96778 and len(page.records) == 50 and page.next == "50"
    assert page.records[0].arxiv_id == "2301.00306" and page.records[0].year == 2022
    assert sum(1 for r in page.records if r.doi) == 11
    assert all(r.abstract and "$" not in r.abstract for r in page.records)
    with pytest.raises(ApiError, match="incorrect id format for abc"):
        parse_real("arxiv", "error-400-bad-id.xml")


def test_real_semanticscholar_bulk_pages() -> None:
    p1 = parse_real("semanticscholar", "bulk-search-page-1.json")
    p2 = parse_real("semanticscholar", "bulk-search-page-2.json")
    assert p1.total == p2.total == 2674
    assert len(p1.records) == len(p2.records) == 1000 and p1.next and p2.next != p1.next
    assert not {r.s2_id for r in p1.records} & {r.s2_id for r in p2.records}
    assert (
        p1.records[0].title == "Kubernetes Cluster for Automating Software Production Environment"
    )
    assert p2.records[0].title == "Monitoring Container Services at the Network Edge"
    src = get_source("semanticscholar")
    nxt = src.next_request(src.first_request(query("x")), p1, 1000)
    assert nxt is not None and params(nxt)["token"] == p1.next
    empty = parse_real("semanticscholar", "empty-results.json")
    assert empty.records == () and empty.total == 0 and empty.next is None


def test_real_semanticscholar_relevance_and_error() -> None:
    page = parse_real("semanticscholar", "relevance-search-2026.json")
    assert page.total == 11626 and len(page.records) == 50
    r = page.records[0]
    assert r.doi == "10.1109/soli54607.2021.9672398" and r.year == 2021
    assert r.abstract.startswith("Due to the extensive use of technology")
    with pytest.raises(ApiError, match="Unrecognized or unsupported fields"):
        parse_real("semanticscholar", "error-400-bad-params.json")


def test_real_dblp() -> None:
    page = parse_real("dblp", "search-publ-30-hits.json")
    assert page.total == 67660 and len(page.records) == 30 and page.next == "30"
    r = page.records[0]
    assert (r.dblp_key, r.year, r.doi) == ("conf/ats/ShinogiYHTY05", 2005, "10.1109/ats.2005.17")
    assert r.title.startswith("A Test Cost Reduction Method") and not r.title.endswith(".")
    solo = next(x for x in page.records if x.dblp_key == "conf/date/Pomeranz14")
    assert solo.authors == ("Irith Pomeranz",)
    assert sum(1 for x in page.records if x.doi) == 23
    assert all(isinstance(x, Record) and x.source == "dblp" for x in page.records)
