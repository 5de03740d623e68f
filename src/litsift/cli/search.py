"""`litsift search` and `litsift records parse`: thin wrappers over litsift.search."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from litsift.errors import InputError
from litsift.vocab import Api, TranslateTarget

if TYPE_CHECKING:
    from litsift.search import SearchReport
    from litsift.search.lint import Finding
    from litsift.search.relax import Vocabulary
    from litsift.store import Review

records_app = typer.Typer(help="Work with records as the APIs return them.", no_args_is_help=True)


def search_command(
    root: Path = typer.Option(Path("."), "--root", help="Review folder (or one inside it)."),
    offline: bool = typer.Option(
        False, "--offline", help="Answer only from the cache; fail on a missing page."
    ),
    update: bool = typer.Option(
        False, "--update", help="Re-run the saved searches fresh and flag new records."
    ),
    citations: bool = typer.Option(
        False, "--citations", help="Chase references and citations of included studies."
    ),
    explain_only: bool = typer.Option(
        False, "--explain", help="Print each source's exact request and lint; send nothing."
    ),
    translate: str = typer.Option(
        None,
        "--translate",
        metavar="DB",
        help="Print the query for a database searched by hand: "
        f"{', '.join(TranslateTarget)}, or all.",
    ),
    source: list[str] = typer.Option(
        None, "--source", "-s", help="Search only this review.yaml source (repeatable)."
    ),
    max_records: int = typer.Option(
        None, "--max-records", min=1, help="Cap on records per source and query."
    ),
    max_pages: int = typer.Option(
        None, "--max-pages", min=1, help="Cap on pages per source and query."
    ),
    mailto: str = typer.Option(
        None,
        "--mailto",
        envvar="LITSIFT_MAILTO",
        help="Contact e-mail sent to the APIs (polite pools).",
    ),
) -> None:
    """Search the bibliographic APIs with the review's saved queries (cached, logged)."""
    from litsift.search import Settings, citation_plan, explain, lint_queries, run_search
    from litsift.search.lint import errors as lint_errors
    from litsift.store import Review
    from litsift.updates import citation_seeds

    review = Review.find(root)
    if translate:
        with review.lock():  # the strings are logged under data/search/log/
            _print_translations(review, translate)
        return
    if explain_only and citations:
        typer.echo(json.dumps(citation_plan(review, citation_seeds(review)), indent=2))
        return
    findings = lint_queries(review, source or None)
    _print_findings(findings)
    if explain_only:
        _print_explain(explain(review, source or None, vocabulary=_vocabulary(review)))
        return
    if not citations and (bad := lint_errors(findings)):
        raise InputError(bad[0].path, f"{bad[0].message} [{bad[0].code}]", bad[0].line, bad[0].col)
    settings = Settings(max_records=max_records, max_pages=max_pages, mailto=mailto)
    report = run_search(
        review,
        offline=offline,
        update=update,
        citations=citations,
        sources=source or None,
        max_records=max_records,
        settings=settings,
        seeds=citation_seeds(review) if citations else None,
        vocabulary=None if citations else _vocabulary(review),
    )
    _print_report(review, report)


def _vocabulary(review: Review) -> Vocabulary:
    from litsift.views import search_vocabulary

    return search_vocabulary(review)


def _print_findings(findings: list[Finding]) -> None:
    for f in findings:
        typer.echo(str(f), err=True)


def _print_explain(rows: list[dict]) -> None:
    for row in rows:
        if row.get("error"):
            typer.echo(f"# {row['source']} ({row['platform']}), query {row['query']}: not searched")
            typer.echo(f"#   error: {row['error']}")
            continue
        typer.echo(
            f"# {row['source']} ({row['platform']}), query {row['query']}"
            + ("" if row["exact"] else " [post-filtered locally]")
        )
        for note in row["notes"]:
            typer.echo(f"#   post-filtered: {note}")
        for warning in row["warnings"]:
            typer.echo(f"#   warning: {warning}")
        typer.echo(row["request"])


def _print_translations(review: Review, key: str) -> None:
    from litsift.search import record_translations, review_queries
    from litsift.search.translate import TARGETS, target, translate_for

    keys = list(TARGETS) if key.lower() == "all" else [target(key).key]
    vocab = _vocabulary(review)
    strings = [translate_for(q, k, vocab) for k in keys for q in review_queries(review)]
    for ds in strings:
        typer.echo(
            f"# {ds.database}, query {ds.query}"
            + ("" if ds.exact else " [broader than the query: the import is filtered]")
        )
        for note in ds.notes:
            typer.echo(f"#   note: {note}")
        for warning in ds.warnings:
            typer.echo(f"#   warning: {warning}")
        typer.echo(ds.text)
    log_path = record_translations(review, strings)
    if log_path is None:
        typer.echo(
            "not logged: no review.yaml source declares `translate:` for "
            + ", ".join(keys)
            + " (add e.g. `- {name: scopus, platform: Scopus, translate: scopus}` and import "
            "the export with --source scopus)",
            err=True,
        )
    else:
        typer.echo(f"strings logged in {review.rel(log_path)}", err=True)


def _print_report(review: Review, report: SearchReport) -> None:
    for e in report.entries:
        if e.status == "skipped":
            typer.echo(f"{e.source}: not searched: {e.error}", err=True)
            continue
        typer.echo(
            f"{e.source}\t{e.query_name}\thits={e.hits}\tretrieved={e.retrieved}\t"
            f"matching={e.matching}\tkept={e.kept}\tnew={e.new}\tpages={e.pages}"
        )
        for reason, count in e.dropped.items():
            typer.echo(f"{e.source}: dropped {count}: {reason}", err=True)
        for warning in e.warnings:
            typer.echo(f"{e.source}: warning: {warning}", err=True)
    total_new = sum(len(v) for v in report.new_records.values())
    typer.echo(
        f"run {report.run_id} ({report.mode}, snapshot {report.snapshot}): "
        f"{total_new} new records; log {review.rel(report.log_path)}",
        err=True,
    )


@records_app.command("parse")
def parse_records(
    file: Path = typer.Argument(..., help="A saved raw API response (JSON or Atom XML)."),
    source: Api = typer.Option(..., "--source", "-s", help="The API that returned it."),
) -> None:
    """Print the records of a saved API response as JSON Lines (one record per line)."""
    from litsift.search.sources import get_source

    api = get_source(str(source))
    try:
        body = file.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(file, "file not found") from e
    except UnicodeDecodeError as e:
        raise InputError(file, f"not UTF-8 text ({e.reason})") from e
    page = api.parse(_unwrap_cached(body), str(source))
    for record in page.records:
        typer.echo(json.dumps(record.model_dump(mode="json"), ensure_ascii=False))


def _unwrap_cached(body: str) -> str:
    """A litsift cache file holds the response body next to its request: use the body."""
    if body.lstrip().startswith("{") and '"request"' in body[:2000]:
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            return body
        if isinstance(data, dict) and isinstance(data.get("body"), str) and "request" in data:
            return data["body"]
    return body


app = typer.Typer(
    help="Search stage commands.", no_args_is_help=False, pretty_exceptions_show_locals=False
)
app.command("search")(search_command)
app.add_typer(records_app, name="records")
