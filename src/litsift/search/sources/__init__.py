"""The API sources; each builds requests and parses responses, purely."""

from __future__ import annotations

from litsift.errors import SearchError
from litsift.search.sources.arxiv import Arxiv
from litsift.search.sources.base import ApiError, Page, Request, Source, Translation
from litsift.search.sources.crossref import Crossref
from litsift.search.sources.dblp import Dblp
from litsift.search.sources.europepmc import EuropePmc
from litsift.search.sources.openalex import OpenAlex
from litsift.search.sources.pubmed import PubMed
from litsift.search.sources.semanticscholar import SemanticScholar

SOURCES: dict[str, Source] = {
    s.api: s
    for s in (OpenAlex(), Crossref(), Arxiv(), SemanticScholar(), Dblp(), PubMed(), EuropePmc())
}


def get_source(api: str) -> Source:
    """The source for an `api:` name of review.yaml."""
    try:
        return SOURCES[api]
    except KeyError as e:
        raise SearchError(f"unknown search API '{api}' (known: {', '.join(SOURCES)})") from e


__all__ = ["SOURCES", "ApiError", "Page", "Request", "Source", "Translation", "get_source"]
