"""The API sources; each builds requests and parses responses, purely."""

from __future__ import annotations

from litsift.errors import SearchError
from litsift.search.sources.arxiv import Arxiv
from litsift.search.sources.base import ApiError, ApiSource, Page, Request, Translation
from litsift.search.sources.crossref import Crossref
from litsift.search.sources.dblp import Dblp
from litsift.search.sources.europepmc import EuropePmc
from litsift.search.sources.openalex import OpenAlex
from litsift.search.sources.pubmed import PubMed
from litsift.search.sources.semanticscholar import SemanticScholar
from litsift.vocab import Api

SOURCES: dict[str, ApiSource] = {
    s.api: s
    for s in (OpenAlex(), Crossref(), Arxiv(), SemanticScholar(), Dblp(), PubMed(), EuropePmc())
}
assert set(SOURCES) == set(Api), "every litsift.vocab.Api has a source, and only those"


def get_source(api: str) -> ApiSource:
    """The source for an `api:` name of review.yaml."""
    try:
        return SOURCES[api]
    except KeyError as e:
        raise SearchError(f"unknown search API '{api}' (known: {', '.join(SOURCES)})") from e


__all__ = ["SOURCES", "ApiError", "ApiSource", "Page", "Request", "Translation", "get_source"]
