"""The clusters of an earlier run, so that an update never re-merges what was kept apart.

`build/dedup/clusters.jsonl` (written by the runner, one cluster per line) is read back into
member key -> cluster id, which `deduplicate(..., previous=...)` honours.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from litsift.dedup.core import Cluster, Link
from litsift.errors import InputError


def _clusters(path: Path) -> Iterator[Cluster]:
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield Cluster.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as e:
                raise InputError(path, f"not a cluster ({str(e).splitlines()[0]})", number) from e


def load_previous(path: Path) -> dict[str, str]:
    """Member key -> cluster id from a clusters.jsonl file; {} when there is none."""
    return {m.key: c.id for c in _clusters(path) for m in c.members}


def load_previous_links(path: Path) -> dict[frozenset[str], Link]:
    """{member keys: link} of every link of the earlier run, to replay them as made."""
    return {frozenset((lk.a, lk.b)): lk for c in _clusters(path) for lk in c.links}
