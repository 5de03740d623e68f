"""Per-record matching features: normalised title, authors, venue, locator, kind and version.

Computed once per record so that comparing a pair is cheap. Everything here is pure.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from sys import intern

from litsift.models import Record

# Identifier fields in order of strength; the same order as `ids.record_id`.
ID_FIELDS = ("doi", "arxiv_id", "pmid", "openalex_id", "s2_id", "dblp_key")
ABSTRACT_CHARS = 300
_KEPT_AUTHORS = 24  # abstracts are compared on their start (databases truncate them)
ID_PREFIXES = ("doi-", "arxiv-", "pmid-", "openalex-", "s2-", "dblp-", "ta-")

# A title that announces a correction, retraction, reply or comment is a separate report.
# (Checked after database annotations such as "[Erratum appears in ...]" are removed: those
# annotate the article itself.)
_ERRATUM_CITATION = re.compile(
    r"\(vol\.?\s*\w+,?\s*(pg|p|pp)\.?\s*\w+[^()]*\)\s*$"  # WoS: (vol 142, pg 310, 2003)
    r"|\([^()]*\(\d{4}\)\s*\d+\s*\(\s*[\w-]+\s*\)\s*\)\s*$",  # Embase: (J (2009) 360 (542-544))
    re.IGNORECASE,
)
_KIND_PATTERNS = (
    (
        "erratum",
        re.compile(
            r"\b(erratum|errata|corrigendum|corrigenda)\b"
            r"|^\s*((author|publisher)\s+)?correction\s*(:|to\b|notice\b)"
        ),
    ),
    (
        "retraction",
        re.compile(
            r"^\s*(retraction\s*(:|notice|note|statement|of\s*:)"
            r"|retracted\s*(:|article)|notice of retraction|withdrawn\s*:)"
        ),
    ),
    (
        "reply",
        re.compile(
            r"^\s*(reply|in reply|authors?'?s?\s+reply|response to)\b|^\s*re:\s"
            r"|[-:]\s*(authors?'?s?\s+)?reply\s*$"
        ),
    ),
    ("comment", re.compile(r"^\s*(comment|comments|commentary)\s+(on|to)\b")),
)
# Database annotations and markers that are not part of the title.
_ANNOTATION = re.compile(
    r"\[(erratum|comment|retraction|retracted|update|corrected|republished|expression of)"
    r"[^\]]*(\]|$)"
    r"|\((multiple letters|abstract)\)|\[(\d+|review|abstract|[a-z]+ language|"
    r"english|spanish|french|german|italian|portuguese|chinese|japanese|russian|polish|dutch|"
    r"czech|hungarian|turkish|danish|swedish|norwegian|korean|hebrew)\]",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(r"<original>.*$", re.IGNORECASE | re.DOTALL)
_LEAD = re.compile(
    r"^\s*((author|publisher)\s+)?(erratum|errata|corrigendum|correction|"
    r"retraction(\s+note|\s+notice)?)\s*(to\b)?\s*:?\s*",
    re.IGNORECASE,
)
# "[Erratum appears in Am J Transplant. 2009 Sep;9(9):2205 ...]": where an erratum is printed
_ERRATUM_AT = re.compile(
    r"erratum appears in [^\]]*?;\s*(\d+)\s*\(([^)]*)\)\s*:\s*[a-z]*(\d+)", re.IGNORECASE
)
_TRAIL_REPLY = re.compile(r"[-:]\s*(authors?'?s?\s+)?reply\s*$", re.IGNORECASE)
# DOI prefixes of preprint servers (arXiv's DataCite prefix, SSRN, Research Square, Preprints.org).
_PREPRINT_DOI = ("10.48550/", "10.2139/ssrn", "10.21203/rs", "10.20944/preprints")
_PREPRINT_VENUE = re.compile(r"\b(arxiv|biorxiv|medrxiv|ssrn|preprints?|research square|corr)\b")
_MEETING_VENUE = re.compile(r"\b(conference|congress|meeting|symposium|abstracts?)\b")
_SUPPLEMENT = re.compile(r"\bsuppl|\bsupplement|\bs\d", re.IGNORECASE)
_MEETING_TYPES = {"abstract", "conference abstract", "meeting abstract", "meeting-abstract"}
_PREPRINT_TYPES = {"preprint", "posted-content", "posted_content"}
_ROMAN = {"i", "ii", "iii", "iv", "vi", "vii", "viii", "ix", "x", "xi", "xii"}
_VENUE_STOP = {"of", "the", "and", "in", "on", "for", "a", "an", "de", "la", "le", "des", "der"}
_NUMBER = re.compile(r"\d+")
_PAGE_RANGE = re.compile(r"[a-z]*(\d+)\s*(?:[-\u2013]+\s*[a-z]*(\d+))?", re.IGNORECASE)


@dataclass(slots=True)
class Features:
    """What the matcher compares for one record (all strings folded).

    Treated as immutable; not declared frozen because a frozen dataclass pays one
    `object.__setattr__` per field on construction (a million records are built).
    """

    title: str  # folded title, "" when missing
    abstract: str  # start of the folded abstract, "" when missing
    numbers: frozenset[str]  # numbers in the title ('focus 2', 'part ii'): they tell works apart
    authors: tuple[str, ...]  # compact family names
    given: tuple[str, ...]  # compact given names, one per family name ("" when none)
    year: int | None
    venue: tuple[str, ...]  # venue tokens without stop words
    volume: str
    issue: str  # first number of the issue, "" when missing
    page: str  # first page (digits only)
    last_page: str  # last page, expanded ('2243-5' -> '2245'); "" when not a range
    page_form: str  # how the page field is written: see `page_form`
    dois: str  # DOI that is not a preprint DOI, without a version suffix; "" when none
    identifiers: tuple[str, ...]  # "doi:...", "arxiv:...", ... for identifier matching
    kind: str  # article | erratum | retraction | reply | comment
    preprint: bool
    meeting: bool  # a meeting abstract: conference venue or supplement issue
    translated: bool  # the title is marked as translated ('[...]', '<ORIGINAL>', language)

    @property
    def one_page(self) -> bool:
        """A one-page report (an abstract, letter or notice)."""
        return bool(self.page) and (not self.last_page or self.last_page == self.page)

    @property
    def locator(self) -> frozenset[str]:
        """Volume, issue and first page numbers, whatever field they came in."""
        return frozenset(x for x in (self.volume, self.issue, self.page) if x)


def features(record: Record) -> Features:
    """Matching features of one record."""
    title = fold_title(record.title)
    doi = record.doi or ""
    first, last = page_range(record.pages)
    # names beyond these are never compared (`match`); consortium papers list hundreds
    people = [p for p in map(person, record.authors[:_KEPT_AUTHORS]) if p[0]]
    return Features(
        title=title,
        abstract=fast_fold((record.abstract or "")[: ABSTRACT_CHARS + 100])[:ABSTRACT_CHARS],
        numbers=title_numbers(title),
        authors=tuple(p[0] for p in people),
        given=tuple(p[1] for p in people),
        year=record.year,
        venue=venue_tokens(record.venue),
        volume=intern(first_number(record.volume)),  # interned: numbers repeat across records
        issue=intern(first_number(record.issue)),
        page=intern(first),
        last_page=intern(last),
        page_form=page_form(record.pages),
        dois="" if not doi or doi.startswith(_PREPRINT_DOI) else doi_stem(doi),
        identifiers=identifiers(record),
        kind=title_kind(record.title),
        preprint=is_preprint(record),
        meeting=is_meeting_abstract(record),
        translated=is_translated(record),
    )


# Words without which a title can announce no other kind of report (a fast path)
_KIND_WORDS = re.compile(r"errat|corrig|correction|retract|withdrawn|reply|response|re:|comment")


def _plain_title(title: str) -> bool:
    """No annotation, citation or kind wording to look for (most titles)."""
    return not ("[" in title or "(" in title or "<" in title or _KIND_WORDS.search(title.lower()))


def clean_title(title: str | None) -> str:
    """Title without database annotations, erratum citations, or a translated original."""
    if not title:
        return ""
    if _plain_title(title):
        return title
    text = _ORIGINAL.sub("", title)
    text = _ANNOTATION.sub(" ", text)
    text = _ERRATUM_CITATION.sub("", text.strip())
    text = _TRAIL_REPLY.sub("", text)
    return _LEAD.sub("", text, count=1)


def fold_title(title: str | None) -> str:
    """Folded, cleaned title: what titles are compared on."""
    if title and title.isascii() and not _MARKUP.search(title) and "?" not in title:
        low = title.lower()  # the common case, folded in one pass
        if not ("[" in low or "(" in low or "<" in low or _KIND_WORDS.search(low)):
            return _fold_ascii(low)
    return fast_fold(clean_title(title))


_TAG = re.compile(r"<[^>]+>")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_MARKUP = re.compile(r"[&\\{}$]")
_LOST_LETTER = re.compile(r"(?<=[^\W\d_])\?(?=[^\W\d_])")
# LaTeX accents ({\'e}, \"u, \c{c}) keep their letter; other commands (\textit) go.
_LATEX_ACCENT = re.compile(r"\\(?:[`'^\"~=.]|[uvHckbdrt](?=[\s{]))\s*\{?\s*([A-Za-z])\s*\}?")
_LATEX_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])\s*")
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s*")
# Letters that Unicode decomposition does not reduce to ASCII.
_TRANSLITERATE = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "ð": "d", "ı": "i"}
)  # fmt: skip


def fast_fold(text: str | None) -> str:
    """`ids.fold`, also undoing LaTeX markup and '&' (read as 'and'); a fast path for plain
    ASCII text (the common case)."""
    if not text:
        return ""
    if "?" in text:  # a letter lost to a wrong encoding: 'fran?aises', 'Mar?a'
        text = _LOST_LETTER.sub("", text)
    if text.isascii() and not _MARKUP.search(text):
        if "<" in text:
            text = _TAG.sub(" ", text)
        return _fold_ascii(text)
    return _fold_unicode(_plain(text))


# ASCII folding by byte tables, four times faster than a regular expression: letters
# lowered, digits kept, everything else a space (_FOLD) or dropped (_DROP)
_FOLD = bytes(c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32
              for c in range(256))  # fmt: skip
_LOWER = bytes(c + 32 if 65 <= c <= 90 else c for c in range(256))
_DROP = bytes(c for c in range(256) if not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122))


def _fold_ascii(text: str) -> str:
    """Lower case, letters and digits, one space between words (ASCII text only)."""
    return " ".join(text.encode("ascii").translate(_FOLD).decode("ascii").split())


def _compact_ascii(text: str) -> str:
    """Lower-case letters and digits only: 'Le Quintrec' -> 'lequintrec' (ASCII only)."""
    return text.encode("ascii").translate(_LOWER, _DROP).decode("ascii")


# Combining marks (accents) left by Unicode decomposition
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold_unicode(text: str) -> str:
    """`ids.fold` with the accents stripped by one regular expression (much faster)."""
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    if "<" in text:
        text = _TAG.sub(" ", text)
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def _plain(text: str) -> str:
    """Text without LaTeX markup, HTML entities decoded, '&' spelled 'and'."""
    if "\\" in text or "{" in text or "$" in text:
        text = _LATEX_ACCENT.sub(r"\1", text)
        text = _LATEX_LETTER.sub(lambda m: m.group(1), text)
        text = _LATEX_COMMAND.sub("", text.replace("\\&", "&"))
        text = text.replace("{", "").replace("}", "").replace("$", "")
    text = html.unescape(text).translate(_TRANSLITERATE)
    return text.replace("&", " and ")


# Version suffixes of one work's DOIs: Cochrane '.pub2', Zenodo/figshare '.v2', bioRxiv 'v2',
# F1000-style open research platforms '.12345.2'
_DOI_VERSION = re.compile(
    r"(\.pub\d+|[./]v\d+|(?<=\d)v\d+)$"
    r"|^(10\.\d+/(?:f1000research|wellcomeopenres|gatesopenres|openreseurope|hrbopenres)\.\d+)\.\d+$"
)


def doi_stem(doi: str) -> str:
    """A DOI without its version suffix: versions of one work share the stem."""
    return _DOI_VERSION.sub(lambda m: m.group(2) or "", doi)


_NO_NUMBERS: frozenset[str] = frozenset()


def title_numbers(folded: str) -> frozenset[str]:
    """Arabic and small Roman numbers in a folded title."""
    found = [w.lstrip("0") or "0" for w in folded.split() if w.isdigit() or w in _ROMAN]
    return frozenset(found) if found else _NO_NUMBERS  # one shared empty set: memory


def compact_family(author: str) -> str:
    """Family name without spaces or hyphens: 'Le Quintrec, M.' -> 'lequintrec'."""
    return person(author)[0]


def person(author: str) -> tuple[str, str]:
    """(family, given) names without spaces or hyphens: 'Le Quintrec, M.' -> ('lequintrec',
    'm'); 'Xuefei Deng' -> ('deng', 'xuefei'); ('', '') for 'et al.' and the like."""
    if "," in author and author.isascii() and not _MARKUP.search(author) and "?" not in author:
        # the common case, fast (a cache missed two times in three on a million records)
        if len(author) < 30 and _ET_AL.fullmatch(author.strip()):
            return "", ""
        family, given = author.split(",", 1)
        return intern(_compact_ascii(family)), intern(_compact_ascii(given))
    return _person(author)


@lru_cache(maxsize=65536)
def _person(author: str) -> tuple[str, str]:
    if len(author) < 30 and _ET_AL.fullmatch(author.strip()):
        return "", ""
    if "," in author:
        family, given = author.split(",", 1)
        family, given = fast_fold(family).replace(" ", ""), fast_fold(given).replace(" ", "")
        return intern(family), intern(given)  # names repeat across records: memory
    parts = fast_fold(author).split()
    return (intern(parts[-1]), intern("".join(parts[:-1]))) if parts else ("", "")


@lru_cache(maxsize=65536)
def venue_tokens(venue: str | None) -> tuple[str, ...]:
    """Venue words without stop words: 'Seminars in Thrombosis & Hemostasis' -> 3 words."""
    return tuple(t for t in fast_fold(venue).split() if t not in _VENUE_STOP)


def first_number(value: str | None) -> str:
    """First number of a volume ('20 Suppl 1' -> '20'), without leading zeros."""
    m = _NUMBER.search(str(value or ""))
    return (m.group(0).lstrip("0") or "0") if m else ""


def page_range(pages: str | None) -> tuple[str, str]:
    """First and last page digits: 'c37-c42' -> ('37', '42'), '2243-5' -> ('2243', '2245')."""
    m = _PAGE_RANGE.search(str(pages or ""))
    if not m:
        return "", ""
    first = m.group(1).lstrip("0") or "0"
    last = (m.group(2) or "").lstrip("0")
    if last and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.IGNORECASE)
_PREFIXED = re.compile(r"^\s*[a-z]{1,3}\s*\d", re.IGNORECASE)
_SUPPL = re.compile(r"suppl", re.IGNORECASE)
# author entries that name nobody: a cut list, or no author given
_ET_AL = re.compile(
    r"\W*(et\.?\s*al\.?|and others|others|\.\.\.|\[?anonymous\]?|anon\.?"
    r"|no authorship indicated|not available|n/?a)\W*",
    re.IGNORECASE,
)


def page_form(pages: str | None) -> str:
    """How a page field is written, to tell a reformatted or garbled field from another place.

    'range' (12-19), 'page' (12), 'number' (an article number: 5 or more digits, no range),
    'prefixed' (e1234, S33-8, CD006828), 'suppl' ('Suppl 2:45'), 'date' (a spreadsheet's
    reading of '1-6' as '01-Jun'), '' when missing or without digits.
    """
    text = str(pages or "").strip()
    if not text or not any(c.isdigit() for c in text):
        return ""
    if _MONTH.search(text):
        return "date"
    if _SUPPL.search(text):
        return "suppl"
    if _PREFIXED.match(text):
        return "prefixed"
    first, last = page_range(text)
    if last:
        return "range"
    return "number" if len(first) >= 5 else "page"


def is_translated(record: Record) -> bool:
    """The title is a translation: MEDLINE's '[...]' brackets, a translated '<ORIGINAL>', or
    a language other than English."""
    title = (record.title or "").strip().rstrip(".").strip()
    if title.startswith("[") and title.endswith("]"):
        return True
    if "<original>" in title.lower():
        return True
    language = (record.language or "").strip().lower()
    return bool(language) and language not in {"en", "eng", "english"}


def identifiers(record: Record) -> tuple[str, ...]:
    """Typed persistent identifiers ('doi:10.1/x', 'arxiv:2303.1'), normalised."""
    out = []
    for name in ID_FIELDS:
        value = getattr(record, name)
        if value:
            value = value.strip().lower()
            if name == "openalex_id":
                value = value.rsplit("/", 1)[-1]
            out.append(f"{name}:{value}")
    return tuple(out)


def title_kind(title: str | None) -> str:
    """'erratum', 'retraction', 'reply', 'comment' from the title's wording, else 'article'."""
    if not title or _plain_title(title):
        return "article"
    text = _ANNOTATION.sub(" ", _ORIGINAL.sub("", title)).strip()
    if _ERRATUM_CITATION.search(text):
        return "erratum"
    lowered = text.lower()
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(lowered):
            return kind
    return "article"


Locator = tuple[str, str, str]


def locator_of(record: Record) -> Locator | None:
    """(volume, issue, first page) numbers of a record, None unless all three are known."""
    at = (first_number(record.volume), first_number(record.issue), page_range(record.pages)[0])
    return at if all(at) else None


def erratum_locations(records: Sequence[Record]) -> list[tuple[Locator, int]]:
    """Where errata are printed, from titles announcing them, with the announcing index.

    MEDLINE annotates an article's title with "[Erratum appears in J. 2009 Sep;9(9):2205]";
    a record printed there is that erratum, whatever its title says.
    """
    out = []
    for i, r in enumerate(records):
        title = r.title or ""
        if "rratum appears" not in title and "RRATUM APPEARS" not in title:
            continue
        for volume, issue, page in _ERRATUM_AT.findall(title):
            out.append(((volume.lstrip("0"), first_number(issue), page.lstrip("0")), i))
    return out


def mark_located_errata(records: Sequence[Record], feats: list[Features]) -> int:
    """Set the kind of records printed where another title says an erratum appears.

    Returns how many records were marked.
    """
    located = {at for at, _ in erratum_locations(records)}
    if not located:
        return 0
    marked = 0
    for i, r in enumerate(records):
        if feats[i].kind == "article" and locator_of(r) in located:
            feats[i] = replace(feats[i], kind="erratum")
            marked += 1
    return marked


def is_preprint(record: Record) -> bool:
    """A preprint report: arXiv-only identifiers, a preprint DOI, venue or document type."""
    doi = record.doi or ""
    if record.doc_type and record.doc_type.lower() in _PREPRINT_TYPES:
        return True
    if doi and not doi.startswith(_PREPRINT_DOI):
        return False
    if record.arxiv_id or doi:
        return True
    return preprint_venue(record.venue)


@lru_cache(maxsize=65536)
def preprint_venue(venue: str | None) -> bool:
    """A preprint server's name as the venue ('arXiv', 'medRxiv', 'SSRN', ...)."""
    return bool(venue and _PREPRINT_VENUE.search(fast_fold(venue)))


def is_meeting_abstract(record: Record) -> bool:
    """A meeting abstract: a conference venue, a supplement issue or an abstract type."""
    if record.doc_type and record.doc_type.lower() in _MEETING_TYPES:
        return True
    return _meeting_venue(record.venue) or bool(
        (record.volume and _SUPPLEMENT.search(record.volume))
        or (record.issue and _SUPPLEMENT.search(record.issue))
    )


@lru_cache(maxsize=65536)
def _meeting_venue(venue: str | None) -> bool:
    return bool(venue and _MEETING_VENUE.search(fast_fold(venue)))


def id_strength(record_id: str) -> int:
    """Rank of the identifier behind a record id: 0 for a DOI ... 6 for title/author/year."""
    for rank, prefix in enumerate(ID_PREFIXES):
        if record_id.startswith(prefix):
            return rank
    return len(ID_PREFIXES)
