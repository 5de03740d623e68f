"""Optional semantic search of the knowledge base with a static embedding model.

The model is WordLlama's, from its wheel, offline (litsift/embeddings.py loads it for
this and for the ranker).

A study is embedded from its title, systems, techniques and summary; hits are ranked by
cosine similarity with the query, after the same filters as the word search.
"""

from __future__ import annotations

from litsift import embeddings
from litsift.errors import LitsiftError
from litsift.kbsearch import Filters, Hit, Index, passes

FIELDS = ("title", "systems", "techniques", "summary")


def search(index: Index, query: str, filters: Filters | None, limit: int = 20) -> list[Hit]:
    """Studies ranked by the cosine similarity of their text with the query."""
    if not query.strip():
        raise LitsiftError("kb search --semantic: give a query")
    filters = filters or Filters()
    try:
        embeddings.model()  # a missing package is an error even when no study passes
    except LitsiftError as e:
        raise LitsiftError(f"kb search --semantic: {e}") from e
    kept = [(s, passes(s, filters)) for s in index.studies]
    kept = [(s, r) for s, r in kept if r is not None]
    if not kept:
        return []
    texts = [" ".join(s.fields.get(f, "") for f in FIELDS) for s, _ in kept]
    vectors = embeddings.embed([*texts, query])  # unit length: products are cosines
    sims = vectors[:-1] @ vectors[-1]
    order = sorted(range(len(kept)), key=lambda i: (-round(float(sims[i]), 6), kept[i][0].key))
    concepts = index.concepts(query)
    hits = []
    for i in order[:limit]:
        study, results = kept[i]
        hits.append(
            Hit(
                study.key,
                study.title,
                study.year,
                study.classes,
                round(float(sims[i]), 4),
                0,
                len(concepts),
                index.snippet(study, concepts),
                tuple(results),
            )
        )
    return hits
