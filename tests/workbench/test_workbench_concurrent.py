"""Two reviewers' workbenches at once, beside `litsift run`: no decision lost or doubled."""

from __future__ import annotations

import threading
from collections import Counter

from helpers_workbench import Server
from synthetic import make_review

from litsift import runner
from litsift.models import Stage
from litsift.store import Review
from litsift.store.audit import read_events
from litsift.store.screening import IdResolver, load_reviewer_file

N = 200


def screen(server: Server, reviewer: str, done: list[str], errors: list[str]) -> None:
    state = server.http.get("/api/state", timeout=30).json()
    for i in range(N):
        record = state["record"]
        verdict = {"decision": "include"} if i % 3 == 0 else {"decision": "exclude", "reason": "E2"}
        answer = server.post("/api/decide", {"id": record["id"], **verdict})
        if answer.status_code != 200:
            errors.append(f"{reviewer}: {answer.json().get('error')}")
            state = server.http.get("/api/state", timeout=30).json()
            continue
        done.append(record["id"])
        state = answer.json()["state"]


def test_two_reviewers_and_a_run_at_once_lose_and_double_nothing(tmp_path) -> None:
    root = make_review(tmp_path / "review", 260, per_record=2)
    servers = [Server(root, "ann"), Server(root, "bob")]
    done: dict[str, list[str]] = {"ann": [], "bob": []}
    errors: list[str] = []
    runs: list[int] = []
    stop = threading.Event()

    def run_meanwhile() -> None:  # `litsift run` records the audit trail of the same files
        while not stop.is_set():
            result = runner.run(Review.find(root), until="screen")
            runs.append(result.audit_events)

    try:
        threads = [
            threading.Thread(target=screen, args=(s, s_id, done[s_id], errors))
            for s, s_id in zip(servers, ("ann", "bob"), strict=True)
        ]
        runner_thread = threading.Thread(target=run_meanwhile)
        for t in [*threads, runner_thread]:
            t.start()
        for t in threads:
            t.join(600)
        stop.set()
        runner_thread.join(600)
    finally:
        for s in servers:
            s.stop()
    assert errors == []
    assert len(runs) >= 1
    review = Review.find(root)
    resolve = IdResolver.build({}, [f"syn-{i:05d}" for i in range(260)])
    events = read_events(review.audit_log)
    for who in ("ann", "bob"):
        path = review.screening.reviewer_file(Stage.TITLE_ABSTRACT, who)
        loaded = load_reviewer_file(path, Stage.TITLE_ABSTRACT, review.protocol, resolve)
        decided = [e.record_id for e in loaded.entries if e.decision is not None]
        assert len(done[who]) == N and sorted(decided) == sorted(done[who])
        logged = Counter(e.record for e in events if e.actor == who)
        assert logged == Counter(done[who])  # each decision recorded once, none withdrawn
    assert all(e.old is None and e.new is not None for e in events)
    assert review.audit.verify() == []
