"""A large synthetic review for the scale benchmark and the soak: `make(root, n)`.

`n` records in one CSV export (title, abstract, authors, year, DOI), written from a seeded
vocabulary so that no two records are duplicates of each other and the ranker has real
text to learn from: a few topics are about the review's question, most are not. The same
`n` and seed give the same files byte for byte.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

PROTOCOL = """\
title: Scale review
question: Which methods make transformer language model inference faster or cheaper?
date_range: {start: 2017, end: 2023}
sources:
  - {name: export, kind: database, platform: Synthetic database export}
criteria:
  - {code: I1, kind: include, text: Makes transformer inference faster or cheaper.}
  - {code: E1, kind: exclude, text: Not about language models.}
  - {code: E2, kind: exclude, text: Not about efficiency.}
reviewers:
  - {id: ann}
  - {id: bob}
  - {id: cat}
taxonomy: data/taxonomy.yaml
queries: [queries/q.yaml]
"""
QUERY = "name: q\nquery: transformer* AND (inference OR serving)\n"
TAXONOMY = """\
classes:
  - {id: inference, label: Inference, definition: Running a model., indicators: [inference]}
"""
RELEVANT = [
    "transformer",
    "inference",
    "quantization",
    "kernel",
    "latency",
    "throughput",
    "serving",
    "batching",
    "cache",
    "attention",
    "decoding",
    "speculative",
    "pruning",
    "distillation",
    "sparsity",
    "memory",
    "gpu",
    "accelerator",
]
OTHER = [
    "soil",
    "crop",
    "yield",
    "rainfall",
    "protein",
    "folding",
    "enzyme",
    "galaxy",
    "survey",
    "telescope",
    "river",
    "flood",
    "policy",
    "election",
    "voters",
    "tourism",
    "hotel",
    "coral",
    "reef",
    "bacteria",
    "vaccine",
    "trial",
    "cohort",
    "school",
    "pupils",
    "teacher",
    "bridge",
    "concrete",
    "corrosion",
    "wind",
    "turbine",
    "blade",
    "sediment",
    "glacier",
    "poverty",
]
COMMON = [
    "we",
    "propose",
    "method",
    "results",
    "show",
    "study",
    "analysis",
    "approach",
    "novel",
    "framework",
    "evaluate",
    "performance",
    "data",
    "model",
    "based",
    "using",
    "new",
    "improved",
    "efficient",
    "large",
    "scale",
]


def _text(rng: random.Random, topic: list[str], words: int) -> str:
    pool = topic * 3 + COMMON
    return " ".join(rng.choice(pool) for _ in range(words))


def export_csv(n: int, seed: int = 7) -> str:
    """The CSV export of `n` records (about 1 in 20 on the review's topic)."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Title", "Abstract", "Authors", "Year", "DOI", "Source title"])
    for i in range(n):
        topic = RELEVANT if rng.random() < 0.05 else OTHER
        title = f"{_text(rng, topic, 8).capitalize()} {i}"
        abstract = _text(rng, topic, 120) + "."
        authors = f"Author{i}, A.; Writer{rng.randrange(5000)}, B."
        writer.writerow([title, abstract, authors, 2017 + i % 7, f"10.9999/big.{i}", "J"])
    return out.getvalue()


def make(root: Path, n: int, seed: int = 7) -> Path:
    """Write a review of `n` records at `root` (which must not exist yet)."""
    (root / "queries").mkdir(parents=True)
    (root / "data" / "imports" / "export").mkdir(parents=True)
    (root / "review.yaml").write_text(PROTOCOL, encoding="utf-8")
    (root / "queries" / "q.yaml").write_text(QUERY, encoding="utf-8")
    (root / "data" / "taxonomy.yaml").write_text(TAXONOMY, encoding="utf-8")
    path = root / "data" / "imports" / "export" / "export.csv"
    path.write_text(export_csv(n, seed), encoding="utf-8")
    return root
