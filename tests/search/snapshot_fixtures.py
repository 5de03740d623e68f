"""Small OpenAlex snapshots on disk for the snapshot tests (no network, no real snapshot).

`write_snapshot` lays works out exactly as the real snapshot does (manifest, updated_date
partitions, part files) in JSON Lines (gzip) or Parquet; `generated_works` makes works whose
titles and abstracts exercise every corner of the query language (accents, entities, tags,
hyphens, prefixes, phrases at the title/abstract boundary, missing fields).
"""

from __future__ import annotations

import gzip
import json
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from litsift.search.snapshot.layout import Format

VOCAB = [
    "large",
    "language",
    "model",
    "models",
    "modeling",
    "modelling",
    "llm",
    "llms",
    "gpt",
    "gpt4",
    "transformer",
    "transformers",
    "inference",
    "training",
    "serving",
    "optimization",
    "optimisation",
    "optimizer",
    "efficient",
    "efficiency",
    "accelerator",
    "acceleration",
    "high",
    "performance",
    "throughput",
    "latency",
    "survey",
    "review",
    "quantization",
    "pruning",
    "distillation",
    "memory",
    "kernel",
    "gpu",
    "cpu",
    "sparse",
    "attention",
    "state",
    "of",
    "the",
    "art",
    "deep",
    "neural",
    "network",
    "networks",
    "learning",
    "machine",
    "data",
    "parallel",
    "pipeline",
    "tensor",
    "moe",
    "lora",
]
ODD = (
    "Optimización",
    "naïve",
    "MODÈLE",
    "&amp;",
    "<i>Language</i>",
    "state-of-the-art",
    "GPT-4",
    "LLM's",
    "co-design",
    "über",
    "ﬁne-tuning",
    "x86",
    "&lt;b&gt;",
)
TYPES = ("article", "preprint", "review", "book-chapter", "dissertation", "dataset", "other", None)


def inverted_index(text: str) -> dict[str, list[int]]:
    """OpenAlex's abstract_inverted_index of a whitespace-tokenised text."""
    out: dict[str, list[int]] = {}
    for pos, word in enumerate(text.split()):
        out.setdefault(word, []).append(pos)
    return out


def _words(rng: random.Random, n: int) -> str:
    pool = [*VOCAB, *VOCAB, *ODD]
    return " ".join(rng.choice(pool) for _ in range(n))


def generated_works(n: int, seed: int = 0, start: int = 1) -> list[dict[str, Any]]:
    """`n` synthetic works (ids W9000000000+) covering the query language's corner cases."""
    rng = random.Random(seed)
    works = []
    for i in range(n):
        wid = f"W{9_000_000_000 + start + i}"
        title = None if i % 17 == 5 else _words(rng, rng.randint(2, 9))
        if i % 11 == 3 and title:
            title += " large"  # a phrase that would span title and abstract
        abstract = None if i % 7 == 2 else _words(rng, rng.randint(5, 40))
        if i % 11 == 3 and abstract:
            abstract = "language models " + abstract
        refs = sorted({f"https://openalex.org/W{9_000_000_000 + rng.randint(1, n)}"} if n else ())
        works.append(
            {
                "id": f"https://openalex.org/{wid}",
                "doi": f"https://doi.org/10.9999/gen.{i}" if i % 3 else None,
                "title": title,
                "display_name": title,
                "publication_year": None if i % 13 == 4 else rng.randint(2010, 2026),
                "type": rng.choice(TYPES),
                "language": "en",
                "authorships": [{"author": {"display_name": f"Author {i}"}}],
                "primary_location": {
                    "source": {
                        "display_name": "Gen Conf",
                        "type": "conference" if i % 4 == 0 else "journal",
                    }
                },
                "abstract_inverted_index": inverted_index(abstract) if abstract else None,
                "referenced_works": refs if i % 5 else [],
                "updated_date": "2026-06-24T00:00:00",
            }
        )
    return works


def write_snapshot(
    root: Path,
    works: Sequence[dict[str, Any]],
    fmt: Format = "openalex-jsonl",
    *,
    per_file: int = 40,
    dates: Sequence[str] = ("2026-05-30", "2026-06-24"),
) -> Path:
    """Write `works` as an OpenAlex snapshot under root/data/<jsonl|parquet>/; returns root."""
    sub = "jsonl" if fmt == "openalex-jsonl" else "parquet"
    base = root / "data" / sub
    entries = []
    chunks = [list(works[i : i + per_file]) for i in range(0, len(works), per_file)]
    for n, chunk in enumerate(chunks):
        date = dates[min(n * len(dates) // max(len(chunks), 1), len(dates) - 1)]
        folder = base / "works" / f"updated_date={date}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"part_{n:04d}." + ("gz" if sub == "jsonl" else "parquet")
        path = folder / name
        if sub == "jsonl":
            with gzip.open(path, "wt", encoding="utf-8") as fh:
                fh.writelines(json.dumps(w, ensure_ascii=False) + "\n" for w in chunk)
        else:
            _write_parquet(path, chunk)
        entries.append(
            {
                "url": f"s3://openalex/data/{sub}/works/updated_date={date}/{name}",
                "meta": {"content_length": path.stat().st_size, "record_count": len(chunk)},
            }
        )
    entries.append({"url": f"s3://openalex/data/{sub}/authors/updated_date=2026-06-24/x.gz"})
    (base / "manifest.json").write_text(json.dumps({"entries": entries}), encoding="utf-8")
    return root


def _write_parquet(path: Path, works: Sequence[dict[str, Any]]) -> None:
    """Parquet with nested structs, and the inverted index as MAP(VARCHAR, INTEGER[])."""
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "works.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for w in works:
                row = dict(w)
                row["abstract_inverted_index"] = json.dumps(w.get("abstract_inverted_index"))
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        con = duckdb.connect()
        con.execute(
            "COPY (SELECT * REPLACE (CAST(CAST(abstract_inverted_index AS JSON) AS "
            "MAP(VARCHAR, INTEGER[])) AS abstract_inverted_index) FROM read_json(?, "
            "format = 'newline_delimited', sample_size = -1)) TO '"
            + str(path).replace("'", "''")
            + "' (FORMAT parquet)",
            [str(src)],
        )
        con.close()
