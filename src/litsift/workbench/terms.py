"""The terms the workbench highlights, and the text segments it marks with them.

Inclusion terms come from the query files (every term not under a NOT) and from
review.yaml `workbench: highlight:` (`include`, and the codes of inclusion criteria);
exclusion terms from the query's NOT terms and `exclude` or the codes of exclusion
criteria. A term is a word or a phrase, case-insensitive, matched on word boundaries; a
trailing `*` matches any ending. Where an inclusion and an exclusion term overlap, the
longer match wins (the exclusion on a tie: it is the one a reviewer must not miss).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from litsift.models import CriterionKind, Protocol
from litsift.search.query import Node, Not, Query, Term

INCLUDE = "include"
EXCLUDE = "exclude"


@dataclass(frozen=True)
class Highlight:
    """One highlighted term: as written, its kind, and where it comes from."""

    term: str
    kind: str  # include | exclude
    origin: str  # "query <name>", "review.yaml", or a criterion code


def _query_terms(node: Node, negated: bool = False) -> Iterable[tuple[Term, bool]]:
    if isinstance(node, Term):
        yield node, negated
    elif isinstance(node, Not):
        yield from _query_terms(node.child, not negated)
    else:
        for child in node.children:
            yield from _query_terms(child, negated)


def highlights(protocol: Protocol, queries: Sequence[Query]) -> list[Highlight]:
    """Every term to highlight, each once (the first origin named), sorted by kind, term."""
    found: dict[tuple[str, str], Highlight] = {}

    def add(term: str, kind: str, origin: str) -> None:
        term = " ".join(term.strip().strip('"').split())
        if term.rstrip("*"):
            found.setdefault((term.lower(), kind), Highlight(term, kind, origin))

    settings = protocol.workbench
    kinds = {c.code: c.kind for c in protocol.criteria}
    for group, terms in settings.highlight.items():
        if group in (INCLUDE, EXCLUDE):
            kind, origin = group, "review.yaml"
        else:
            kind = INCLUDE if kinds[group] is CriterionKind.INCLUDE else EXCLUDE
            origin = group
        for term in terms:
            add(term, kind, origin)
    if settings.query_terms:
        for query in queries:
            for term, negated in _query_terms(query.tree):
                add(term.written(), EXCLUDE if negated else INCLUDE, f"query {query.name}")
    return sorted(found.values(), key=lambda h: (h.kind, h.term.lower()))


def _pattern(term: str) -> str:
    words = [re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in term.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


class Marker:
    """Finds highlighted terms in a text; build once per session."""

    def __init__(self, terms: Iterable[Highlight]) -> None:
        self.terms = tuple(terms)
        self._compiled = [(re.compile(_pattern(h.term), re.IGNORECASE), h) for h in self.terms]

    def segments(self, text: str | None) -> list[tuple[str, str | None]]:
        """The text cut into (piece, kind or None) segments, in order, covering all of it."""
        if not text:
            return []
        spans: list[tuple[int, int, int, str]] = []  # (start, -length, priority, kind)
        for regex, h in self._compiled:
            for m in regex.finditer(text):
                if m.end() > m.start():
                    priority = 0 if h.kind == EXCLUDE else 1
                    spans.append((m.start(), -(m.end() - m.start()), priority, h.kind))
        chosen: list[tuple[int, int, str]] = []
        for start, neg_len, _, kind in sorted(spans, key=lambda s: (s[1], s[2], s[0])):
            end = start - neg_len
            if all(end <= a or start >= b for a, b, _ in chosen):
                chosen.append((start, end, kind))
        out: list[tuple[str, str | None]] = []
        pos = 0
        for start, end, kind in sorted(chosen):
            if start > pos:
                out.append((text[pos:start], None))
            out.append((text[start:end], kind))
            pos = end
        if pos < len(text):
            out.append((text[pos:], None))
        return out
