"""The screening stage: eligibility, dual review, maybe rules, conflicts, adjudication,
PRISMA counts and the problems `litsift check` reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from litsift.errors import InputError
from litsift.models import Eligibility, Record, Screening, Stage, Verdict, YearRange
from litsift.screen import (
    Status,
    adjudication_batches,
    conflicts,
    eligibility,
    next_batch,
    screen,
)
from litsift.screen.combine import Outcome, combine
from litsift.screen.state import Entry
from litsift.store import Review

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screen"
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def rec(rid: str, **fields: object) -> Record:
    base = {"title": f"Title {rid}", "year": 2020}
    return Record(id=rid, source="fixture", **(base | fields))


RECORDS = [
    rec("r1", abstract="4-bit quantisation speeds up LLM inference on GPUs"),
    rec("r2", abstract="a study of protein folding"),
    rec("r3", abstract="KV cache compression for transformer serving"),
    rec("r4", abstract="pipeline parallel training of large language models"),
    rec("r5", abstract="speculative decoding accelerates language model inference"),
    rec("old", year=2010),
    rec("fr", language="fr"),
]


@pytest.fixture
def review(tmp_path: Path) -> Review:
    shutil.copy(FIXTURES / "review.yaml", tmp_path / "review.yaml")
    return Review.find(tmp_path)


def put(review: Review, stage: Stage, name: str, text: str) -> Path:
    path = review.screening_dir / stage.value / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run(review: Review, records: list[Record] = RECORDS, aliases: dict | None = None, strict=True):
    state = review.screening.load(aliases or {}, [r.id for r in records], strict=strict)
    return state, screen(records, review.protocol, state)


# --------------------------------------------------------------------------- eligibility


def write_adjudication(review, records, state, found):
    """What `litsift screen conflicts --write` does: append each stage's new conflicts."""
    from litsift.screen import ADJUDICATION, ADJUDICATION_HEADER, criteria_header

    written = []
    for stage, batch in adjudication_batches(records, state, found).items():
        header = ADJUDICATION_HEADER + criteria_header(review.protocol, stage)
        added = review.screening.append(stage, ADJUDICATION, batch, header=header)
        written.append((review.screening.adjudication_file(stage), added))
    return written


def test_eligibility_rules_fire_with_their_name() -> None:
    rules = Eligibility(
        years=YearRange(start=2017, end=2023),
        languages=("en",),
        exclude_types=("erratum",),
        require_abstract=True,
    )
    cases = {
        "no-title": rec("a", title=" ", abstract="x"),
        "no-abstract": rec("b"),
        "years": rec("c", year=2016, abstract="x"),
        "language": rec("d", language="German", abstract="x"),
        "doc-type": rec("e", doc_type="Erratum", abstract="x"),
    }
    for rule, record in cases.items():
        found = eligibility.check(record, rules)
        assert found is not None and found.rule.value == rule, rule
    assert eligibility.check(rec("f", language="eng", abstract="x"), rules) is None
    assert eligibility.check(rec("g", year=None, abstract="x"), rules) is None  # no year: human


# --------------------------------------------------------------------------- combining


def vote(decision: str | None, reason: str | None = None) -> Entry:
    return Entry("r", "r", Verdict(decision) if decision else None, reason, None, 1)


@pytest.mark.parametrize(
    "maybe, a, b, outcome, verdict",
    [
        ("include", "include", "include", Outcome.DECIDED, Verdict.INCLUDE),
        ("include", "include", "exclude", Outcome.CONFLICT, None),
        ("include", "maybe", "include", Outcome.DECIDED, Verdict.INCLUDE),
        ("exclude", "maybe", "exclude", Outcome.DECIDED, Verdict.EXCLUDE),
        ("exclude", "maybe", "include", Outcome.CONFLICT, None),
        ("conflict", "maybe", "maybe", Outcome.CONFLICT, None),
        ("include", "include", None, Outcome.PENDING, None),
    ],
)
def test_combine_rules(
    maybe: str, a: str, b: str | None, outcome: Outcome, verdict: Verdict | None
) -> None:
    rules = Screening(reviewers_per_record=2, maybe=maybe)
    got = combine({"alice": vote(a), "bob": vote(b)}, None, rules)
    assert (got.outcome, got.verdict) == (outcome, verdict)


def test_adjudication_overrides_and_majority_reason() -> None:
    rules = Screening(reviewers_per_record=2)
    votes = {"alice": vote("include"), "bob": vote("exclude", "E2")}
    got = combine(votes, vote("exclude", "E1"), rules)
    assert (got.outcome, got.verdict, got.reason, got.adjudicated) == (
        Outcome.DECIDED,
        Verdict.EXCLUDE,
        "E1",
        True,
    )
    three = {"a": vote("exclude", "E2"), "b": vote("exclude", "E1"), "c": vote("exclude", "E2")}
    assert combine(three, None, rules).reason == "E2"


# --------------------------------------------------------------------------- the stage


def test_statuses_counts_and_agreement(review: Review) -> None:
    put(
        review,
        TA,
        "alice",
        "- id: r1\n  decision: include\n- id: r2\n  decision: exclude\n"
        "  reason: E1\n- id: r3\n  decision: include\n- id: r4\n  decision: include\n"
        "- id: r5\n  decision: include\n",
    )
    put(
        review,
        TA,
        "bob",
        "- id: r1\n  decision: include\n- id: r2\n  decision: exclude\n"
        "  reason: E1\n- id: r3\n  decision: maybe\n- id: r4\n  decision: exclude\n"
        "  reason: E2\n",
    )
    put(review, TA, "adjudication", "- id: r4\n  decision: include\n")
    put(
        review,
        FT,
        "alice",
        "- id: r1\n  decision: include\n- id: r3\n  decision: exclude\n"
        "  reason: E6\n- id: r4\n  decision: not-retrieved\n",
    )
    put(
        review,
        FT,
        "bob",
        "- id: r1\n  decision: include\n- id: r3\n  decision: exclude\n"
        "  reason: E6\n- id: r4\n  decision: not-retrieved\n",
    )
    _, result = run(review)
    got = {rid: (s.status, s.reason) for rid, s in result.statuses.items()}
    assert got == {
        "r1": (Status.INCLUDED, None),
        "r2": (Status.TA_EXCLUDED, "E1"),
        "r3": (Status.FT_EXCLUDED, "E6"),
        "r4": (Status.FT_NOT_RETRIEVED, None),
        "r5": (Status.TA_PENDING, None),  # one of two reviewers so far
        "old": (Status.INELIGIBLE, "years"),
        "fr": (Status.INELIGIBLE, "language"),
    }
    c = result.counts()
    assert (
        c.ineligible_by_automation,
        c.screened,
        c.excluded_ta,
        c.sought,
        c.not_retrieved,
        c.assessed,
        c.excluded_ft,
        c.included,
        c.pending,
    ) == (2, 5, 1, 3, 1, 2, 1, 1, 1)
    assert c.excluded_ta_by_reason == {"E1": 1} and c.excluded_ft_by_reason == {"E6": 1}
    assert c.ineligible_by_rule == {"language": 1, "years": 1}
    assert c.screened == c.excluded_ta + c.sought + c.pending_ta
    assert c.sought == c.not_retrieved + c.assessed
    assert result.included_ids() == ["r1"]
    ta = result.agreement["title-abstract"]
    assert ta.items == 4 and ta.raw.value == 0.5  # r1, r2 agree; r3, r4 differ
    assert result.problems() == []
    assert "agreement title-abstract" in result.status_extras()


def test_problems_for_check(review: Review) -> None:
    put(
        review,
        TA,
        "alice",
        "- id: r1\n  decision: include\n- id: r2\n  decision: exclude\n"
        "- id: r3\n  decision: include\n",
    )
    put(
        review,
        TA,
        "bob",
        "- id: r1\n  decision: include\n- id: r2\n  decision: exclude\n"
        "  reason: E1\n- id: r3\n  decision: exclude\n  reason: E2\n",
    )
    put(review, FT, "alice", "- id: r2\n  decision: include\n")
    _, result = run(review, strict=False)  # as `litsift check` reads the files
    problems = result.problems()
    assert any("alice.yaml:4: exclusion of r2 has no reason" in p for p in problems)
    assert any(
        "record r3: unresolved title-abstract conflict (alice: include; bob: exclude (E2))" in p
        for p in problems
    )
    assert any(
        "record r1: included at title/abstract but has no full-text decision" in p for p in problems
    )
    assert any("full-text decision for r2, which is not included" in p for p in problems)
    assert len(problems) == 4


def test_unknown_record_strict_and_lenient(review: Review) -> None:
    put(review, TA, "alice", "- id: r1\n  decision: include\n- id: ghost\n  decision: include\n")
    with pytest.raises(InputError, match=r"alice.yaml:3: unknown record id 'ghost'"):
        review.screening.load({}, ["r1"])
    state = review.screening.load({}, ["r1"], strict=False)
    result = screen(RECORDS, review.protocol, state)
    assert any("unknown record id 'ghost'" in p for p in result.problems())


def test_member_ids_resolve_to_their_cluster(review: Review) -> None:
    put(review, TA, "alice", "- id: doi-member\n  decision: exclude\n  reason: E1\n")
    put(review, TA, "bob", "- id: r2\n  decision: exclude\n  reason: E1\n")
    _, result = run(review, aliases={"doi-member": "r2"})
    assert result.statuses["r2"].status is Status.TA_EXCLUDED


def test_undeclared_reviewer_file_refused(review: Review) -> None:
    put(review, TA, "mallory", "- id: r1\n  decision: include\n")
    with pytest.raises(InputError, match="reviewer 'mallory' is not declared"):
        review.screening.load({}, ["r1"])


# --------------------------------------------------------------------------- batches, conflicts


def test_next_batch_dual_review_gives_both_reviewers_the_records(review: Review) -> None:
    put(
        review,
        TA,
        "alice",
        "- id: r2\n  decision: exclude\n  reason: E1\n- id: r1\n  decision: include\n",
    )
    state, _ = run(review)
    batch = next_batch(RECORDS, review.protocol, state, "bob", TA, n=10)
    assert {e["id"] for e in batch} == {"r1", "r2", "r3", "r4", "r5"}  # never the ineligible
    alice = next_batch(RECORDS, review.protocol, state, "alice", TA, n=2)
    assert next(e["id"] for e in alice) in {"r3", "r5"}  # LLM-like records first
    assert alice[0]["title"] and alice[0]["abstract"] and alice[0]["year"] == 2020
    assert alice[0]["score"] >= alice[1]["score"]


def test_next_batch_single_review_splits_records(review: Review) -> None:
    text = (
        (FIXTURES / "review.yaml")
        .read_text()
        .replace("reviewers_per_record: 2", "reviewers_per_record: 1")
    )
    (review.root / "review.yaml").write_text(text)
    review = Review.find(review.root)
    put(review, TA, "alice", "- id: r1\n- id: r2\n")
    state, _ = run(review)
    batch = next_batch(RECORDS, review.protocol, state, "bob", TA, n=10)
    assert {e["id"] for e in batch} == {"r3", "r4", "r5"}
    with pytest.raises(InputError, match="not declared"):
        next_batch(RECORDS, review.protocol, state, "zed", TA)


def test_conflicts_listed_and_written_for_adjudication(review: Review) -> None:
    put(review, TA, "alice", "- id: r1\n  decision: include\n- id: r3\n  decision: include\n")
    put(
        review,
        TA,
        "bob",
        "- id: r1\n  decision: exclude\n  reason: E2\n"
        "- id: r3\n  decision: exclude\n  reason: E1\n",
    )
    state, result = run(review)
    found = conflicts(result)
    assert [(s, rid) for s, rid, _ in found] == [("title-abstract", "r1"), ("title-abstract", "r3")]
    written = write_adjudication(review, RECORDS, state, found)
    path = review.screening_dir / "title-abstract" / "adjudication.yaml"
    assert written == [(path, 2)]
    assert "# alice: include; bob: exclude (E2)" in path.read_text()
    state, result = run(review)
    assert write_adjudication(review, RECORDS, state, conflicts(result)) == []  # no repeats
    text = path.read_text().replace("  decision:\n", "  decision: include\n", 1)
    path.write_text(text)
    _, result = run(review)
    assert result.statuses["r1"].status is Status.FT_PENDING
    assert [rid for _, rid, _ in conflicts(result)] == ["r3"]
    assert yaml.safe_load(text)[0]["id"] == "r1"


def test_next_batch_full_text_offers_only_records_passed_at_title_abstract(
    review: Review,
) -> None:
    both = "- id: r1\n  decision: include\n- id: r2\n  decision: exclude\n  reason: E1\n"
    put(review, TA, "alice", both + "- id: r3\n  decision: maybe\n")
    put(review, TA, "bob", both + "- id: r3\n  decision: include\n")
    state, result = run(review)
    assert result.ids(Status.FT_PENDING) == ["r1", "r3"]  # maybe counts as include here
    batch = next_batch(RECORDS, review.protocol, state, "alice", FT, n=10)
    assert sorted(e["id"] for e in batch) == ["r1", "r3"]
