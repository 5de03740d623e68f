"""The `litsift` command line: one Typer sub-app per stage, errors caught once here."""

from __future__ import annotations

import logging
import os

import typer
from typer.core import TyperGroup

from litsift.errors import LitsiftError


class _LitsiftGroup(TyperGroup):
    """Turns a LitsiftError anywhere below into one line on stderr and exit code 2."""

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except LitsiftError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    name="litsift",
    cls=_LitsiftGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # API keys live in locals
    help="Systematic literature reviews as code: search, import, dedup, screen, tag, report.",
)


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _register() -> None:
    from litsift.cli import audit, dedup, imports, kb, review, screen, search, snapshot, tag

    app.command("init")(review.init)
    app.command("run")(review.run)
    app.command("status")(review.status)
    app.command("check")(review.check)
    app.command("report")(review.report)
    app.command("freeze")(review.freeze)
    app.command("import")(imports.import_files)
    app.command("export")(imports.export_command)
    app.command("search")(search.search_command)
    app.add_typer(search.records_app, name="records")
    app.add_typer(dedup.app, name="dedup")
    app.add_typer(screen.app, name="screen")
    app.add_typer(audit.app, name="audit")
    app.add_typer(tag.app, name="tag")
    app.add_typer(kb.app, name="kb")
    app.add_typer(snapshot.app, name="snapshot")


_register()


def main() -> None:
    """Console entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()
