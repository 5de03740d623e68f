"""Duplicates that were missed, by kind: one hand-made test per kind (issue 14).

Each kind is a way one database's copy of a record differs from another's. A field that is
written another way or garbled weakens a match instead of vetoing it; when what is left is
weak, the pair goes to a reviewer (MAYBE), never into one cluster.
"""

from __future__ import annotations

from litsift.dedup import deduplicate
from litsift.dedup.features import doi_stem, fast_fold, features, page_form
from litsift.dedup.match import FORMAT, MatchDecision, compare, compare_fields
from litsift.models import Record

TITLE = "Intrapleural fibrinolytic therapy for pleural infection in adults: a randomised trial"
AUTHORS = ("Rahman, Najib M.", "Maskell, Nick A.", "West, Alex", "Teoh, Richard")


def paper(origin: str, **changes: object) -> Record:
    fields: dict[str, object] = {
        "title": TITLE,
        "authors": list(AUTHORS),
        "year": 2011,
        "venue": "New England Journal of Medicine",
        "volume": "365",
        "issue": "6",
        "pages": "518-526",
    }
    fields.update(changes)
    return Record.build(source="x", origin=origin, **fields)


def decide(a: Record, b: Record) -> MatchDecision:
    return compare(features(a), features(b)).decision


def reason(a: Record, b: Record) -> str:
    return compare(features(a), features(b)).reason


# --------------------------------------------------------------------------- titles


def test_truncated_title_matches() -> None:
    cut = paper("2", title=TITLE[:48], pages=None)  # an export that cut the title at 48 chars
    assert decide(paper("1"), cut) is MatchDecision.MATCH
    assert "starts or contains" in reason(paper("1"), cut)


def test_title_with_and_without_subtitle() -> None:
    main = paper("2", title=TITLE.split(":")[0], volume=None, pages=None)
    assert decide(paper("1"), main) is MatchDecision.MATCH
    # the same main title by other authors in another year is another paper
    other = paper("3", title=TITLE.split(":")[0], authors=["Chen, Li"], year=2015)
    assert decide(paper("1"), other) is not MatchDecision.MATCH


def test_translated_title_in_brackets_at_the_same_pages() -> None:
    english = paper("1", title="[Talc pleurodesis for malignant effusion: a randomised study]",
                    venue="Rev Clin Esp", volume="210", pages="33-39")  # fmt: skip
    spanish = paper("2", title="Pleurodesis con talco en el derrame maligno: estudio aleatorizado",
                    venue="Revista Clinica Espanola", volume="210", pages="33-9")  # fmt: skip
    verdict = compare(features(english), features(spanish))
    assert verdict.decision is MatchDecision.MATCH and "translated" in verdict.reason


def test_translated_title_without_marker_needs_a_page_range() -> None:
    a = paper("1", title="Antibiotic prophylaxis in pulmonary surgery: amoxicillin or cefamandole")
    b = paper("2", title="Antibioprophylaxie en chirurgie pulmonaire: amoxicilline ou cefamandole")
    assert decide(a, b) is MatchDecision.MATCH
    # two meeting abstracts of one team on the same two supplement pages stay apart
    c = paper("3", title="Factor H autoantibodies in MPGN", venue="Molecular Immunology",
              issue="Suppl 1", pages="2291-2292")  # fmt: skip
    d = paper("4", title="Factor I autoantibodies in atypical HUS", venue="Molecular Immunology",
              issue="Suppl 1", pages="2291-2292")  # fmt: skip
    assert decide(c, d) is not MatchDecision.MATCH


def test_missing_title_is_a_question_for_a_reviewer() -> None:
    assert decide(paper("1"), paper("2", title=None)) is MatchDecision.MAYBE
    result = deduplicate([paper("1"), paper("2", title=None)])
    assert len(result.clusters) == 2 and len(result.uncertain) == 1


def test_html_entities_and_latex_markup() -> None:
    assert fast_fold("Pleural &amp; <i>lung</i> infection") == "pleural and lung infection"
    assert fast_fold(r"Pleural \& {\em lung} infection in M{\"u}nchen") == (
        "pleural and lung infection in munchen"
    )
    marked = paper("2", title=r"Intrapleural {F}ibrinolytic therapy for pleural infection in "
                   r"adults: a randomi{\v{s}}ed trial")  # fmt: skip
    assert compare_fields(features(paper("1")), features(marked)).title > 0.95


# --------------------------------------------------------------------------- pages, volume


def test_garbled_page_fields_weaken_but_do_not_veto() -> None:
    base = features(paper("1"))
    assert compare_fields(base, features(paper("2", pages="e518"))).pages == "same"
    for garbled in ("S18", "Suppl 26", "18-Jun"):
        other = features(paper("2", pages=garbled))
        assert compare_fields(base, other).pages == FORMAT, garbled
        assert compare(base, other).decision is MatchDecision.MATCH, garbled
    # a genuinely different place is still a contradiction: another report of the study
    moved = features(paper("3", issue="9", pages="1401"))
    assert compare(base, moved).decision is MatchDecision.STUDY


def test_garbled_page_and_another_venue_is_a_question() -> None:
    a = paper("1", venue="Annals of Internal Medicine", pages="JC6-9")
    b = paper("2", venue="ACP Journal Club", pages="08-Aug")
    assert decide(a, b) is MatchDecision.MAYBE


def test_article_number_and_page_range() -> None:
    a = paper("1", venue="PLoS ONE", volume="7", pages="e43268")
    b = paper("2", venue="PLOS One", volume="7", pages="1-12")
    assert page_form("e43268") == "prefixed" and page_form("107806") == "number"
    assert compare_fields(features(a), features(b)).pages == FORMAT
    assert decide(a, b) is MatchDecision.MATCH


def test_one_copy_without_year() -> None:
    assert decide(paper("1"), paper("2", year=None)) is MatchDecision.MATCH


# --------------------------------------------------------------------------- authors


def test_author_list_cut_at_et_al() -> None:
    cut = paper("2", authors=["Rahman, N. M.", "et al."])
    assert features(cut).authors == ("rahman",)
    assert decide(paper("1"), cut) is MatchDecision.MATCH


def test_author_list_in_another_order() -> None:
    shuffled = paper("2", authors=[AUTHORS[2], AUTHORS[0], AUTHORS[3], AUTHORS[1]])
    assert compare_fields(features(paper("1")), features(shuffled)).authors == "same"
    assert decide(paper("1"), shuffled) is MatchDecision.MATCH


def test_given_and_family_names_swapped() -> None:
    # ScienceDirect wrote the second author's names the wrong way round
    a = paper("1", authors=["Xia, Zhongyi", "Tianzhao, Wu", "Boqi, Wu"])
    b = paper("2", authors=["Xia, Zhongyi", "Wu, Tianzhao", "Wu, Boqi"])
    assert compare_fields(features(a), features(b)).authors == "list"
    # a family name split at the comma ('Le, Quintrec M.')
    c = paper("3", authors=["Le, Quintrec M.", "Zuber, J."], title="Anti-factor H autoantibodies "
              "in a fifth renal transplant recipient")  # fmt: skip
    d = paper("4", authors=["Le Quintrec, M.", "Zuber, J."], title=c.title)
    assert compare_fields(features(c), features(d)).authors == "list"


def test_accents_transliteration_and_lost_letters() -> None:
    a = paper("1", authors=["Müller, Jürgen", "Søndergaard, Ørjan"], venue="Annales françaises "
              "d'anesthésie et de réanimation")  # fmt: skip
    b = paper("2", authors=["Mueller, J.", "Sondergaard, O."], venue="Annales fran?aises "
              "d'anesth?sie et de r?animation")  # fmt: skip
    fields = compare_fields(features(a), features(b))
    assert fields.authors == "list" and fields.venue == "same"


# --------------------------------------------------------------------------- venue, DOI, kinds


def test_and_versus_ampersand_and_abbreviated_venues() -> None:
    for x, y in (
        ("Neuroscience & Biobehavioral Reviews", "Neuroscience and Biobehavioral Reviews"),
        ("Deutsche Medizinische Wochenschrift", "Dtsch Med Wochenschr"),
    ):
        fields = compare_fields(features(paper("1", venue=x)), features(paper("2", venue=y)))
        assert fields.venue == "same", (x, y)


def test_dois_of_two_versions_do_not_veto() -> None:
    assert doi_stem("10.1002/14651858.cd006828.pub2") == "10.1002/14651858.cd006828"
    a = paper("1", doi="10.1002/14651858.CD006828.pub2")
    b = paper("2", doi="10.1002/14651858.CD006828.pub3")
    verdict = compare(features(a), features(b))
    assert verdict.decision is MatchDecision.MATCH and "two versions" in verdict.reason
    # two different DOIs stay a veto
    c = paper("3", doi="10.1056/NEJMoa1012740")
    assert compare(features(a), features(c)).hard


def test_retraction_and_erratum_notices_stay_apart() -> None:
    retraction = paper("2", title="Retraction notice: " + TITLE, pages="1200")
    erratum = paper("3", title="Erratum: " + TITLE, pages="1201")
    result = deduplicate([paper("1"), retraction, erratum])
    assert len(result.clusters) == 3


def test_a_cut_title_does_not_join_a_companion_paper() -> None:
    original = paper("1", title=TITLE + " of urokinase")
    companion = paper("2", title=TITLE + " of alteplase", volume="366", pages="100-108")
    cut = paper("3", title=TITLE[:60], volume=None, issue=None, pages=None)
    result = deduplicate([original, companion, cut])
    sizes = sorted(len(c.members) for c in result.clusters)
    assert sizes == [1, 2]  # the cut copy joins one paper, never both
    assert result.uncertain  # the other match is a question for a reviewer


def test_same_pages_in_two_journals_are_two_articles() -> None:
    a = paper("1", title="Talc pleurodesis for malignant effusion", venue="Chest",
              authors=["Lehtinen, Leni", "Iwamoto, Nale"])  # fmt: skip
    b = paper("2", title="Machine learning for software repositories",
              venue="Empirical Software Engineering",
              authors=["Diacon, Xana", "McLaughlin, Feni", "Lehtinen, Jeto"])  # fmt: skip
    assert decide(a, b) is not MatchDecision.MATCH


def test_versions_of_one_article_number_in_two_years() -> None:
    """A Cochrane review and its update: one article number, title and author list, two
    years. Page numbers and supplement pages repeat across years, so they never do this."""
    review = {"venue": "Cochrane Database of Systematic Reviews", "volume": None, "issue": None}
    first = paper("1", year=2008, pages="CD006828", **review)
    update = paper("2", year=2012, pages="CD006828", **review)
    verdict = compare(features(first), features(update))
    assert (
        verdict.decision is MatchDecision.MATCH
        and verdict.rule == "one article number, two years (versions)"
    )
    assert len(deduplicate([first, update]).clusters) == 1
    other = paper("3", year=2012, pages="CD006829", **review)
    assert decide(first, other) is not MatchDecision.MATCH
    stranger = paper("4", year=2012, pages="CD006828", authors=["Smith, Jane"], **review)
    assert decide(first, stranger) is not MatchDecision.MATCH
    # the same page range in another year's volume: another item, not a version
    assert decide(paper("5", year=2008), paper("6", year=2012)) is not MatchDecision.MATCH
    supplement = {"venue": "Thorax", "volume": None, "issue": "Suppl 2"}
    s1 = paper("7", year=2008, pages="S45", **supplement)
    s2 = paper("8", year=2012, pages="S45", **supplement)
    assert decide(s1, s2) is not MatchDecision.MATCH
