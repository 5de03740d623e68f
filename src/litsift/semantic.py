"""Optional semantic search of the knowledge base with a static embedding model.

WordLlama (`pip install wordllama`, or litsift's `semantic` extra) ships its 256-dimension
`l2_supercat` token embeddings and tokenizer inside its PyPI wheel. It is loaded from the
installed package folder with downloads disabled, so nothing is fetched at run time: a
missing file is an error, never a download. Its loader looks for the packaged tokenizer in
a folder the wheel does not have (`tokenizer/` instead of `tokenizers/`), so the package
folder is passed as the cache folder, where both files are found.

A study is embedded from its title, systems, techniques and summary; hits are ranked by
cosine similarity with the query, after the same filters as the word search.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from litsift.errors import LitsiftError
from litsift.kbsearch import Filters, Hit, Index, passes

FIELDS = ("title", "systems", "techniques", "summary")


@lru_cache(maxsize=1)
def load_model() -> Any:
    """The WordLlama model from the installed wheel, offline."""
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as e:
        raise LitsiftError(
            "kb search --semantic needs the wordllama package: pip install 'litsift[semantic]'"
        ) from e
    folder = Path(wordllama.__file__).parent
    try:
        return WordLlama.load(cache_dir=folder, disable_download=True)
    except FileNotFoundError as e:
        raise LitsiftError(
            f"kb search --semantic: wordllama's packaged model is missing: {e}"
        ) from e


def search(index: Index, query: str, filters: Filters | None, limit: int = 20) -> list[Hit]:
    """Studies ranked by the cosine similarity of their text with the query."""
    if not query.strip():
        raise LitsiftError("kb search --semantic: give a query")
    filters = filters or Filters()
    model = load_model()
    kept = [(s, passes(s, filters)) for s in index.studies]
    kept = [(s, r) for s, r in kept if r is not None]
    if not kept:
        return []
    texts = [" ".join(s.fields.get(f, "") for f in FIELDS) for s, _ in kept]
    docs = model.embed(texts, norm=True)
    q = model.embed([query], norm=True)[0]
    sims = docs @ q
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
