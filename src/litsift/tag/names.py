"""Indicator terms must describe techniques, never name a study.

A term that is a study's own name makes the tagger recognise that study instead of reading
what a record says, and makes any evaluation on the knowledge base circular. A term names
a study when, with case, spaces, hyphens and punctuation removed, it equals

- the name a knowledge-base title gives its study before a colon (at most four words:
  "Splitwise", "Prefix-Tuning", "LLM in a flash"), or
- a system name of a knowledge-base entry (`systems:`) that the entry's own title carries
  ("PagedAttention" in "... Serving with PagedAttention", "LoRA", "ZeRO").

A system name the title does not carry ("adapters" for a title that never says it) is a
technique the study describes, not its name, and stays allowed; so does a wildcard term
whose stem only begins a name ("spars*" and SparseGPT). The field later reused some names
for techniques (LoRA, prompt tuning); the rule refuses them too, since the knowledge base
holds the study they name: write the technique's own words (low-rank, soft prompt*).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from litsift.models import KBEntry, Taxonomy

_MAX_NAME_WORDS = 4


def squash(text: str) -> str:
    """Lower case, every character that is not a letter or a digit removed."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _runs(title: str) -> set[str]:
    """Every run of up to four consecutive title words, squashed."""
    parts = [w for w in re.split(r"[^0-9a-z]+", title.lower()) if w]
    return {
        "".join(parts[i : i + n])
        for n in range(1, _MAX_NAME_WORDS + 1)
        for i in range(len(parts) - n + 1)
    }


def study_names(entry: KBEntry) -> list[tuple[str, str]]:
    """(squashed name, how it names the study) for one knowledge-base entry."""
    names = []
    head, colon, _ = entry.title.partition(":")
    if colon and 0 < len(head.split()) <= _MAX_NAME_WORDS and squash(head):
        names.append((squash(head), "the name its title gives before the colon"))
    runs = _runs(entry.title)
    for system in entry.systems:
        if squash(system) and squash(system) in runs:
            names.append((squash(system), f"its system {system!r}, named in its title"))
    return names


@dataclass(frozen=True)
class NameTerm:
    """An indicator term that names a study."""

    kind: str  # classes | families
    index: int  # position of the class or family in the taxonomy
    term_index: int
    term: str
    key: str  # the knowledge-base entry it names
    why: str

    def message(self) -> str:
        return (
            f"{self.kind}.{self.index}.indicators.{self.term_index}: '{self.term}' names a "
            f"study, not a technique ({self.key}: {self.why}); write the technique's own words"
        )


def study_name_terms(taxonomy: Taxonomy, entries: Iterable[KBEntry]) -> list[NameTerm]:
    """Every indicator term of the taxonomy that names a study of the knowledge base."""
    names: dict[str, tuple[str, str]] = {}
    for entry in sorted(entries, key=lambda e: e.key):
        for name, why in study_names(entry):
            names.setdefault(name, (entry.key, why))
    found = []
    labels: Sequence[tuple[str, Sequence]] = (
        ("classes", taxonomy.classes),
        ("families", taxonomy.families),
    )
    for kind, items in labels:
        for i, label in enumerate(items):
            for j, term in enumerate(label.indicators):
                hit = names.get(squash(term.rstrip("*")))
                if hit:
                    found.append(NameTerm(kind, i, j, term, *hit))
    return found
