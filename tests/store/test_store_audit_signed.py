"""The audit chain against a deliberate rewrite: signed mode and git anchors, one test per
kind of tampering (edit, delete, reorder, truncate, forge with recomputed hashes, replay of
another review's entries), and no command extends a broken chain."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from litsift import signing
from litsift.cli import app
from litsift.store import Review
from litsift.store.audit import event_hash, head_path, read_events, sync_audit
from minireview import make_review, record_id, reviewer_file

RUNNER = CliRunner()
ANN = "a1" * 32  # Ed25519 seeds, as LITSIFT_SIGNING_KEY may give them
BOB = "b2" * 32
GIT_ENV = {
    "GIT_AUTHOR_NAME": "T",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "T",
    "GIT_COMMITTER_EMAIL": "t@example.org",
}


def cli(root: Path, *args: str, key: str | None = None) -> object:
    env = {signing.KEY_ENV: key or "", signing.KEY_FILE_ENV: "", **GIT_ENV}
    return RUNNER.invoke(app, [*args, "--root", str(root)], env=env)


def decide(root: Path, reviewer: str, i: int, reason: str = "E1") -> None:
    path = reviewer_file(root, reviewer)
    with path.open("a") as f:
        f.write(f"- id: {record_id(i)}\n  decision: exclude\n  reason: {reason}\n")


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=GIT_ENV
    ).stdout


def signed_review(root: Path, ann_reason: str = "E1") -> Path:
    """ann and bob sign; 2 key entries and 6 signed decisions, anchored at the head."""
    make_review(root, n=10)
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "review")
    assert cli(root, "audit", "key", "-r", "ann", key=ANN).exit_code == 0
    assert cli(root, "audit", "key", "-r", "bob", key=BOB).exit_code == 0
    for i in range(3):
        decide(root, "ann", i, ann_reason)
        assert cli(root, "run", "--until", "screen", key=ANN).exit_code == 0
        decide(root, "bob", 5 + i, "E2")
        assert cli(root, "run", "--until", "screen", key=BOB).exit_code == 0
    out = cli(root, "audit", "anchor")
    assert out.exit_code == 0, out.output
    return root


@pytest.fixture
def review(tmp_path: Path) -> Path:
    return signed_review(tmp_path / "a")


def log_of(root: Path) -> Path:
    return Review(root).audit.log


def lines(root: Path) -> list[dict]:
    return [json.loads(x) for x in log_of(root).read_text().splitlines()]


def write(root: Path, events: list[dict], head: bool = False) -> None:
    log_of(root).write_text("".join(json.dumps(e) + "\n" for e in events))
    if head:  # the attacker rewrites head.json too
        last = events[-1]
        head_path(log_of(root)).write_text(json.dumps({"seq": last["seq"], "hash": last["hash"]}))


def rechain(events: list[dict], strip: bool = False) -> list[dict]:
    """What an attacker without the keys can do: renumber, relink and rehash every entry
    (and with `strip`, drop the signatures of decisions)."""
    from litsift.models import AuditEvent

    out, prev = [], "0" * 64
    for seq, raw in enumerate(events, 1):
        raw = {**raw, "seq": seq, "prev": prev}
        if strip and raw["action"] != "key":
            raw = {k: v for k, v in raw.items() if k not in ("key", "signature")}
            raw["schema_version"] = 1
        event = AuditEvent.model_validate(raw)
        raw["hash"] = prev = event_hash(event)
        out.append(raw)
    return out


def problems(root: Path) -> str:
    out = cli(root, "audit", "verify")
    assert out.exit_code == 1, out.output
    return out.output


def test_verify_reports_who_signed_and_where_it_is_anchored(review: Path) -> None:
    out = cli(review, "audit", "verify")
    assert out.exit_code == 0, out.output
    assert "chain intact: 8 entries, 8 signed (ann 4, bob 4), 0 unsigned" in out.output
    ann = signing.load(ANN).fingerprint
    assert f"keys: ann {ann} (since entry 1), bob " in out.output
    assert "anchored: entry 8 in tag litsift-audit/8-" in out.output
    data = json.loads(cli(review, "audit", "verify", "--json").output)
    assert data["signed"] == {"ann": 4, "bob": 4} and data["keys"]["ann"]["since"] == 1
    assert cli(review, "check").exit_code == 0


def test_edit(review: Path) -> None:
    events = lines(review)
    events[3]["new"], events[3]["reason"] = "include", None
    write(review, events)
    assert "log.jsonl:4: hash does not match the entry (entry edited)" in problems(review)


def test_delete(review: Path) -> None:
    events = lines(review)
    write(review, events[:3] + events[4:])
    assert "log.jsonl:4: seq 5 where 4 was expected" in problems(review)


def test_reorder(review: Path) -> None:
    events = lines(review)
    events[3], events[4] = events[4], events[3]
    write(review, events)
    assert "log.jsonl:4: does not chain to the previous entry" in problems(review)


def test_truncate(review: Path) -> None:
    events = lines(review)
    write(review, events[:6])
    assert "ends at seq 6 but head.json records seq 8 (log truncated)" in problems(review)
    write(review, events[:6], head=True)  # head.json rewritten as well: the anchor remains
    assert "ends at entry 6, but entry 8 in tag litsift-audit/8-" in problems(review)


def test_forge_with_recomputed_hashes(review: Path) -> None:
    events = lines(review)
    events[3]["new"], events[3]["reason"] = "include", None
    write(review, rechain(events), head=True)
    text = problems(review)
    assert "log.jsonl:4: the signature does not match the entry" in text
    # every later signed entry vouched for the old chain: its signature fails too
    assert all(f"log.jsonl:{n}: the signature does not match" in text for n in range(5, 9))
    write(review, rechain(events, strip=True), head=True)  # signatures removed instead
    assert "log.jsonl:3: unsigned entry by ann, whose entries are signed since entry 1" in (
        problems(review)
    )


def test_forge_without_the_keys_at_all(review: Path) -> None:
    events = [e for e in lines(review) if e["action"] != "key"]
    events[1]["new"], events[1]["reason"] = "include", None
    write(review, rechain(events, strip=True), head=True)  # a chain that never was signed
    assert "entry 8 in tag litsift-audit/8-" in problems(review)  # the anchor holds it
    for tag in git(review, "tag", "--list").split():
        git(review, "tag", "-d", tag)
    assert cli(review, "audit", "verify").exit_code == 0  # the unsigned chain's limit
    ann, bob = signing.load(ANN).fingerprint, signing.load(BOB).fingerprint
    protocol = review / "review.yaml"
    text = protocol.read_text().replace("{id: ann}", f"{{id: ann, key: '{ann}'}}")
    protocol.write_text(text.replace("{id: bob}", f"{{id: bob, key: '{bob}'}}"))
    assert f"review.yaml pins ann's key {ann}, but the log registers none" in problems(review)


def test_forge_a_new_key_for_a_reviewer(review: Path) -> None:
    events = lines(review)
    mallory = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    out = cli(review, "audit", "key", "-r", "ann", key=mallory.hex())
    assert out.exit_code == 2 and "ann already signs with" in out.output
    assert lines(review) == events


def test_replay_of_another_reviews_entries(review: Path, tmp_path: Path) -> None:
    # the same reviewers, the same keys; ann gave another reason, so that the two logs
    # differ even when both reviews were made within one second
    other = signed_review(tmp_path / "b", ann_reason="E2")
    theirs = lines(other)
    ours = lines(review)
    write(review, ours + theirs[2:4], head=True)  # copied as they are
    assert "log.jsonl:9: seq 3 where 9 was expected" in problems(review)
    write(review, rechain(ours + theirs[2:4]), head=True)  # relinked into our chain
    assert "log.jsonl:9: the signature does not match the entry" in problems(review)
    shutil.copy(log_of(other), log_of(review))  # the whole other log, signed and intact
    shutil.copy(head_path(log_of(other)), head_path(log_of(review)))
    assert "is not the one entry 8 in tag litsift-audit/8-" in problems(review)


@pytest.mark.parametrize("command", [["run"], ["report"], ["screen", "next", "-r", "ann"]])
def test_no_command_extends_a_broken_chain(review: Path, command: list[str]) -> None:
    events = lines(review)
    write(review, events[:2] + events[3:])  # an entry in the middle deleted
    decide(review, "ann", 3)
    before = log_of(review).read_bytes()
    out = cli(review, *command, key=ANN)
    assert out.exit_code == 2
    assert "the audit chain has" in out.output and "will not extend it" in out.output
    assert log_of(review).read_bytes() == before


def test_unsigned_chain_broken_in_the_middle_stops_run(tmp_path: Path) -> None:
    root = make_review(tmp_path / "r", n=4)
    for i in range(3):
        decide(root, "ann", i)
        assert cli(root, "run", "--until", "screen").exit_code == 0
    events = lines(root)
    write(root, [events[0], events[2]])
    out = cli(root, "run")
    assert out.exit_code == 2 and "log.jsonl:2: seq 3 where 2 was expected" in out.output


def test_a_signer_s_decisions_wait_for_their_key(
    review: Path, caplog: pytest.LogCaptureFixture
) -> None:
    decide(review, "ann", 4)
    n = len(lines(review))
    out = cli(review, "run", "--until", "screen", key=BOB)  # bob runs: ann's entry waits
    assert out.exit_code == 0 and "1 decision(s) of ann not recorded" in caplog.text
    assert len(lines(review)) == n
    assert cli(review, "run", "--until", "screen", key=ANN).exit_code == 0
    last = read_events(log_of(review))[-1]
    assert (last.actor, last.record, last.key) == (
        "ann",
        record_id(4),
        signing.load(ANN).fingerprint,
    )
    assert cli(review, "audit", "verify").exit_code == 0


def test_the_private_key_is_never_written(review: Path) -> None:
    pem = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(ANN)).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert cli(review, "run", key=pem.decode()).exit_code == 0  # a PEM key works as well
    body = pem.decode().splitlines()[1]
    for path in review.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            data = path.read_bytes()
            assert ANN.encode() not in data and body.encode() not in data, path
    bad = cli(review, "run", key="-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----")
    assert bad.exit_code == 2 and "not a usable private key" in bad.output
    assert "c2VjcmV0" not in bad.output


def test_a_review_outside_git_says_so_and_cannot_anchor(tmp_path: Path) -> None:
    root = make_review(tmp_path / "r", n=2)
    decide(root, "ann", 0)
    assert cli(root, "run", "--until", "screen").exit_code == 0
    assert "anchored: not in a git repository" in cli(root, "audit", "verify").output
    out = cli(root, "audit", "anchor")
    assert out.exit_code == 2 and "not in a git repository" in out.output


def test_anchor_in_a_commit(review: Path) -> None:
    decide(review, "ann", 4)
    assert cli(review, "run", "--until", "screen", key=ANN).exit_code == 0
    out = cli(review, "audit", "anchor", "--commit")
    assert out.exit_code == 0, out.output
    assert "litsift audit anchor" in git(review, "log", "-1", "--format=%B")
    assert git(review, "show", "--name-only", "--format=", "HEAD").split() == [
        "data/audit/head.json",
        "data/audit/log.jsonl",
    ]
    assert "entry 9 in commit" in cli(review, "audit", "verify").output


def test_sync_with_an_explicit_key(review: Path) -> None:
    decide(review, "ann", 4)
    r = Review(review)
    state = r.screening.load({}, [record_id(i) for i in range(10)])
    assert sync_audit(r, state, "litsift", key=signing.load(ANN)) == 1


def test_a_pinned_key_refuses_any_other(tmp_path: Path) -> None:
    root = make_review(tmp_path / "r", n=2)
    bob = signing.load(BOB).fingerprint
    protocol = root / "review.yaml"
    protocol.write_text(protocol.read_text().replace("{id: ann}", f"{{id: ann, key: '{bob}'}}"))
    out = cli(root, "audit", "key", "-r", "ann", key=ANN)
    assert out.exit_code == 2 and f"ann's key is pinned to {bob}" in out.output
    assert not log_of(root).exists()
