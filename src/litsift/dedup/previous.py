"""The clusters of an earlier run, so that an update never re-merges what was kept apart.

`build/dedup/clusters.jsonl` (written by the runner, one cluster per line) is read back into
member key -> cluster id, which `deduplicate(..., previous=...)` honours.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from litsift.dedup.core import Cluster
from litsift.errors import InputError


def load_previous(path: Path) -> dict[str, str]:
    """Member key -> cluster id from a clusters.jsonl file; {} when there is none."""
    if not path.is_file():
        return {}
    previous: dict[str, str] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                cluster = Cluster.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as e:
                raise InputError(path, f"not a cluster ({str(e).splitlines()[0]})", number) from e
            previous.update({m.key: cluster.id for m in cluster.members})
    return previous
