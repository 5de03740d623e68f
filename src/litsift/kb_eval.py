"""The tagger's independent evaluation set: papers outside the knowledge base, labelled by hand.

`data/kb/eval/papers.yaml` (`Review.kb.eval_set()`) holds papers drawn from public
LLM-efficiency paper lists by a seeded rule and labelled with classes and technique
families before any tagger is run on them (the rule and the labelling protocol are in
`data/kb/eval/PROTOCOL.md`). The knowledge base loader reads only `data/kb/*.yaml`, so
this folder never enters the review itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated

from pydantic import Field, StrictInt, StrictStr, model_validator

from litsift import ids
from litsift.errors import InputError
from litsift.models import Frozen, KBEntry, Taxonomy
from litsift.yamlio import LineMap


class Placement(Frozen):
    """Where a paper appears: the list and the section (heading path) it is listed under."""

    list: StrictStr
    section: StrictStr = ""


class EvalPaper(Frozen):
    """One labelled paper: the facts a new record brings, and the labels decided for it."""

    key: StrictStr = Field(pattern=r"^[a-z0-9][a-z0-9._~-]*$")
    title: StrictStr = Field(min_length=1)
    year: StrictInt
    venue: StrictStr = ""
    arxiv_id: StrictStr = ""
    doi: StrictStr = ""
    url: StrictStr = ""
    stratum: StrictStr  # the list it was drawn from
    draw: Annotated[StrictInt, Field(ge=1)]  # its position in that list's seeded order
    appears_in: tuple[Placement, ...] = Field(min_length=1)
    classes: tuple[StrictStr, ...] = Field(min_length=1)
    families: tuple[StrictStr, ...] = ()
    basis: StrictStr = Field(min_length=1)  # the words and section the labels rest on


class SetAside(Frozen):
    """A drawn paper the protocol does not label, with the reason."""

    key: StrictStr
    title: StrictStr
    stratum: StrictStr
    draw: Annotated[StrictInt, Field(ge=1)]
    reason: StrictStr = Field(min_length=1)


class EvalSet(Frozen):
    """data/kb/eval/papers.yaml."""

    seed: StrictStr
    per_stratum: Annotated[StrictInt, Field(ge=1)]
    papers: tuple[EvalPaper, ...] = Field(min_length=1)
    set_aside: tuple[SetAside, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> EvalSet:
        keys = [p.key for p in self.papers] + [s.key for s in self.set_aside]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"key listed twice: {', '.join(dupes)}")
        draws = [(p.stratum, p.draw) for p in self.papers] + [
            (s.stratum, s.draw) for s in self.set_aside
        ]
        twice = sorted({f"{s} {d}" for s, d in draws if draws.count((s, d)) > 1})
        if twice:
            raise ValueError(f"draw used twice: {', '.join(twice)}")
        return self


def check_labels(path: Path, eval_set: EvalSet, taxonomy: Taxonomy, lines: LineMap) -> None:
    """Every label must be a taxonomy id and every arXiv id written without version."""
    classes, families = set(taxonomy.class_ids()), set(taxonomy.family_ids())
    for i, paper in enumerate(eval_set.papers):
        for field, allowed, values in (
            ("classes", classes, paper.classes),
            ("families", families, paper.families),
        ):
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise InputError(
                    path,
                    f"papers.{i}.{field}: '{unknown[0]}' is not a taxonomy id ({paper.key})",
                    lines.line(("papers", i, field)),
                )
        if paper.arxiv_id and ids.normalise_arxiv(paper.arxiv_id) != paper.arxiv_id:
            raise InputError(
                path,
                f"papers.{i}.arxiv_id: write the id without version, not '{paper.arxiv_id}'",
                lines.line(("papers", i, "arxiv_id")),
            )


def _match_keys(title: str, arxiv_id: str, doi: str) -> set[str]:
    keys = {f"title:{ids.fold(title)}"}
    if arxiv_id:
        keys.add(f"arxiv:{arxiv_id}")
    if doi:
        keys.add(f"doi:{ids.normalise_doi(doi)}")
    return keys


def in_knowledge_base(papers: Iterable[EvalPaper], entries: Sequence[KBEntry]) -> list[str]:
    """Keys of evaluation papers that match a KB entry by arXiv id, DOI or folded title."""
    kb_keys: set[str] = set()
    for e in entries:
        kb_keys |= _match_keys(e.title, e.arxiv_id, e.doi)
    return [p.key for p in papers if _match_keys(p.title, p.arxiv_id, p.doi) & kb_keys]
