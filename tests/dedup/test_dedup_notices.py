"""Notices, replies and abstracts that join their article's cluster (issue 14, round four).

Each kind has a positive case and a near miss that must stay apart: an erratum or
retraction notice printed where its article's record says it is; a reply printed with the
letter it answers; a meeting abstract printed before its article in the same volume. The
article stays the version of record; its notices are listed on the cluster.
"""

from __future__ import annotations

from litsift.dedup import Cluster, DedupResult, deduplicate
from litsift.dedup.features import features, fold_title, notices_announced
from litsift.dedup.match import MatchDecision, Rule, compare
from litsift.models import Record

TITLE = "Complement factor H autoantibodies in children with haemolytic uraemic syndrome"
AUTHORS = ["Brandt, Jonas", "Okafor, Chidi", "Lindqvist, Maja"]
ANNOUNCED = TITLE + ".[Erratum appears in Kidney Int Rep. 2015 Jun 3;12(6):640]"


def paper(source: str, origin: str, **changes: object) -> Record:
    fields: dict[str, object] = {
        "title": TITLE,
        "authors": list(AUTHORS),
        "year": 2015,
        "venue": "Kidney International Reports",
        "volume": "12",
        "issue": "2",
        "pages": "210-218",
    }
    fields.update(changes)
    return Record.build(source=source, origin=origin, **fields)


def cluster_with(result: DedupResult, key: str) -> Cluster:
    return next(c for c in result.clusters if key in {m.key for m in c.members})


def keys(result: DedupResult, key: str) -> set[str]:
    return {m.key for m in cluster_with(result, key).members}


# --------------------------------------------------------------------------- errata


def test_announced_erratum_joins_its_article_and_is_never_canonical() -> None:
    article = paper("medline", "1", title=ANNOUNCED, doi=None)
    copy = paper("wos", "2")
    # Embase's erratum record: its title cites the article; printed where MEDLINE says
    erratum = paper("embase", "3", title="Erratum: " + TITLE, issue="6", pages="640",
                    authors=["Brandt, J."], abstract="A corrected table 2.")  # fmt: skip
    result = deduplicate([article, copy, erratum])
    cluster = cluster_with(result, "medline:1")
    assert keys(result, "medline:1") == {"medline:1", "wos:2", "embase:3"}
    assert cluster.notices == ("embase:3",)
    assert cluster.canonical_from in {"medline:1", "wos:2"}
    assert "the article over its notice or reply" in cluster.canonical_why
    # the notice gives the article no field: not its pages, not its abstract
    assert cluster.canonical.pages == "210-218" and cluster.canonical.abstract is None
    assert not cluster.retracted
    rules = {lk.rule for lk in cluster.links}
    assert Rule.NOTICE in rules


def test_announced_erratum_with_a_garbled_page_joins_its_article() -> None:
    # WoS's erratum record, with a day of the month in its page field: its title says it
    # is the erratum, and it is printed in the issue the article's record names
    garbled = paper("wos", "4", title=TITLE + " (vol 12, pg 210, 2015)", issue="6", pages="3")
    result = deduplicate([paper("medline", "1", title=ANNOUNCED), garbled])
    assert keys(result, "medline:1") == {"medline:1", "wos:4"}


def test_unannounced_or_misplaced_erratum_stays_another_report() -> None:
    # the article's record does not say where its erratum is: linked as one study only
    plain = paper("medline", "1")
    erratum = paper("embase", "2", title="Erratum: " + TITLE, issue="6", pages="640")
    result = deduplicate([plain, erratum])
    assert keys(result, "medline:1") == {"medline:1"}
    assert len(result.clusters) == 2 and result.studies == 1
    # announced, but this erratum is printed in another issue: not the announced notice
    elsewhere = paper("embase", "3", title="Erratum: " + TITLE, issue="9", pages="911")
    result = deduplicate([paper("medline", "1", title=ANNOUNCED), elsewhere])
    assert len(result.clusters) == 2
    # an erratum in the announced issue of another article with a similar title
    other = "Complement factor I autoantibodies in adults with haemolytic uraemic syndrome"
    near = paper("embase", "4", title="Erratum: " + other, issue="6", pages="640")
    result = deduplicate([paper("medline", "1", title=ANNOUNCED), near])
    assert len(result.clusters) == 2


def test_notice_title_cut_inside_its_citation() -> None:
    cut = "Erratum: " + TITLE + " (Kidney International Reports (Febru"
    assert fold_title(cut) == fold_title(TITLE)
    # an article whose title only happens to end in an open bracket keeps it
    assert fold_title("Outcomes of dialysis (a cohort") == "outcomes of dialysis a cohort"


# --------------------------------------------------------------------------- retractions


def test_retraction_notice_marks_the_cluster_retracted() -> None:
    announced = TITLE + " [Retraction in: Kidney Int Rep. 2016 Jan;13(1):5]"
    assert notices_announced(announced) == [(("13", "1", "5"), "retraction")]
    article = paper("medline", "1", title=announced)
    notice = paper("embase", "2", title="Retraction notice to: " + TITLE, year=2016,
                   volume="13", issue="1", pages="5")  # fmt: skip
    # unmarked: MEDLINE's own copy of the notice, found by where it is printed
    located = paper("wos", "3", year=2016, volume="13", issue="1", pages="5")
    result = deduplicate([article, notice, located])
    cluster = cluster_with(result, "medline:1")
    assert keys(result, "medline:1") == {"medline:1", "embase:2", "wos:3"}
    assert cluster.retracted and cluster.canonical_from == "medline:1"
    assert cluster.notices == ("embase:2", "wos:3")


def test_retraction_of_another_article_marks_nothing() -> None:
    announced = TITLE + " [Retraction in: Kidney Int Rep. 2016 Jan;13(1):5]"
    other = paper("embase", "2", title="Retraction notice to: Eculizumab dosing in adults",
                  year=2016, volume="13", issue="1", pages="5")  # fmt: skip
    result = deduplicate([paper("medline", "1", title=announced), other])
    assert len(result.clusters) == 2
    assert not any(c.retracted for c in result.clusters)


# --------------------------------------------------------------------------- replies


def letter(origin: str, **changes: object) -> Record:
    fields: dict[str, object] = {
        "title": "Eculizumab dosing in children with atypical haemolytic uraemic syndrome",
        "authors": ["Moreau, Luc"],
        "venue": "Pediatric Nephrology",
        "volume": "19",
        "issue": "8",
        "pages": "943-944",
    }
    fields.update(changes)
    return paper("x", origin, **fields)


def test_reply_printed_with_its_letter_joins_it() -> None:
    title = "Eculizumab dosing in children with atypical haemolytic uraemic syndrome - Reply"
    reply = letter("2", title=title, authors=["Sato, Yuki", "Novak, Petr"], pages="945")
    verdict = compare(features(letter("1")), features(reply))
    assert verdict.decision is MatchDecision.MATCH and verdict.rule == Rule.REPLY
    result = deduplicate([letter("1"), reply])
    cluster = cluster_with(result, "x:1")
    assert keys(result, "x:1") == {"x:1", "x:2"}
    assert cluster.notices == ("x:2",) and cluster.canonical_from == "x:1"


def test_reply_elsewhere_or_after_an_article_stays_apart() -> None:
    title = "Eculizumab dosing in children with atypical haemolytic uraemic syndrome - Reply"
    base = features(letter("1"))
    for changes in (
        {"issue": "10", "pages": "1201"},  # another issue: the reply to another letter
        {"pages": "952"},  # pages away from the letter
        {"volume": "20", "pages": "945"},  # another volume
    ):
        reply = features(letter("2", title=title, **changes))
        assert compare(base, reply).decision is MatchDecision.NO, changes
    # right after a twelve-page article: a reply answers a letter, not the article itself
    article = features(letter("3", pages="933-944"))
    assert compare(article, features(letter("2", title=title, pages="945"))).decision is (
        MatchDecision.NO
    )


# --------------------------------------------------------------------------- abstracts


def test_meeting_abstract_before_its_article_in_one_volume_joins_it() -> None:
    abstract = paper("embase", "1", issue="9", pages="1875", authors=AUTHORS[:2])
    article = paper("wos", "2", issue="12", pages="2539-2542")
    verdict = compare(features(abstract), features(article))
    assert verdict.decision is MatchDecision.MATCH and verdict.rule == Rule.ABSTRACT_FIRST
    # a supplement of the same volume has no order in print
    supplement = paper("embase", "3", volume="12 Suppl 2", issue=None, pages="S33-38")
    assert compare(features(supplement), features(article)).rule == Rule.ABSTRACT_FIRST
    result = deduplicate([abstract, article])
    cluster = cluster_with(result, "wos:2")
    assert keys(result, "wos:2") == {"embase:1", "wos:2"}
    assert cluster.canonical_from == "wos:2" and cluster.notices == ()


def test_one_page_report_after_the_article_or_in_another_journal_stays_apart() -> None:
    article = features(paper("wos", "2", issue="5", pages="703-712"))
    # one page in a later issue: what an unmarked erratum looks like
    later = features(paper("embase", "1", issue="8", pages="1107"))
    assert compare(later, article).decision is MatchDecision.STUDY
    # the same first page-count but another first author
    other = features(paper("embase", "3", issue="1", pages="12", authors=["Alonso, A."]))
    assert compare(other, article).decision is not MatchDecision.MATCH
    # an abstract in another journal's meeting supplement: not merged
    meeting = features(paper("embase", "4", venue="European Journal of Immunology",
                             volume="39", issue="Suppl 1", pages="S596"))  # fmt: skip
    assert compare(meeting, article).decision is not MatchDecision.MATCH
    # two one-page items of one volume, the earlier first: neither is an article
    first = features(paper("embase", "5", issue="3", pages="40"))
    second = features(paper("embase", "6", issue="6", pages="640"))
    assert compare(first, second).decision is not MatchDecision.MATCH


def test_explain_lists_the_notices() -> None:
    from litsift.dedup.explain import explain, lines

    announced = TITLE + " [Retraction in: Kidney Int Rep. 2016 Jan;13(1):5]"
    article = paper("medline", "1", title=announced)
    notice = paper("embase", "2", title="Retraction notice to: " + TITLE, year=2016,
                   volume="13", issue="1", pages="5")  # fmt: skip
    records = [article, notice]
    text = "\n".join(lines(explain(records, deduplicate(records), article.id)))
    assert "notices and replies of the article: embase:2 (the article is retracted)" in text
    assert "[notice where its article says]" in text


def test_unannounced_erratum_is_asked_of_a_reviewer() -> None:
    from litsift.dedup.core import SAME

    article = paper("medline", "1")
    erratum = paper("embase", "2", title="Erratum: " + TITLE, issue="6", pages="640")
    result = deduplicate([article, erratum])
    assert [(u.a, u.b) for u in result.uncertain] == [tuple(sorted((article.id, erratum.id)))]
    assert "does not announce" in result.uncertain[0].why
    # the reviewer's answer puts the erratum with its article, still not as its canonical
    answers = {frozenset((article.id, erratum.id)): SAME}
    cluster = cluster_with(deduplicate([article, erratum], answers=answers), "medline:1")
    assert cluster.notices == ("embase:2",) and cluster.canonical_from == "medline:1"


def test_an_unplaced_notice_is_one_question_however_many_copies_its_article_has() -> None:
    # the article found three times (ids differ: one with a DOI, one with a PubMed id),
    # and an erratum its record does not announce: one question, not one per copy
    copies = [
        paper("medline", "1", doi="10.5555/kir.2015.210"),
        paper("wos", "2"),
        paper("embase", "3", pmid="25123456"),
    ]
    erratum = paper("scopus", "4", title="Erratum: " + TITLE, issue="6", pages="640")
    result = deduplicate([*copies, erratum])
    article = cluster_with(result, "medline:1")
    assert keys(result, "medline:1") == {"medline:1", "wos:2", "embase:3"}
    assert len({r.id for r in copies}) == 3
    (question,) = result.uncertain
    assert {question.a, question.b} & {r.id for r in copies} and erratum.id in {
        question.a,
        question.b,
    }
    # the answer holds for the clusters: "different" leaves nothing to ask about them
    apart = deduplicate(
        [*copies, erratum], answers={frozenset((question.a, question.b)): "different"}
    )
    assert apart.uncertain == () and len(apart.clusters) == 2
    assert cluster_with(apart, "medline:1").id == article.id
    together = deduplicate(
        [*copies, erratum], answers={frozenset((question.a, question.b)): "same"}
    )
    assert together.uncertain == () and keys(together, "scopus:4") == keys(together, "medline:1")
