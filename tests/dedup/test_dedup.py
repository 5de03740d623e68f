"""Deduplication: matching rules, provenance, reviewer answers, stability, labelled sets."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REALWORLD, realworld_file
from litsift.dedup import (
    DedupResult,
    UncertainPair,
    deduplicate,
)
from litsift.dedup.bench import (
    corrected,
    load_labels,
    load_records,
    non_duplicates,
    pairs_of,
    predicted_clusters,
    run_bench,
    run_corrected_bench,
    score,
    simulate_review,
)
from litsift.dedup.features import features, fold_title, page_range, title_kind
from litsift.dedup.match import MatchDecision as Decision
from litsift.dedup.match import compare, venue_compatible
from litsift.errors import InputError, RecordError
from litsift.models import Record
from litsift.store.build import load_previous, load_previous_links
from litsift.store.dedup import append_uncertain, load_answers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dedup"
ZUBER = (
    "Zuber, Julien",
    "Le Quintrec, Moglie",
    "Sberro-Soussan, Rebecca",
    "Loirat, Chantal",
)
TITLE = "New insights into postrenal transplant hemolytic uremic syndrome"


def rec(source: str, origin: str, **fields: object) -> Record:
    return Record.build(source=source, origin=origin, **fields)


def zuber(source: str, origin: str, **changes: object) -> Record:
    fields: dict[str, object] = {
        "title": TITLE,
        "authors": list(ZUBER),
        "year": 2011,
        "venue": "Nature Reviews Nephrology",
        "volume": "7",
        "pages": "23-35",
    }
    fields.update(changes)
    return rec(source, origin, **fields)


def cluster_of(result: DedupResult, key: str) -> set[str]:
    return next(
        {m.key for m in c.members} for c in result.clusters if key in {m.key for m in c.members}
    )


def verdict(a: Record, b: Record) -> Decision:
    return compare(features(a), features(b)).decision


# --------------------------------------------------------------------------- matching rules


def test_abbreviated_journal_case_accents_and_initials_merge() -> None:
    a = zuber("pubmed", "a.nbib:1", venue="Nat Rev Nephrol")
    b = zuber(
        "scopus",
        "b.ris:9",
        title=TITLE.upper() + ".",
        authors=["Zuber, J.", "Le Quintrec, M.", "Sberro-Soussan, R.", "Loirat, C."],
    )
    c = zuber(
        "wos",
        "c.txt:3",
        title="New ínsíghts into post-renal transplant hemolytic uremic syndrome",
        venue="NATURE REVIEWS. NEPHROLOGY",
    )
    result = deduplicate([a, b, c])
    assert len(result.clusters) == 1
    assert result.duplicates_removed == 2
    assert {lk.reason.split(";")[0] for lk in result.clusters[0].links} <= {
        "title 1.00",
        "title 0.99",
        "title 0.98",
        "title 0.97",
        "title 0.96",
        "title 0.95",
    }


def test_venue_abbreviations() -> None:
    fold = features(zuber("x", "1", venue="Am J Transplant")).venue
    full = features(zuber("x", "2", venue="American Journal of Transplantation")).venue
    other = features(zuber("x", "3", venue="Pediatric Nephrology")).venue
    assert venue_compatible(fold, full)
    assert not venue_compatible(fold, other)


def test_doi_spellings_are_one_identifier() -> None:
    a = zuber("crossref", "1", doi="https://doi.org/10.1038/NRNEPH.2010.155")
    b = zuber("openalex", "2", doi="doi:10.1038/nrneph.2010.155", title="Different words")
    result = deduplicate([a, b])
    assert len(result.clusters) == 1
    assert result.clusters[0].links[0].reason.startswith("same id doi-")


def test_different_dois_never_merge_even_through_a_bridge() -> None:
    a = zuber("crossref", "1", doi="10.1000/one")
    b = zuber("crossref", "2", doi="10.1000/two")
    bridge = zuber("pubmed", "3")
    result = deduplicate([a, b, bridge])
    assert len(result.clusters) == 2
    assert cluster_of(result, "crossref:1") != cluster_of(result, "crossref:2")


def test_same_title_other_year_is_not_merged() -> None:
    base = {
        "title": "Introduction to the minitrack on crowdsourcing and the gig economy",
        "authors": ["Deng, Xuefei", "Taylor, Joseph"],
        "venue": "Hawaii International Conference on System Sciences",
    }
    a = rec("acm", "1", year=2021, **base)
    b = rec("acm", "2", year=2022, **base)
    c = rec("acm", "3", year=2017, **base)
    result = deduplicate([a, b, c])
    assert len(result.clusters) == 3
    # a one-year gap without volume or pages is for a reviewer to decide
    assert [(u.a, u.b) for u in result.uncertain] == [tuple(sorted((a.id, b.id)))]


def test_errata_and_replies_are_not_duplicates() -> None:
    article = zuber("pubmed", "1")
    erratum = zuber("embase", "2", title="Erratum: " + TITLE, pages="400", volume="7")
    wos_erratum = zuber("wos", "3", title=TITLE + " (vol 7, pg 23, 2011)", pages="401")
    reply = zuber("wos", "4", title=TITLE + " - Reply", pages="36")
    assert title_kind(erratum.title) == title_kind(wos_erratum.title) == "erratum"
    assert title_kind(reply.title) == "reply"
    result = deduplicate([article, erratum, wos_erratum, reply])
    assert cluster_of(result, "pubmed:1") == {"pubmed:1"}
    assert cluster_of(result, "wos:4") == {"wos:4"}
    # an erratum is another report of the same study, never a duplicate
    study = {c.id: c.study for c in result.clusters}
    assert study[erratum.id] == study[article.id]


def test_erratum_annotation_belongs_to_the_article() -> None:
    title = TITLE + ".[Erratum appears in Nat Rev Nephrol. 2011 Mar;7(3):140]"
    assert title_kind(title) == "article"
    assert fold_title(title) == fold_title(TITLE)
    result = deduplicate([zuber("pubmed", "1", title=title), zuber("embase", "2")])
    assert len(result.clusters) == 1


def test_numbered_titles_stay_apart() -> None:
    a = zuber("x", "1", title="FOCUS 1: a randomized phase III trial of ceftaroline")
    b = zuber("x", "2", title="FOCUS 2: a randomized phase III trial of ceftaroline")
    assert verdict(a, b) is not Decision.MATCH


def test_missing_title_with_the_full_locator_is_a_question() -> None:
    # nothing tells an untitled record from an erratum or comment printed at the same place
    untitled = zuber("x", "1", title=None)
    assert verdict(untitled, zuber("x", "2")) is Decision.MAYBE
    assert verdict(untitled, zuber("x", "3", pages="40-45")) is Decision.NO


def test_supplement_abstracts_on_one_page_are_not_merged() -> None:
    a = zuber(
        "x",
        "1",
        title="Factor H autoantibodies are associated with MPGN",
        venue="Molecular Immunology",
        volume="47",
        pages="2291",
    )
    b = zuber(
        "x",
        "2",
        title="Factor I autoantibodies are associated with atypical haemolytic uraemic syndrome",
        venue="Molecular Immunology",
        volume="47",
        pages="2291-2292",
    )
    assert verdict(a, b) is not Decision.MATCH


def test_page_typo_and_title_with_added_text() -> None:
    a = zuber("x", "1", pages="2297-2108")
    b = zuber("x", "2", pages="2097-2108")
    assert verdict(a, b) is Decision.MATCH
    c = zuber("x", "3", title="Clinical practice: " + TITLE + ". Nat Rev Nephrol 2011;7:23")
    assert verdict(zuber("x", "4"), c) is Decision.MATCH
    assert page_range("2243-5") == ("2243", "2245")
    assert page_range("c37-c42") == ("37", "42")


def test_preprint_and_published_are_one_study_two_reports() -> None:
    title = "FlexGen: high-throughput generative inference of large language models"
    authors = ["Sheng, Ying", "Zheng, Lianmin", "Yuan, Binhang"]
    preprint = rec(
        "arxiv",
        "1",
        title=title,
        authors=authors,
        year=2023,
        arxiv_id="2303.06865v2",
        venue="arXiv",
    )
    also_preprint = rec(
        "semanticscholar",
        "2",
        title=title.lower(),
        authors=authors,
        year=2023,
        arxiv_id="arXiv:2303.06865",
    )
    published = rec(
        "dblp",
        "3",
        title=title,
        authors=authors,
        year=2023,
        venue="ICML",
        doi="10.5555/3618408.3619696",
        pages="31094-31116",
    )
    result = deduplicate([preprint, also_preprint, published])
    assert len(result.clusters) == 2
    assert result.studies == 1
    assert result.duplicates_removed == 1
    study = {c.study for c in result.clusters}
    assert study == {published.id}


# --------------------------------------------------------------------------- provenance


def test_every_record_kept_and_canonical_rule() -> None:
    a = zuber("pubmed", "1", pages=None, pmid="21079654", authors=["Zuber, J", "Le Quintrec, M"])
    b = zuber("crossref", "2", doi="10.1038/nrneph.2010.155", volume=None)
    c = zuber("scopus", "3", abstract="Haemolytic uraemic syndrome after transplant.")
    result = deduplicate([a, b, c])
    assert result.records == 3
    (cluster,) = result.clusters
    assert {m.key for m in cluster.members} == {"pubmed:1", "crossref:2", "scopus:3"}
    assert cluster.id == b.id == cluster.canonical.id  # the DOI member is the strongest
    canon = cluster.canonical
    assert canon.doi == "10.1038/nrneph.2010.155" and canon.pmid == "21079654"
    assert canon.volume == "7" and canon.pages == "23-35"
    assert canon.abstract and canon.authors == tuple(ZUBER)
    assert len(cluster.links) == 2 and all(lk.score > 0 for lk in cluster.links)


def test_member_keys_must_be_unique() -> None:
    with pytest.raises(RecordError, match="not unique"):
        deduplicate([zuber("x", "1"), zuber("x", "1", title="Other")])


def test_deterministic_and_order_free() -> None:
    records = [zuber("a", str(i), year=2011 + i % 2, pages=f"{23 + i % 3}-35") for i in range(9)]
    records += [rec("b", str(i), title=f"Unrelated study number {i}", year=2000) for i in range(5)]
    first = deduplicate(records)
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    assert deduplicate(shuffled) == first


def test_cluster_id_stable_unless_a_stronger_identifier_arrives() -> None:
    old = [zuber("pubmed", "1"), zuber("scopus", "2", venue="Nat Rev Nephrol")]
    before = deduplicate(old)
    (cid,) = [c.id for c in before.clusters]
    unrelated = rec("dblp", "9", title="A study of something else entirely", year=2011)
    assert cid in {c.id for c in deduplicate([*old, unrelated]).clusters}
    late = zuber("embase", "3", title=TITLE + ".")  # same strength (title/author/year id)
    after = deduplicate([*old, late], previous=before.assignment())
    assert cid in {c.id for c in after.clusters}
    with_doi = zuber("crossref", "4", doi="10.1038/nrneph.2010.155")
    stronger = deduplicate([*old, with_doi], previous=before.assignment())
    assert [c.id for c in stronger.clusters] == [with_doi.id]


def test_earlier_run_clusters_are_not_merged_again() -> None:
    a = zuber("pubmed", "1", pages="23-35")
    b = zuber("scopus", "2", pages="23")
    previous = {"pubmed:1": "ta-old1", "scopus:2": "ta-old2"}  # kept apart last time
    bridge = zuber("embase", "3")
    result = deduplicate([a, b, bridge], previous=previous)
    assert cluster_of(result, "pubmed:1") != cluster_of(result, "scopus:2")
    assert {c.id for c in result.clusters} >= {"ta-old1", "ta-old2"}


# --------------------------------------------------------------------------- reviewer answers


def test_answers_different_splits_and_same_forces() -> None:
    a = zuber("pubmed", "1")
    b = zuber("scopus", "2", title=TITLE.replace("postrenal", "post-renal"))
    assert a.id != b.id and len(deduplicate([a, b]).clusters) == 1
    split = deduplicate([a, b], answers={frozenset((a.id, b.id)): "different"})
    assert len(split.clusters) == 2 and not split.uncertain
    other = rec("wos", "3", title="Completely unrelated words here", year=1999)
    forced = deduplicate([a, other], answers={frozenset((a.id, other.id)): "same"})
    assert len(forced.clusters) == 1
    assert forced.clusters[0].links[0].reason == "reviewer: same"


def test_pairs_file_append_load_and_undo(tmp_path: Path) -> None:
    path = tmp_path / "data" / "dedup" / "pairs.yaml"
    a = zuber("acm", "1", year=2021, volume=None, pages=None)
    b = zuber("acm", "2", year=2022, volume=None, pages=None)
    result = deduplicate([a, b])
    assert len(result.uncertain) == 1
    records = {a.id: a, b.id: b}
    assert append_uncertain(path, result.uncertain, records) == 1
    assert append_uncertain(path, result.uncertain, records) == 0  # already present
    text = path.read_text()
    assert "answer: ''" in text and TITLE in text and "a_year: 2021" in text
    assert load_answers(path) == {}
    # the reviewer answers, adding a comment; litsift appends without rewriting
    text = text.replace("answer: ''", "answer: same  # checked the PDFs")
    path.write_text(text)
    assert load_answers(path) == {frozenset((a.id, b.id)): "same"}
    assert len(deduplicate([a, b], answers=load_answers(path)).clusters) == 1
    extra = UncertainPair(a="ta-x", b="ta-y", score=0.5, why="test")
    assert append_uncertain(path, [extra], {}) == 1
    assert path.read_text().startswith(text) and "# checked the PDFs" in path.read_text()
    # undo: blank the answer again and the records are apart again
    path.write_text(path.read_text().replace("answer: same", "answer: ''"))
    assert len(deduplicate([a, b], answers=load_answers(path)).clusters) == 2


def test_pairs_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "pairs.yaml"
    path.write_text("- a: ta-1\n  b: ta-2\n  answer: same\n- a: ta-3\n  b: ta-4\n  answer: maybe\n")
    with pytest.raises(InputError, match=r"pairs.yaml:6: 1.answer:.*same or different"):
        load_answers(path)
    path.write_text(
        "- a: ta-1\n  b: ta-2\n  answer: same\n- a: ta-2\n  b: ta-1\n  answer: different\n"
    )
    with pytest.raises(InputError, match=r"pairs.yaml:4: .*both same and different"):
        load_answers(path)
    assert load_answers(tmp_path / "absent.yaml") == {}


# --------------------------------------------------------------------------- labelled sets


def test_bench_on_handmade_set() -> None:
    bench, result = run_bench(FIXTURES / "handmade")
    labels = load_labels(FIXTURES / "handmade")
    assert labels and bench.records == len(load_records(FIXTURES / "handmade"))
    assert bench.false_merges == 0 and bench.recall == 1.0, result.clusters


def test_score_counts_pairs() -> None:
    truth = pairs_of([("a", "b", "c")])
    found = pairs_of([("a", "b"), ("c", "d")])
    result = score(truth, found, 4, 0.1)
    assert (result.precision, result.recall, result.false_merges) == (0.5, round(1 / 3, 4), 1)


# The one pair-group the labels get wrong: id_0000002 has no title but the same authors,
# journal, year, volume and pages as the labelled pair id_0000001;id_0000003.
LABEL_ERRORS = {("id_0000001", "id_0000002"), ("id_0000002", "id_0000003")}
# Reports linked as one study that the haematology labels keep apart, each with its evidence:
STUDY_LINKS = LABEL_ERRORS | {
    # the WoS erratum "(vol 142, pg 310, 2003)" of the article id_0000018/id_0000019
    ("id_0000018", "id_0000020"),
    ("id_0000018", "id_0000021"),
    ("id_0000019", "id_0000020"),
    ("id_0000019", "id_0000021"),
    # Pediatr Nephrol 26(8):1355-6 and its one-page notice 26(9):1598 (author names corrected)
    ("id_0000706", "id_0001374"),
    # Hum Mol Genet 14(5):703-12 and its erratum 14(8):1107 (announced in id_0001122's title)
    ("id_0001122", "id_0001125"),
    # conference abstract (Br J Haematol 129 Suppl 1:57-8) and the report in 128(3):274
    ("id_0001262", "id_0001263"),
}


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "bib_dedupe_recall"), [("haematology", 0.828), ("respiratory", 0.925)]
)
def test_labelled_sets(name: str, bib_dedupe_recall: float) -> None:
    folder = REALWORLD / "dedup" / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    truth = pairs_of(load_labels(folder))
    report, result = run_bench(folder, level="report")
    assert pairs_of(predicted_clusters(result)) - truth <= LABEL_ERRORS  # no false merge
    # above bib-dedupe's even though the labels count errata and replies (see the
    # label-corrected view), with no false merge
    assert report.recall > bib_dedupe_recall
    study, _ = run_bench(folder, level="study")
    assert pairs_of(predicted_clusters(result, "study")) - truth <= STUDY_LINKS
    assert study.recall > bib_dedupe_recall
    # with a reviewer answering the uncertain pairs (about 1% of the records)
    reviewed, questions = simulate_review(folder)
    assert reviewed.recall > bib_dedupe_recall and reviewed.false_merges == report.false_merges
    assert questions <= 0.015 * report.records


def test_cli_bench_json() -> None:
    from typer.testing import CliRunner

    from litsift.cli import app

    out = CliRunner().invoke(app, ["dedup", "bench", str(FIXTURES / "handmade"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) == {"precision", "recall", "f1", "false_merges", "records", "seconds"}
    assert data["false_merges"] == 0


def test_special_cases(realworld: Path) -> None:
    folder = realworld / "dedup" / "special_cases"
    report, result = run_bench(folder)
    assert (report.precision, report.recall) == (1.0, 1.0)
    # the HICSS minitrack introductions of 2021 and 2022 (different DOIs) stay apart
    hicss = [c for c in result.clusters if {m.origin for m in c.members} & {"id_0000003"}]
    assert [m.origin for m in hicss[0].members] == ["id_0000003"]


def test_previous_run_read_back_from_clusters_jsonl(tmp_path: Path) -> None:
    a, b = zuber("pubmed", "1"), zuber("scopus", "2", title=TITLE + ".")
    first = deduplicate([a, b, rec("dblp", "3", title="Something else entirely", year=2011)])
    path = tmp_path / "clusters.jsonl"
    path.write_text("".join(c.model_dump_json() + "\n" for c in first.clusters))
    assert load_previous(path) == first.assignment()
    assert load_previous(tmp_path / "absent.jsonl") == {}
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(InputError, match=r"clusters.jsonl:3: not a cluster"):
        load_previous(path)


def test_rerun_with_the_previous_run_keeps_its_links_as_made(tmp_path: Path) -> None:
    records = [
        zuber("pubmed", "1"),
        zuber("scopus", "2", title=TITLE + "."),
        rec("dblp", "3", title="Something else entirely", year=2011),
    ]
    first = deduplicate(records)
    assert any(lk.reason != "earlier run" for c in first.clusters for lk in c.links)
    path = tmp_path / "clusters.jsonl"
    path.write_text("".join(c.model_dump_json() + "\n" for c in first.clusters))
    again = deduplicate(
        records, previous=load_previous(path), previous_links=load_previous_links(path)
    )
    assert again.clusters == first.clusters  # reasons and scores too, not "earlier run"


def test_cli_errors_and_stage(flagship: Path) -> None:
    from typer.testing import CliRunner

    from litsift.cli import app

    runner = CliRunner()
    missing = runner.invoke(app, ["dedup", "bench", str(flagship / "nowhere")])
    assert missing.exit_code == 2
    assert "records_pre_merged.csv: file not found" in missing.output
    stage = runner.invoke(app, ["dedup", "--root", str(flagship)])
    assert stage.exit_code == 0, stage.output
    assert "dedup:" in stage.stdout and "duplicates" in stage.stdout


_POOL_TITLES = (TITLE, TITLE.upper(), "Erratum: " + TITLE, TITLE + " - Reply", "Other words", None)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_POOL_TITLES),
            st.sampled_from((2010, 2011, 2012, None)),
            st.sampled_from(("23-35", "23", "40-41", None)),
            st.sampled_from((None, "10.1038/nrneph.2010.155", "10.1038/other")),
        ),
        max_size=12,
    )
)
def test_invariants(rows: list[tuple[str | None, int | None, str | None, str | None]]) -> None:
    records = [
        zuber("s", str(i), title=t, year=y, pages=p, doi=d) for i, (t, y, p, d) in enumerate(rows)
    ]
    result = deduplicate(records)
    keys = [m.key for c in result.clusters for m in c.members]
    assert sorted(keys) == sorted(f"s:{i}" for i in range(len(rows)))  # every record, once
    assert [c.id for c in result.clusters] == sorted({c.id for c in result.clusters})
    for c in result.clusters:
        assert c.canonical.id == c.id
        members = {m.key for m in c.members}
        assert all(lk.a in members and lk.b in members for lk in c.links)
        assert len(c.links) == len(c.members) - 1  # a spanning tree of reasons
        assert len({features(r).dois for r in records if f"s:{r.origin}" in members} - {""}) <= 1
    assert result.duplicates_removed == len(rows) - len(result.clusters)


def test_title_and_abstract_only_records() -> None:
    """ASReview-style data (no authors, year or venue): abstracts support a title match."""
    path = realworld_file("screening/Nagtegaal_2019.SUBSET.csv")
    frame = pd.read_csv(path)
    records = [
        rec(
            "asreview",
            str(row.record_id),
            title=row.title if isinstance(row.title, str) else None,
            abstract=row.abstract if isinstance(row.abstract, str) else None,
        )
        for row in frame.itertuples()
    ]
    truth = pairs_of(
        (str(row.record_id), str(int(row.duplicate_record_id)))
        for row in frame.itertuples()
        if row.duplicate_record_id == row.duplicate_record_id  # not NaN
    )
    found = pairs_of([m.origin for m in c.members] for c in deduplicate(records).clusters)
    # 1961/1962: same title (behaviors/behaviours) and abstract, but unlabelled
    assert found - truth <= {("1961", "1962")}
    # 1230/1231 share a title but their abstracts differ: left apart
    assert truth - found <= {("1230", "1231")}


# --------------------------------------------------------------------------- follow-up rules


def abstract_of(source: str, origin: str, **changes: object) -> Record:
    """A one-page meeting abstract in a journal supplement."""
    fields: dict[str, object] = {
        "venue": "Pediatric Transplantation.Conference: 6th Congress of the IPTA",
        "volume": "15",
        "pages": "22",
        "title": "Renal function under eculizumab after a third transplantation for atypical HUS",
    }
    fields.update(changes)
    return zuber(source, origin, **fields)


def test_shifted_locator_is_not_a_contradiction() -> None:
    # '26(9):1746' exported as issue 26, page 9 and no volume: the same numbers
    a = zuber("embase", "1", volume="26", issue="9", pages="1746")
    b = zuber("embase", "2", volume=None, issue="26", pages="9")
    assert verdict(a, b) is Decision.MATCH
    # other numbers are still a contradiction
    c = zuber("embase", "3", volume=None, issue="27", pages="9")
    assert verdict(a, c) is not Decision.MATCH


def test_one_meeting_abstract_with_two_page_numbers() -> None:
    a = abstract_of("embase", "1")
    b = abstract_of("wos", "2", venue="Pediatric Transplantation", pages="52-52")
    assert verdict(a, b) is Decision.MATCH
    # two one-page items in two issues of the volume (an erratum and a second erratum of
    # one article look like this): not one abstract
    c = abstract_of("wos", "3", issue="9", pages="2205")
    d = abstract_of("wos", "4", issue="11", pages="2647")
    assert verdict(c, d) is Decision.STUDY
    # a journal (not a meeting) printing two one-page items with the same title: not merged
    e = zuber("x", "5", pages="22")
    f = zuber("x", "6", pages="52")
    assert verdict(e, f) is Decision.STUDY


def test_conference_abstract_and_article_are_two_reports_of_one_study() -> None:
    abstract = zuber("embase", "1", venue="Pediatric Nephrology", volume="25", issue="9",
                     pages="1875")  # fmt: skip
    article = zuber("wos", "2", venue="Pediatric Nephrology", volume="25", issue="12",
                    pages="2539-2542")  # fmt: skip
    assert verdict(abstract, article) is Decision.STUDY
    result = deduplicate([abstract, article])
    assert len(result.clusters) == 2 and result.studies == 1


def test_one_abstract_in_two_journals_needs_the_abstract_text() -> None:
    text = (
        "Breakthrough haemolysis on eculizumab was managed in twelve patients by shortening "
        "the dosing interval; lactate dehydrogenase returned to normal in all of them."
    )
    a = zuber("x", "1", venue="British Journal of Haematology", volume="145", issue="Suppl. 1",
              pages="23")  # fmt: skip
    b = zuber("x", "2", venue="Haematologica", volume="94", issue="Suppl. 2",
              pages="239-240")  # fmt: skip
    assert verdict(a, b) is Decision.MAYBE
    a2, b2 = (r.model_copy(update={"abstract": text}) for r in (a, b))
    assert verdict(a2, b2) is Decision.MATCH
    # two journal articles (not meeting abstracts) with one title: not even a question
    c = zuber("x", "3", venue="British Journal of Haematology", volume="145", pages="23-30")
    d = zuber("x", "4", venue="Haematologica", volume="94", pages="239-246")
    assert verdict(c, d) is Decision.NO


LETTER = ["Lapeyraque, A. L.", "Malina, M.", "Fremeaux-Bacchi, V.", "Boppel, T."]


def test_retitled_online_first_letter() -> None:
    printed = rec("wos", "1", title="Eculizumab in severe Shiga-toxin-associated HUS",
                  authors=[*LETTER, "Kirschfink, M.", "Niaudet, P."], year=2011,
                  venue="New England Journal of Medicine", volume="364", issue="26",
                  pages="2561-2563")  # fmt: skip
    online = rec("pubmed", "2", title="Complement blockade in severe Shiga-toxin-associated HUS",
                 authors=LETTER, year=2011, venue="New Engl J Med")  # fmt: skip
    assert verdict(printed, online) is Decision.MATCH
    assert len(deduplicate([printed, online]).clusters) == 1
    # the author list must agree in order, and the journal and year too
    swapped = online.model_copy(update={"authors": (LETTER[1], LETTER[0], *LETTER[2:])})
    assert verdict(printed, swapped) is not Decision.MATCH
    later = rec("pubmed", "3", title=online.title, authors=LETTER, year=2012,
                venue="New Engl J Med")  # fmt: skip
    assert verdict(printed, later) is not Decision.MATCH


def test_retitled_match_refused_for_a_companion_paper() -> None:
    # the same team's two papers in one journal and year; an unplaced copy of the first
    title = "Renal outcomes of eculizumab in adults with atypical hemolytic uremic syndrome"
    first = zuber("wos", "1", title=title, pages="100-110")
    companion = zuber("wos", "2", title=title.replace("adults", "children"), pages="111-120")
    copy = zuber("pubmed", "3", title=title.upper(), volume=None, pages=None)
    result = deduplicate([first, companion, copy])
    assert cluster_of(result, "pubmed:3") == {"wos:1", "pubmed:3"}
    assert cluster_of(result, "wos:2") == {"wos:2"}
    # the refused match is left to a reviewer
    assert any({u.a, u.b} == {companion.id, copy.id} for u in result.uncertain)


def test_venue_abbreviation_of_the_same_length() -> None:
    assert venue_compatible(
        features(zuber("x", "1", venue="New England Journal of Medicine")).venue,
        features(zuber("x", "2", venue="New Engl J Med")).venue,
    )


# --------------------------------------------------------------------------- label-corrected


def test_label_corrected_view_on_handmade_labels() -> None:
    folder = FIXTURES / "label_errata"
    truth = pairs_of(load_labels(folder))
    excluded = non_duplicates(load_records(folder), truth)
    kinds = {(e.a, e.b): e.kind for e in excluded}
    assert kinds == {
        # e03 is printed where e01's title says its erratum appears; e04 says so itself
        ("e01", "e03"): "erratum",
        ("e02", "e03"): "erratum",
        ("e01", "e04"): "erratum",
        ("e02", "e04"): "erratum",
        ("r01", "r02"): "reply",
    }
    # e03 and e04 are both the erratum: a true duplicate pair, kept
    assert corrected(truth, excluded) == {("e01", "e02"), ("e03", "e04")}
    located = next(e for e in excluded if (e.a, e.b) == ("e01", "e03"))
    assert "31(3):330" in located.evidence and "e01" in located.evidence
    as_labelled, fixed, _ = run_corrected_bench(folder)
    assert as_labelled.recall < 1.0 and fixed.recall == 1.0 and fixed.false_merges == 0


@pytest.mark.shared
def test_label_corrected_view_on_haematology() -> None:
    folder = realworld_file("dedup/haematology/records_pre_merged.csv").parent
    as_labelled, fixed, excluded = run_corrected_bench(folder)
    kinds = {(e.a, e.b): e.kind for e in excluded}
    assert kinds[("id_0000008", "id_0000039")] == "reply"
    assert kinds[("id_0000057", "id_0000063")] == "erratum"
    assert kinds[("id_0000052", "id_0000807")] == "erratum"  # located by id_0000117's title
    assert {k for k in kinds.values()} == {"erratum", "reply"}
    assert len(excluded) == 17
    assert fixed.recall > as_labelled.recall > 0.828
    assert fixed.false_merges == as_labelled.false_merges  # litsift merges no erratum or reply


def test_cli_bench_label_corrected() -> None:
    from typer.testing import CliRunner

    from litsift.cli import app

    folder = str(FIXTURES / "label_errata")
    out = CliRunner().invoke(app, ["dedup", "bench", folder, "--label-corrected", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) == {"as_labelled", "label_corrected", "excluded_pairs"}
    assert data["label_corrected"]["recall"] == 1.0 and len(data["excluded_pairs"]) == 5
    text = CliRunner().invoke(app, ["dedup", "bench", folder, "--label-corrected"])
    assert "5 labelled pairs removed" in text.stdout and "r01 r02 reply" in text.stdout
