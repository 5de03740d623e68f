"""`litsift screen`: next batch for a reviewer, conflicts, agreement, simulation."""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from litsift.vocab import PipelineStage, Stage

if TYPE_CHECKING:
    from litsift.models import Record, StopRule
    from litsift.screen import ScreeningState
    from litsift.store import Review

app = typer.Typer(
    help="Screen records: batches for reviewers, conflicts, agreement, "
    "simulation of prioritised screening.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

RootOption = Annotated[Path, typer.Option("--root", help="Review folder (or a folder inside it).")]
StageOption = Annotated[Stage, typer.Option("--stage", "-s", help="Screening stage.")]


def _inputs(
    review: Review, record: bool = False
) -> tuple[list[Record], dict[str, str], frozenset[str]]:
    """Deduplicated records, the member-id -> cluster-id aliases and the ids of retracted
    records, from the runner (`record`: append new uncertain pairs, as a command that
    writes the review does)."""
    from litsift import runner

    result = runner.run(review, until=PipelineStage.DEDUP, record=record)
    assert result.dedup is not None
    dedup = result.dedup
    return [c.canonical for c in dedup.clusters], result.aliases(), dedup.retracted_ids()


def _load(
    review: Review, record: bool = False
) -> tuple[list[Record], ScreeningState, frozenset[str]]:
    records, aliases, retracted = _inputs(review, record)
    state = review.screening.load(aliases, [r.id for r in records])
    return records, state, retracted


@app.command("next")
def next_command(
    reviewer: Annotated[
        str, typer.Option("--reviewer", "-r", help="Reviewer id from review.yaml.")
    ],
    stage_: StageOption = Stage.TITLE_ABSTRACT,
    n: Annotated[int, typer.Option("--n", min=1, help="How many records to append.")] = 50,
    root: RootOption = Path("."),
) -> None:
    """Append the next batch of undecided records, most relevant first, to the reviewer's
    file data/screening/<stage>/<reviewer>.yaml."""
    from litsift import progress, runner
    from litsift import screen as stage
    from litsift.store import Review

    review = Review.find(root)
    with review.lock():  # two at once would hand out the same records
        records, state, retracted = _load(review, record=True)
        review.audit.sync(state, reviewer)
        screened = stage.screen(records, review.protocol, state)
        with progress.task(f"rank {len(records):,} records"):
            batch = stage.next_batch(
                records,
                review.protocol,
                state,
                reviewer,
                stage_,
                n,
                result=screened,
                features=runner.ranker_features(review),
                retracted=retracted,
            )
        stopping = screened.stopping
        if stopping is not None and stage_ is Stage.TITLE_ABSTRACT:
            typer.echo(stopping.line(), err=True)
        path = review.screening.reviewer_file(stage_, reviewer)
        header = f"next {len(batch)} records, most relevant first\n"
        header += stage.batch_header(review.protocol, stage_, batch)
        added = review.screening.append(stage_, reviewer, batch, header, based_on=state)
    typer.echo(f"{review.rel(path)}: {added} records appended", err=True)
    typer.echo(str(path))


@app.command("serve")
def serve_command(
    reviewer: Annotated[
        str, typer.Option("--reviewer", "-r", help="Reviewer id from review.yaml.")
    ],
    stage_: StageOption = Stage.TITLE_ABSTRACT,
    port: Annotated[int, typer.Option("--port", help="Port (0: any free port).")] = 8765,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (this machine only by default).")
    ] = "127.0.0.1",
    root: RootOption = Path("."),
) -> None:
    """Screen in the browser: a local workbench writing the reviewer's YAML file; prints the
    URL to open (with its one-run token)."""
    from litsift.store import Review
    from litsift.workbench.server import serve

    def echo(url: str) -> None:
        typer.echo(url)

    serve(Review.find(root), stage_, reviewer, host, port, echo)


@app.command("conflicts")
def conflicts_command(
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Append unresolved conflicts to data/screening/<stage>/"
            "adjudication.yaml for the adjudicator.",
        ),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    root: RootOption = Path("."),
) -> None:
    """List records on which reviewers disagree and no adjudication decides."""
    from litsift.store import Review

    review = Review.find(root)
    with review.lock() if write else nullcontext():
        _conflicts(review, write, json_out)


def _conflicts(review: Review, write: bool, json_out: bool) -> None:
    from litsift import screen as stage

    records, state, retracted = _load(review, record=write)
    result = stage.screen(records, review.protocol, state)
    found = stage.conflicts(result)
    rows = [{"stage": s, "id": rid, "votes": c.describe_votes()} for s, rid, c in found]
    if json_out:
        typer.echo(json.dumps(rows, indent=2))
    else:
        for row in rows:
            typer.echo(f"{row['stage']}\t{row['id']}\t{row['votes']}")
    typer.echo(f"{len(rows)} unresolved conflict(s)", err=True)
    if write:
        for st, batch in stage.adjudication_batches(records, state, found, retracted).items():
            header = stage.ADJUDICATION_HEADER + stage.batch_header(review.protocol, st, batch)
            added = review.screening.append(st, stage.ADJUDICATION, batch, header, based_on=state)
            where = review.rel(review.screening.adjudication_file(st))
            typer.echo(f"{where}: {added} conflicts appended", err=True)


@app.command("agreement")
def agreement_command(
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    root: RootOption = Path("."),
) -> None:
    """Inter-rater agreement per stage (Cohen's/Fleiss' kappa, Krippendorff's alpha, AC1)."""
    from litsift import screen as stage
    from litsift.store import Review

    review = Review.find(root)
    records, state, _ = _load(review)
    result = stage.screen(records, review.protocol, state)
    if json_out:
        typer.echo(json.dumps({k: asdict(v) for k, v in result.agreement.items()}, indent=2))
        return
    extras = result.status_extras()
    for key, value in extras.items():
        if key.startswith("agreement"):
            typer.echo(f"{key}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
    if not any(k.startswith("agreement") for k in extras):
        typer.echo("no record has been screened by two reviewers yet", err=True)


@app.command("simulate")
def simulate_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="Labelled CSV: title, abstract, label_included (0/1), optional keywords.",
            exists=True,
            dir_okay=False,
        ),
    ],
    seed: Annotated[int, typer.Option("--seed", help="Seed choosing the prior records.")] = 1,
    recall: Annotated[
        float, typer.Option("--recall", min=0, max=1, help="Stopping rule: target recall.")
    ] = 0.95,
    confidence: Annotated[
        float, typer.Option("--confidence", min=0, max=1, help="Stopping rule: confidence.")
    ] = 0.95,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Replay prioritised screening on a fully labelled set; print WSS@95, recall, and
    the recall reached and work saved where the stopping rule said stop."""
    from litsift.screen import prioritise

    data = prioritise.load_labelled(path)
    rule = _stop_rule(recall, confidence)
    sim = prioritise.simulate(data, seed, stop=rule)
    if json_out:
        typer.echo(json.dumps(sim.as_dict(), sort_keys=True))
        return
    typer.echo(f"records {sim.n}, included {data.included}, seed {seed}, priors {sim.priors}")
    typer.echo(f"WSS@95 {sim.wss95:.3f}")
    typer.echo(f"WSS@100 {sim.wss100:.3f}")
    typer.echo(f"recall after 10% screened {sim.recall10:.3f}")
    typer.echo(f"screened to find all inclusions {sim.screened_all}")
    typer.echo(
        f"stopping rule (recall {rule.recall:g}, confidence {rule.confidence:g}): stop after "
        f"{sim.stop_at} of {sim.n} records, recall reached {sim.stop_recall:.3f}, "
        f"work saved {sim.stop_work_saved:.3f}"
    )
    typer.echo(f"seconds {sim.seconds:.1f}")


def _stop_rule(recall: float, confidence: float) -> StopRule:
    from pydantic import ValidationError

    from litsift.models import StopRule

    try:
        return StopRule(recall=recall, confidence=confidence)
    except ValidationError as e:
        first = e.errors()[0]
        raise typer.BadParameter(f"--{first['loc'][0]}: {first['msg']}") from None
