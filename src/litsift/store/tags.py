"""data/tags/<reviewer>.yaml: reviewers' confirmations or corrections of the tagger."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from litsift.errors import InputError
from litsift.models import Protocol, TagOverride, Taxonomy
from litsift.store.unread import Unread, scan
from litsift.yamlio import item_lines, load_list

if TYPE_CHECKING:
    from litsift.store import Review

FOLDER = "tags"  # under data/


class TagsStore:
    """data/tags/: one file of overrides per reviewer."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.folder = review.data / FOLDER

    def reviewer_file(self, reviewer: str) -> Path:
        return self.folder / f"{reviewer}.yaml"

    def unread(self) -> list[Unread]:
        """Files under data/tags/ that no run reads (a `.yml` file is an error)."""
        return scan(self.folder, self.folder.glob("*.yaml"), yaml_is_error=True)

    def overrides(self, known_ids: set[str]) -> dict[str, list[tuple[str, TagOverride]]]:
        """Study id -> [(reviewer, override)], validated against the taxonomy and ids."""
        return load_overrides(self.folder, self.review.protocol, self.review.taxonomy, known_ids)


def load_overrides(
    tags_dir: Path, protocol: Protocol, taxonomy: Taxonomy, known_ids: set[str]
) -> dict[str, list[tuple[str, TagOverride]]]:
    """Read data/tags/<reviewer>.yaml files; validates reviewers, ids and labels with lines."""
    reviewers = {r.id: r for r in protocol.reviewers}
    found: dict[str, list[tuple[str, TagOverride]]] = {}
    if not tags_dir.is_dir():
        return found
    for path in sorted(tags_dir.glob("*.yaml")):
        if path.stem not in reviewers:
            raise InputError(path, f"'{path.stem}' is not a reviewer declared in review.yaml", 1)
        items = load_list(path, TagOverride)
        lines = item_lines(path)
        seen: set[str] = set()
        for item, line in zip(items, lines, strict=True):
            check_override(path, line, item, taxonomy, known_ids, seen)
            found.setdefault(item.id, []).append((path.stem, item))
    return found


def check_override(
    path: Path,
    line: int,
    item: TagOverride,
    taxonomy: Taxonomy,
    known_ids: set[str],
    seen: set[str],
) -> None:
    if item.id not in known_ids:
        raise InputError(path, f"id: unknown or not included study '{item.id}'", line)
    if item.id in seen:
        raise InputError(path, f"id: duplicated entry for '{item.id}'", line)
    seen.add(item.id)
    for label in item.classes or ():
        if label not in taxonomy.class_ids():
            raise InputError(path, f"classes: unknown class '{label}'", line)
    for label in item.families or ():
        if label not in taxonomy.family_ids():
            raise InputError(path, f"families: unknown family '{label}'", line)
