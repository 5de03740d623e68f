"""`litsift screen` commands end to end (records come from a stubbed runner)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litsift.cli import app as cli_app
from litsift.cli import screen as screen_cli
from litsift.models import Record
from litsift.store.audit import read_events, verify_audit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screen"
RUNNER = CliRunner()

TOPICS = [
    "quantisation of large language models for fast inference",
    "kv cache compression in transformer serving systems",
    "protein structure prediction with graph networks",
    "crop yield forecasting from satellite images",
]
RECORDS = [
    Record(
        id=f"r{i}",
        source="fixture",
        title=f"Study {i}: {TOPICS[i % 4]}",
        abstract=f"We study {TOPICS[i % 4]} in setting {i}.",
        year=2020,
        authors=("Doe, J.", "Roe, R."),
        doi=f"10.1000/{i}",
    )
    for i in range(1, 13)
]


@pytest.fixture
def review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(FIXTURES / "review.yaml", tmp_path / "review.yaml")
    aliases = {r.id: r.id for r in RECORDS} | {"arxiv-2301.00001": "r1"}
    monkeypatch.setattr(
        screen_cli, "_inputs", lambda _review, *_: (list(RECORDS), aliases, frozenset())
    )
    return tmp_path


def invoke(*args: str) -> object:
    return RUNNER.invoke(cli_app, ["screen", *args], catch_exceptions=False)


def test_commands_have_help() -> None:
    for name in ("next", "conflicts", "agreement", "simulate"):
        out = invoke(name, "--help")
        assert out.exit_code == 0 and "Usage" in out.output
    assert invoke("--help").output.count("simulate") >= 1


def test_next_round_trip_keeps_reviewer_edits_byte_for_byte(review: Path) -> None:
    out = invoke("next", "--reviewer", "alice", "--n", "4", "--root", str(review))
    assert out.exit_code == 0, out.output
    path = review / "data" / "screening" / "title-abstract" / "alice.yaml"
    first = path.read_text()
    assert first.count("- id: ") == 4 and "# E1 (exclude): Not about language models." in first
    # the reviewer decides, comments and reformats by hand
    edited = (
        ("# Alice: first pass, 2024-05-01\n" + first)
        .replace("  decision:\n  reason:\n", "  decision: exclude   # off topic\n  reason: E1\n", 1)
        .replace("  note:\n", "  note: |\n    checked the\n    full abstract\n", 1)
    )
    path.write_text(edited)
    out = invoke("next", "--reviewer", "alice", "--n", "3", "--root", str(review))
    assert out.exit_code == 0, out.output
    after = path.read_text()
    assert after.startswith(edited)
    assert after.count("- id: ") == 7
    ids = [line.split(": ")[1] for line in after.splitlines() if line.startswith("- id: ")]
    assert len(set(ids)) == 7
    # the decision was recorded in the audit log by `screen next`
    events = read_events(review / "data" / "audit" / "log.jsonl")
    assert [(e.actor, e.new, e.reason) for e in events] == [("alice", "exclude", "E1")]
    assert verify_audit(review / "data" / "audit" / "log.jsonl") == []


def test_next_with_bad_reviewer_file_refuses_and_leaves_it(review: Path) -> None:
    path = review / "data" / "screening" / "title-abstract" / "alice.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("- id: r1\n  decision: no\n")
    out = RUNNER.invoke(cli_app, ["screen", "next", "--reviewer", "alice", "--root", str(review)])
    assert out.exit_code == 2
    assert "alice.yaml:2" in out.output and "boolean" in out.output
    assert path.read_text() == "- id: r1\n  decision: no\n"


def test_conflicts_json_and_write(review: Path) -> None:
    ta = review / "data" / "screening" / "title-abstract"
    ta.mkdir(parents=True)
    (ta / "alice.yaml").write_text("- id: arxiv-2301.00001\n  decision: include\n")
    (ta / "bob.yaml").write_text("- id: r1\n  decision: exclude\n  reason: E2\n")
    out = invoke("conflicts", "--json", "--write", "--root", str(review))
    assert out.exit_code == 0
    rows = json.loads(out.stdout)
    assert rows == [
        {"stage": "title-abstract", "id": "r1", "votes": "alice: include; bob: exclude (E2)"}
    ]
    assert "- id: r1" in (ta / "adjudication.yaml").read_text()


def test_agreement_command(review: Path) -> None:
    ta = review / "data" / "screening" / "title-abstract"
    ta.mkdir(parents=True)
    (ta / "alice.yaml").write_text("- id: r1\n  decision: include\n- id: r2\n  decision: include\n")
    (ta / "bob.yaml").write_text("- id: r1\n  decision: include\n- id: r2\n  decision: maybe\n")
    out = invoke("agreement", "--json", "--root", str(review))
    data = json.loads(out.stdout)
    assert data["title-abstract"]["raw"]["value"] == 0.5
    assert data["title-abstract"]["items"] == 2


def labelled_csv(tmp_path: Path) -> Path:
    rows = ["title,abstract,label_included"]
    for i in range(120):
        relevant = i % 10 == 0
        topic = TOPICS[0] if relevant else TOPICS[1 + i % 3]
        rows.append(f"Paper {i} on {topic},An abstract about {topic} number {i},{int(relevant)}")
    path = tmp_path / "labelled.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_simulate_json(tmp_path: Path) -> None:
    out = invoke("simulate", str(labelled_csv(tmp_path)), "--seed", "3", "--json")
    data = json.loads(out.stdout)
    assert set(data) == {
        "wss95",
        "wss100",
        "recall10",
        "screened_all",
        "n",
        "seconds",
        "priors",
        "stop",
        "stop_at",
        "stop_recall",
        "stop_work_saved",
    }
    assert data["n"] == 120
    assert data["recall10"] == 1.0 and data["wss95"] > 0.8  # a trivially separable set
    text = invoke("simulate", str(labelled_csv(tmp_path)))
    assert "WSS@95" in text.output and "recall after 10% screened" in text.output


def test_simulate_bad_csv(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("title,abstract,label_included\na,b,1\nc,d,yes\n")
    out = RUNNER.invoke(cli_app, ["screen", "simulate", str(path)])
    assert out.exit_code == 2 and "bad.csv:3: label_included must be 0 or 1" in out.output
