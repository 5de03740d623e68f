"""Synthetic bibliographic records for the dedup scale run (imported by bench/dedup.py).

Works are drawn from the field distributions of the real labelled sets (title length and
words, author count and family names, venues, years, volumes, pages, how often a DOI is
present); when ../shared/realworld is absent a small built-in vocabulary stands in. About
a third of the works get one to three copies as another database would export them, with
the perturbations seen in real exports: missing DOIs, DOIs as URLs, garbled pages ('S45'
for 1245, '01-Jun' for 1-6, article numbers), short page ranges, names swapped or reduced
to initials, author lists cut at 'et al.', truncated titles, subtitles dropped, titles in
capitals, with accents, typos, HTML entities or LaTeX, MEDLINE's translated-title
brackets, abbreviated venues, '&' for 'and', a year off by one or missing. Hard negatives
are added too: a companion paper by the same team (one title word changed) and erratum
notices. Generation is deterministic for a seed.
"""

from __future__ import annotations

import random
import re
import string
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from litsift.models import Record

_STOP = {"of", "the", "and", "in", "on", "for", "a", "an", "de", "la", "des", "der", "und"}
_BUILTIN_TEXT = (
    "model language large training inference memory efficient parallel sparse attention "
    "quantization pruning kernel scheduling serving throughput latency cluster pipeline "
    "tensor adaptive dynamic scalable fast mixture experts cache compression decoding "
    "clinical trial patients treatment outcome effect randomized cohort risk factor protein "
    "gene expression cell tumor therapy disease syndrome acute chronic"
)
_BUILTIN_WORDS = _BUILTIN_TEXT.split()
_BUILTIN_VENUES = (
    "Journal of Machine Learning Research",
    "New England Journal of Medicine",
    "IEEE Transactions on Parallel and Distributed Systems",
    "Pediatric Nephrology",
    "American Journal of Transplantation",
)
_NOTICE = {
    "erratum",
    "errata",
    "corrigendum",
    "corrigenda",
    "correction",
    "corrections",
    "retraction",
    "retracted",
    "withdrawn",
    "reply",
    "response",
    "comment",
    "comments",
    "commentary",
    "re",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ACCENTS = str.maketrans("aeiouc", "áéíöüç")


@dataclass
class Pools:
    """Empirical distributions to sample from (values repeated by their frequency)."""

    words: list[str]
    title_words: list[int]
    authors: list[int]
    surnames: list[str]
    venues: list[str]
    years: list[int]
    volumes: list[int]
    first_pages: list[int]
    spans: list[int]
    doi_rate: float


def pools(shared: Path | None) -> Pools:
    """Distributions of the real labelled sets under `shared`, or built-in ones."""
    records = _real_records(shared) if shared else []
    if not records:
        return Pools(
            list(_BUILTIN_WORDS),
            list(range(6, 15)),
            list(range(1, 8)),
            ["Kalo", "Miran", "Senvi", "Zhuwang", "Berger", "Hufe", "Tomine"],
            list(_BUILTIN_VENUES),
            list(range(1995, 2025)),
            list(range(1, 120)),
            list(range(1, 3000)),
            list(range(0, 15)),
            0.6,
        )
    words: Counter[str] = Counter()
    lengths, counts, names, venues, years, vols, firsts, spans = [], [], [], [], [], [], [], []
    with_doi = 0
    for r in records:
        # without MEDLINE's bracketed notes and the words that make a title a notice: a
        # work's title with 'erratum' in it would be an erratum, not the copy of a paper
        title = re.sub(r"\[[^\]]*\]?", " ", r.title or "")
        tokens = [t for t in re.findall(r"[A-Za-z][A-Za-z-]+", title) if t.lower() not in _NOTICE]
        if tokens:
            lengths.append(len(tokens))
            words.update(t.lower() for t in tokens)
        if r.authors:
            counts.append(min(len(r.authors), 30))
            names.extend(a.split(",")[0].strip() for a in r.authors if a.split(",")[0].strip())
        if r.venue:
            venues.append(r.venue)
        if r.year:
            years.append(r.year)
        if r.volume and r.volume.isdigit():
            vols.append(int(r.volume))
        m = re.match(r"(\d+)\s*-+\s*(\d+)$", r.pages or "")
        if m and int(m.group(2)) >= int(m.group(1)):
            firsts.append(int(m.group(1)))
            spans.append(min(int(m.group(2)) - int(m.group(1)), 60))
        with_doi += bool(r.doi)
    vocabulary = [w for w, n in words.items() for _ in range(min(n, 50))]
    return Pools(
        vocabulary,
        lengths,
        counts,
        names,
        venues,
        years,
        vols or [1],
        firsts or [1],
        spans or [0],
        max(with_doi / len(records), 0.4),
    )


def _real_records(shared: Path) -> list[Record]:
    from litsift.dedup.bench import load_records
    from litsift.store.imports import read_file

    out: list[Record] = []
    for name in ("haematology", "respiratory"):
        folder = shared / "dedup" / name
        if folder.is_dir():
            out.extend(load_records(folder))
    exports = shared / "exports" / "slr-llm-in-mde"
    if exports.is_dir():
        for path in sorted(exports.iterdir()):
            out.extend(read_file(path, source=path.stem).records)
    return out


# --------------------------------------------------------------------------- works and copies


def _work(rng: random.Random, p: Pools, n: int) -> dict[str, object]:
    title = " ".join(rng.choice(p.words) for _ in range(rng.choice(p.title_words)))
    if rng.random() < 0.25:  # a subtitle
        title += ": " + " ".join(rng.choice(p.words) for _ in range(rng.randint(2, 6)))
    authors = [
        f"{rng.choice(p.surnames)}, {rng.choice(string.ascii_uppercase)}"
        f"{rng.choice('aeiou')}{rng.choice('lnrst')}{rng.choice('aeio')}"
        for _ in range(rng.choice(p.authors))
    ]
    first = rng.choice(p.first_pages)
    return {
        "work": n,
        "title": title[:1].upper() + title[1:],
        "authors": authors,
        "year": rng.choice(p.years),
        "venue": rng.choice(p.venues),
        "volume": str(rng.choice(p.volumes)),
        "pages": f"{first}-{first + rng.choice(p.spans)}",
        "doi": f"10.{rng.randint(1000, 9999)}/s{n}" if rng.random() < p.doi_rate else None,
    }


def _abbreviate(venue: str) -> str:
    words = [w for w in re.findall(r"[A-Za-z]+", venue) if w.lower() not in _STOP]
    return " ".join(w if len(w) <= 4 else w[:4] for w in words) or venue


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _title(rng: random.Random, title: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        return title.upper()
    if roll < 0.25:
        return title.translate(_ACCENTS) + "."
    if roll < 0.37:
        return _typo(rng, _typo(rng, title))
    if roll < 0.45:
        return title[: rng.randint(max(30, len(title) // 2), max(31, len(title) - 1))]  # cut
    if roll < 0.50 and ":" in title:
        return title.split(":")[0]  # subtitle dropped
    if roll < 0.55:
        return f"[{title}]"  # MEDLINE's brackets round a translated title
    if roll < 0.58:
        words = title.replace(" and ", " &amp; ").split()
        words[-1] = f"<i>{words[-1]}</i>"
        return " ".join(words)  # HTML entities and markup
    if roll < 0.61:
        words = title.split()
        words[0] = "{" + words[0] + "}"
        return " ".join(words)  # BibTeX braces
    return title


def _authors(rng: random.Random, authors: list[str]) -> list[str]:
    out = list(authors)
    if rng.random() < 0.5:
        out = [a.split(",")[0] + ", " + a.split(", ")[1][0] + "." for a in out]
    if len(out) > 1 and rng.random() < 0.05:
        k = rng.randrange(len(out))
        family, given = out[k].split(", ", 1)
        out[k] = f"{given.rstrip('.')}, {family}"  # given and family swapped
    if len(out) > 3 and rng.random() < 0.08:
        out = [*out[:1], "et al."]
    if len(out) > 2 and rng.random() < 0.03:
        out[1], out[2] = out[2], out[1]
    return out


def _pages(rng: random.Random, pages: str) -> str | None:
    first, last = pages.split("-")
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.45 and len(last) > 2:
        return f"{first}-{last[-2:]}"  # 1201-1215 -> 1201-15
    if roll < 0.48:
        return f"S{first[-2:]}"  # a letter followed by the last digits
    if roll < 0.51:  # read by a spreadsheet as a date: '1-6' -> '01-Jun', '12-19' -> 'Dec-19'
        if 1 <= int(last) <= 12:
            return f"{int(first):02d}-{_MONTHS[int(last) - 1]}"
        if 1 <= int(first) <= 12:
            return f"{_MONTHS[int(first) - 1]}-{int(last) % 100:02d}"
    if roll < 0.53:
        return f"e{first}"
    return pages


def _copy(rng: random.Random, work: dict[str, object]) -> dict[str, object]:
    """Another database's copy of a work."""
    rec = dict(work)
    rec["title"] = _title(rng, str(rec["title"]))
    rec["authors"] = _authors(rng, list(rec["authors"]))  # type: ignore[call-overload]
    if rng.random() < 0.5:
        rec["venue"] = _abbreviate(str(rec["venue"]))
    elif rng.random() < 0.1:
        rec["venue"] = str(rec["venue"]).replace(" and ", " & ")
    if rec["doi"] and rng.random() < 0.4:
        rec["doi"] = None
    elif rec["doi"] and rng.random() < 0.2:
        rec["doi"] = f"https://doi.org/{str(rec['doi']).upper()}"
    rec["pages"] = _pages(rng, str(rec["pages"]))
    if rng.random() < 0.1:
        rec["volume"] = None
    roll = rng.random()
    if roll < 0.04 and rec["volume"]:
        rec["year"] = int(rec["year"]) + 1  # type: ignore[call-overload]  # online first
    elif roll < 0.06:
        rec["year"] = None
    return rec


def _companion(rng: random.Random, p: Pools, work: dict[str, object], n: int) -> dict[str, object]:
    """The same team's other paper in the same venue and year: a hard negative."""
    other = _work(rng, p, n)
    words = str(work["title"]).split()
    words[rng.randrange(len(words))] = rng.choice(p.words)
    other.update(
        title=" ".join(words), authors=work["authors"], year=work["year"], venue=work["venue"]
    )
    return other


def rows(n: int, p: Pools, seed: int = 7) -> Iterator[dict[str, object]]:
    """n synthetic rows (dicts with the work they copy under 'work')."""
    rng = random.Random(seed)
    made = k = 0
    while made < n:
        work = _work(rng, p, k)
        k += 1
        batch = [work]
        if rng.random() < 0.04:
            batch.append(_companion(rng, p, work, k))
            k += 1
        if rng.random() < 0.01:  # an erratum notice: its own report, not a copy
            batch.append(
                {
                    **work,
                    "work": k,
                    "title": "Erratum: " + str(work["title"]),
                    "pages": str(work["pages"]).split("-")[0],
                    "doi": None,
                }
            )
            k += 1
        if rng.random() < 0.3:
            batch.extend(_copy(rng, work) for _ in range(rng.randint(1, 3)))
        for row in batch[: n - made]:
            made += 1
            yield row


def records(n: int, p: Pools, seed: int = 7) -> tuple[list[Record], array]:
    """n synthetic Records and, for each, the work it belongs to (the truth)."""
    out: list[Record] = []
    works = array("q")
    for i, r in enumerate(rows(n, p, seed)):
        works.append(int(r["work"]))  # type: ignore[call-overload]
        out.append(
            Record.build(
                source="synthetic",
                origin=str(i),
                title=r["title"],
                authors=r["authors"],
                year=r["year"],
                venue=r["venue"],
                volume=r["volume"],
                pages=r["pages"],
                doi=r["doi"],
            )
        )
    return out, works
