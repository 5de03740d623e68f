"""The report's knowledge-base search in headless Chromium ranks as `litsift kb search`."""

from __future__ import annotations

import json

import pytest
from test_browser import browser, chromium_path  # noqa: F401  (the fixture and its check)

from litsift import kbsearch, runner, textnorm
from litsift.store import Review

pytestmark = pytest.mark.browser

SHOWN_JS = """Array.from(document.querySelectorAll('#kb article'))
  .filter(function (a) { return getComputedStyle(a).display !== 'none'; })
  .map(function (a) { return a.id.slice(3); })"""


def _type(browser, field: str, value: str) -> None:  # noqa: F811
    browser.evaluate(
        f"(function () {{ var el = document.getElementById({json.dumps(field)});"
        f" el.value = {json.dumps(value)};"
        " el.dispatchEvent(new Event('input')); })()"
    )


def test_kb_search_in_the_page_matches_the_command_line(browser, flagship):  # noqa: F811
    chromium_path()
    review = Review(flagship)
    runner.run(review, until="report")
    tx = review.taxonomy
    labels = {c.id: c.label for c in tx.classes} | {f.id: f.label for f in tx.families}
    index = kbsearch.Index.build(
        [kbsearch.from_entry(e, labels) for e in review.kb.entries()],
        textnorm.Synonyms.from_phrases(tx.synonyms),
    )
    browser.open((review.build / "report" / "index.html").as_uri())
    assert browser.evaluate("window.__errors") == []
    everything = browser.evaluate(SHOWN_JS)
    assert len(everything) == len(index.studies)
    for question in ("which studies reduce KV cache memory", "quantisation", "key-value cache"):
        _type(browser, "kb-query", question)
        shown = browser.evaluate(SHOWN_JS)
        assert shown == [h.key for h in index.search(question, limit=10_000)], question
    _type(browser, "kb-query", "")
    _type(browser, "kb-metric", "throughput")
    _type(browser, "kb-min", "2")
    _type(browser, "kb-unit", "x")
    filters = kbsearch.Filters(metric="throughput", min=2, unit="x")
    shown = browser.evaluate(SHOWN_JS)
    assert shown and shown == [h.key for h in index.search("", filters, limit=10_000)]
    count = browser.evaluate("document.getElementById('kb-count').textContent")
    assert count == f"{len(shown)} entries shown"
