"""Deduplication with provenance: identifiers first, then fuzzy matching, clusters kept whole.

See `litsift.dedup.core` for the rules (linking, canonical record, cluster ids) and
`litsift.dedup.match` for the matching rules.
"""

from litsift.dedup.core import (
    Cluster,
    DedupConfig,
    DedupResult,
    Link,
    Member,
    UncertainPair,
    canonical,
    deduplicate,
    link_method,
    member_key,
)
from litsift.dedup.pairs import append_uncertain, load_answers
from litsift.dedup.previous import load_previous, load_previous_links

__all__ = [
    "Cluster",
    "DedupConfig",
    "DedupResult",
    "Link",
    "Member",
    "UncertainPair",
    "append_uncertain",
    "canonical",
    "deduplicate",
    "link_method",
    "load_answers",
    "load_previous",
    "load_previous_links",
    "member_key",
]
