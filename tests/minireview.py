"""A small review folder written from scratch, for the reliability tests."""

from __future__ import annotations

from pathlib import Path

PROTOCOL = """\
title: Mini review
question: Which methods make transformer inference faster?
date_range: {start: 2017, end: 2023}
sources:
  - {name: mini, kind: website}
criteria:
  - {code: I1, kind: include, text: Makes transformer inference faster.}
  - {code: E1, kind: exclude, text: Not about transformers.}
  - {code: E2, kind: exclude, text: Not about efficiency.}
reviewers:
  - {id: ann}
  - {id: bob}
taxonomy: data/taxonomy.yaml
queries: [queries/q.yaml]
"""

QUERY = """\
name: q
query: transformer* AND (inference OR serving)
fields: title-abstract
"""

TAXONOMY = """\
classes:
  - {id: inference, label: Inference, definition: Running a model., indicators: [inference]}
"""

TOPICS = (
    "quantised transformer inference on phones",
    "speculative decoding for serving language models",
    "protein folding with graph networks",
    "crop yield forecasts from satellite images",
)


def bibtex(n: int, start: int = 0) -> str:
    """`n` distinct BibTeX entries (distinct DOIs and titles: no duplicates among them)."""
    out = []
    for i in range(start, start + n):
        out.append(
            f"@article{{k{i},\n  title = {{Study {i} of {TOPICS[i % 4]} number {i * 7919}}},\n"
            f"  author = {{Doe{i}, Jane and Roe, Rick}},\n  year = {{2020}},\n"
            f"  doi = {{10.5555/mini.{i}}},\n  journal = {{Journal {i % 5}}}\n}}\n"
        )
    return "".join(out)


def make_review(root: Path, n: int = 8) -> Path:
    """A review at `root` with `n` imported records (ids: `record_id(i)`)."""
    (root / "queries").mkdir(parents=True, exist_ok=True)
    (root / "data" / "imports" / "mini").mkdir(parents=True, exist_ok=True)
    (root / "review.yaml").write_text(PROTOCOL, encoding="utf-8")
    (root / "queries" / "q.yaml").write_text(QUERY, encoding="utf-8")
    (root / "data" / "taxonomy.yaml").write_text(TAXONOMY, encoding="utf-8")
    (root / "data" / "imports" / "mini" / "mini.bib").write_text(bibtex(n), encoding="utf-8")
    return root


def record_id(i: int) -> str:
    """The record id litsift gives entry `i`."""
    from litsift.ids import normalise_doi
    from litsift.ids import record_id as rid

    return rid(doi=normalise_doi(f"10.5555/mini.{i}"))


def reviewer_file(root: Path, reviewer: str = "ann", stage: str = "title-abstract") -> Path:
    path = root / "data" / "screening" / stage / f"{reviewer}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def twin_bibtex(k: int) -> str:
    """`k` pairs of records a year apart with one title and authors and no identifier:
    each pair is an uncertain duplicate pair for a reviewer."""
    out = []
    for i in range(k):
        for year in (2021, 2022):
            out.append(
                f"@inproceedings{{t{i}y{year},\n  title = {{Minitrack {i} on crowdsourcing "
                f"{TOPICS[i % 4]} and the gig economy edition {i * 31}}},\n"
                f"  author = {{Deng{i}, Xuefei and Taylor, Joseph}},\n  year = {{{year}}},\n"
                "  booktitle = {Hawaii International Conference on System Sciences}\n}\n"
            )
    return "".join(out)
