"""The one HTTP executor all sources share: sessions, rate limits, retries, the cache.

Every successful response is stored with its request in the cache the caller gives
(`litsift.store.search.ResponseCache`), so a search replays offline and an interrupted
search resumes without requesting a cached page again. API keys come from the
environment at request time and never reach the cache, the log or an error message.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from litsift import __version__
from litsift.errors import SearchError
from litsift.search.sources.base import ApiError, ApiSource, Page, Request, TruncatedBody

log = logging.getLogger(__name__)

RETRY_STATUS = {429, 500, 502, 503, 504}


class Session(Protocol):
    """What the executor needs of a requests.Session (tests inject their own)."""

    def get(
        self, url: str, *, params: Any = ..., headers: Any = ..., timeout: Any = ...
    ) -> Any: ...


class SuspectPage(SearchError):
    """A well-formed page that looks wrong (empty in mid-run): retried, then accepted."""


class QuotaExhausted(SearchError):
    """The API's daily quota (e.g. OpenAlex credits) is spent: retrying will not help."""


class ResumableError(SearchError):
    """A page could not be fetched after retries; cached pages make a re-run resume."""


@dataclass(frozen=True)
class RetryPolicy:
    """Retries with exponential backoff and jitter; tests make every number tiny."""

    attempts: int = 6
    base: float = 1.0
    cap: float = 60.0
    jitter: float = 0.25  # fraction of the delay added at random
    max_retry_after: float = 600.0  # a longer Retry-After fails the search (resumable)
    timeout: float = 60.0  # seconds per request

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Backoff before retry number `attempt` (1-based)."""
        base = min(self.cap, self.base * 2 ** (attempt - 1))
        return base + base * self.jitter * rng.random()


@dataclass(frozen=True)
class Identity:
    """Polite identification: contact e-mail and User-Agent (never secret)."""

    mailto: str | None = None
    user_agent: str = ""

    @classmethod
    def from_env(cls, mailto: str | None = None) -> Identity:
        """E-mail from the argument or LITSIFT_MAILTO; User-Agent from LITSIFT_USER_AGENT."""
        mailto = mailto or os.environ.get("LITSIFT_MAILTO") or None
        agent = os.environ.get("LITSIFT_USER_AGENT") or (
            f"litsift/{__version__} (systematic review tool"
            + (f"; mailto:{mailto}" if mailto else "")
            + ")"
        )
        return cls(mailto, agent)


class RateLimiter:
    """Spaces requests at least 1/rate seconds apart (send times, so latency overlaps)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at: float | None = None

    def wait(self) -> float:
        """Block until the next request may go; returns the seconds waited."""
        now = self.clock()
        waited = 0.0
        if self.next_at is not None and now < self.next_at:
            waited = self.next_at - now
            self.sleep(waited)
            now = self.next_at
        self.next_at = now + self.interval
        return waited

    def hold(self, seconds: float) -> None:
        """Push the next slot back (after a 429 with Retry-After)."""
        self.next_at = max(self.next_at or 0.0, self.clock() + seconds)


@dataclass
class Stats:
    """Per-source counters for the PRISMA-S log."""

    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    rate_limit_waits: int = 0  # 429 responses
    wait_seconds: float = 0.0  # time spent waiting (rate limiter, backoff, Retry-After)
    statuses: dict[str, int] = field(default_factory=dict)


class Cache(Protocol):
    """Where responses are kept (litsift.store.search.ResponseCache)."""

    def get(self, request: Request, snapshot: str) -> str | None: ...

    def put(self, request: Request, snapshot: str, status: int, body: str) -> object: ...


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


_QUOTA_RE = re.compile(r"daily|per day|credits?|quota|insufficient|budget", re.I)


def _is_quota(response: Any) -> bool:
    """429 because the daily allowance is spent (OpenAlex), not because we went too fast."""
    headers = {k.lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
    for name in (
        "x-ratelimit-remaining",
        "x-ratelimit-credits-remaining",
        "x-ratelimit-remaining-usd",
    ):
        if name in headers and headers[name].strip() in ("0", "0.0", "0.00"):
            return True
    return bool(_QUOTA_RE.search(getattr(response, "text", "") or ""))


class Executor:
    """Fetches pages for all sources: cache first, then the network politely."""

    def __init__(
        self,
        cache: Cache | None,
        *,
        snapshot: str = "",
        offline: bool = False,
        identity: Identity | None = None,
        policy: RetryPolicy | None = None,
        session_factory: Callable[[str], Session] | None = None,
        rates: dict[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.cache, self.snapshot, self.offline = cache, snapshot, offline
        self.identity = identity or Identity.from_env()
        self.policy = policy or RetryPolicy()
        self.session_factory = session_factory or _default_session
        self.rates = rates or {}
        self.clock, self.sleep = clock, sleep
        self.rng = rng or random.Random()
        self.sessions: dict[str, Session] = {}
        self.limiters: dict[str, RateLimiter] = {}
        self.stats: dict[str, Stats] = {}

    def _session(self, api: str) -> Session:
        if api not in self.sessions:
            self.sessions[api] = self.session_factory(api)
        return self.sessions[api]

    def _limiter(self, source: ApiSource) -> RateLimiter:
        if source.api not in self.limiters:
            keyed = source.key_rate and source.key_env and os.environ.get(source.key_env)
            rate = self.rates.get(source.api, source.key_rate if keyed else source.rate)
            self.limiters[source.api] = RateLimiter(rate, self.clock, self.sleep)
        return self.limiters[source.api]

    def fetch(
        self,
        source: ApiSource,
        request: Request,
        parse_as: str,
        check: Callable[[Page], None] | None = None,
    ) -> tuple[Page, bool]:
        """The parsed page for a request, and whether it came from the cache.

        `check` may raise SuspectPage to reject a suspicious page (an empty page in
        mid-run), which is then retried like a transient failure; when every attempt
        gives the same answer, the page is accepted (the caller logs the shortfall).
        """
        stats = self.stats.setdefault(source.api, Stats())
        if self.cache is not None:
            body = self.cache.get(request, self.snapshot)
            if body is not None:
                stats.cache_hits += 1
                return source.parse(body, parse_as), True
        if self.offline:
            raise SearchError(
                f"{source.api}: offline and page {request.page} is not in the "
                f"cache ({request.display()}); run without --offline to fetch it"
            )
        page, body, status = self._fetch_network(source, request, parse_as, check, stats)
        if self.cache is not None:
            self.cache.put(request, self.snapshot, status, body)
        return page, False

    def _fetch_network(
        self,
        source: ApiSource,
        request: Request,
        parse_as: str,
        check: Callable[[Page], None] | None,
        stats: Stats,
    ) -> tuple[Page, str, int]:
        problem = "no attempt made"
        for attempt in range(1, self.policy.attempts + 1):
            if attempt > 1:
                stats.retries += 1
            stats.wait_seconds += self._limiter(source).wait()
            stats.requests += 1
            try:
                response = self._send(source, request)
            except (
                requests.Timeout,
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
            ) as e:
                problem = f"{type(e).__name__}: {self._redact(str(e), source)}"
                self._backoff(source, attempt, stats, problem)
                continue
            status = int(response.status_code)
            stats.statuses[str(status)] = stats.statuses.get(str(status), 0) + 1
            if status == 200:
                try:
                    page = source.parse(response.text, parse_as)
                except TruncatedBody as e:
                    problem = str(e)
                    self._backoff(source, attempt, stats, problem)
                    continue
                try:
                    if check is not None:
                        check(page)
                except SuspectPage as e:
                    if attempt == self.policy.attempts:
                        return page, response.text, status  # the API insists: accept it
                    problem = str(e)
                    self._backoff(source, attempt, stats, problem)
                    continue
                return page, response.text, status
            if status == 429:
                stats.rate_limit_waits += 1
                if source.api == "openalex" and _is_quota(response):
                    raise QuotaExhausted(
                        f"openalex: daily quota exhausted (HTTP 429: "
                        f"{_snippet(response)}); it resets at midnight UTC; re-run then to "
                        "resume, or set OPENALEX_API_KEY for a larger allowance"
                    )
                wait = _retry_after(response.headers.get("Retry-After"))
                if wait is not None:
                    if wait > self.policy.max_retry_after:
                        raise ResumableError(
                            f"{source.api}: asked to wait {wait:.0f} s (Retry-After) before "
                            f"page {request.page}; re-run later to resume"
                        )
                    problem = f"HTTP 429, Retry-After {wait:g} s"
                    self._pause(source, wait, stats, problem)
                    continue
                problem = "HTTP 429"
                self._backoff(source, attempt, stats, problem)
                continue
            if status in RETRY_STATUS:
                problem = f"HTTP {status}"
                self._backoff(source, attempt, stats, problem)
                continue
            raise self._client_error(source, request, response)
        raise ResumableError(
            f"{source.api}: page {request.page} failed after "
            f"{self.policy.attempts} attempts ({problem}): "
            f"{request.display()}; re-run to resume from the cache"
        )

    def _send(self, source: ApiSource, request: Request) -> Any:
        params = list(request.params)
        headers = {"User-Agent": self.identity.user_agent}
        if source.mailto_param and self.identity.mailto:
            params.append((source.mailto_param, self.identity.mailto))
        key = os.environ.get(source.key_env) if source.key_env else None
        if key and source.key_param:
            params.append((source.key_param, key))
        elif key and source.key_header:
            headers[source.key_header] = key
        return self._session(source.api).get(
            request.url, params=params, headers=headers, timeout=self.policy.timeout
        )

    def _backoff(self, source: ApiSource, attempt: int, stats: Stats, problem: str) -> None:
        if attempt >= self.policy.attempts:
            return
        self._pause(source, self.policy.delay(attempt, self.rng), stats, problem)

    def _pause(self, source: ApiSource, seconds: float, stats: Stats, problem: str) -> None:
        log.info("%s: %s; waiting %.2f s", source.api, problem, seconds)
        stats.wait_seconds += seconds
        self.sleep(seconds)
        self._limiter(source).next_at = None

    def _client_error(self, source: ApiSource, request: Request, response: Any) -> SearchError:
        status = response.status_code
        try:
            source.parse(response.text, source.api)
            detail = _snippet(response)
        except (ApiError, TruncatedBody) as e:
            detail = str(e)
        detail = self._redact(detail, source)
        return SearchError(f"{source.api}: HTTP {status} for {request.display()}: {detail}")

    def _redact(self, text: str, source: ApiSource) -> str:
        key = os.environ.get(source.key_env) if source.key_env else None
        if key:
            text = text.replace(key, "***")
        return re.sub(r"(api_key|key|token)=[^&\s]+", r"\1=***", text)


def _snippet(response: Any) -> str:
    return re.sub(r"\s+", " ", (getattr(response, "text", "") or ""))[:200]


def _default_session(api: str) -> Session:
    return requests.Session()
