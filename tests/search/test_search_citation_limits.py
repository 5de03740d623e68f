"""Citation chasing with limits: date range and eligibility before screening, an optional
cap per seed keeping the most cited or the most similar, counts of what was dropped and
why in the search log, and `--citations --explain` showing the plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from fakeapi import FakeApis, make_works, write_review
from litsift import updates
from litsift.cli import app
from litsift.errors import InputError
from litsift.models import CitationLimits, Protocol, Record
from litsift.search import Settings, citation_plan, run_search
from litsift.search.executor import RetryPolicy
from litsift.search.sources.citations import limit_chased, similarity
from litsift.store import Review

FAST = RetryPolicy(attempts=3, base=0.001, cap=0.01, jitter=0.1, timeout=0.5)


def protocol(**eligibility: object) -> Protocol:
    return Protocol.model_validate(
        {
            "title": "t",
            "question": "q",
            "date_range": {"start": 2017, "end": 2023},
            "sources": [{"name": "citations", "kind": "citation"}],
            "criteria": [{"code": "I1", "kind": "include", "text": "x"}],
            "reviewers": [{"id": "r1"}],
            "eligibility": eligibility,
        }
    )


def rec(i: int, year: int | None = 2020, cited: int | None = None, **kw: object) -> Record:
    title = kw.pop("title", f"Paper {i} about pipelines")
    return Record.build(
        source="citations", title=title, year=year, cited_by_count=cited, s2_id=f"{i:040x}", **kw
    )


def test_date_range_and_eligibility_are_counted() -> None:
    records = [
        rec(1, 2016),
        rec(2, 2024),
        rec(3, None),  # unknown year: kept, screening decides
        rec(4, 2020, language="de"),
        rec(5, 2020, doc_type="erratum"),
        rec(6, 2020),
    ]
    p = protocol(languages=["en"], exclude_types=["erratum"])
    kept, dropped = limit_chased(records, CitationLimits(), p)
    assert {r.s2_id for r in kept} == {rec(3, None).s2_id, rec(6).s2_id}
    assert dropped == {
        "ineligible: doc-type": 1,
        "ineligible: language": 1,
        "outside 2017-2023": 2,
    }
    # eligibility can be left to screening; a narrower date range can be set
    kept, dropped = limit_chased(
        records, CitationLimits(eligibility=False, years={"start": 2020, "end": 2020}), p
    )
    assert len(kept) == 4 and dropped == {"outside 2020-2020": 2}


def test_cap_keeps_the_most_cited_deterministically() -> None:
    records = [rec(i, cited=c) for i, c in enumerate([5, None, 50, 5, 7])]
    kept, dropped = limit_chased(records, CitationLimits(per_seed=3), protocol())
    assert sorted(r.cited_by_count or 0 for r in kept) == [5, 7, 50]
    assert dropped == {"over the cap of 3 per seed (kept the most-cited)": 2}
    again, _ = limit_chased(list(reversed(records)), CitationLimits(per_seed=3), protocol())
    assert [r.id for r in again] == [r.id for r in kept]


def test_cap_keeps_the_most_similar_to_the_seed() -> None:
    seed = "Pipeline parallelism for training giant transformer models"
    records = [
        rec(1, title="Pipeline parallel training of transformer models"),
        rec(2, title="A study of soil erosion"),
        rec(3, title="Giant transformer models trained with pipeline parallelism"),
        rec(4, title="Bird migration patterns"),
    ]
    scores = similarity(seed, records)
    assert scores[0] > scores[1] == 0.0 and scores[2] > scores[3]
    kept, dropped = limit_chased(
        records, CitationLimits(per_seed=2, keep="most-similar"), protocol(), seed
    )
    assert {r.title for r in kept} == {records[0].title, records[2].title}
    assert sum(dropped.values()) == 2


def test_limits_are_validated_in_review_yaml(tmp_path: Path) -> None:
    root = tmp_path / "r"
    write_review(root, ["openalex"])
    text = (root / "review.yaml").read_text() + "search: {citations: {per_seed: 0}}\n"
    (root / "review.yaml").write_text(text)
    with pytest.raises(InputError, match="per_seed"):
        Review(root).protocol  # noqa: B018


def chasing_review(tmp_path: Path, limits: str) -> Review:
    root = tmp_path / "r"
    write_review(root, ["openalex", "semanticscholar"])
    text = (root / "review.yaml").read_text() + f"search: {{citations: {limits}}}\n"
    (root / "review.yaml").write_text(text)
    kb = root / "data" / "kb"
    kb.mkdir(parents=True)
    (kb / "seed.yaml").write_text(
        "key: seed\ntitle: Fast inference for large language models\nauthors: [A B]\n"
        "year: 2022\ndoi: 10.5555/SEED\nverification: {method: hand}\nsummary: s\n"
        "classes: [inference]\n"
    )
    return Review(root)


def test_chasing_applies_the_limits_and_logs_the_counts(tmp_path: Path) -> None:
    review = chasing_review(tmp_path, "{years: {start: 2020, end: 2023}, per_seed: 3}")
    with FakeApis(make_works(12)) as fake:
        report = run_search(
            review,
            citations=True,
            session_factory=fake.session_factory(),
            settings=Settings(
                page_size=50, policy=FAST, rates={"openalex": 1e3, "semanticscholar": 1e3}
            ),
            sleep=lambda _: None,
        )
    # years of the fake works cycle 2018..2023: 4 of 12 fall before 2020, then the cap of 3
    for e in report.entries:
        assert e.retrieved == 12 and e.kept == 3
        assert e.dropped == {
            "outside 2020-2023": 4,
            "over the cap of 3 per seed (kept the most-cited)": 5,
        }
    data = yaml.safe_load(report.log_path.read_text())
    assert data["citation_limits"][0] == "publication years 2020-2023 (unknown years kept)"
    assert data["sources"][0]["dropped"]["outside 2020-2023"] == 4
    kept = review.search.records()["citations"]
    assert all(r.year is not None and r.year >= 2020 for r in kept)


def test_explain_shows_the_citation_plan(tmp_path: Path) -> None:
    review = chasing_review(tmp_path, "{per_seed: 100, keep: most-similar}")
    result = CliRunner().invoke(
        app, ["search", "--citations", "--explain", "--root", str(review.root)]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["seeds chased"] == 1 and plan["resolve requests (OpenAlex, by DOI)"]
    assert (
        "at most 100 records per seed and direction, the most similar to the seed" in plan["limits"]
    )
    assert plan == citation_plan(review, updates.citation_seeds(review))
