"""Candidate pairs by blocking, so cost grows about linearly with the number of records.

Each record gets a few keys (identifiers, title start, title end, first author and year,
volume and first page). Records sharing a key are compared. A block larger than
`max_block` is not compared all-against-all: its records are sorted by title and each is
compared with its `window` next neighbours (sorted neighbourhood), which bounds the work.

Keys are grouped one kind at a time and the pairs are kept as one integer each in numpy
arrays, so that a million records need a few hundred megabytes, not gigabytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from litsift.dedup.features import Features

TITLE_KEY_CHARS = 24


def _ids(f: Features) -> Iterator[str]:
    yield from f.identifiers


def _title_start(f: Features) -> Iterator[str]:
    compact = f.title.replace(" ", "")
    if len(compact) >= 10:
        yield compact[:TITLE_KEY_CHARS]


def _title_end(f: Features) -> Iterator[str]:
    compact = f.title.replace(" ", "")
    if len(compact) >= 10:
        yield compact[-TITLE_KEY_CHARS:]


def _author_year(f: Features) -> Iterator[str]:
    if f.authors and f.year:
        yield f"{f.authors[0]}:{f.year}"


def _volume_page(f: Features) -> Iterator[str]:
    if f.volume and f.page:  # with the year: one page of one volume is one place in print
        yield f"{f.volume}:{f.page}:{f.year or ''}"


def _by_title(f: Features) -> tuple[str, ...]:
    return (f.title.replace(" ", ""),)


def _by_place(f: Features) -> tuple[str, ...]:
    """Same first author and year: copies of one paper usually share volume and pages."""
    return (f.volume, f.page, f.title.replace(" ", ""))


def _by_author(f: Features) -> tuple[str, ...]:
    """Same volume and page: copies of one paper share the first author and year."""
    return (f.authors[0] if f.authors else "", str(f.year or ""), f.title.replace(" ", ""))


@dataclass(frozen=True)
class Kind:
    """One kind of blocking key, and how a block too large to compare whole is walked.

    A block of up to `max_block` records is compared all against all; a larger one is
    sorted by `order` and each record compared with its `window` next neighbours. Title and
    identifier keys are specific; the author-year and volume-page keys are shared by more
    and more unrelated records as a collection grows (the same surname in one year, the
    same page of some volume), so their blocks are walked with a small window, sorted so
    that copies of one paper (same place in print, same first author) stand together.
    """

    prefix: str
    make: Callable[[Features], Iterator[str]]
    order: Callable[[Features], tuple[str, ...]]
    max_block: int | None  # None: the configured `max_block`
    window: int | None  # None: the configured `window`


KINDS: tuple[Kind, ...] = (
    Kind("", _ids, _by_title, None, None),
    Kind("t<", _title_start, _by_title, None, None),
    Kind("t>", _title_end, _by_title, None, None),
    Kind("ay:", _author_year, _by_place, 4, 2),
    Kind("vp:", _volume_page, _by_author, 8, 4),
)


def keys(f: Features) -> Iterator[str]:
    """Blocking keys of one record."""
    for kind in KINDS:
        for key in kind.make(f):
            yield kind.prefix + key


def candidate_pairs(
    feats: Sequence[Features],
    max_block: int = 60,
    window: int = 12,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Sorted, distinct index pairs (i < j) of records that share a blocking key.

    Returned as an (n, 2) int64 array; `progress` is called with the number of key kinds
    done.
    """
    n = len(feats)
    chunks: list[np.ndarray] = []
    for done, kind in enumerate(KINDS, start=1):
        blocks: dict[str, list[int]] = {}
        make = kind.make
        for i, f in enumerate(feats):
            for key in make(f):
                blocks.setdefault(key, []).append(i)
        chunks.extend(
            _block_pairs(
                blocks.values(),
                feats,
                n,
                kind.order,
                kind.max_block or max_block,
                kind.window or window,
            )
        )
        del blocks
        if progress:
            progress(done)
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(chunks))
    return np.stack((codes // max(n, 1), codes % max(n, 1)), axis=1)


def _block_pairs(
    blocks: Iterator[list[int]] | object,
    feats: Sequence[Features],
    n: int,
    order: Callable[[Features], tuple[str, ...]],
    max_block: int,
    window: int,
) -> Iterator[np.ndarray]:
    """Pair codes (i * n + j, i < j) of each block, a buffer at a time."""
    buffer: list[int] = []
    for members in blocks:  # type: ignore[attr-defined]
        if len(members) < 2:
            continue
        if len(members) > max_block:
            members = sorted(set(members), key=lambda i: (order(feats[i]), i))
            for k, a in enumerate(members):
                for b in members[k + 1 : k + 1 + window]:
                    buffer.append(min(a, b) * n + max(a, b))
        else:
            members = sorted(set(members))
            for k, a in enumerate(members):
                buffer.extend(a * n + b for b in members[k + 1 :])
        if len(buffer) > 1_000_000:
            yield np.unique(np.asarray(buffer, dtype=np.int64))
            buffer = []
    if buffer:
        yield np.unique(np.asarray(buffer, dtype=np.int64))
