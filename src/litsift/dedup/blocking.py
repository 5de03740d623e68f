"""Candidate pairs by blocking, so cost grows about linearly with the number of records.

Each record gets a few keys (identifiers, title start, title end, first author and year,
volume and first page). Records sharing a key are compared. A block larger than
`max_block` is not compared all-against-all: its records are sorted by title and each is
compared with its `window` next neighbours (sorted neighbourhood), which bounds the work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from litsift.dedup.features import Features

TITLE_KEY_CHARS = 24


def keys(f: Features) -> Iterator[str]:
    """Blocking keys of one record."""
    yield from f.identifiers
    if len(f.compact) >= 10:
        yield "t<" + f.compact[:TITLE_KEY_CHARS]
        yield "t>" + f.compact[-TITLE_KEY_CHARS:]
    if f.authors and f.year:
        yield f"ay:{f.authors[0]}:{f.year}"
    if f.volume and f.page:
        yield f"vp:{f.volume}:{f.page}"


def candidate_pairs(
    feats: Sequence[Features], max_block: int = 60, window: int = 12
) -> list[tuple[int, int]]:
    """Sorted, distinct index pairs (i < j) of records that share a blocking key."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        for key in set(keys(f)):
            blocks[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) <= max_block:
            pairs.update((a, b) for n, a in enumerate(members) for b in members[n + 1 :])
        else:
            ordered = sorted(members, key=lambda i: (feats[i].compact, i))
            for n, a in enumerate(ordered):
                for b in ordered[n + 1 : n + 1 + window]:
                    pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)
