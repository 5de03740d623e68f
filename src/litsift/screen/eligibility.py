"""Automatic eligibility: the review.yaml `eligibility:` rules, applied before screening.

A record a rule rejects is "ineligible by automation tools" (its own PRISMA 2020 box), with
the rule that fired. Missing data never makes a record ineligible, except where a rule asks
for the field itself (require_title, require_abstract): a record without a year or a
language passes the year and language rules and goes to a human. The year rule judges a
study by all its copies: a 2023 preprint whose version of record came out in 2024 is
within 2017-2023 (the cluster's other years are passed as `other_years`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from litsift.languages import language
from litsift.models import Eligibility, Record


class Rule(StrEnum):
    """The automatic eligibility rules, in the order they are checked."""

    TITLE = "no-title"
    ABSTRACT = "no-abstract"
    YEARS = "years"
    LANGUAGE = "language"
    DOC_TYPE = "doc-type"


@dataclass(frozen=True)
class Ineligible:
    """Why a record was found ineligible: the rule and a one-line detail."""

    rule: Rule
    detail: str


def language_code(value: str) -> str:
    """ISO 639-1 code for '  EN ', 'eng', 'English', 'en-GB'; unknown spellings lower-cased."""
    text = value.strip().lower().split("-")[0].split("_")[0]
    return language(text) or text


def check(
    record: Record, rules: Eligibility, other_years: Collection[int] = ()
) -> Ineligible | None:
    """The first rule the record fails, or None when it is eligible.

    `other_years` are the years of the record's other copies (the members of its
    cluster): the year rule fails only when no copy is within the range."""
    if rules.require_title and not (record.title or "").strip():
        return Ineligible(Rule.TITLE, "no title")
    if rules.require_abstract and not (record.abstract or "").strip():
        return Ineligible(Rule.ABSTRACT, "no abstract")
    years = rules.years
    if (
        years is not None
        and record.year is not None
        and not years.start <= record.year <= years.end
        and not any(years.start <= y <= years.end for y in other_years)
    ):
        return Ineligible(Rule.YEARS, f"year {record.year} outside {years.start}-{years.end}")
    if rules.languages and record.language:
        allowed = {language_code(x) for x in rules.languages}
        if language_code(record.language) not in allowed:
            return Ineligible(
                Rule.LANGUAGE, f"language {record.language!r} not in {', '.join(sorted(allowed))}"
            )
    if record.doc_type and record.doc_type.strip().lower() in {
        t.lower() for t in rules.exclude_types
    }:
        return Ineligible(Rule.DOC_TYPE, f"document type {record.doc_type!r} is excluded")
    return None


def apply(
    records: list[Record] | tuple[Record, ...],
    rules: Eligibility,
    other_years: Mapping[str, Collection[int]] | None = None,
) -> dict[str, Ineligible]:
    """Ineligible records by id (eligible records are absent); `other_years` gives, by
    record id, the years of its other copies (see `check`)."""
    out: dict[str, Ineligible] = {}
    for record in records:
        verdict = check(record, rules, (other_years or {}).get(record.id, ()))
        if verdict is not None:
            out[record.id] = verdict
    return out
