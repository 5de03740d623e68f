"""The `litsift` command line: one Typer sub-app per stage, errors caught once here."""

from __future__ import annotations

import logging
import os
from typing import Any

import typer
from typer.core import TyperGroup

from litsift.errors import LitsiftError, printable

GLOBAL_FLAGS = ("-v", "--verbose", "-q", "--quiet")


def hoist_global_flags(args: list[str]) -> list[str]:
    """-v/--verbose and -q/--quiet may follow the subcommand (`litsift run -v`); they are
    moved before it, where the root command reads them (not past a `--`)."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    return flags + [a for a in args[:end] if a not in GLOBAL_FLAGS] + args[end:]


class _LitsiftGroup(TyperGroup):
    """Turns a LitsiftError anywhere below into one line on stderr and exit code 2."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _flags_without_type(self)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_flags(list(args)))

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except LitsiftError as e:
            typer.echo(f"error: {printable(str(e), 2000)}", err=True)
            raise typer.Exit(2) from None


def _flags_without_type(command: Any) -> None:
    """Show a flag in --help as `--offline` (or `--x/--no-x`), not `--offline <bool>`."""
    for param in getattr(command, "params", ()):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    original = command.get_help_option

    def help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None and option.metavar is None:
            option.metavar = ""
        return option

    command.get_help_option = help_option
    for sub in getattr(command, "commands", {}).values():
        _flags_without_type(sub)


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
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Log what each stage does to stderr."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress bars, and only errors on stderr."
    ),
) -> None:
    from litsift import progress

    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    if progress.wanted(quiet):
        progress.enable()
    else:
        progress.disable()


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
