"""PubMed (E-utilities) and Europe PMC: requests, real recorded responses, paging, faults.

PubMed parsing is tested on real E-utilities responses (../shared/realworld/api/pubmed:
esearch with the history server, a zero-result ErrorList, efetch PubMed XML with
structured abstracts and 22 authors). Europe PMC fixtures are small files written here
from its documented response format. Paging and 429/5xx/timeouts run against a local fake
server (tests/fake_biomed.py) on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from conftest import realworld_file
from fake_biomed import FakeBiomed, Fault, papers
from fakeapi import write_review
from litsift.errors import SearchError
from litsift.search import Settings, run_search
from litsift.search.executor import Executor, RateLimiter, RetryPolicy
from litsift.search.query import QuerySpec, build_query
from litsift.search.sources import ApiError, get_source
from litsift.search.sources.base import TruncatedBody
from litsift.store import Review

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "search"
FAST = RetryPolicy(attempts=4, base=0.001, cap=0.01, jitter=0.1, timeout=0.3, max_retry_after=60)


def q(text: str, **kw: object):
    return build_query(QuerySpec(name="q", query=text, **kw))  # type: ignore[arg-type]


def params(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.display()).query).items()}


def run(review: Review, fake: FakeBiomed, **kw: object):
    s = Settings(page_size=4, rates={"pubmed": 1000.0, "europepmc": 1000.0}, policy=FAST)
    return run_search(
        review, session_factory=fake.session_factory(), settings=s, sleep=lambda _: None, **kw
    )


# --------------------------------------------------------------------------- PubMed requests


def test_pubmed_esearch_uses_the_history_server() -> None:
    src = get_source("pubmed")
    query = q(
        '("language model*" OR llm*) AND title:inference NOT survey',
        years={"start": 2017, "end": 2023},
    )
    p = params(src.first_request(query, page_size=100))
    assert urlsplit(src.first_request(query).url).path.endswith("/esearch.fcgi")
    assert p["db"] == "pubmed" and p["usehistory"] == "y" and p["retmax"] == "100"
    assert p["term"] == (
        '(("language model*"[tiab] OR llm[tiab]) AND inference[ti]) NOT survey[tiab]'
    )
    assert (p["datetype"], p["mindate"], p["maxdate"]) == ("pdat", "2017", "2023")
    assert p["tool"] == "litsift" and "api_key" not in p and "email" not in p


def test_pubmed_short_truncation_and_abstract_field() -> None:
    src = get_source("pubmed")
    tr = src.translate(q("LLM* AND abstract:latency"))
    # PubMed truncates 4 letters or more; it has no abstract-only tag
    assert tr.text == "llm[tiab] AND latency[tiab]"
    assert tr.warnings and not tr.exact
    assert any("searched in the title-abstract" in n for n in tr.notes)


def test_pubmed_paging_follows_webenv_and_query_key() -> None:
    src = get_source("pubmed")
    first = src.first_request(q("llm"), page_size=200)
    page = src.parse(realworld_file("api/pubmed/esearch2.xml").read_text())
    assert page.total == 42249 and page.index_only and not page.records
    nxt = src.next_request(first, page, 0)
    assert nxt is not None and urlsplit(nxt.url).path.endswith("/efetch.fcgi")
    p = params(nxt)
    assert p["WebEnv"] == "MCID_6927d6e7fee3e90f880ec190" and p["query_key"] == "1"
    assert (p["retstart"], p["retmax"], p["retmode"]) == ("0", "200", "xml")
    full = type(page)(page.records, raw_count=200)
    later = src.next_request(nxt, full, 200)
    assert later is not None and params(later)["retstart"] == "200"
    assert src.next_request(later, type(page)((), raw_count=17), 417) is None
    # PubMed serves at most 10,000 records of one search
    last = later.with_params(later.page, retstart="9800")
    assert src.next_request(last, full, 10000) is None


def test_pubmed_zero_results_error_list_is_not_an_error() -> None:
    page = get_source("pubmed").parse(realworld_file("api/pubmed/esearch8.xml").read_text())
    assert page.total == 0 and page.next is None and not page.records


def test_pubmed_esearch_without_history_is_an_error() -> None:
    body = realworld_file("api/pubmed/esearch1.xml").read_text()  # usehistory not asked
    with pytest.raises(ApiError, match="WebEnv"):
        get_source("pubmed").parse(body)


def test_pubmed_efetch_structured_abstract_22_authors_mesh() -> None:
    page = get_source("pubmed").parse(realworld_file("api/pubmed/pubmed4.xml").read_text())
    (r,) = page.records
    assert len(r.authors) == 22 and r.authors[0].count(",") == 1
    assert r.abstract.startswith("OBJECTIVE: ") and "DESIGN: " in r.abstract
    assert "RESULTS: " in r.abstract
    assert r.pmid and r.doi and r.year and r.venue and r.mesh_terms
    assert "Journal Article" in r.publication_types and "Observational Study" in r.publication_types
    assert r.doc_type == "article" and r.keywords
    assert r.url == f"https://pubmed.ncbi.nlm.nih.gov/{r.pmid}/"


def test_pubmed_efetch_ids_are_the_articles_not_its_references() -> None:
    # pubmed7.xml lists 50 PubMed ids, most of them in its reference list
    (r,) = get_source("pubmed").parse(realworld_file("api/pubmed/pubmed7.xml").read_text()).records
    assert r.pmid == r.source_key == "29963580"
    review, other = (
        get_source("pubmed").parse(realworld_file("api/pubmed/pubmed1.xml").read_text()).records
    )
    assert other.doc_type == "article" and other.doi
    one = review
    assert one.doc_type == "review"  # "Journal Article" + "Review": the specific type wins
    assert "Chromatium/enzymology" in other.mesh_terms  # Descriptor/Qualifier


@pytest.mark.parametrize("name", ["pubmed1.xml", "pubmed2.xml", "pubmed5.xml", "pubmed6.xml"])
def test_pubmed_real_articles_parse(name: str) -> None:
    records = get_source("pubmed").parse(realworld_file(f"api/pubmed/{name}").read_text()).records
    assert records
    for r in records:
        assert r.title and r.pmid and r.authors and r.year and r.source == "pubmed"


def test_pubmed_other_bodies() -> None:
    src = get_source("pubmed")
    with pytest.raises(TruncatedBody):
        src.parse("<PubmedArticleSet><PubmedArticle>")
    with pytest.raises(ApiError, match="Unknown WebEnv"):
        src.parse("<eFetchResult><ERROR>Unknown WebEnv</ERROR></eFetchResult>")
    # efetch past the last record answers "Empty result": the end, not a failure
    end = src.parse("<eFetchResult><ERROR>Empty result - nothing to do</ERROR></eFetchResult>")
    assert end.raw_count == 0
    with pytest.raises(ApiError, match="unexpected"):
        src.parse(realworld_file("api/pubmed/espell.xml").read_text())


def test_ncbi_rate_is_3_per_second_and_10_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    src = get_source("pubmed")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    assert Executor(None)._limiter(src).interval == pytest.approx(1 / 3)
    monkeypatch.setenv("NCBI_API_KEY", "k")
    assert Executor(None)._limiter(src).interval == pytest.approx(1 / 10)
    assert isinstance(Executor(None)._limiter(src), RateLimiter)


# --------------------------------------------------------------------------- Europe PMC


def test_europepmc_request() -> None:
    src = get_source("europepmc")
    query = q(
        '"language model" AND (inference OR serv*) NOT title:survey',
        years={"start": 2017, "end": 2023},
    )
    p = params(src.first_request(query, page_size=500))
    assert p["query"] == (
        '(((TITLE:"language model" OR ABSTRACT:"language model") AND ((TITLE:inference OR '
        "ABSTRACT:inference) OR (TITLE:serv* OR ABSTRACT:serv*))) AND NOT TITLE:survey) "
        "AND (PUB_YEAR:[2017 TO 2023])"
    )
    assert (p["format"], p["resultType"], p["synonym"]) == ("json", "core", "false")
    assert p["pageSize"] == "500" and p["cursorMark"] == "*"


def test_europepmc_fixture_pages_follow_cursor_mark() -> None:
    src = get_source("europepmc")
    first = src.first_request(q("llm"))
    p1 = src.parse((FIX / "europepmc-page-1.json").read_text())
    assert p1.total == 3 and len(p1.records) == 2
    nxt = src.next_request(first, p1, 2)
    assert nxt is not None and params(nxt)["cursorMark"] == "AoIIP4AAACg0MDk4NzY1NA=="
    p2 = src.parse((FIX / "europepmc-page-2.json").read_text())
    # the last page hands the same cursor back: the search ends there
    assert src.next_request(nxt, p2, 3) is None
    med, ppr = p1.records
    assert med.pmid == "40987654" and med.doi == "10.5555/epmc.1"
    assert med.mesh_terms == ("Humans", "Natural Language Processing/methods")
    assert med.keywords == ("large language models", "quantization")
    assert med.publication_types == ("research-article", "Journal Article")
    assert med.authors == ("Lovelace, Ada", "Hopper, Grace")
    assert med.venue == "Journal of Efficient Computing" and med.year == 2023
    assert med.cited_by_count == 12 and med.doc_type == "article"
    assert ppr.doc_type == "preprint" and ppr.pmid is None and ppr.abstract


def test_europepmc_error_body() -> None:
    with pytest.raises(ApiError, match="Invalid query"):
        get_source("europepmc").parse(json.dumps({"errMsg": "Invalid query syntax"}))


# --------------------------------------------------------------------------- end to end


def make_review(root: Path, apis: list[str]) -> Review:
    write_review(root, apis)
    return Review(root)


@pytest.mark.parametrize("api", ["pubmed", "europepmc"])
def test_pages_to_the_end(tmp_path: Path, api: str) -> None:
    review = make_review(tmp_path / "r", [api])
    with FakeBiomed(papers(10)) as fake:
        report = run(review, fake)
        hits = fake.of(api)
    (entry,) = report.entries
    assert entry.hits == 10 and entry.retrieved == entry.kept == 10 and entry.status == "complete"
    # PubMed: 1 esearch + 3 efetch of 4, 4, 2; Europe PMC: 3 pages (the last hands back its cursor)
    assert len(hits) == (4 if api == "pubmed" else 3)
    assert len(review.search.records()[api]) == 10
    if api == "pubmed":
        assert {h.params["WebEnv"][0] for h in hits[1:]} == {"MCID_fake"}
        assert all(h.params["tool"] == ["litsift"] for h in hits)


@pytest.mark.parametrize("api", ["pubmed", "europepmc"])
@pytest.mark.parametrize(
    "fault",
    [
        Fault("", 2, "429", retry_after="0"),
        Fault("", 2, "500"),
        Fault("", 1, "503", times=2),
        Fault("", 2, "timeout"),
    ],
    ids=["429", "500", "503x2", "timeout"],
)
def test_faults_are_retried(tmp_path: Path, api: str, fault: Fault) -> None:
    review = make_review(tmp_path / "r", [api])
    fault = Fault(api, fault.page, fault.kind, fault.times, fault.retry_after)
    with FakeBiomed(papers(10), faults=[fault], hang=0.6) as fake:
        report = run(review, fake)
    (entry,) = report.entries
    assert entry.retrieved == 10 and entry.retries >= fault.times
    if fault.kind == "429":
        assert entry.rate_limit_waits == 1


def test_persistent_failure_resumes_from_cache(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["pubmed"])
    faults = [Fault("pubmed", 3, "500", times=99)]
    with FakeBiomed(papers(10), faults=faults) as fake, pytest.raises(SearchError, match="re-run"):
        run(review, fake)
    with FakeBiomed(papers(10)) as fake:
        report = run(review, fake)
        hits = fake.of("pubmed")
    # esearch and the first efetch come from the cache: only pages 3 and 4 are requested
    assert [h.page for h in hits] == [3, 4] and report.entries[0].retrieved == 10
    log = yaml.safe_load(report.log_path.read_text())
    assert log["mode"] == "resume"


def test_ncbi_key_and_email_sent_but_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", "sekret-ncbi-9")
    review = make_review(tmp_path / "r", ["pubmed"])
    with FakeBiomed(papers(3)) as fake:
        run_search(
            review,
            session_factory=fake.session_factory(),
            settings=Settings(page_size=4, policy=FAST, mailto="team@example.org"),
            sleep=lambda _: None,
        )
        sent = fake.of("pubmed")
    assert sent[0].params["api_key"] == ["sekret-ncbi-9"]
    assert sent[0].params["email"] == ["team@example.org"]
    for path in review.search_dir.rglob("*"):
        if path.is_file():
            assert "sekret" not in path.read_text(encoding="utf-8")
