"""A synthetic review for the workbench's tests and benchmark: records as search results.

Titles and abstracts are drawn by a seeded generator from a few on-topic and off-topic
word lists, so the ranker has something to learn; nothing is copied from real records.
"""

from __future__ import annotations

import random
from pathlib import Path

from litsift.models import Record
from litsift.store.search import write_records

PROTOCOL = """\
title: Synthetic workbench review
question: Which methods make large language model inference faster?
date_range: {start: 2017, end: 2023}
sources:
  - {name: synthetic, kind: database, platform: Synthetic, api: openalex}
criteria:
  - {code: I1, kind: include, text: Makes LLM inference faster or cheaper.}
  - {code: E1, kind: exclude, text: Not about language models.}
  - {code: E2, kind: exclude, text: Not about efficiency.}
  - {code: E3, kind: exclude, text: A survey or a position paper.}
  - {code: E6, kind: exclude, stage: full-text, text: No quantitative evaluation.}
reviewers:
  - {id: ann}
  - {id: bob}
  - {id: cat, role: adjudicator}
screening:
  reviewers_per_record: %(per_record)d
queries: [queries/q.yaml]
%(extra)s"""

QUERY = """\
name: q
query: '("language model*" OR LLM*) AND (inference OR serving OR quantization) NOT survey'
"""

ON = [
    "quantization",
    "pruning",
    "kernel",
    "cache",
    "serving",
    "batching",
    "speculative",
    "decoding",
    "latency",
]
OFF = [
    "protein",
    "soil",
    "weather",
    "poetry",
    "tourism",
    "ecology",
    "marketing",
    "pottery",
    "survey",
]
FILL = [
    "we",
    "study",
    "a",
    "method",
    "for",
    "the",
    "of",
    "and",
    "results",
    "show",
    "improved",
    "evaluation",
]


def record(i: int, rng: random.Random, title: str | None = None) -> Record:
    topic = ON if rng.random() < 0.15 else OFF
    words = [rng.choice(topic) for _ in range(4)] + [rng.choice(FILL) for _ in range(3)]
    abstract = " ".join(rng.choice(topic + FILL) for _ in range(60))
    return Record(
        id=f"syn-{i:05d}",
        source="synthetic",
        origin=f"synthetic {i}",
        title=title or f"{' '.join(words).capitalize()} for large language model inference",
        abstract=abstract.capitalize() + ".",
        authors=(f"Author {i % 97}", f"Writer {i % 13}"),
        year=2017 + i % 7,
        venue="Journal of Synthetic Results",
        doi=f"10.5555/syn.{i}",
        arxiv_id=f"2301.{i:05d}" if i % 3 == 0 else None,
        keywords=("llm", topic[0]),
        batch="synthetic",
    )


def make_review(
    root: Path,
    n: int,
    *,
    per_record: int = 1,
    titles: dict[int, str] | None = None,
    extra: str = "",
) -> Path:
    """A review folder at `root` with `n` synthetic records; returns `root`."""
    rng = random.Random(20240601)
    (root / "queries").mkdir(parents=True, exist_ok=True)
    (root / "review.yaml").write_text(PROTOCOL % {"per_record": per_record, "extra": extra})
    (root / "queries" / "q.yaml").write_text(QUERY)
    (root / "data" / "taxonomy.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / "data" / "taxonomy.yaml").write_text(
        "classes:\n  - {id: inference, label: Inference, definition: d, indicators: [inference]}\n"
    )
    titles = titles or {}
    records = [record(i, rng, titles.get(i)) for i in range(n)]
    write_records(root / "data" / "search" / "records" / "synthetic.jsonl", records)
    return root
