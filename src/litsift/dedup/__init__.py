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
    still_valid,
)

__all__ = [
    "Cluster",
    "DedupConfig",
    "DedupResult",
    "Link",
    "Member",
    "UncertainPair",
    "canonical",
    "deduplicate",
    "link_method",
    "member_key",
    "still_valid",
]
