"""The canonical record of a cluster: its version of record, gaps filled from the others.

Members are ranked, best first, by what makes a copy the version of record:

1. published over preprint (a copy whose venue, type or DOI is a preprint server's);
2. a journal article or conference paper over a meeting abstract;
3. the copy with a DOI (a publisher's, not a preprint server's);
4. the copy with an abstract;
5. the fuller author list;
6. then identifier strength, the number of filled fields and the member key (ties).

The first member is the version of record; each field comes from the first member in that
order that has it, except the author list (the longest) and the DOI, which a published
record never takes from a preprint, nor the venue, volume, issue, pages, publisher or
type (the preprint's arXiv id is kept in `arxiv_id`). The
choice and the criterion that decided it are kept on the cluster. The canonical record
carries the cluster id whichever member is chosen, so screening files never see the
choice change an id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from litsift.dedup.features import (
    _PREPRINT_DOI,
    _PREPRINT_TYPES,
    id_strength,
    is_meeting_abstract,
    preprint_venue,
)
from litsift.models import Record, share_fields_set

FIELDS = (
    "title",
    "abstract",
    "year",
    "venue",
    "doi",
    "arxiv_id",
    "pmid",
    "openalex_id",
    "s2_id",
    "dblp_key",
    "volume",
    "issue",
    "pages",
    "publisher",
    "language",
    "doc_type",
    "url",
    "keywords",
    "source_key",
    "batch",
    "labels",
)


# Where a report was published: a published record never takes these from a preprint.
_PUBLICATION = frozenset({"doi", "venue", "volume", "issue", "pages", "publisher", "doc_type"})


def preprint_copy(record: Record) -> bool:
    """This copy reads as a preprint: a preprint type, DOI or venue, or nothing but an
    arXiv id. (An arXiv id beside a journal or conference is the published copy's eprint.)"""
    if record.doc_type and record.doc_type.lower() in _PREPRINT_TYPES:
        return True
    if record.doi:
        return record.doi.startswith(_PREPRINT_DOI)
    if record.venue:
        return preprint_venue(record.venue)
    return bool(record.arxiv_id)


def _published_doi(record: Record) -> bool:
    return bool(record.doi) and not str(record.doi).startswith(_PREPRINT_DOI)


def _key(record: Record) -> str:
    return f"{record.source}:{record.origin}"


def filled(record: Record) -> int:
    """How many fields are filled (id, source and origin, always set, count too)."""
    return sum(1 for value in record.__dict__.values() if value)


# (what the better copy has, test: True when a copy lacks it) in ranking order
_CRITERIA: tuple[tuple[str, Callable[[Record], object]], ...] = (
    ("published over preprint", preprint_copy),
    ("article over meeting abstract", is_meeting_abstract),
    ("has a DOI", lambda r: not _published_doi(r)),
    ("has an abstract", lambda r: not r.abstract),
    ("fuller author list", lambda r: -len(r.authors)),
    ("stronger identifier", lambda r: id_strength(r.id)),
    ("more fields filled", lambda r: -filled(r)),
    ("first member key", _key),
)


def rank_key(record: Record) -> tuple[object, ...]:
    """Sort key: the version of record first."""
    return tuple(test(record) for _, test in _CRITERIA)


def ranked(records: Sequence[Record]) -> list[Record]:
    """Members, the version of record first."""
    return choose(records)[0]


def choose(records: Sequence[Record]) -> tuple[list[Record], str]:
    """Members ranked (the version of record first) and the criteria that put it first."""
    keyed = sorted(((rank_key(r), r) for r in records), key=lambda kr: kr[0])
    return [r for _, r in keyed], _why([k for k, _ in keyed])


def why_chosen(order: Sequence[Record]) -> str:
    """The criteria that put the first member ahead of each other one ('' for one member)."""
    return _why([rank_key(r) for r in order])


def _why(keys: Sequence[tuple[object, ...]]) -> str:
    if len(keys) < 2:
        return ""
    best = keys[0]
    found: set[int] = set()
    for theirs in keys[1:]:
        found.add(next(i for i, (x, y) in enumerate(zip(best, theirs, strict=True)) if x != y))
    return "; ".join(_CRITERIA[i][0] for i in sorted(found))


def merge(order: Sequence[Record], cluster_id: str) -> Record:
    """The merged record: fields of the version of record, gaps filled in rank order."""
    base = order[0]
    published = [r for r in order if not preprint_copy(r)]
    from_published = bool(published) and published[0] is base
    merged: dict[str, object] = {}
    for name in FIELDS:
        donors = published if name in _PUBLICATION and from_published else order
        merged[name] = next(
            (getattr(r, name) for r in donors if getattr(r, name)), getattr(base, name)
        )
    merged["authors"] = max((r.authors for r in order), key=lambda a: (len(a), sum(map(len, a))))
    origin = f"merged from {len(order)} records" if len(order) > 1 else base.origin
    record = Record(id=cluster_id, source=base.source, origin=origin, **merged)  # type: ignore[arg-type]
    return share_fields_set(record)
