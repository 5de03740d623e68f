"""Comparing two records: the matching rules, each giving a decision, a score and a reason.

Titles are compared after cleaning (database annotations such as "[Erratum appears in ...]",
"[Spanish]", "(multiple letters)" and a translated "<ORIGINAL> ..." removed) and folding
(case, accents, LaTeX and HTML markup, '&' read as 'and', a '?' standing for a letter lost
to a wrong encoding, punctuation). The rules, in order, with one configuration for every
data set (each MATCH names its `Rule`):

1. Kinds. An erratum, retraction, reply or comment (from the title's wording) never matches
   another kind. An erratum with its article's title is linked to that article's *study*.
2. Two different DOIs that are not preprint DOIs never match (hard: no cluster holds both),
   unless they differ only by a version suffix ('.pub2', 'v2'): two versions of one work
   are compared on their fields.
3. A shared persistent identifier (DOI, arXiv id, PubMed, OpenAlex, Semantic Scholar, DBLP)
   matches, unless the titles disagree (then the pair goes to a reviewer).
4. Otherwise each field gets a level (`compare_fields`): same, differs, *written another
   way*, or missing. Written another way is a field garbled or reformatted the way exports
   do it - a page read as a date ('01-Jun'), 'S45' or 'Suppl 45' for page 1245, an article
   number against the article's pages 1-n, a volume holding the year, a locator shifted one
   field - and it weakens a match instead of vetoing it: it counts neither for nor
   against. Names agree when the family names do, also when a family name was split at the
   comma ('Le, Quintrec M.') or given and family names were swapped; 'et al.' and
   'Anonymous' are not names. *Support*: same year, volume, pages (first page, last page
   or overlapping ranges), authors (first author or half the names), compatible venue
   (abbreviations such as 'Dtsch Med Wochenschr' allowed), abstracts that start alike.
   *Contradiction*: years more than one apart, different volume, pages or authors,
   different numbers in the titles ("Part I" / "Part II", "FOCUS 1" / "FOCUS 2").
   - near-identical titles (>= `title_high`) match with no contradiction and one support
     (three for titles under `short_title_words` words; a one-year gap also needs volume or
     pages; a field written another way also needs the venue or abstract, else the pair is
     uncertain). With the same authors, year and venue but other pages or volume they are
     another report of the same study (conference abstract and article, unmarked
     erratum): linked as one study, never merged. PRISMA 2020 counts an abstract and the
     article as two reports of one study, and the metadata of an abstract printed in a
     later issue cannot be told from an unmarked erratum, which is not a duplicate;
   - except: two *one-page meeting abstracts* (conference venue or supplement) with the
     same author list, year, journal and volume, whose issues do not differ, are one
     abstract indexed with two page numbers, and match;
   - two meeting abstracts with the same title, author names and year in two journals
     (one abstract presented at two meetings) match only when their abstracts agree, and
     otherwise go to a reviewer (an updated abstract often keeps its title);
   - the same page range (three pages or more), volume and year by the same authors (or in
     the same journal when one lists none), no meeting abstract, is one article whatever
     the titles say: a title translated from another language shares few words;
   - one title containing the other (an added subtitle or citation) matches when authors,
     year, volume and pages agree; one title that starts the other or lies inside it (a
     subtitle dropped, a title cut short, a second-language title appended) matches with
     the same authors and year and the same venue, volume or pages;
   - similar titles (>= `title_low`) with the whole author list (at least three names, in
     order; a truncated list is compared on its length), year and journal agreeing, no
     contradiction and one record with no volume, issue or pages match: an online-first
     record retitled in print. A companion paper of the same team looks alike, so this
     match is accepted last and refused when the joined cluster would hold two reports
     printed at different places;
   - similar titles (>= `title_mid`) match only when authors, year, volume and pages agree
     and so does the venue or the abstract;
   - a missing title never matches: with authors, year, volume and pages agreeing the pair
     goes to a reviewer (nothing tells it from an erratum printed at the same place).
   Pairs just short of these rules (a contradiction or a support missing) are *uncertain*:
   they are not merged and go to a reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from litsift.dedup.features import Features

_MAX_AUTHORS = 10  # names compared beyond the first author (consortium papers list hundreds)
_LOCATOR = frozenset({"authors", "year", "volume", "page"})


class Rule(StrEnum):
    """Why two records were merged: the rule behind each link (counted in reports)."""

    IDENTIFIER = "shared identifier"
    TITLE = "near-identical title"
    SAME_PAGES = "same article pages"
    CONTAINED = "title contained, full locator"
    TITLE_PART = "title part (subtitle, cut)"
    RETITLED = "retitled online-first record"
    SIMILAR = "similar title, full locator"
    ABSTRACT_TWO_PAGES = "one abstract, two page numbers"
    ABSTRACT_TWO_JOURNALS = "one abstract in two journals"
    VERSIONS = "one article number, two years (versions)"
    SAME_ID = "same record id"  # set by `core`: same persistent-identifier record id
    REVIEWER = "reviewer answer"  # set by `core`
    EARLIER_RUN = "earlier run"  # set by `core`


class MatchDecision(StrEnum):
    MATCH = "match"  # the same report
    STUDY = "study"  # another report of the same study (never in one cluster)
    MAYBE = "maybe"
    NO = "no"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Title similarity cut-offs (0-1) and what counts as a short title."""

    title_high: float = 0.95
    title_mid: float = 0.80
    title_low: float = 0.70
    short_title_words: int = 4


@dataclass(slots=True)  # not frozen: built for every candidate pair (see `Features`)
class MatchVerdict:
    decision: MatchDecision
    score: float
    reason: str
    hard: bool = False  # a NO that forbids the two records in one cluster
    # a MATCH that holds only if no two members of the joined cluster were printed at
    # different places (checked after every other match, see `core`)
    placed_apart_refuses: bool = False
    rule: str = ""  # a `Rule` for a MATCH
    fields: Fields | None = None  # the field comparison, when the fields decided


def compare(a: Features, b: Features, th: Thresholds = Thresholds()) -> MatchVerdict:
    """Decide whether two records are the same report, with a score and a reason."""
    title = title_similarity(a, b)
    settled = settle(a, b, title, th)
    if settled is not None:
        return settled
    if (
        title is not None
        and title < th.title_low
        and not _same_locator(a, b)
        and not title_part(a.title, b.title)
    ):
        return MatchVerdict(MatchDecision.NO, 0.0, f"title {title:.2f}")
    f = compare_fields(a, b)
    support, against = support_against(f, a, b)
    if title is None:
        return _no_title(support, against)
    verdict = _titled(a, b, f, support, against, th)
    if a.dois and b.dois and verdict.decision is MatchDecision.MATCH:  # one work, two DOI versions
        verdict.reason += "; DOIs of two versions of one work"
    verdict.fields = f
    return verdict


def settle(a: Features, b: Features, title: float | None, th: Thresholds) -> MatchVerdict | None:
    """What no field comparison can change: two kinds of report, two different DOIs, or a
    shared persistent identifier. None when the fields must decide."""
    if a.kind != b.kind:
        return _kinds(a, b, title, th)
    if a.dois and b.dois and a.dois != b.dois:
        return MatchVerdict(MatchDecision.NO, 0.0, "different DOIs", hard=True)
    # identifiers are few: no sets needed (this runs for every candidate pair)
    shared = sorted(x for x in a.identifiers if x in b.identifiers) if b.identifiers else []
    if shared:
        name = shared[0].split(":", 1)[0]
        if title is not None and title < th.title_low:
            return MatchVerdict(
                MatchDecision.MAYBE, 0.5, f"same {name} but titles differ ({title:.2f})"
            )
        return MatchVerdict(MatchDecision.MATCH, 1.0, f"same {name}", rule=Rule.IDENTIFIER)
    return None


def _kinds(a: Features, b: Features, title: float | None, th: Thresholds) -> MatchVerdict:
    """Different kinds never match; an erratum is linked to the study of its article."""
    kinds = {a.kind, b.kind}
    if (
        kinds == {"erratum", "article"}
        and title is not None
        and title >= th.title_high
        and author_agreement(a.authors, b.authors) is not False
        and not (a.year and b.year and abs(a.year - b.year) > 1)
    ):
        return MatchVerdict(
            MatchDecision.STUDY,
            round(title, 4),
            f"erratum of the same study (title {title:.2f})",
            hard=True,
        )
    return MatchVerdict(MatchDecision.NO, 0.0, f"{a.kind} vs {b.kind}", hard=True)


def _same_locator(a: Features, b: Features) -> bool:
    return bool(
        a.volume
        and a.page
        and a.year
        and a.volume == b.volume
        and a.page == b.page
        and a.year == b.year
    )


SAME = "same"
DIFFER = "differ"
FORMAT = "format"  # differs the way a reformatted or corrupt field would: neither for nor against
NEAR = "near"  # years one apart (online first and print)
LIST = "list"  # the same author list, name by name in order


@dataclass(slots=True)  # not frozen: built for most candidate pairs (see `Features`)
class Fields:
    """How each field of two records compares: a level per field, '' when one is missing.

    These levels are what both the rules and the learned weights (`weights.py`) read.
    """

    title: float | None  # similarity of the folded titles
    title_part: bool  # one title is the other's start or lies inside it (subtitle, cut)
    translated: bool  # one title is marked as a translation
    numbers: bool  # the titles carry different numbers ('Part I' / 'Part II')
    year: str  # same | near | differ | ''
    volume: str  # same | differ | format | ''
    pages: str  # same | differ | format | ''
    authors: str  # list | same | differ | ''
    venue: str  # same | differ | ''
    abstract: str  # same | differ | ''


def compare_fields(a: Features, b: Features) -> Fields:
    """Compare two records field by field."""
    shifted = shifted_locator(a, b)
    return Fields(
        title=title_similarity(a, b),
        title_part=title_part(a.title, b.title),
        translated=a.translated or b.translated,
        numbers=a.numbers != b.numbers and not (a.numbers <= b.numbers or b.numbers <= a.numbers),
        year=_year_level(a.year, b.year),
        volume=FORMAT if shifted else _volume_level(a, b),
        pages=FORMAT if shifted else pages_level(a, b),
        authors=_author_level(a, b),
        venue="" if not (a.venue and b.venue) else SAME if venue_compatible(a.venue, b.venue)
        else DIFFER,
        abstract="" if min(len(a.abstract), len(b.abstract)) < 100
        else SAME if abstracts_agree(a.abstract, b.abstract) else DIFFER,
    )  # fmt: skip


def _year_level(a: int | None, b: int | None) -> str:
    if not (a and b):
        return ""
    gap = abs(a - b)
    return SAME if gap == 0 else NEAR if gap == 1 else DIFFER


def _volume_level(a: Features, b: Features) -> str:
    if not (a.volume and b.volume):
        return ""
    if a.volume == b.volume:
        return SAME
    # a year written in the volume field ('2012' for volume 7 of 2012)
    years = {str(a.year or ""), str(b.year or "")}
    if a.volume in years or b.volume in years:
        return FORMAT
    return DIFFER


def pages_level(a: Features, b: Features) -> str:
    """same | differ | format (one page field garbled or written another way) | ''."""
    if not (a.page and b.page):
        return ""
    if a.page_form == "date" or b.page_form == "date":
        return FORMAT  # '1-6' read by a spreadsheet as a date: nothing left to compare
    if pages_agree(a, b):
        return SAME
    forms = {a.page_form, b.page_form}
    if forms & {"prefixed", "suppl"} and _last_digits(a, b):
        return FORMAT  # 'S45' or 'Suppl 45' for page 1245: the last digits survived
    if forms & {"number", "prefixed"} and any(x.page == "1" for x in (a, b)):
        return FORMAT  # an article number (e43268, 107806) and the article's own pages 1-n
    return DIFFER


def _last_digits(a: Features, b: Features) -> bool:
    """The shorter first page is the end of the other's first or last page (2+ digits)."""
    for x, y in ((a, b), (b, a)):
        if 2 <= len(x.page) < len(y.page) and (
            y.page.endswith(x.page) or y.last_page.endswith(x.page)
        ):
            return True
    return False


def _author_level(a: Features, b: Features) -> str:
    if not (a.authors and b.authors):
        return ""
    n = min(len(a.authors), len(b.authors), _MAX_AUTHORS)
    whole = n >= 3 or len(a.authors) == len(b.authors) == n >= 2
    if whole and (
        a.authors[:n] == b.authors[:n]
        or all(
            same_person(a.authors[i], _at(a.given, i), b.authors[i], _at(b.given, i))
            for i in range(n)
        )
    ):
        return LIST  # the whole list, name by name in order (the first author agrees)
    agreement = author_agreement(a.authors, b.authors, a.given, b.given)
    return SAME if agreement else DIFFER


def _at(names: tuple[str, ...], i: int) -> str:
    return names[i] if i < len(names) else ""


def title_part(x: str, y: str, min_words: int = 4) -> bool:
    """One title is the start of the other (a subtitle added, a title cut short) or lies
    within it (a citation added), with at least `min_words` words."""
    if not x or not y or x == y:
        return False
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    # a cut title can end inside a word
    return len(short.split()) >= min_words and (
        long.startswith(short) or long.endswith(" " + short) or f" {short} " in long
    )


def evidence(a: Features, b: Features) -> tuple[list[str], list[str]]:
    """Supporting and contradicting field comparisons, as short words for the reason."""
    return support_against(compare_fields(a, b), a, b)


def support_against(
    f: Fields, a: Features | None = None, b: Features | None = None
) -> tuple[list[str], list[str]]:
    """Field levels as words: what agrees and what disagrees (a field written another way,
    or garbled, is neither)."""
    support: list[str] = []
    against: list[str] = []
    if f.numbers:
        against.append("numbers in titles")
    if f.year == SAME:
        support.append("year")
    elif f.year == DIFFER:
        against.append(f"years {a.year}/{b.year}" if a and b else "years")
    for name, level in (("volume", f.volume), ("page", f.pages)):
        if level == SAME:
            support.append(name)
        elif level == DIFFER:
            against.append(name)
    if f.authors in (SAME, LIST):
        support.append("authors")
    elif f.authors == DIFFER:
        against.append("authors")
    if f.venue == SAME:
        support.append("venue")
    if f.abstract == SAME:
        support.append("abstract")
    return support, against


def shifted_locator(a: Features, b: Features) -> bool:
    """One record lacks a volume, and its issue and page are the other's volume and issue.

    An export that shifted the locator one field along ('26(9):1746' read as issue 26,
    page 9): the numbers are the same, only their fields differ.
    """
    return any(
        not x.volume and x.issue and x.page and (x.issue, x.page) == (y.volume, y.issue)
        for x, y in ((a, b), (b, a))
    )


def authors_alike(a: tuple[str, ...], b: tuple[str, ...], names: int = 3) -> bool:
    """The same author list: at least `names` names, the first `names` equal in order."""
    if min(len(a), len(b)) < names:
        return False
    return all(names_match(x, y) for x, y in zip(a[:names], b[:names], strict=True))


def same_author_list(a: tuple[str, ...], b: tuple[str, ...], names: int = 3) -> bool:
    """The whole author list agrees, name by name in order (at least `names` names).

    The shorter list may stop early (databases truncate long lists): it must be the start of
    the longer one.
    """
    n = min(len(a), len(b), _MAX_AUTHORS)
    return n >= names and authors_alike(a[:n], b[:n], n)


def same_author_set(a: tuple[str, ...], b: tuple[str, ...], names: int = 3) -> bool:
    """The same names (at least `names`), perhaps in another order."""
    return len(a) == len(b) >= names and set(a) == set(b)


def abstracts_agree(a: str, b: str, min_chars: int = 100) -> bool:
    """The abstracts start alike (compared on the shorter start; a missing one says nothing)."""
    n = min(len(a), len(b))
    return n >= min_chars and Indel.normalized_similarity(a[:n], b[:n]) >= 0.9


def _no_title(support: list[str], against: list[str]) -> MatchVerdict:
    """Without a title nothing tells a record from an erratum or comment printed at the same
    place: a full locator makes the pair a question for a reviewer, never a merge."""
    have = _LOCATOR & set(support)
    if len(have) >= 3 and not against:
        score = 0.9 if have == _LOCATOR else 0.7
        return MatchVerdict(MatchDecision.MAYBE, score, "no title; " + _words(support))
    return MatchVerdict(MatchDecision.NO, 0.0, "no title")


def _titled(
    a: Features, b: Features, f: Fields, support: list[str], against: list[str], th: Thresholds
) -> MatchVerdict:
    title = f.title or 0.0
    score = round(0.6 * title + 0.4 * min(len(support), 5) / 5, 4)
    reformatted = [n for n, lv in (("volume", f.volume), ("pages", f.pages)) if lv == FORMAT]
    why = (
        f"title {title:.2f}; {_words(support)}"
        + (f"; against: {', '.join(against)}" if against else "")
        + (f"; written differently: {', '.join(reformatted)}" if reformatted else "")
    )
    full_locator = not against and set(support) >= _LOCATOR
    short = min(len(a.title.split()), len(b.title.split())) < th.short_title_words
    if title >= th.title_high:
        decision, note, rule = _near_identical(a, b, support, against, short)
        if (
            decision is MatchDecision.MATCH
            and reformatted
            and not {"venue", "abstract"} & set(support)
        ):
            # a garbled field weakens the match: without the venue it is a question
            decision, note = MatchDecision.MAYBE, "a field garbled and the venue differs; "
        # a copy with no place in print may be the copy of a companion paper: checked last
        unplaced = decision is MatchDecision.MATCH and _unplaced(a, b)
        return MatchVerdict(
            decision,
            score,
            note + why,
            hard=decision is MatchDecision.STUDY,
            rule=rule,
            placed_apart_refuses=unplaced,
        )
    if _same_place(a, b, f, against):
        note = "the same article pages, volume and year"
        note += ", title translated" if f.translated else ", titles differ (a translation?)"
        return MatchVerdict(MatchDecision.MATCH, score, f"{note}; " + why, rule=Rule.SAME_PAGES)
    if full_locator and contained(a.title, b.title):
        return MatchVerdict(
            MatchDecision.MATCH, score, "one title contains the other; " + why, rule=Rule.CONTAINED
        )
    if f.title_part and not short and _part_supported(f, support, against):
        note = "one title starts or contains the other (subtitle, cut); "
        # a cut title is also the start of the same team's companion paper: checked last
        return MatchVerdict(
            MatchDecision.MATCH, score, note + why, rule=Rule.TITLE_PART, placed_apart_refuses=True
        )
    if title >= th.title_low and _retitled_online_first(a, b, support, against, short):
        return MatchVerdict(
            MatchDecision.MATCH,
            score,
            "retitled in print (online-first record); " + why,
            placed_apart_refuses=True,
            rule=Rule.RETITLED,
        )
    if title >= th.title_mid:
        if full_locator and {"venue", "abstract"} & set(support) and not short:
            return MatchVerdict(MatchDecision.MATCH, score, why, rule=Rule.SIMILAR)
        enough = not against and len(support) >= 2
    elif title >= th.title_low:
        enough = not against and len(support) >= 3
    else:
        enough = full_locator
    return MatchVerdict(MatchDecision.MAYBE if enough else MatchDecision.NO, score, why)


def _same_place(a: Features, b: Features, f: Fields, against: list[str]) -> bool:
    """Printed at the same pages (a range of three or more) of one volume in one year, by the
    same first author (or in the same journal when one lists no author), in no other
    journal: one article, whatever the titles say. A translated title often shares no word
    with the original.

    Meeting abstracts are left out: a supplement prints many on one or two pages. Two
    journals can have the same volume, pages and year; their articles' authors differ.
    """
    first_author = f.authors == LIST or (
        f.authors == SAME
        and same_person(a.authors[0], _at(a.given, 0), b.authors[0], _at(b.given, 0))
    )
    return (
        not against
        and f.volume == SAME
        and f.year in (SAME, "")
        and a.page == b.page
        and bool(a.last_page)
        and a.last_page == b.last_page
        and int(a.last_page) - int(a.page) >= 2
        and not (a.meeting or b.meeting)
        and f.venue != DIFFER
        and (first_author or (f.authors == "" and f.venue == SAME))
    )


def _unplaced(a: Features, b: Features) -> bool:
    """One record has no volume, issue or pages."""
    return any(not (x.volume or x.issue or x.page) for x in (a, b))


def _part_supported(f: Fields, support: list[str], against: list[str]) -> bool:
    """One title is part of the other: the same authors and year, and the same venue or
    place in print."""
    return (
        not against
        and f.authors in (SAME, LIST)
        and f.year == SAME
        and bool({"venue", "volume", "page"} & set(support))
    )


_ANOTHER_REPORT = "same study, another report (abstract, erratum or reprint): "


def _near_identical(
    a: Features, b: Features, support: list[str], against: list[str], short: bool
) -> tuple[MatchDecision, str, str]:
    """Titles (almost) equal: a match, another report of the study, uncertain, or not.

    Returns the decision, a note that starts the reason, and the rule of a match.
    """
    located = bool({"volume", "page"} & set(support))
    one_year_gap = bool(a.year and b.year and abs(a.year - b.year) == 1)
    if not against and len(support) >= (3 if short else 1) and (located or not one_year_gap):
        return MatchDecision.MATCH, "", Rule.TITLE
    if _versions_of_one_article(a, b, support, against, short):
        return (
            MatchDecision.MATCH,
            "one article number in two years (versions of one work); ",
            Rule.VERSIONS,
        )
    if _abstract_twice_in_volume(a, b, support, against, short):
        return (
            MatchDecision.MATCH,
            "one meeting abstract with two page numbers; ",
            Rule.ABSTRACT_TWO_PAGES,
        )
    if _companion(support, against, short):
        return MatchDecision.STUDY, _ANOTHER_REPORT, ""
    if _abstract_in_two_journals(a, b, support, against, short):
        if "abstract" in support:
            note = "one meeting abstract in two journals; "
            return MatchDecision.MATCH, note, Rule.ABSTRACT_TWO_JOURNALS
        return MatchDecision.MAYBE, "one meeting abstract in two journals? ", ""
    year_apart = any(w.startswith("years") for w in against)
    if len(against) <= 1 and len(support) >= 2 and (located or not year_apart):
        return MatchDecision.MAYBE, "", ""
    return MatchDecision.NO, "", ""


def _versions_of_one_article(
    a: Features, b: Features, support: list[str], against: list[str], short: bool
) -> bool:
    """The same title, authors, journal and article number, only the years differ.

    An article number ('CD006828', 'e43268') names one work in its journal; journals that
    update a work in place (a Cochrane review and its updates, a living guideline) keep
    the number and the title and change the year, and an export may carry either year.
    Page numbers repeat across volumes, so this holds for article numbers only, and never
    for meeting abstracts (a supplement page such as 'S45' is written the same way).
    """
    return (
        not short
        and len(against) == 1
        and against[0].startswith("years")
        and {"page", "authors", "venue"} <= set(support)
        and a.page_form == b.page_form
        and a.page_form in ("number", "prefixed")
        and not (a.meeting or b.meeting)
    )


def _abstract_twice_in_volume(
    a: Features, b: Features, support: list[str], against: list[str], short: bool
) -> bool:
    """Two one-page records of a meeting abstract, same journal volume, only pages differ.

    The same title, author list, year, journal and volume, no issue that differs: one
    abstract indexed with two page numbers. (Another issue of the volume would make it
    another item, such as an unmarked erratum, which stays apart.)
    """
    return (
        not short
        and against == ["page"]
        and {"authors", "year", "venue", "volume"} <= set(support)
        and (a.meeting or b.meeting)
        and a.one_page
        and b.one_page
        and not (a.issue and b.issue and a.issue != b.issue)
        and authors_alike(a.authors, b.authors)
    )


def _abstract_in_two_journals(
    a: Features, b: Features, support: list[str], against: list[str], short: bool
) -> bool:
    """Two meeting abstracts, same title, author list and year, in two journals' supplements.

    The same abstract presented at two meetings: merged only when the abstract texts agree,
    otherwise a reviewer decides (an updated abstract can keep its title).
    """
    return (
        not short
        and a.meeting
        and b.meeting
        and set(against) <= {"volume", "page"}
        and {"authors", "year"} <= set(support)
        and "venue" not in support
        and (same_author_list(a.authors, b.authors) or same_author_set(a.authors, b.authors))
    )


def _retitled_online_first(
    a: Features, b: Features, support: list[str], against: list[str], short: bool
) -> bool:
    """A similar title, the whole author list, year and journal agree, and one record has
    no volume, issue or pages: an online-first record whose title changed in print.

    A companion paper of the same team looks the same; so this match is refused when the
    online-first record already belongs with a report printed elsewhere.
    """
    unplaced = any(not (x.volume or x.issue or x.page) for x in (a, b))
    return (
        not short
        and not against
        and unplaced
        and {"authors", "year", "venue"} <= set(support)
        and same_author_list(a.authors, b.authors)
    )


def contained(x: str, y: str, min_words: int = 3) -> bool:
    """The shorter title appears (almost exactly) inside the longer one."""
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    if len(short.split()) < min_words:
        return False
    return short in long or fuzz.partial_ratio(short, long) >= 95


def _companion(support: list[str], against: list[str], short: bool) -> bool:
    """Same title, authors, year and venue but another volume or pages: another report."""
    return (
        not short
        and bool(against)
        and set(against) <= {"volume", "page"}
        and {"authors", "year", "venue"} <= set(support)
    )


def pages_agree(a: Features, b: Features) -> bool:
    """Same first page, same last page, or overlapping page ranges (a typo in one)."""
    if a.page == b.page or (a.last_page and a.last_page == b.last_page):
        return True
    if not (a.last_page and b.last_page):
        return False
    lo_a, hi_a, lo_b, hi_b = int(a.page), int(a.last_page), int(b.page), int(b.last_page)
    return lo_a <= hi_a and lo_b <= hi_b and lo_a <= hi_b and lo_b <= hi_a


def _words(items: list[str]) -> str:
    return "same " + ", ".join(items) if items else "nothing else agrees"


def title_similarity(a: Features, b: Features) -> float | None:
    """Normalised Indel similarity of the folded titles (None when one is missing)."""
    if not a.title or not b.title:
        return None
    return Indel.normalized_similarity(a.title, b.title)


def names_match(x: str, y: str) -> bool:
    """Two compact family names agree: equal, one ends the other ('quintrec'), or near-equal."""
    if x == y:
        return True
    if min(len(x), len(y)) >= 4 and (x.endswith(y) or y.endswith(x)):
        return True
    return min(len(x), len(y)) >= 4 and fuzz.ratio(x, y) >= 80


def same_person(fa: str, ga: str, fb: str, gb: str) -> bool:
    """Two names agree: the family names match, or the parts were split or swapped.

    'Le, Quintrec M.' / 'Le Quintrec, M.' (a family name split at the comma) and
    'Tianzhao, Wu' / 'Wu, Tianzhao' (given and family names swapped) are one person.
    """
    if names_match(fa, fb):
        return True
    if not (ga and gb and fa and fb):
        return False
    for f1, g1, f2 in ((fa, ga, fb), (fb, gb, fa)):
        if len(f1) < len(f2) and f2.startswith(f1) and (f1 + g1).startswith(f2):
            return True  # 'Le, Quintrec M.': the family name split at the comma
    # swapped: one given-name field holds the other's family name in full
    return (ga == fb and _given_agrees(fa, gb)) or (gb == fa and _given_agrees(fb, ga))


def _given_agrees(family: str, given: str) -> bool:
    """A family name in the other's given-name field, spelled out or as its initial."""
    return given == family or (len(given) <= 2 and family.startswith(given[0]))


def author_agreement(
    a: tuple[str, ...],
    b: tuple[str, ...],
    given_a: tuple[str, ...] = (),
    given_b: tuple[str, ...] = (),
) -> bool | None:
    """True when first authors or half the names agree, False when neither, None if unknown.

    With given names, names split or swapped between the fields also agree.
    """
    if not a or not b:
        return None
    ga = given_a if len(given_a) == len(a) else ("",) * len(a)
    gb = given_b if len(given_b) == len(b) else ("",) * len(b)
    if same_person(a[0], ga[0], b[0], gb[0]):
        return True
    if len(a) > len(b):
        a, b, ga, gb = b, a, gb, ga
    n, m = min(len(a), _MAX_AUTHORS), min(len(b), 2 * _MAX_AUTHORS)
    exact = set(b[:m])
    found = sum(
        a[i] in exact or any(same_person(a[i], ga[i], b[j], gb[j]) for j in range(m))
        for i in range(n)
    )
    return found * 2 >= n and found > 0


def venue_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same venue, allowing abbreviations ('nat rev nephrol') and extra words."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if _abbreviates(short, long) or (len(a) == len(b) and _abbreviates(long, short)):
        return True
    return fuzz.token_set_ratio(" ".join(a), " ".join(b)) >= 85


def _abbreviates(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Each word of `short` starts a later word of `long`, in order."""
    i = 0
    for word in short:
        while i < len(long) and not _abbreviates_word(word, long[i]):
            i += 1
        if i == len(long):
            return False
        i += 1
    return True


def _abbreviates_word(short: str, long: str) -> bool:
    """'proc' for 'proceedings'; 'dtsch' for 'deutsche' (its letters in order, the first
    one first, as ISO 4 abbreviations drop vowels)."""
    if long.startswith(short):
        return True
    if len(short) < 3 or short[0] != long[0] or len(short) >= len(long):
        return False
    rest = iter(long[1:])
    return all(c in rest for c in short[1:])
