"""review.yaml `screening.stop`, and the stopping rule in `screen next` and `litsift status`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from litsift import screen as stage
from litsift.cli import app
from litsift.cli import screen as screen_cli
from litsift.errors import InputError
from litsift.models import Record
from litsift.store import Review

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screen"
TOPICS = ["quantised inference of large language models", "crop yield from satellite images"]
RECORDS = [
    Record(
        id=f"r{i:02d}",
        source="fixture",
        title=f"Study {i}: {TOPICS[i % 4 != 0]}",
        abstract=f"We study {TOPICS[i % 4 != 0]} in setting {i}.",
        year=2020,
    )
    for i in range(40)
]


def review_with(tmp_path: Path, screening: str) -> Path:
    text = (FIXTURES / "review.yaml").read_text()
    text = text.replace("screening:\n  reviewers_per_record: 2\n  maybe: include\n", screening)
    (tmp_path / "review.yaml").write_text(text)
    return tmp_path / "review.yaml"


@pytest.mark.parametrize(
    ("screening", "field", "text"),
    [
        (
            "screening:\n  stop:\n    recall: 1.5\n",
            "screening.stop.recall",
            "less than or equal to 1",
        ),
        ("screening:\n  stop:\n    confidence: 0\n", "screening.stop.confidence", "greater than 0"),
        ("screening:\n  stop: {recall: yes}\n", "screening.stop.recall", "expected a number"),
        ("screening:\n  stop: {recal: 0.9}\n", "screening.stop.recal", "Extra inputs"),
        (
            "screening:\n  prioritise: false\n  stop: {recall: 0.9}\n",
            "screening.stop",
            "a stopping rule needs prioritise: true",
        ),
    ],
)
def test_bad_stop_rule_names_review_yaml_and_line(tmp_path, screening, field, text) -> None:
    path = review_with(tmp_path, screening)
    wanted = path.read_text().splitlines().index(screening.splitlines()[-1]) + 1
    with pytest.raises(InputError) as err:
        Review.find(tmp_path).protocol  # noqa: B018
    message = str(err.value)
    assert message.startswith(f"{path}:{wanted}: {field}: ") and text in message
    assert "\n" not in message


def test_bad_stop_rule_is_one_line_exit_2_from_the_cli(tmp_path: Path) -> None:
    review_with(tmp_path, "screening:\n  stop:\n    recall: 1.5\n")
    out = CliRunner().invoke(app, ["status", "--root", str(tmp_path)])
    assert out.exit_code == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "review.yaml:" in lines[0] and "screening.stop.recall" in lines[0]


def test_stop_rule_defaults_and_values(tmp_path: Path) -> None:
    review_with(tmp_path, "screening:\n  stop: {recall: 0.9, confidence: 0.99}\n")
    rule = Review.find(tmp_path).protocol.screening.stop
    assert rule is not None and (rule.recall, rule.confidence) == (0.9, 0.99)
    review_with(tmp_path, "screening:\n  stop: {}\n")
    rule = Review.find(tmp_path).protocol.screening.stop
    assert rule is not None and (rule.recall, rule.confidence) == (0.95, 0.95)
    review_with(tmp_path, "screening:\n  maybe: include\n")
    assert Review.find(tmp_path).protocol.screening.stop is None


@pytest.fixture
def stop_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    review_with(tmp_path, "screening:\n  stop: {recall: 0.9, confidence: 0.9}\n")
    aliases = {r.id: r.id for r in RECORDS}
    monkeypatch.setattr(
        screen_cli, "_inputs", lambda _review, _record=False: (list(RECORDS), aliases, frozenset())
    )
    return tmp_path


def decide(review: Path, included: list[str], excluded: list[str]) -> None:
    path = review / "data" / "screening" / "title-abstract" / "alice.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"- id: {rid}\n  decision: include\n" for rid in included]
    lines += [f"- id: {rid}\n  decision: exclude\n  reason: E1\n" for rid in excluded]
    path.write_text("".join(lines))


def test_next_says_whether_the_rule_is_met(stop_review: Path) -> None:
    runner = CliRunner()
    relevant = [r.id for r in RECORDS if "quantised" in (r.title or "")]
    decide(stop_review, relevant[:3], [])
    out = runner.invoke(
        screen_cli.app, ["next", "-r", "alice", "--n", "5", "--root", str(stop_review)]
    )
    assert out.exit_code == 0, out.output
    assert "stopping rule (recall 0.9, confidence 0.9) not met" in out.stderr
    others = [r.id for r in RECORDS if r.id not in relevant]
    decide(stop_review, relevant, others[:-1])
    out = runner.invoke(
        screen_cli.app, ["next", "-r", "alice", "--n", "5", "--root", str(stop_review)]
    )
    assert "stopping rule (recall 0.9, confidence 0.9) met: safe to stop" in out.stderr


def test_status_extras_show_the_statistic(stop_review: Path) -> None:
    relevant = [r.id for r in RECORDS if "quantised" in (r.title or "")]
    decide(stop_review, relevant, [])
    records, state, _ = screen_cli._load(Review.find(stop_review))
    result = stage.screen(records, Review.find(stop_review).protocol, state)
    shown = result.status_extras()["stopping rule"]
    assert shown["rule"] == "review.yaml" and shown["safe to stop"] == "no"
    assert shown["screened"] == f"{len(relevant)} of {len(RECORDS)}"
    assert shown["relevant found"] == len(relevant)
    assert result.stopping is not None and 0 < result.stopping.p_value <= 1


def test_unprioritised_review_hands_out_id_order_and_no_test(tmp_path, monkeypatch) -> None:
    review_with(tmp_path, "screening:\n  prioritise: false\n")
    monkeypatch.setattr(
        screen_cli, "_inputs", lambda _r, _record=False: (list(RECORDS), {}, frozenset())
    )
    decide(tmp_path, ["r00"], ["r01"])
    out = CliRunner().invoke(
        screen_cli.app, ["next", "-r", "alice", "--n", "3", "--root", str(tmp_path)]
    )
    assert out.exit_code == 0, out.output
    text = (tmp_path / "data" / "screening" / "title-abstract" / "alice.yaml").read_text()
    ids = [line.split(": ")[1] for line in text.splitlines() if line.startswith("- id: ")]
    assert ids == ["r00", "r01", "r02", "r03", "r04"]
    assert "score:" not in text.split("r02")[1]
    assert "stopping rule" not in out.stderr


def test_flagship_status_shows_the_rule(flagship: Path) -> None:
    out = CliRunner().invoke(app, ["status", "--json", "--root", str(flagship)])
    assert out.exit_code == 0, out.output
    assert '"stopping rule"' in out.stdout and '"safe to stop"' in out.stdout


def test_methods_state_a_configured_rule(flagship: Path) -> None:
    from litsift import runner

    path = flagship / "review.yaml"
    text = path.read_text()
    assert "  maybe: include\n" in text
    path.write_text(text.replace("  maybe: include\n", "  maybe: include\n  stop: {recall: 0.9}\n"))
    review = Review.find(flagship)
    result = runner.run(review, record=False)
    methods = (review.build / "report" / "methods.md").read_text(encoding="utf-8")
    assert "hypergeometric stopping test" in methods
    assert "target recall of 90% at 95% confidence" in methods
    assert result.screening is not None and result.screening.stopping is not None
    assert result.screening.stopping.sentence() in methods
