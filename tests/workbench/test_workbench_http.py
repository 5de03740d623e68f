"""The workbench over HTTP: the token, Host and Origin guard, escaping, decisions, undo,
skip, key maps, a malformed file, a file changed meanwhile, blind dual review and the
adjudicator's queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers_workbench import TOKEN, client_for, open_session
from starlette.testclient import TestClient
from synthetic import make_review

from litsift.errors import InputError
from litsift.models import Stage
from litsift.store import Review
from litsift.store.audit import read_events
from litsift.workbench.session import Session

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def small_review(tmp_path: Path) -> Review:
    return Review.find(make_review(tmp_path / "review", 40))


@pytest.fixture
def workbench(small_review: Review) -> Iterator[tuple[Session, TestClient]]:
    session = open_session(small_review)
    with client_for(session) as client:
        yield session, client
    session.close()


def ann_file(review: Review, stage: Stage = Stage.TITLE_ABSTRACT):
    return review.screening.reviewer_file(stage, "ann")


def test_requests_without_the_token_or_from_elsewhere_are_refused(workbench) -> None:
    session, client = workbench
    bare = {"x-litsift-token": ""}
    assert client.get("/api/state", headers=bare).status_code == 403
    assert client.get("/api/state", headers={"x-litsift-token": "wrong"}).status_code == 403
    assert client.get("/", headers=bare).status_code == 403
    assert client.get("/static/workbench.js", headers=bare).status_code == 403
    # the first visit with the URL's token sets the cookie and drops the token from the URL
    client.headers.pop("x-litsift-token")
    first = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert "httponly" in first.headers["set-cookie"].lower()
    assert "samesite=strict" in first.headers["set-cookie"].lower()
    assert client.get("/api/state").status_code == 200  # the cookie is enough to read
    rid = session.current()
    decide = {"id": rid, "decision": "include"}
    # ... but not to write: a POST needs the header, which another origin cannot send
    assert client.post("/api/decide", json=decide).status_code == 403
    other = {"x-litsift-token": TOKEN, "origin": "http://evil.example"}
    assert client.post("/api/decide", json=decide, headers=other).status_code == 403
    rebound = {"x-litsift-token": TOKEN, "host": "evil.example:8765"}
    assert client.post("/api/decide", json=decide, headers=rebound).status_code == 421
    assert not ann_file(session.review).exists()  # nothing was written
    assert not session.review.audit_log.exists()
    same = {"x-litsift-token": TOKEN, "origin": "http://testserver"}
    assert client.post("/api/decide", json=decide, headers=same).status_code == 200
    assert ann_file(session.review).exists()


def test_metadata_is_data_never_markup(tmp_path) -> None:
    root = make_review(tmp_path / "review", 20, titles={0: XSS})
    review = Review.find(root)
    ann_file(review).parent.mkdir(parents=True, exist_ok=True)
    ann_file(review).write_text("- id: syn-00000\n")  # listed blank: shown first
    session = open_session(review)
    with client_for(session) as client:
        page = client.get("/")
        assert "<img" not in page.text and "alert(" not in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        state = client.get("/api/state")
        assert state.headers["content-type"].startswith("application/json")
        assert state.headers["x-content-type-options"] == "nosniff"
        record = state.json()["record"]
        assert record["id"] == "syn-00000"
        assert "".join(piece for piece, _ in record["title"]) == XSS  # the text, as text
    session.close()


def test_criteria_and_terms_are_escaped_in_the_page(tmp_path) -> None:
    extra = 'workbench:\n  highlight:\n    exclude: ["<b>bold</b>"]\n'
    root = make_review(tmp_path / "review", 10, extra=extra)
    session = open_session(Review.find(root))
    with client_for(session) as client:
        html = client.get("/").text
    session.close()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html


def test_decide_undo_and_skip_write_the_reviewer_file_and_the_audit_log(workbench) -> None:
    session, client = workbench
    review = session.review
    first = session.current()
    saved = client.post("/api/decide", json={"id": first, "decision": "exclude", "reason": "E2"})
    assert saved.status_code == 200
    assert saved.json()["saved"] == {
        "record": first,
        "decision": "exclude",
        "reason": "E2",
        "file": "data/screening/title-abstract/ann.yaml",
    }
    text = ann_file(review).read_text()
    assert f"- id: {first}\n" in text and "  decision: exclude\n  reason: E2\n" in text
    assert text.startswith("# fill in decision")  # the criteria header of a new file
    second = saved.json()["state"]["record"]["id"]
    assert second != first
    note = {"id": second, "decision": "maybe", "note": "check: the method section"}
    assert client.post("/api/decide", json=note).status_code == 200
    assert "  note: 'check: the method section'\n" in ann_file(review).read_text()
    undone = client.post("/api/undo").json()
    assert undone["saved"]["record"] == second and undone["state"]["record"]["id"] == second
    assert client.post("/api/undo").json()["saved"]["record"] == first
    assert client.post("/api/undo").status_code == 409  # nothing left to undo
    events = [(e.record, e.old, e.new, e.reason) for e in read_events(review.audit_log)]
    assert events == [
        (first, None, "exclude", "E2"),
        (second, None, "maybe", None),
        (second, "maybe", None, None),
        (first, "exclude", None, None),
    ]
    assert review.audit.verify() == []
    assert client.post("/api/skip", json={"id": first}).status_code == 200
    assert client.get("/api/state").json()["record"]["id"] != first
    assert session.queue[-1] == first


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"decision": "exclude"}, "an exclusion needs a reason: one of E1, E2, E3"),
        ({"decision": "exclude", "reason": "E6"}, "one of E1, E2, E3"),
        ({"decision": "not-retrieved"}, "is not one of include, exclude, maybe"),
        ({"decision": "include", "id": "nope"}, "unknown record nope"),
    ],
)
def test_invalid_decisions_are_refused_and_write_nothing(workbench, body, message) -> None:
    session, client = workbench
    answer = client.post("/api/decide", json={"id": session.current(), **body})
    assert answer.status_code == 409 and message in answer.json()["error"]
    assert not ann_file(session.review).exists()


def test_a_malformed_reviewer_file_shows_its_line_and_nothing_is_written(workbench) -> None:
    session, client = workbench
    path = ann_file(session.review)
    path.parent.mkdir(parents=True, exist_ok=True)
    broken = "- id: syn-00001\n  decision: include\n- id: syn-00002\n  decision: perhaps\n"
    path.write_text(broken)
    state = client.get("/api/state").json()
    assert state["record"] is None
    assert state["error"].startswith(f"{path}:4: 1.decision: Input should be")
    assert "\n" not in state["error"] and "Traceback" not in state["error"]
    answer = client.post("/api/decide", json={"id": "syn-00003", "decision": "include"})
    assert answer.status_code == 409 and answer.json()["error"].startswith(f"{path}:4:")
    assert client.post("/api/undo").status_code == 409
    assert path.read_text() == broken
    assert not session.review.audit_log.exists()
    path.write_text(broken.replace("perhaps", "maybe"))  # fixed: the workbench carries on
    assert client.get("/api/state").json()["error"] is None
    assert client.post("/api/decide", json={"id": "syn-00003", "decision": "include"}).is_success


def test_a_decision_written_meanwhile_is_never_overwritten(workbench) -> None:
    session, client = workbench
    rid = session.current()
    path = ann_file(session.review)
    path.parent.mkdir(parents=True, exist_ok=True)
    by_hand = f"# edited by hand\n- id: {rid}\n  decision: exclude\n  reason: E1\n"
    path.write_text(by_hand)
    answer = client.post("/api/decide", json={"id": rid, "decision": "include"})
    assert answer.status_code == 409 and "already decided" in answer.json()["error"]
    assert path.read_text() == by_hand
    state = answer.json()["state"]
    assert state["record"]["id"] != rid and state["counts"]["exclude"] == 1  # re-read


def test_keys_come_from_review_yaml_and_are_validated(tmp_path) -> None:
    extra = "workbench:\n  keys: {include: y, exclude: d}\n"
    session = open_session(Review.find(make_review(tmp_path / "r1", 10, extra=extra)))
    with client_for(session) as client:
        html = client.get("/").text
    session.close()
    config = json.loads(html.split('id="config">')[1].split("</script>")[0])
    assert config["keys"]["include"] == "y" and config["keys"]["exclude"] == "d"
    assert config["keys"]["maybe"] == "m" and "not_retrieved" not in config["keys"]
    assert "<kbd>y</kbd></td><td>include" in html
    bad = "workbench:\n  keys: {include: m}\n"
    with pytest.raises(InputError, match=r"review.yaml:\d+: .*'m' is given to both include and"):
        _ = Review.find(make_review(tmp_path / "r2", 5, extra=bad)).protocol
    digit = "workbench:\n  keys: {skip: '3'}\n"
    with pytest.raises(InputError, match=r"workbench.keys.skip: .*not a digit"):
        _ = Review.find(make_review(tmp_path / "r3", 5, extra=digit)).protocol


def test_full_text_shows_its_reasons_and_full_text_links(tmp_path) -> None:
    review = Review.find(make_review(tmp_path / "review", 12))
    ta = ann_file(review)
    ta.parent.mkdir(parents=True)
    ta.write_text("".join(f"- id: syn-{i:05d}\n  decision: include\n" for i in range(12)))
    session = open_session(review, stage=Stage.FULL_TEXT)
    with client_for(session) as client:
        html = client.get("/").text
        record = client.get("/api/state").json()["record"]
        assert session.reasons() == ["E1", "E2", "E3", "E6"]
        assert "exclude, reason E6" in html and "<kbd>r</kbd></td><td>not-retrieved" in html
        rid = next(r for r in session.queue if session.records[r].arxiv_id)
        while client.get("/api/state").json()["record"]["id"] != rid:
            client.post("/api/skip", json={"id": client.get("/api/state").json()["record"]["id"]})
        links = client.get("/api/state").json()["record"]["links"]
        arxiv = session.records[rid].arxiv_id
        assert {"label": "full text: arXiv PDF", "href": f"https://arxiv.org/pdf/{arxiv}"} in links
        assert any(link["href"].startswith("https://doi.org/10.5555/") for link in links)
        answer = client.post("/api/decide", json={"id": rid, "decision": "not-retrieved"})
        assert answer.status_code == 200
        assert record is not None
    session.close()
    assert "  decision: not-retrieved\n" in ann_file(review, Stage.FULL_TEXT).read_text()


def test_blind_dual_review_and_the_adjudicators_conflicts(tmp_path) -> None:
    review = Review.find(make_review(tmp_path / "review", 30, per_record=2))
    folder = ann_file(review).parent
    folder.mkdir(parents=True)
    (folder / "ann.yaml").write_text(
        "- id: syn-00001\n  decision: include\n- id: syn-00002\n  decision: include\n"
    )
    (folder / "bob.yaml").write_text(
        "- id: syn-00001\n  decision: exclude\n  reason: E3\n  note: a position paper\n"
        "- id: syn-00002\n  decision: include\n- id: syn-00003\n  decision: exclude\n"
        "  reason: E1\n"
    )
    ann = open_session(review, "ann")
    with client_for(ann) as client:
        seen = json.dumps([client.get("/api/state").json(), client.get("/api/progress").json()])
        assert ann.counts()["screened"] == 2
        assert "E3" not in seen and "position paper" not in seen and "bob" not in seen
        assert client.get("/api/progress").json()["agreement"] == []  # blind
        assert "syn-00003" in ann.queue  # bob's decision on it is not ann's
    ann.close()
    cat = open_session(review, "cat")
    with client_for(cat) as client:
        state = client.get("/api/state").json()
        assert cat.queue == ["syn-00001"]
        assert state["record"]["votes"] == [
            {"reviewer": "ann", "decision": "include", "reason": None, "note": None},
            {"reviewer": "bob", "decision": "exclude", "reason": "E3", "note": "a position paper"},
        ]
        (pair,) = client.get("/api/progress").json()["agreement"]
        assert pair == {"pair": "ann / bob", "records": 2, "agreement": 0.5, "kappa": 0.0}
        answer = client.post(
            "/api/decide", json={"id": "syn-00001", "decision": "exclude", "reason": "E3"}
        )
        assert answer.status_code == 200 and answer.json()["state"]["record"] is None
    cat.close()
    adjudication = review.screening.adjudication_file(Stage.TITLE_ABSTRACT).read_text()
    assert "- id: syn-00001\n" in adjudication and "  reason: E3\n" in adjudication
    assert [e.actor for e in read_events(review.audit_log)][-1] == "cat"
