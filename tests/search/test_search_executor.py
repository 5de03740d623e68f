"""The shared HTTP executor: rate limiter, retry policy, identification, keys, cache."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from fakeapi import FakeApis, Fault, make_works
from litsift.errors import SearchError
from litsift.search.executor import (
    Executor,
    Identity,
    RateLimiter,
    ResumableError,
    RetryPolicy,
    _retry_after,
)
from litsift.search.query import QuerySpec, build_query
from litsift.search.sources import get_source
from litsift.store.search import ResponseCache

FAST = RetryPolicy(attempts=3, base=0.001, cap=0.01, timeout=2, max_retry_after=5)
QUERY = build_query(QuerySpec(name="t", query="llm"))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_requests() -> None:
    clock = Clock()
    limiter = RateLimiter(4.0, clock, clock.sleep)
    assert limiter.wait() == 0.0
    clock.now += 0.1  # the response took 100 ms
    assert limiter.wait() == pytest.approx(0.15)
    clock.now += 1.0  # slow response: no extra wait
    assert limiter.wait() == 0.0
    assert clock.slept == [pytest.approx(0.15)]


def test_retry_after_forms() -> None:
    assert _retry_after("120") == 120.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_backoff_grows_with_jitter_and_cap() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0, jitter=0.5)
    rng = random.Random(1)
    delays = [policy.delay(n, rng) for n in range(1, 7)]
    assert 1.0 <= delays[0] <= 1.5 and 2.0 <= delays[1] <= 3.0
    assert all(8.0 <= d <= 12.0 for d in delays[3:])


def executor(tmp_path: Path, fake: FakeApis, **kw: object) -> Executor:
    return Executor(
        ResponseCache(tmp_path / "cache"),
        snapshot="s1",
        policy=FAST,
        session_factory=fake.session_factory(),
        rates={"openalex": 1000, "semanticscholar": 1000},
        identity=Identity("me@example.org", "litsift-test/1"),
        sleep=lambda s: None,
        **kw,
    )  # type: ignore[arg-type]


def test_identification_and_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S2_API_KEY", "k-s2")
    monkeypatch.delenv("OPENALEX_API_KEY", raising=False)
    seen: list[dict] = []

    class Spy:
        def __init__(self, inner):
            self.inner = inner

        def get(self, url, **kw):
            seen.append(kw)
            return self.inner.get(url, **kw)

    with FakeApis(make_works(3)) as fake:
        factory = fake.session_factory()
        ex = Executor(
            ResponseCache(tmp_path / "c"),
            policy=FAST,
            rates={"openalex": 1000, "semanticscholar": 1000},
            session_factory=lambda api: Spy(factory(api)),
            identity=Identity("me@example.org", "litsift-test/1"),
        )
        for api in ("openalex", "semanticscholar"):
            src = get_source(api)
            ex.fetch(src, src.first_request(QUERY), api)
    oa, s2 = seen
    assert ("mailto", "me@example.org") in oa["params"] and "x-api-key" not in oa["headers"]
    assert not any(k == "api_key" for k, _ in oa["params"])
    assert s2["headers"]["x-api-key"] == "k-s2" and s2["headers"]["User-Agent"]
    assert not any(k == "mailto" for k, _ in s2["params"])


def test_cache_file_holds_request_and_body(tmp_path: Path) -> None:
    src = get_source("openalex")
    request = src.first_request(QUERY)
    with FakeApis(make_works(3)) as fake:
        ex = executor(tmp_path, fake)
        page, cached = ex.fetch(src, request, "openalex")
        again, cached_again = ex.fetch(src, request, "openalex")
        assert len(fake.served) == 1
    assert not cached and cached_again and again == page
    (path,) = (tmp_path / "cache" / "openalex").glob("*.json")
    entry = json.loads(path.read_text())
    assert path.stem == request.cache_key("s1")
    assert entry["request"]["url"] == "https://api.openalex.org/works"
    assert "mailto" not in json.dumps(entry["request"]) and entry["status"] == 200


def test_long_retry_after_fails_resumably(tmp_path: Path) -> None:
    src = get_source("openalex")
    with (
        FakeApis(make_works(3), faults=[Fault("openalex", 1, "429", retry_after="3600")]) as fake,
        pytest.raises(ResumableError, match="3600 s"),
    ):
        executor(tmp_path, fake).fetch(src, src.first_request(QUERY), "openalex")
    assert not (tmp_path / "cache").exists()


def test_client_error_is_not_retried_and_names_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENALEX_API_KEY", "top-secret")
    src = get_source("openalex")
    with FakeApis(make_works(3), faults=[Fault("openalex", 1, "403", times=5)]) as fake:
        with pytest.raises(SearchError) as err:
            executor(tmp_path, fake).fetch(src, src.first_request(QUERY), "openalex")
        assert len(fake.served) == 1
    assert "HTTP 403 for https://api.openalex.org/works?filter=" in str(err.value)
    assert "top-secret" not in str(err.value)


def test_retries_exhausted(tmp_path: Path) -> None:
    src = get_source("openalex")
    with FakeApis(make_works(3), faults=[Fault("openalex", 1, "500", times=9)]) as fake:
        ex = executor(tmp_path, fake)
        with pytest.raises(ResumableError, match="failed after 3 attempts"):
            ex.fetch(src, src.first_request(QUERY), "openalex")
    assert ex.stats["openalex"].retries == 2 and ex.stats["openalex"].statuses == {"500": 3}


def test_offline_never_sends(tmp_path: Path) -> None:
    src = get_source("openalex")
    with FakeApis(make_works(3)) as fake:
        with pytest.raises(SearchError, match="offline and page 1 is not in the cache"):
            executor(tmp_path, fake, offline=True).fetch(src, src.first_request(QUERY), "x")
        assert fake.served == []
