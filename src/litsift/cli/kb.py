"""`litsift kb`: build, search and export the curated knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from litsift import kb, runner
from litsift.review import Review

app = typer.Typer(
    help="The curated knowledge base (data/kb/*.yaml -> build/kb.sqlite).", no_args_is_help=True
)

ROOT_HELP = "Review folder (the one holding review.yaml, or a folder below it)."


def _db(root: Path) -> Path:
    return Review.find(root).build / "kb.sqlite"


@app.command("build")
def build(root: Path = typer.Option(Path("."), help=ROOT_HELP)) -> None:
    """Rebuild build/kb.sqlite (SQLite, FTS5) from data/kb/*.yaml."""
    review = Review.find(root)
    path = runner.build_kb(review)
    typer.echo(str(path))


@app.command("search")
def search(
    query: str = typer.Argument(..., help="Words to find (FTS5; trailing * for prefixes)."),
    cls: str = typer.Option(None, "--class", help="Only studies of this class."),
    family: str = typer.Option(None, help="Only studies of this technique family."),
    year: str = typer.Option(None, help="Years A..B, A.. or ..B."),
    limit: int = typer.Option(20, help="At most this many hits."),
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
) -> None:
    """Ranked full-text search with snippets."""
    con = kb.connect(_db(root))
    hits = kb.search(con, query, cls=cls, family=family, years=kb.parse_years(year), limit=limit)
    for h in hits:
        typer.echo(f"{h.key}\t{h.year}\t{','.join(h.classes)}\t{h.title}")
        typer.echo(f"    {h.snippet}")
    typer.echo(f"{len(hits)} hit(s)", err=True)


@app.command("show")
def show(
    key: str = typer.Argument(..., help="Study key (the file name in data/kb/)."),
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
) -> None:
    """Everything the knowledge base holds about one study, as JSON."""
    typer.echo(json.dumps(kb.show(kb.connect(_db(root)), key), indent=2, ensure_ascii=False))


@app.command("stats")
def stats(
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Studies per class, family and year."""
    data = kb.stats(kb.connect(_db(root)))
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
    fmt: str = typer.Option("md", "--format", help="bibtex, csv or md."),
    root: Path = typer.Option(Path("."), help=ROOT_HELP),
) -> None:
    """Print the knowledge base as BibTeX, CSV or a Markdown table."""
    entries, names = runner.kb_export_inputs(Review.find(root))
    typer.echo(kb.export(entries, fmt, names), nl=False)
