"""`litsift kb`: build, search and export the curated knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from litsift.vocab import KBExportFormat

app = typer.Typer(
    help="The curated knowledge base (data/kb/*.yaml -> build/kb.sqlite).", no_args_is_help=True
)

ROOT_HELP = "Review folder (the one holding review.yaml, or a folder below it)."


def _db(root: Path):  # -> sqlite3.Connection; typed loosely to keep sqlite3 out of start-up
    """The built knowledge base of the review at `root`, read-only."""
    from litsift.store import Review

    return Review.find(root).output.open_kb()


@app.command("build")
def build(root: Path = typer.Option(Path("."), help=ROOT_HELP)) -> None:
    """Rebuild build/kb.sqlite (SQLite, FTS5) from data/kb/*.yaml."""
    from litsift.store import Review
    from litsift.views import build_kb

    path = build_kb(Review.find(root))
    typer.echo(str(path))


@app.command("search")
def search(
    query: str = typer.Argument(
        "", help="A question or words; any word matches, studies with all of them first."
    ),
    cls: str = typer.Option(None, "--class", help="Only studies of this class."),
    family: str = typer.Option(None, help="Only studies of this technique family."),
    year: str = typer.Option(None, help="Years A..B, A.. or ..B."),
    metric: str = typer.Option(None, help="Only studies with a result on this metric."),
    minimum: float = typer.Option(None, "--min", help="... whose figure is at least this."),
    maximum: float = typer.Option(None, "--max", help="... whose figure is at most this."),
    unit: str = typer.Option(None, help="... in this unit (its first word: x, %, ms)."),
    hardware: str = typer.Option(None, help="Only studies run on this hardware (A100, TPU)."),
    semantic: bool = typer.Option(
        False, help="Rank by meaning with a static embedding model (pip install wordllama)."
    ),
    limit: int = typer.Option(20, help="At most this many hits."),
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
) -> None:
    """Search the knowledge base: BM25 ranking, spelling variants and synonyms folded."""
    from litsift import kb, kbsearch
    from litsift.views import kb_search_index

    filters = kbsearch.Filters(
        cls=cls,
        family=family,
        years=kb.parse_years(year),
        metric=metric,
        unit=unit,
        min=minimum,
        max=maximum,
        hardware=hardware,
    )
    index = kb_search_index(_db(root), root)
    if semantic:
        from litsift import semantic as sem

        hits = sem.search(index, query, filters, limit)
    else:
        hits = index.search(query, filters, limit)
    for h in hits:
        typer.echo(f"{h.key}\t{h.year}\t{','.join(h.classes)}\t{h.title}")
        typer.echo(f"    {h.snippet}")
        if filters.on_results():
            for r in h.results:
                typer.echo(f"    result: {r.text()}")
    typer.echo(f"{len(hits)} hit(s)", err=True)


@app.command("show")
def show(
    key: str = typer.Argument(..., help="Study key (the file name in data/kb/)."),
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
) -> None:
    """Everything the knowledge base holds about one study, as JSON."""
    from litsift import kb

    typer.echo(json.dumps(kb.show(_db(root), key), indent=2, ensure_ascii=False))


@app.command("stats")
def stats(
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Studies per class, family and year."""
    from litsift import kb

    data = kb.stats(_db(root))
    if json_out:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(f"studies: {data['studies']}")
    for key in ("by_class", "by_family", "by_year"):
        counts = data[key]
        assert isinstance(counts, dict)
        typer.echo(f"{key[3:]}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@app.command("export")
def export(
    fmt: KBExportFormat = typer.Option(KBExportFormat.MD, "--format", help="Output format."),
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
) -> None:
    """Print the knowledge base as BibTeX, CSV or a Markdown table."""
    from litsift import kb
    from litsift.store import Review
    from litsift.views import kb_export_inputs

    entries, names = kb_export_inputs(Review.find(root))
    typer.echo(kb.export(entries, str(fmt), names), nl=False)
