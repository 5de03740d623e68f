"""Draw the tagger's independent evaluation set from the shared LLM-efficiency paper lists.

The rule (data/kb/eval/PROTOCOL.md gives it in full): every paper entry of the five lists in
`realworld/llm-efficiency-papers/` first posted in 2024 or later, outside the sections
that list no technique papers (surveys, tools, benchmarks, ...), and not in the knowledge
base, is a candidate. Candidates are grouped by list (a paper in several lists is counted in
the first, in the order of LISTS), ordered by their litsift record id, and shuffled with a
seeded random generator, one seed per list. The labeller takes the draws of each list in
that order, labelling each or setting it aside with a reason, until PER_LIST are labelled.

    .venv/bin/python tools/sample_eval.py --show 45          # the first draws, as YAML
    .venv/bin/python tools/sample_eval.py --check            # the committed set follows the rule

Facts only are taken from the lists: title, year, venue label, identifiers, the URL, and the
list section (heading path) each paper appears under, which the labelling protocol uses.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import yaml

from litsift import ids, kb_eval
from litsift.models import KBEntry, Record
from litsift.store import Review

ROOT = Path(__file__).resolve().parents[1]
SEED = "litsift-eval-v1"
PER_LIST = 30
FIRST_YEAR = 2024
LISTS = (
    "EfficientPaper",
    "Awesome-Efficient-LLM",
    "Awesome-LLM-Compression",
    "LLMSys-PaperList",
    "SpeculativeDecodingPapers",
)
# Headings under which a list gives no technique papers (matched on any level of the path).
SKIP_SECTIONS = {
    "contents",
    "table of contents",
    "survey",
    "survey paper",
    "tools",
    "contributing",
    "star history",
    "llm for systems",
    "industrial llm technical report",
    "ml conferences",
    "llm frameworks",
    "ml systems",
    "llm benchmark / leaderboard ? traces",
    "related ml readings",
    "mlsys courses",
    "other reading",
    "keywords convention",
    "tutorial",
    "benchmarks",
    "blog & project",
    "contributors",
    "contributing to this paper list",
    "citation",
}
EP_SKIP_KEYWORDS = {"survey", "benchmark", "tool"}
_LINK = re.compile(r"\[([^\[\]]+)\]\(([^()\s]+)\)")


@dataclass
class Candidate:
    """One paper entry of a list, with every place it appears."""

    list: str
    title: str
    url: str
    year: int | None
    venue: str
    places: list[dict[str, str]] = field(default_factory=list)
    arxiv_id: str | None = None
    doi: str | None = None
    key: str = ""

    def __post_init__(self) -> None:
        self.title = " ".join(self.title.replace("**", "").split()).strip(" :")
        self.arxiv_id = self.arxiv_id or (
            ids.normalise_arxiv(self.url) if "arxiv" in self.url else None
        )
        m = re.search(r"(?:doi\.org/|/doi/(?:abs/|pdf/|full/)?)(10\.\d{4,9}/[^\s?#]+)", self.url)
        self.doi = self.doi or (ids.normalise_doi(m.group(1)) if m else None)
        rec = Record.build(
            source="eval", title=self.title, year=self.year, doi=self.doi, arxiv_id=self.arxiv_id
        )
        self.key = rec.id

    @property
    def first_year(self) -> int | None:
        """Year of first posting: from the arXiv id when there is one, else the list's year."""
        if self.arxiv_id and re.match(r"\d{4}\.", self.arxiv_id):
            return 2000 + int(self.arxiv_id[:2])
        return self.year


# --------------------------------------------------------------------------- parsers


def _headings(lines: Sequence[str]) -> Iterator[tuple[int, tuple[str, ...], str]]:
    """(line number, heading path, line) for every non-heading line of a Markdown file.

    The path leaves out level-1 headings: they title the document ('Awesome LLM Systems
    Papers') or, in one list, wrap all of it ('Contents')."""
    path: list[tuple[int, str]] = []
    for n, line in enumerate(lines, start=1):
        m = re.match(r"^(#{1,6})\s+(.*?)\s*$", line)
        if m:
            level = len(m.group(1))
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(2)).strip()
            path = [(lv, t) for lv, t in path if lv < level] + [(level, text)]
            continue
        yield n, tuple(t for lv, t in path if lv > 1), line


def _skipped(section: tuple[str, ...]) -> bool:
    return any(s.lower() in SKIP_SECTIONS for s in section)


def _year_of(text: str) -> int | None:
    m = re.search(r"(?<!\d)(20[12]\d)(?!\d)", text) or re.search(r"'(2\d)\b", text)
    if not m:
        return None
    y = m.group(1)
    return int(y) if len(y) == 4 else 2000 + int(y)


def parse_efficientpaper(path: Path) -> Iterator[Candidate]:
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if not row.get("title") or set(row.get("keywords") or []) & EP_SKIP_KEYWORDS:
            continue
        url = row.get("url") or ""
        if (
            not url
            or re.search(r"github\.com|discuss\.|blog", url)
            or row["venue"]
            in (
                "Blog",
                "blog",
                "github",
                "Github",
            )
        ):
            continue
        yield Candidate(
            list="EfficientPaper",
            title=row["title"],
            url=url,
            year=int(row["year"]) if str(row.get("year") or "").isdigit() else None,
            venue=row.get("venue") or "",
            places=[{"list": "EfficientPaper", "section": ", ".join(row.get("keywords") or [])}],
        )


def parse_awesome_efficient_llm(path: Path) -> Iterator[Candidate]:
    for _n, section, line in _headings(path.read_text(encoding="utf-8").splitlines()):
        if not line.startswith("|") or _skipped(section):
            continue
        links = [(t, u) for t, u in _LINK.findall(line) if not t.startswith("!")]
        links = [(t, u) for t, u in links if t.lower() not in ("github", "paper", "code")]
        if not links:
            continue
        title, url = links[0]
        badge = re.search(r"badge/(?:Conference|Journal|Publish)-(.+?)-blue", line)
        venue = unquote(badge.group(1)).replace("--", "-") if badge else ""
        yield Candidate(
            list="Awesome-Efficient-LLM",
            title=title,
            url=url,
            year=_year_of(venue),
            venue=venue,
            places=[{"list": f"Awesome-Efficient-LLM/{path.name}", "section": " / ".join(section)}],
        )


def parse_awesome_llm_compression(path: Path) -> Iterator[Candidate]:
    for _n, section, line in _headings(path.read_text(encoding="utf-8").splitlines()):
        if not line.startswith("- ") or "<br>" not in line or _skipped(section):
            continue
        title, _, rest = line[2:].partition("<br>")
        paper = re.search(r"\[\[(?:Paper|paper|PDF|pdf)\]\]\((\S+?)\)", rest)
        if not paper:
            continue
        venue = rest.split("[[", 1)[0].strip()
        yield Candidate(
            list="Awesome-LLM-Compression",
            title=title,
            url=paper.group(1),
            year=_year_of(venue),
            venue=venue,
            places=[{"list": "Awesome-LLM-Compression", "section": " / ".join(section)}],
        )


def parse_llmsys(path: Path) -> Iterator[Candidate]:
    group_year: int | None = None
    for _n, section, line in _headings(path.read_text(encoding="utf-8").splitlines()):
        g = re.search(r"<summary><b>(.*?)</b></summary>|^\*\*(20\d\d)\*\*\s*$", line)
        if g:
            text = g.group(1) or g.group(2)
            group_year = None if "before" in text.lower() else _year_of(text)
            continue
        if not line.startswith("- ") or _skipped(section):
            continue
        body, _, venue = line[2:].partition("|")
        m = _LINK.search(body)
        if not m:
            continue
        rest = body[m.end() :].strip().lstrip(":").strip()
        name = m.group(1).strip()
        title = f"{name}: {rest}" if rest and not name.endswith(":") else f"{name} {rest}".strip()
        # after '|' the list gives a venue ("OSDI' 24") or an affiliation ("Microsoft")
        venue = venue.strip() if re.search(r"'\s?\d\d\b|20\d\d", venue) else ""
        yield Candidate(
            list="LLMSys-PaperList",
            title=title,
            url=m.group(2),
            year=_year_of(venue) or group_year,
            venue=venue,
            places=[{"list": "LLMSys-PaperList", "section": " / ".join(section)}],
        )


def parse_speculative(path: Path) -> Iterator[Candidate]:
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, section, line in _headings(lines):
        m = re.match(r"^- \*\*(.+?)\*\*\s*$", line)
        if not m or _skipped(section) or n >= len(lines):
            continue
        detail = lines[n]  # the line after the title (n is 1-based)
        pdf = re.search(r"\[\[pdf\]\((\S+?)\)\]", detail)
        if not pdf:
            continue
        date = re.search(r"\b(20\d\d)\.\d\d\b", detail)
        badge = re.search(r"badge/(.+?)-orange", detail)
        venue = unquote(badge.group(1)).replace("--", "-").replace("_", " ") if badge else ""
        yield Candidate(
            list="SpeculativeDecodingPapers",
            title=m.group(1),
            url=pdf.group(1),
            year=int(date.group(1)) if date else _year_of(venue),
            venue=venue,
            places=[{"list": "SpeculativeDecodingPapers", "section": " / ".join(section)}],
        )


def read_lists(shared: Path) -> Iterator[Candidate]:
    base = shared / "llm-efficiency-papers"
    aw = base / "awesome-lists"
    yield from parse_efficientpaper(base / "efficientpaper.jsonl")
    for name in (
        "efficient_training",
        "inference_acceleration",
        "kv_cache_compression",
        "quantization",
    ):
        yield from parse_awesome_efficient_llm(aw / f"Awesome-Efficient-LLM.{name}.md")
    yield from parse_awesome_llm_compression(aw / "Awesome-LLM-Compression.README.md")
    yield from parse_llmsys(aw / "LLMSys-PaperList.README.md")
    yield from parse_speculative(aw / "SpeculativeDecodingPapers.README.md")


# --------------------------------------------------------------------------- the rule


def _same(c: Candidate) -> list[str]:
    keys = [ids.fold(c.title)]
    if c.arxiv_id:
        keys.append(f"arxiv:{c.arxiv_id}")
    if c.doi:
        keys.append(f"doi:{c.doi}")
    return keys


def candidates(
    found: Iterable[Candidate], kb_entries: Sequence[KBEntry]
) -> dict[str, list[Candidate]]:
    """Eligible candidates per list: merged across lists, 2024 or later, not in the KB."""
    in_kb = {ids.fold(e.title) for e in kb_entries}
    in_kb |= {f"arxiv:{e.arxiv_id}" for e in kb_entries if e.arxiv_id}
    in_kb |= {f"doi:{e.doi}" for e in kb_entries if e.doi}
    merged: list[Candidate] = []
    seen: dict[str, Candidate] = {}
    for c in sorted(found, key=lambda c: LISTS.index(c.list)):
        first = next((seen[k] for k in _same(c) if k in seen), None)
        if first is not None:
            first.places.extend(p for p in c.places if p not in first.places)
            first.venue = first.venue or c.venue
            continue
        merged.append(c)
        for k in _same(c):
            seen[k] = c
    out: dict[str, list[Candidate]] = {name: [] for name in LISTS}
    for c in merged:
        if (c.first_year or 0) >= FIRST_YEAR and not set(_same(c)) & in_kb:
            out[c.list].append(c)
    for name in out:
        out[name].sort(key=lambda c: c.key)
    return out


def draws(pool: dict[str, list[Candidate]]) -> dict[str, list[Candidate]]:
    """Each list's candidates in the seeded random order the labeller follows."""
    out = {}
    for name, cands in pool.items():
        order = list(cands)
        random.Random(f"{SEED}:{name}").shuffle(order)
        out[name] = order
    return out


def as_row(c: Candidate, draw: int) -> dict[str, object]:
    return {
        "key": c.key,
        "title": c.title,
        "year": c.first_year,
        "venue": c.venue,
        "arxiv_id": c.arxiv_id or "",
        "doi": c.doi or "",
        "url": c.url,
        "stratum": c.list,
        "draw": draw,
        "appears_in": c.places,
    }


def check(eval_set: kb_eval.EvalSet, order: dict[str, list[Candidate]]) -> list[str]:
    """Problems: a stratum whose labelled and set-aside papers are not its first draws."""
    problems = []
    taken = [(p.stratum, p.draw, p.key, p.title) for p in eval_set.papers]
    taken += [(s.stratum, s.draw, s.key, s.title) for s in eval_set.set_aside]
    for name in LISTS:
        got = sorted((d, k, t) for s, d, k, t in taken if s == name)
        want = [(i + 1, c.key, c.title) for i, c in enumerate(order[name][: len(got)])]
        if got != want:
            diff = next((g, w) for g, w in zip(got, want, strict=False) if g != w) if got else None
            problems.append(f"{name}: entries are not the first {len(got)} draws ({diff})")
        labelled = sum(1 for p in eval_set.papers if p.stratum == name)
        if labelled != eval_set.per_stratum and len(got) < len(order[name]):
            problems.append(
                f"{name}: {labelled} labelled, the rule asks for {eval_set.per_stratum}"
            )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "realworld")
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument("--show", type=int, metavar="N", help="print the first N draws of each list")
    ap.add_argument("--check", action="store_true", help="check the committed set against the rule")
    args = ap.parse_args(argv)
    review = Review(args.root.resolve())
    entries = review.kb.entries()
    pool = candidates(read_lists(args.shared), entries)
    order = draws(pool)
    for name in LISTS:
        print(f"{name}: {len(pool[name])} candidates", file=sys.stderr)
    if args.show:
        rows = [as_row(c, i + 1) for name in LISTS for i, c in enumerate(order[name][: args.show])]
        yaml.safe_dump(rows, sys.stdout, sort_keys=False, allow_unicode=True, width=100)
    if args.check:
        eval_set = review.kb.eval_set()
        problems = check(eval_set, order)
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
