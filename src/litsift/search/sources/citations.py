"""Citation chasing requests: references and citations of included studies, and limits.

OpenAlex: `filter=cited_by:W` (what W cites) and `filter=cites:W` (what cites W), cursor
paged, after resolving each seed's DOI to its W id. Semantic Scholar:
/paper/{DOI:..|ARXIV:..}/references and /citations, offset paged (limit <= 1000).

`limit_chased` applies review.yaml `search: citations:` to what one seed gave: the date
range and the eligibility rules, then an optional cap per seed keeping the most cited or
the most similar to the seed; it returns the counts of what each limit dropped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol as Interface

from litsift.ids import fold, normalise_arxiv, normalise_doi
from litsift.models import CitationLimits, Eligibility, Record, YearRange
from litsift.models import Protocol as ReviewProtocol
from litsift.screen.eligibility import check
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


class Seed(Interface):
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
    seed: str = ""  # the seed it chases: an OpenAlex W id or a Semantic Scholar key


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
            out.append(CitationSearch(f"{label} {wid} (openalex)", source, first, wid))
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
            out.append(CitationSearch(f"{endpoint} of {key} (semanticscholar)", source, first, key))
    return out


def citation_searches(seeds: Iterable[Seed], work_ids: Iterable[str] = ()) -> list[CitationSearch]:
    """All citation searches: Semantic Scholar by seed, OpenAlex by resolved work id."""
    return [*openalex_searches(work_ids), *s2_searches(seeds)]


def s2_key(seed: Seed) -> str | None:
    """The Semantic Scholar key a seed is chased by."""
    doi, arxiv = normalise_doi(seed.doi), normalise_arxiv(seed.arxiv_id)
    return f"DOI:{doi}" if doi else f"ARXIV:{arxiv}" if arxiv else None


def seed_text(seed: object) -> str:
    """Title and abstract (or knowledge-base summary) of a seed, for similarity."""
    parts = [getattr(seed, name, None) for name in ("title", "abstract", "summary")]
    return " ".join(p for p in parts if isinstance(p, str))


def _tokens(text: str) -> list[str]:
    return [w for w in fold(text).split() if len(w) > 2]


def similarity(seed: str, records: Sequence[Record]) -> list[float]:
    """TF-IDF cosine of each record's title and abstract with the seed's text, in order."""
    docs = [_tokens(f"{r.title or ''} {r.abstract or ''}") for r in records]
    df = Counter(w for d in docs for w in set(d))
    n = len(docs) + 1

    def vector(words: list[str]) -> dict[str, float]:
        tf = Counter(words)
        return {w: c * math.log(n / (1 + df.get(w, 0))) + c for w, c in tf.items()}

    target = vector(_tokens(seed))
    norm_t = math.sqrt(sum(v * v for v in target.values())) or 1.0
    out = []
    for d in docs:
        vec = vector(d)
        dot = sum(v * target.get(w, 0.0) for w, v in vec.items())
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        out.append(dot / (norm * norm_t))
    return out


def _years(limits: CitationLimits, protocol: ReviewProtocol) -> YearRange:
    return limits.years or protocol.date_range


def limit_chased(
    records: Sequence[Record],
    limits: CitationLimits,
    protocol: ReviewProtocol,
    seed: str = "",
) -> tuple[list[Record], dict[str, int]]:
    """What one seed's references or citations keep, and counts of what each limit dropped.

    Order: date range, then eligibility rules, then the cap per seed (ties broken by
    record id, so the same input keeps the same records).
    """
    years = _years(limits, protocol)
    dropped: Counter[str] = Counter()
    kept: list[Record] = []
    rules = protocol.eligibility if limits.eligibility else Eligibility(require_title=False)
    for r in records:
        if r.year is not None and not years.start <= r.year <= years.end:
            dropped[f"outside {years.start}-{years.end}"] += 1
            continue
        verdict = check(r, rules.model_copy(update={"years": None}))
        if verdict is not None:
            dropped[f"ineligible: {verdict.rule.value}"] += 1
            continue
        kept.append(r)
    if limits.per_seed is not None and len(kept) > limits.per_seed:
        if limits.keep == "most-similar":
            scores = similarity(seed, kept)
        else:
            scores = [float(r.cited_by_count or 0) for r in kept]
        order = sorted(range(len(kept)), key=lambda i: (-scores[i], kept[i].id, kept[i].origin))
        kept = [kept[i] for i in order]
        over = len(kept) - limits.per_seed
        dropped[f"over the cap of {limits.per_seed} per seed (kept the {limits.keep})"] += over
        kept = kept[: limits.per_seed]
    return sorted(kept, key=lambda r: (r.id, r.origin)), dict(sorted(dropped.items()))


def citation_limits_text(limits: CitationLimits, protocol: ReviewProtocol) -> list[str]:
    """The limits, in words, for `--explain` and the methods text."""
    years = _years(limits, protocol)
    out = [f"publication years {years.start}-{years.end} (unknown years kept)"]
    if limits.eligibility:
        out.append("review.yaml eligibility rules (languages, excluded types, required fields)")
    if limits.per_seed is not None:
        what = "most cited" if limits.keep == "most-cited" else "most similar to the seed"
        out.append(f"at most {limits.per_seed} records per seed and direction, the {what}")
    else:
        out.append("no cap per seed")
    return out
