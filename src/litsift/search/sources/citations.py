"""Citation chasing requests: references and citations of included studies.

OpenAlex: `filter=cited_by:W` (what W cites) and `filter=cites:W` (what cites W), cursor
paged, after resolving each seed's DOI to its W id. Semantic Scholar:
/paper/{DOI:..|ARXIV:..}/references and /citations, offset paged (limit <= 1000).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from litsift.ids import normalise_arxiv, normalise_doi
from litsift.search.sources.base import ApiSource, Page, Request
from litsift.search.sources.openalex import BASE as OPENALEX_BASE
from litsift.search.sources.openalex import SELECT, OpenAlex
from litsift.search.sources.semanticscholar import FIELDS, SemanticScholar

S2_PAPER = "https://api.semanticscholar.org/graph/v1/paper"
RESOLVE_BATCH = 50  # DOIs per OpenAlex OR-filter


class S2Links(SemanticScholar):
    """Semantic Scholar references/citations endpoints (offset paging)."""

    page_size = 1000
    max_results = 10000

    def next_request(self, request: Request, page: Page, retrieved: int) -> Request | None:
        if page.next is None or not page.raw_count:
            return None
        return request.with_params(request.page + 1, offset=page.next)


class Seed(Protocol):
    """A study to chase from: an included record or a knowledge-base entry."""

    @property
    def doi(self) -> str | None: ...

    @property
    def arxiv_id(self) -> str | None: ...


@dataclass(frozen=True)
class CitationSearch:
    label: str  # e.g. "references of 10.1234/x (semanticscholar)"
    source: ApiSource
    first: Request


def seed_doi(seed: Seed) -> str | None:
    """A seed's DOI, or the DataCite DOI of its arXiv id."""
    doi = normalise_doi(seed.doi)
    if doi:
        return doi
    arxiv = normalise_arxiv(seed.arxiv_id)
    return f"10.48550/arxiv.{arxiv}" if arxiv else None


def openalex_resolve_requests(seeds: Iterable[Seed]) -> list[Request]:
    """Requests that look up the seeds' OpenAlex ids by DOI, 50 at a time."""
    dois = sorted({d for s in seeds if (d := seed_doi(s))})
    out = []
    for i in range(0, len(dois), RESOLVE_BATCH):
        batch = dois[i : i + RESOLVE_BATCH]
        out.append(
            Request(
                "openalex",
                OPENALEX_BASE,
                (
                    ("filter", "doi:" + "|".join(batch)),
                    ("select", "id,doi"),
                    ("per_page", str(RESOLVE_BATCH)),
                ),
            )
        )
    return out


def openalex_searches(work_ids: Iterable[str]) -> list[CitationSearch]:
    """Backward and forward citation searches for OpenAlex work ids (W...)."""
    source = OpenAlex()
    out = []
    for wid in sorted(set(work_ids)):
        for relation, label in (("cited_by", "references of"), ("cites", "citations of")):
            first = Request(
                "openalex",
                OPENALEX_BASE,
                (
                    ("filter", f"{relation}:{wid}"),
                    ("select", SELECT),
                    ("per_page", str(source.page_size)),
                    ("cursor", "*"),
                ),
            )
            out.append(CitationSearch(f"{label} {wid} (openalex)", source, first))
    return out


def s2_searches(seeds: Iterable[Seed]) -> list[CitationSearch]:
    """Backward and forward citation searches on Semantic Scholar."""
    source = S2Links()
    out = []
    keys = set()
    for seed in seeds:
        doi, arxiv = normalise_doi(seed.doi), normalise_arxiv(seed.arxiv_id)
        if doi:
            keys.add(f"DOI:{doi}")
        elif arxiv:
            keys.add(f"ARXIV:{arxiv}")
    for key in sorted(keys):
        for endpoint in ("references", "citations"):
            first = Request(
                "semanticscholar",
                f"{S2_PAPER}/{key}/{endpoint}",
                (("fields", FIELDS), ("offset", "0"), ("limit", str(source.page_size))),
            )
            out.append(CitationSearch(f"{endpoint} of {key} (semanticscholar)", source, first))
    return out


def citation_searches(seeds: Iterable[Seed], work_ids: Iterable[str] = ()) -> list[CitationSearch]:
    """All citation searches: Semantic Scholar by seed, OpenAlex by resolved work id."""
    return [*openalex_searches(work_ids), *s2_searches(seeds)]
