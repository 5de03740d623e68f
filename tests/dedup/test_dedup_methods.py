"""The methods text counts removed duplicates by the rule that found them."""

from __future__ import annotations

from litsift.dedup import deduplicate, link_method
from litsift.models import Record


def rec(rid: str, **fields: object) -> Record:
    base = {
        "title": "Efficient Memory Management for Large Language Model Serving",
        "authors": ("Kwon, Woosuk", "Li, Zhuohan", "Zhuang, Siyuan"),
        "year": 2023,
        "venue": "Symposium on Operating Systems Principles",
    }
    return Record(id=rid, source="s", origin=f"f.bib:{rid}", **(base | fields))


def test_a_fuzzy_match_names_its_rule() -> None:
    result = deduplicate([rec("a"), rec("b", pages="611-626")])
    (cluster,) = result.clusters
    (link,) = cluster.links
    assert link.rule
    assert link_method(link.reason, link.rule) == f"fuzzy matching, rule '{link.rule}'"


def test_identifier_reviewer_and_earlier_links_keep_their_kind() -> None:
    assert link_method("same doi", "shared identifier") == "a shared identifier"
    assert link_method("same id doi-10.1/x", "same record id") == "a shared identifier"
    assert link_method("reviewer: same", "reviewer answer") == "a reviewer's answer"
    assert link_method("earlier run", "earlier run") == "an earlier run's clusters"


def test_a_link_written_before_rules_were_named_is_read_from_its_reason() -> None:
    assert link_method("same doi") == "a shared identifier"
    assert link_method("reviewer said same") == "a reviewer's answer"
    assert link_method("title 0.97; authors, year") == "fuzzy matching"
