"""Search the knowledge base with a question: BM25 over any of its words, all-word hits first.

A query is cut into words, stop words dropped ("which studies reduce KV cache memory" ->
reduce, KV cache, memory), each word stemmed and its spelling folded, and each phrase of
the taxonomy's synonym table joined into one concept (`litsift.textnorm`). A study
matches when it holds any concept; studies holding all of them come first, then the rest,
each group ranked by BM25 (k1 1.2, b 0.75) over its fields, weighted: title and systems 3,
techniques 2, summary, hardware, results and tags 1 (a field's weight multiplies its term
counts and its length). Filters keep only studies with an extracted result that fits:
`metric` (every word of it in the result's metric), `unit` (the unit's first word, so `x`
takes "x", "x (up to)" and "x faster"), `min` / `max` (a range such as 2-4 counts by its
highest figure) and `hardware` (every word in one hardware entry).

The HTML report runs this same search in the browser from `index_json`, which holds the
studies' weighted term counts; `templates/kb_search.js` repeats only the query side.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from litsift import textnorm
from litsift.errors import LitsiftError
from litsift.models import KBEntry

FIELD_WEIGHTS: Mapping[str, float] = {
    "title": 3.0,
    "systems": 3.0,
    "techniques": 2.0,
    "summary": 1.0,
    "hardware": 1.0,
    "results": 1.0,
    "tags": 1.0,
}
K1 = 1.2
B = 0.75
SNIPPET_WORDS = 24


@dataclass(frozen=True)
class ResultRow:
    metric: str
    value: str
    unit: str = ""
    baseline: str = ""
    setting: str = ""

    def text(self) -> str:
        return " ".join(
            p for p in (self.metric, self.value, self.unit, self.baseline, self.setting) if p
        )


@dataclass(frozen=True)
class Study:
    """What the search reads of one knowledge-base study."""

    key: str
    title: str
    year: int
    classes: tuple[str, ...]
    families: tuple[str, ...]
    fields: Mapping[str, str]  # field name (FIELD_WEIGHTS) -> text
    results: tuple[ResultRow, ...] = ()
    hardware: tuple[str, ...] = ()


@dataclass(frozen=True)
class Filters:
    cls: str | None = None
    family: str | None = None
    years: tuple[int | None, int | None] = (None, None)
    metric: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    hardware: str | None = None

    def on_results(self) -> bool:
        return any(v is not None for v in (self.metric, self.unit, self.min, self.max))


@dataclass(frozen=True)
class Hit:
    key: str
    title: str
    year: int
    classes: tuple[str, ...]
    score: float
    matched: int  # query concepts the study holds
    concepts: int  # concepts in the query
    snippet: str
    results: tuple[ResultRow, ...] = ()  # the results the filters kept (all, without them)


def max_figure(value: str) -> float | None:
    """The highest number written in a result's value ('2-4' -> 4.0, '>90' -> 90.0)."""
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", value.replace(",", ""))]
    return max(numbers) if numbers else None


@dataclass
class Index:
    """Weighted term counts of every study, and what BM25 needs."""

    studies: list[Study]
    synonyms: textnorm.Synonyms
    counts: list[dict[str, float]] = field(default_factory=list)
    lengths: list[float] = field(default_factory=list)
    df: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, studies: Sequence[Study], synonyms: textnorm.Synonyms) -> Index:
        index = cls(sorted(studies, key=lambda s: s.key), synonyms)
        for study in index.studies:
            counts: dict[str, float] = {}
            length = 0.0
            for name, weight in FIELD_WEIGHTS.items():
                toks = synonyms.expand(textnorm.stems(study.fields.get(name, "")))
                length += weight * len(toks)
                for t in toks:
                    counts[t] = counts.get(t, 0.0) + weight
            index.counts.append(counts)
            index.lengths.append(length)
            for t in counts:
                index.df[t] = index.df.get(t, 0) + 1
        return index

    @property
    def average_length(self) -> float:
        return sum(self.lengths) / len(self.lengths) if self.lengths else 0.0

    def concepts(self, query: str) -> list[str]:
        """The query's concepts: stemmed words without stop words, synonym phrases joined."""
        return list(dict.fromkeys(self.synonyms.concepts(textnorm.stems(query))))

    def search(self, query: str, filters: Filters | None = None, limit: int = 20) -> list[Hit]:
        filters = filters or Filters()
        concepts = self.concepts(query)
        if not concepts and query.strip() and not _has_filters(filters):
            raise LitsiftError(f"kb search: '{query}' has only stop words; name what to find")
        if not concepts and not _has_filters(filters):
            raise LitsiftError("kb search: give a query or a filter")
        n = len(self.studies)
        avg = self.average_length or 1.0
        ranked = []
        for i, study in enumerate(self.studies):
            kept = passes(study, filters)
            if kept is None:
                continue
            score, matched = 0.0, 0
            for q in concepts:
                tf = self.counts[i].get(q, 0.0)
                if not tf:
                    continue
                matched += 1
                df = self.df[q]
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                norm = K1 * (1 - B + B * self.lengths[i] / avg)
                score += idf * tf * (K1 + 1) / (tf + norm)
            if concepts and not matched:
                continue
            if not concepts:  # filters only: the best figure first
                score = max((max_figure(r.value) or 0.0) for r in kept) if kept else 0.0
            ranked.append((matched < len(concepts), -round(score, 6), study.key, i, matched, kept))
        ranked.sort()
        hits = []
        for _, neg, key, i, matched, kept in ranked[:limit]:
            study = self.studies[i]
            hits.append(
                Hit(
                    key,
                    study.title,
                    study.year,
                    study.classes,
                    round(-neg, 4),
                    matched,
                    len(concepts),
                    self.snippet(study, concepts),
                    tuple(kept),
                )
            )
        return hits

    def snippet(self, study: Study, concepts: Sequence[str]) -> str:
        """Some words of the summary around the first one the query names, in [brackets]."""
        text = study.fields.get("summary", "") or study.title
        wanted = set(concepts)
        for c in concepts:
            wanted.update(c.split("_"))
        spans = list(re.finditer(r"\S+", text))
        marks = [any(textnorm.stem(w) in wanted for w in textnorm.words(m.group(0))) for m in spans]
        first = marks.index(True) if True in marks else 0
        start = max(0, first - SNIPPET_WORDS // 3)
        out = []
        for m, mark in list(zip(spans, marks, strict=True))[start : start + SNIPPET_WORDS]:
            out.append(f"[{m.group(0)}]" if mark else m.group(0))
        pre = "..." if start > 0 else ""
        post = "..." if start + SNIPPET_WORDS < len(spans) else ""
        return pre + " ".join(out) + post

    def index_data(self) -> dict[str, object]:
        """What the browser needs to run the same search (`templates/kb_search.js`)."""
        return {
            "k1": K1,
            "b": B,
            "stop": sorted(textnorm.STOP_WORDS),
            "british": dict(sorted(textnorm.BRITISH.items())),
            "ise_words": sorted(textnorm.ISE_WORDS),
            "synonyms": [[list(p) for p in g] for g in self.synonyms.groups],
            "df": dict(sorted(self.df.items())),
            "docs": [
                {
                    "key": s.key,
                    "len": self.lengths[i],
                    "tf": dict(sorted(self.counts[i].items())),
                    "results": [
                        {
                            "metric": textnorm.stems(r.metric),
                            "unit": _unit_word(r.unit),
                            "top": max_figure(r.value),
                        }
                        for r in s.results
                    ],
                    "hardware": [textnorm.stems(h) for h in s.hardware],
                }
                for i, s in enumerate(self.studies)
            ],
        }


def _has_filters(f: Filters) -> bool:
    return f.on_results() or bool(f.hardware or f.cls or f.family or any(f.years))


def _unit_word(unit: str) -> str:
    parts = unit.lower().split()
    return parts[0] if parts else ""


def passes(study: Study, f: Filters) -> list[ResultRow] | None:
    """The results a study keeps under the filters, or None when the study is filtered out."""
    if f.cls and f.cls not in study.classes:
        return None
    if f.family and f.family not in study.families:
        return None
    start, end = f.years
    if (start is not None and study.year < start) or (end is not None and study.year > end):
        return None
    if f.hardware:
        want = set(textnorm.stems(f.hardware))
        if not any(want <= set(textnorm.stems(h)) for h in study.hardware):
            return None
    if not f.on_results():
        return list(study.results)
    kept = [r for r in study.results if _result_fits(r, f)]
    return kept or None


def _result_fits(r: ResultRow, f: Filters) -> bool:
    if f.metric and not set(textnorm.stems(f.metric)) <= set(textnorm.stems(r.metric)):
        return False
    if f.unit and _unit_word(r.unit) != f.unit.lower().strip():
        return False
    if f.min is not None or f.max is not None:
        top = max_figure(r.value)
        if top is None:
            return False
        if f.min is not None and top < f.min:
            return False
        if f.max is not None and top > f.max:
            return False
    return True


def study(
    *,
    key: str,
    title: str,
    year: int,
    summary: str,
    classes: Sequence[str],
    families: Sequence[str],
    systems: Sequence[str],
    techniques: Sequence[str],
    hardware: Sequence[str],
    results: Sequence[ResultRow],
    labels: Mapping[str, str],
) -> Study:
    """A study as the search reads it; `labels` names each class and family id."""
    tags = [labels.get(x, x) for x in (*classes, *families)]
    return Study(
        key=key,
        title=title,
        year=year,
        classes=tuple(classes),
        families=tuple(families),
        fields={
            "title": title,
            "systems": "; ".join(systems),
            "techniques": "; ".join(techniques),
            "summary": summary,
            "hardware": "; ".join(hardware),
            "results": "; ".join(r.text() for r in results),
            "tags": "; ".join(tags),
        },
        results=tuple(results),
        hardware=tuple(hardware),
    )


def from_entry(e: KBEntry, labels: Mapping[str, str]) -> Study:
    """A knowledge-base entry as the search reads it."""
    return study(
        key=e.key,
        title=e.title,
        year=e.year,
        summary=e.summary,
        classes=e.classes,
        families=e.families,
        systems=e.systems,
        techniques=e.techniques,
        hardware=e.hardware,
        results=[
            ResultRow(r.metric, str(r.value), r.unit, r.baseline, r.setting) for r in e.results
        ],
        labels=labels,
    )


def from_row(row: Mapping[str, Any], labels: Mapping[str, str]) -> Study:
    """A study as `litsift.kb.show` gives it from build/kb.sqlite."""
    return study(
        key=row["key"],
        title=row["title"],
        year=row["year"],
        summary=row["summary"],
        classes=row["classes"],
        families=row["families"],
        systems=row["systems"],
        techniques=row["techniques"],
        hardware=row["hardware"],
        results=[ResultRow(**{k: str(v or "") for k, v in r.items()}) for r in row["results"]],
        labels=labels,
    )
