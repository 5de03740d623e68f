"""What every tagger reads (a record's own text) and returns (tags with evidence)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litsift.models import Record, TagAssignment

# The fields a tagger reads: what a new record brings, never a curated description.
FIELDS = ("title", "abstract", "keywords", "venue")
NO_CLASS_TERM = "no indicator term of any class in its title, abstract, keywords or venue"
NO_CLASS_WORD = "no word of its title, abstract, keywords or venue supports a class"


@dataclass(frozen=True)
class StudyText:
    """The text of one record the tagger reads, by field (title, abstract, keywords, venue)."""

    id: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class StudyTags:
    id: str
    classes: tuple[TagAssignment, ...]
    families: tuple[TagAssignment, ...]
    overridden_by: str | None = None
    note: str | None = None
    curated: bool = False  # the knowledge base's curated classes and families
    unclassified: str | None = None  # why the tagger gave no class, when it gave none

    @property
    def source(self) -> str:
        """Where the tags come from: curated (knowledge base), reviewed or automatic."""
        if self.curated:
            return "curated"
        return "reviewed" if self.overridden_by else "automatic"

    def class_ids(self) -> tuple[str, ...]:
        return tuple(a.label for a in self.classes)

    def family_ids(self) -> tuple[str, ...]:
        return tuple(a.label for a in self.families)


def study_text(rec: Record) -> StudyText:
    """What a tagger reads of a record: its title, abstract, keywords and venue, nothing else."""
    return StudyText(
        rec.id,
        {
            "title": rec.title or "",
            "abstract": rec.abstract or "",
            "keywords": "; ".join(rec.keywords),
            "venue": rec.venue or "",
        },
    )
