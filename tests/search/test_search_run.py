"""The search stage end to end against a local fake of the five APIs (no network)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from fakeapi import FakeApis, Fault, make_works, write_review
from litsift import updates
from litsift.errors import InputError, SearchError
from litsift.search import Settings, run_search
from litsift.search.executor import RetryPolicy
from litsift.store import Review

APIS = ["openalex", "crossref", "arxiv", "semanticscholar", "dblp"]
FAST = RetryPolicy(attempts=4, base=0.001, cap=0.01, jitter=0.1, timeout=0.5, max_retry_after=60)


def make_review(root: Path, apis: list[str] = APIS) -> Review:
    """A minimal review folder with one query and the given API sources."""
    write_review(root, apis)
    return Review(root)


def settings(**kw: object) -> Settings:
    base = {"page_size": 10, "rates": {a: 1000.0 for a in APIS}, "policy": FAST}
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


class Sleeps(list):
    """A fake sleep that records what it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run(review: Review, fake: FakeApis, sleep: Sleeps | None = None, **kw: object):
    s = kw.pop("settings", None) or settings()
    return run_search(
        review,
        session_factory=fake.session_factory(),
        settings=s,
        sleep=sleep if sleep is not None else Sleeps(),
        **kw,
    )  # type: ignore[arg-type]


def ids_in(review: Review, source: str) -> list[str]:
    return [r.source_key for r in review.search.records()[source]]  # type: ignore[misc]


def test_all_sources_page_to_the_end(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r")
    works = make_works(35, matching_every=5)
    with FakeApis(works) as fake:
        report = run(review, fake)
    assert report.failures == []
    records = review.search.records()
    assert sorted(records) == sorted(APIS)
    # exact translations keep all 35; crossref, dblp and semantic scholar (it stems every
    # word, so it also finds other forms) are post-filtered to the 28 matches
    counts = {e.source: (e.retrieved, e.matching, e.kept, e.pages) for e in report.entries}
    assert counts["openalex"] == (35, 28, 35, 4)
    assert counts["semanticscholar"][:3] == (35, 28, 28)
    assert counts["arxiv"] == (35, 28, 35, 4)
    assert counts["crossref"][:3] == (35, 28, 28)
    assert counts["dblp"][:3] == (35, 28, 28)
    oa = records["openalex"]
    assert len({r.origin for r in oa}) == 35
    assert [r.id for r in oa] == sorted(r.id for r in oa)
    assert all(r.batch == report.run_id for r in oa)
    first = next(r for r in oa if r.source_key == "W1000")
    assert first.abstract == works[0].abstract and first.doi == works[0].doi
    assert {r.arxiv_id for r in records["arxiv"]} >= {"2301.10000"}


def test_log_is_prisma_s(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(12)) as fake:
        report = run(review, fake)
    data = yaml.safe_load(report.log_path.read_text())
    assert data["status"] == "complete" and data["mode"] == "search"
    entry = data["sources"][0]
    assert entry["platform"] == "openalex" and entry["hits"] == 12
    assert entry["retrieved"] == 12 and entry["pages"] == 2
    assert entry["query_sent"].startswith("title_and_abstract.search.no_stem:")
    assert "per_page=10" in entry["request"] and "api_key" not in entry["request"]
    assert data["litsift_version"] and entry["date"] == entry["date"].strip()
    assert entry["exact_translation"] is True and entry["status"] == "complete"
    rows = review.search.summary()
    assert rows[0]["hits"] == 12 and rows[0]["run_id"] == report.run_id


@pytest.mark.parametrize(
    "fault",
    [
        Fault("openalex", 2, "429", retry_after="7"),
        Fault("openalex", 2, "500", times=2),
        Fault("openalex", 3, "503"),
        Fault("openalex", 2, "timeout"),
        Fault("openalex", 2, "truncated"),
        Fault("openalex", 3, "empty"),
    ],
    ids=lambda f: f.kind,
)
def test_transient_faults_are_retried(tmp_path: Path, fault: Fault) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    sleeps = Sleeps()
    with FakeApis(make_works(35), faults=[fault], hang=1.0) as fake:
        report = run(review, fake, sleeps)
        served = sum(n for (api, _), n in fake.hits.items() if api == "openalex")
    keys = ids_in(review, "openalex")
    assert len(keys) == 35 and len(set(keys)) == 35
    assert report.entries[0].retries == fault.times
    assert served == 4 + fault.times
    if fault.kind == "429":
        assert 7.0 in sleeps  # Retry-After honoured
        assert report.entries[0].rate_limit_waits == 1


def test_every_source_survives_faults(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r")
    faults = [
        Fault(api, 2, kind)
        for api, kind in zip(APIS, ["503", "429", "empty", "truncated", "500"], strict=True)
    ]
    with FakeApis(make_works(25), faults=faults) as fake:
        report = run(review, fake)
    assert report.failures == []
    for api in ("openalex", "arxiv", "semanticscholar"):
        assert len(set(ids_in(review, api))) == 25


def test_cursor_ending_early_finishes_with_warning(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex", "semanticscholar"])
    faults = [Fault("openalex", 2, "end-early"), Fault("semanticscholar", 1, "end-early")]
    with FakeApis(make_works(35), faults=faults) as fake:
        report = run(review, fake)
    oa = next(e for e in report.entries if e.source == "openalex")
    assert oa.retrieved == 20 and oa.hits == 35
    assert any("paging ended after 20 of 35" in w for w in oa.warnings)
    assert len(set(ids_in(review, "openalex"))) == 20


def test_persistent_failure_is_resumable_and_cache_is_reused(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(45), faults=[Fault("openalex", 3, "503", times=99)]) as fake:
        with pytest.raises(SearchError, match="re-run"):
            run(review, fake)
        first = len(fake.requests_for("openalex"))
    assert first == 2 + FAST.attempts
    data = yaml.safe_load(next((review.search_dir / "log").glob("*.yaml")).read_text())
    assert data["status"] == "failed" and "page 3" in data["sources"][0]["error"]
    # the re-run (same snapshot) asks only for the pages it does not have
    with FakeApis(make_works(45)) as fake:
        report = run(review, fake)
        pages = [s.page for s in fake.requests_for("openalex")]
    assert pages == [3, 4, 5]
    assert report.snapshot == data["snapshot"] and report.mode == "resume"
    assert len(set(ids_in(review, "openalex"))) == 45


def test_replay_is_offline_and_identical(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex", "arxiv"])
    with FakeApis(make_works(23)) as fake:
        run(review, fake)
    files = {p.name: p.read_bytes() for p in (review.search_dir / "records").iterdir()}
    with FakeApis(make_works(23)) as fake:
        report = run(review, fake, offline=True)
        assert fake.served == []
    assert report.mode == "replay"
    assert {p.name: p.read_bytes() for p in (review.search_dir / "records").iterdir()} == files


def test_offline_miss_fails_clearly(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(5)) as fake, pytest.raises(SearchError, match="no earlier"):
        run(review, fake, offline=True)
    with FakeApis(make_works(25)) as fake:
        run(review, fake, settings=settings(max_pages=1))
    for path in (review.search_dir / "cache" / "openalex").glob("*.json"):
        path.unlink()
    with FakeApis(make_works(25)) as fake, pytest.raises(SearchError, match="offline"):
        run(review, fake, offline=True)


def test_update_flags_only_new_records(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(15)) as fake:
        run(review, fake)
    with FakeApis(make_works(18)) as fake:
        second = run(review, fake, update=True, now=None)
        assert len(fake.served) == 2
    assert second.mode == "update" and second.snapshot == second.run_id
    assert len(second.new_records["openalex"]) == 3
    records = review.search.records()["openalex"]
    batches = {r.batch for r in records}
    assert len(records) == 18 and len(batches) == 2
    assert second.entries[0].new == 3


def test_quota_exhaustion_is_reported_not_retried(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(25), faults=[Fault("openalex", 2, "quota", times=9)]) as fake:
        with pytest.raises(SearchError, match="quota exhausted"):
            run(review, fake)
        assert len(fake.served) == 2


def test_record_cap(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["semanticscholar"])
    with FakeApis(make_works(30)) as fake:
        report = run(review, fake, max_records=12)
    assert report.entries[0].retrieved == 12
    assert any("record cap" in w for w in report.entries[0].warnings)


def test_api_key_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENALEX_API_KEY", "sekret-key-123")
    monkeypatch.setenv("S2_API_KEY", "sekret-key-456")
    review = make_review(tmp_path / "r", ["openalex", "semanticscholar"])
    with FakeApis(make_works(12), faults=[Fault("openalex", 1, "400", times=9)]) as fake:
        with pytest.raises(SearchError) as err:
            run(review, fake)
        sent = [s.query for s in fake.requests_for("openalex")]
    assert sent[0]["api_key"] == ["sekret-key-123"]
    assert "sekret" not in str(err.value)
    for path in review.search_dir.rglob("*"):
        if path.is_file():
            assert "sekret" not in path.read_text(encoding="utf-8")


def test_review_yaml_search_block_sets_contact_and_caps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LITSIFT_MAILTO", raising=False)
    review = make_review(tmp_path / "r", ["crossref"])
    with review.protocol_path.open("a", encoding="utf-8") as f:
        f.write("search: {mailto: team@example.org, max_records: 12}\n")
    review = Review(review.root)
    with FakeApis(make_works(30)) as fake:
        report = run(review, fake)
        sent = fake.requests_for("crossref")
    assert all(s.query["mailto"] == ["team@example.org"] for s in sent)
    assert report.entries[0].kept == 12
    # a flag for one run wins over review.yaml
    with FakeApis(make_works(30)) as fake:
        again = run(review, fake, update=True, settings=settings(max_records=5, mailto="me@x.org"))
        assert fake.requests_for("crossref")[0].query["mailto"] == ["me@x.org"]
    assert again.entries[0].kept == 5


def test_review_yaml_search_block_is_validated(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["crossref"])
    with review.protocol_path.open("a", encoding="utf-8") as f:
        f.write("search:\n  mailto: not-an-address\n  api_key: x\n")
    with pytest.raises(InputError, match=r"review.yaml:1[0-9]: search\.") as err:
        Review(review.root).protocol  # noqa: B018
    assert err.value.line is not None


def test_records_are_jsonl_of_records(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["dblp"])
    with FakeApis(make_works(7)) as fake:
        run(review, fake)
    lines = (review.search_dir / "records" / "dblp.jsonl").read_text().splitlines()
    rows = [json.loads(x) for x in lines]
    assert all(r["source"] == "dblp" and r["origin"].startswith("dblp:") for r in rows)
    assert rows[0]["authors"] == ["Ada Lovelace"]  # DBLP single author given as a string


def write_seed(review: Review, key: str, doi: str = "", arxiv_id: str = "") -> None:
    review.kb_dir.mkdir(parents=True, exist_ok=True)
    (review.kb_dir / f"{key}.yaml").write_text(
        yaml.safe_dump(
            {
                "key": key,
                "title": f"Seed {key}",
                "authors": ["A. Author"],
                "year": 2022,
                "doi": doi,
                "arxiv_id": arxiv_id,
                "verification": {"method": "landing page"},
                "summary": "s",
                "classes": ["inference"],
            }
        )
    )


def test_citation_chasing(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex", "semanticscholar"])
    write_seed(review, "flexgen", arxiv_id="2303.06865")
    write_seed(review, "gpipe", doi="10.5555/GPIPE")
    with FakeApis(make_works(3)) as fake:
        report = run(review, fake, citations=True)
        oa = fake.requests_for("openalex")
        s2 = [s for s in fake.served if s.api == "semanticscholar"]
    assert report.mode == "citations"
    resolve = oa[0].query["filter"][0]
    assert resolve == "doi:10.48550/arxiv.2303.06865|10.5555/gpipe"
    filters = sorted(s.query["filter"][0] for s in oa[1:])
    assert filters[:2] == ["cited_by:W1000", "cited_by:W1001"] and len(filters) == 6
    assert len(s2) == 4  # references and citations of 2 seeds
    records = review.search.records()["citations"]
    assert {r.source for r in records} == {"citations"}
    assert len({r.origin for r in records}) == len(records) == 6  # 3 from each platform
    labels = [e.query_name for e in report.entries]
    assert "references of DOI:10.5555/gpipe (semanticscholar)" in labels
    assert "citations of ARXIV:2303.06865 (semanticscholar)" in labels
    # the database search lineage is separate from the citation lineage
    assert "citations" not in {
        e["source"] for e in review.search.summary() if e["run_id"] != report.run_id
    }


def test_citation_seeds_are_the_included_records(tmp_path: Path) -> None:
    """Without a knowledge base, the studies screening included are the seeds."""
    review = make_review(tmp_path / "r", ["openalex", "semanticscholar"])
    with FakeApis(make_works(4)) as fake:
        run(review, fake, sources=["openalex"])
    records = sorted(review.search.records()["openalex"], key=lambda r: r.id)
    chosen = records[:2]
    ta = review.screening_dir / "title-abstract" / "r1.yaml"
    ft = review.screening_dir / "full-text" / "r1.yaml"
    for path in (ta, ft):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"- {{id: {r.id}, decision: include}}\n" for r in chosen))
    write_seed(review, "gpipe", doi="10.5555/GPIPE")  # a KB study never imported
    seeds = updates.citation_seeds(review)
    assert [s.doi for s in seeds] == [r.doi for r in chosen] + ["10.5555/GPIPE"]
    with FakeApis(make_works(3)) as fake:
        report = run(review, fake, citations=True, seeds=seeds)
    labels = {e.query_name for e in report.entries if e.api == "semanticscholar"}
    assert labels == {
        f"{rel} of DOI:{doi} (semanticscholar)"
        for rel in ("references", "citations")
        for doi in [r.doi for r in chosen] + ["10.5555/gpipe"]
    }
    log = yaml.safe_load(report.log_path.read_text())
    assert log["seeds"] == {"included": 3, "chased": 3, "no identifier": 0}


def test_citations_need_seeds(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(3)) as fake, pytest.raises(SearchError, match="included studies"):
        run(review, fake, citations=True)


KILLED_RUN = """
import sys
from litsift.store import Review
from litsift.search import Settings, run_search
from fakeapi import route_to
run_search(Review.find(sys.argv[1]), session_factory=route_to(sys.argv[2]),
           settings=Settings(page_size=10, rates={"openalex": 25.0}))
"""


def test_resume_after_kill_requests_no_cached_page(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(200), latency=0.02) as fake:
        tests = str(Path(__file__).resolve().parents[1])  # where fakeapi.py lives
        env = {**os.environ, "PYTHONPATH": tests}
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_RUN, str(review.root), fake.url], env=env
        )
        deadline = time.monotonic() + 20
        cache = review.search_dir / "cache" / "openalex"
        while len(list(cache.glob("*.json"))) < 6 and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.kill()
        proc.wait()
        before = {s.page for s in fake.served}
    cached = len(list((review.search_dir / "cache" / "openalex").glob("*.json")))
    assert 6 <= cached < 20  # killed part-way, with pages on disk
    log = yaml.safe_load(next((review.search_dir / "log").glob("*.yaml")).read_text())
    assert log["status"] == "running"
    with FakeApis(make_works(200)) as fake:
        report = run(review, fake)
        after = [s.page for s in fake.served]
    assert report.snapshot == log["snapshot"] and report.mode == "resume"
    assert len(after) == 20 - cached and min(after) == cached + 1
    assert not set(after) & (before - {max(before)})  # at most the in-flight page again
    assert len(set(ids_in(review, "openalex"))) == 200


def test_persistent_empty_page_is_taken_as_the_end(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["crossref"])
    with FakeApis(make_works(35), faults=[Fault("crossref", 3, "empty", times=99)]) as fake:
        report = run(review, fake)
        pages = [s.page for s in fake.served]
    entry = report.entries[0]
    assert pages == [1, 2, 3, 3, 3, 3] and entry.retries == 3
    assert entry.retrieved == 20 and entry.status == "complete"
    assert any("empty page 3 after 20 of 35" in w for w in entry.warnings)


def test_citations_need_a_declared_citations_source(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    text = review.protocol_path.read_text(encoding="utf-8")
    review.protocol_path.write_text(
        text.replace("  - {name: citations, kind: citation, platform: citation chasing}\n", ""),
        encoding="utf-8",
    )
    write_seed(Review(review.root), "flexgen", arxiv_id="2303.06865")
    with FakeApis(make_works(3)) as fake, pytest.raises(InputError, match="declare it"):
        run(Review(review.root), fake, citations=True)
