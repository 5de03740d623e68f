"""`litsift snapshot index|info`: index a local OpenAlex snapshot, and say what it holds."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from litsift.cli.progress import progress_bar
from litsift.vocab import SnapshotFormat

app = typer.Typer(
    help="Local OpenAlex snapshots: build the search index, show what a snapshot holds.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

FORMAT_HELP = "openalex-jsonl (gzip JSON Lines) or openalex-parquet."


@app.command("index")
def index_command(
    path: Path = typer.Argument(..., help="The snapshot folder (the one holding data/)."),
    fmt: SnapshotFormat = typer.Option(SnapshotFormat.JSONL, "--format", help=FORMAT_HELP),
    index: Path = typer.Option(
        None, "--index", help="Where to write the index (default PATH/.litsift-index-<format>)."
    ),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="Files indexed in parallel."),
) -> None:
    """Build (or resume) the token index a boolean query runs on, file by file; then record
    where each work starts in its file and merge the token tables into sorted shards."""
    from litsift.search.snapshot import build_index, default_folder, open_snapshot

    snapshot = open_snapshot(path, fmt)
    folder = index or default_folder(path, snapshot.format)
    with progress_bar("snapshot index") as bar:
        report = build_index(
            snapshot,
            folder,
            workers=workers,
            progress=(lambda done, total, works: bar("files", done, total)) if bar else None,
            seek_progress=(lambda done, total: bar("seek points", done, total)) if bar else None,
            merge_progress=(lambda done, total: bar("token shards", done, total)) if bar else None,
        )
    typer.echo(
        f"{report.files} files ({report.built} indexed now, {report.skipped} already, "
        f"{report.removed} dropped), {report.works} works"
        + (f", {report.shards} token shards merged" if report.shards else "")
        + f"; index {report.folder}",
        err=True,
    )


@app.command("info")
def info_command(
    path: Path = typer.Argument(..., help="The snapshot folder (the one holding data/)."),
    fmt: SnapshotFormat = typer.Option(SnapshotFormat.JSONL, "--format", help=FORMAT_HELP),
    index: Path = typer.Option(None, "--index", help="The index folder, if not the default."),
) -> None:
    """Print the snapshot's release date, files, works and index coverage as JSON."""
    from litsift.search.snapshot import default_folder, open_snapshot
    from litsift.search.snapshot.index import missing_parts, read_state, seekable, token_files

    snapshot = open_snapshot(path, fmt)
    folder = index or default_folder(path, snapshot.format)
    missing = missing_parts(snapshot, folder)
    info = {
        "path": str(snapshot.root),
        "format": snapshot.format,
        "manifest": str(snapshot.manifest),
        "release_date": snapshot.release_date,
        "files": len(snapshot.parts),
        "works_listed": snapshot.record_count,
        "index": str(folder),
        "indexed_files": len(snapshot.parts) - len(missing),
    }
    state = read_state(folder)
    tokens = token_files(state, folder)
    info["token_shards"] = len((state.get("merged") or {}).get("shards", []))
    info["files_not_merged"] = None if tokens is None else len(tokens) - info["token_shards"]
    info["files_with_seek_points"] = len(seekable(state))
    typer.echo(json.dumps(info, indent=1))
