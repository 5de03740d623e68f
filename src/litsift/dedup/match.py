"""Comparing two records: the matching rules, each giving a decision, a score and a reason.

Titles are compared after cleaning (database annotations such as "[Erratum appears in ...]",
"[Spanish]", "(multiple letters)" and a translated "<ORIGINAL> ..." removed) and folding
(case, accents, punctuation). The rules, in order, with one configuration for every data set:

1. Kinds. An erratum, retraction, reply or comment (from the title's wording) never matches
   another kind. An erratum with its article's title is linked to that article's *study*.
2. Two different DOIs that are not preprint DOIs never match (hard: no cluster holds both).
3. A shared persistent identifier (DOI, arXiv id, PubMed, OpenAlex, Semantic Scholar, DBLP)
   matches, unless the titles disagree (then the pair goes to a reviewer).
4. Otherwise fields are compared. *Support*: same year, same volume, same pages (first page,
   last page or overlapping ranges), same authors (first author or half the names),
   compatible venue (abbreviations allowed), abstracts that start alike. *Contradiction*:
   years more than one apart, different volume, different pages, different authors,
   different numbers in the titles ("Part I" / "Part II", "FOCUS 1" / "FOCUS 2").
   A record without a volume whose issue and page are the other's volume and issue (an
   export that shifted the locator one field) is compared without volume and pages.
   - near-identical titles (>= `title_high`) match with no contradiction and one support
     (three for titles under `short_title_words` words; a one-year gap also needs volume or
     pages). With the same authors, year and venue but other pages or volume they are
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
   - similar titles (>= `title_low`) with the whole author list (at least three names, in
     order; a truncated list is compared on its length), year and journal agreeing, no
     contradiction and one record with no volume, issue or pages match: an online-first
     record retitled in print. A companion paper of the same team looks alike, so this
     match is accepted last and refused when the joined cluster would hold two reports
     printed at different places;
   - similar titles (>= `title_mid`) match only when authors, year, volume and pages agree
     and so does the venue or the abstract;
   - one title containing the other (an added subtitle or citation) matches when authors,
     year, volume and pages agree;
   - a missing title matches only when authors, year, volume and pages agree.
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


@dataclass(frozen=True, slots=True)
class MatchVerdict:
    decision: MatchDecision
    score: float
    reason: str
    hard: bool = False  # a NO that forbids the two records in one cluster
    # a MATCH that holds only if no two members of the joined cluster were printed at
    # different places (checked after every other match, see `core`)
    placed_apart_refuses: bool = False


def compare(a: Features, b: Features, th: Thresholds = Thresholds()) -> MatchVerdict:
    """Decide whether two records are the same report, with a score and a reason."""
    title = title_similarity(a, b)
    if a.kind != b.kind:
        return _kinds(a, b, title, th)
    if a.dois and b.dois and a.dois != b.dois:
        return MatchVerdict(MatchDecision.NO, 0.0, "different DOIs", hard=True)
    shared = sorted(set(a.identifiers) & set(b.identifiers))
    if shared:
        name = shared[0].split(":", 1)[0]
        if title is not None and title < th.title_low:
            return MatchVerdict(
                MatchDecision.MAYBE, 0.5, f"same {name} but titles differ ({title:.2f})"
            )
        return MatchVerdict(MatchDecision.MATCH, 1.0, f"same {name}")
    if title is not None and title < th.title_low and not _same_locator(a, b):
        return MatchVerdict(MatchDecision.NO, 0.0, f"title {title:.2f}")
    support, against = evidence(a, b)
    if title is None:
        return _no_title(support, against)
    return _titled(a, b, title, support, against, th)


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


def evidence(a: Features, b: Features) -> tuple[list[str], list[str]]:
    """Supporting and contradicting field comparisons, as short words for the reason."""
    support: list[str] = []
    against: list[str] = []
    if a.numbers != b.numbers and not (a.numbers <= b.numbers or b.numbers <= a.numbers):
        against.append("numbers in titles")
    if a.year and b.year:
        gap = abs(a.year - b.year)
        if gap == 0:
            support.append("year")
        elif gap > 1:
            against.append(f"years {a.year}/{b.year}")
    if shifted_locator(a, b):
        pass  # the same numbers in other fields: an export error, neither for nor against
    else:
        if a.volume and b.volume:
            (support if a.volume == b.volume else against).append("volume")
        if a.page and b.page:
            (support if pages_agree(a, b) else against).append("page")
    authors = author_agreement(a.authors, b.authors)
    if authors is True:
        support.append("authors")
    elif authors is False:
        against.append("authors")
    if a.venue and b.venue and venue_compatible(a.venue, b.venue):
        support.append("venue")
    if abstracts_agree(a.abstract, b.abstract):
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
    have = _LOCATOR & set(support)
    if have == _LOCATOR and not against:
        return MatchVerdict(MatchDecision.MATCH, 0.9, "no title; " + _words(support))
    if len(have) >= 3 and not against:
        return MatchVerdict(MatchDecision.MAYBE, 0.7, "no title; " + _words(support))
    return MatchVerdict(MatchDecision.NO, 0.0, "no title")


def _titled(
    a: Features, b: Features, title: float, support: list[str], against: list[str], th: Thresholds
) -> MatchVerdict:
    score = round(0.6 * title + 0.4 * min(len(support), 5) / 5, 4)
    why = f"title {title:.2f}; {_words(support)}" + (
        f"; against: {', '.join(against)}" if against else ""
    )
    full_locator = not against and set(support) >= _LOCATOR
    short = min(len(a.title.split()), len(b.title.split())) < th.short_title_words
    if title >= th.title_high:
        decision, note = _near_identical(a, b, support, against, short)
        return MatchVerdict(decision, score, note + why, hard=decision is MatchDecision.STUDY)
    if full_locator and contained(a.title, b.title):
        return MatchVerdict(MatchDecision.MATCH, score, "one title contains the other; " + why)
    if title >= th.title_low and _retitled_online_first(a, b, support, against, short):
        return MatchVerdict(
            MatchDecision.MATCH,
            score,
            "retitled in print (online-first record); " + why,
            placed_apart_refuses=True,
        )
    if title >= th.title_mid:
        if full_locator and {"venue", "abstract"} & set(support) and not short:
            return MatchVerdict(MatchDecision.MATCH, score, why)
        enough = not against and len(support) >= 2
    elif title >= th.title_low:
        enough = not against and len(support) >= 3
    else:
        enough = full_locator
    return MatchVerdict(MatchDecision.MAYBE if enough else MatchDecision.NO, score, why)


_ANOTHER_REPORT = "same study, another report (abstract, erratum or reprint): "


def _near_identical(
    a: Features, b: Features, support: list[str], against: list[str], short: bool
) -> tuple[MatchDecision, str]:
    """Titles (almost) equal: a match, another report of the study, uncertain, or not.

    Returns the decision and a note that starts the reason.
    """
    located = bool({"volume", "page"} & set(support))
    one_year_gap = bool(a.year and b.year and abs(a.year - b.year) == 1)
    if not against and len(support) >= (3 if short else 1) and (located or not one_year_gap):
        return MatchDecision.MATCH, ""
    if _abstract_twice_in_volume(a, b, support, against, short):
        return MatchDecision.MATCH, "one meeting abstract with two page numbers; "
    if _companion(support, against, short):
        return MatchDecision.STUDY, _ANOTHER_REPORT
    if _abstract_in_two_journals(a, b, support, against, short):
        if "abstract" in support:
            return MatchDecision.MATCH, "one meeting abstract in two journals; "
        return MatchDecision.MAYBE, "one meeting abstract in two journals? "
    year_apart = any(w.startswith("years") for w in against)
    if len(against) <= 1 and len(support) >= 2 and (located or not year_apart):
        return MatchDecision.MAYBE, ""
    return MatchDecision.NO, ""


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


def author_agreement(a: tuple[str, ...], b: tuple[str, ...]) -> bool | None:
    """True when first authors or half the names agree, False when neither, None if unknown."""
    if not a or not b:
        return None
    if names_match(a[0], b[0]):
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    short, long = short[:_MAX_AUTHORS], long[: 2 * _MAX_AUTHORS]
    exact = set(long)
    found = sum(x in exact or any(names_match(x, y) for y in long) for x in short)
    return found * 2 >= len(short) and found > 0


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
        while i < len(long) and not long[i].startswith(word):
            i += 1
        if i == len(long):
            return False
        i += 1
    return True
