"""Combining reviewers' decisions on one record at one stage: dual review, `maybe`, conflicts,
adjudication.

Rules (review.yaml `screening:`):
- `reviewers_per_record` decisions are needed before a record is decided; fewer is pending.
- `maybe` counts as `include` or `exclude` as configured, or (`maybe: conflict`) always
  sends the record to adjudication.
- Reviewers who agree on the (mapped) verdict decide the record; the exclusion reason is the
  one most of them gave (ties: the lowest code). Disagreement is a conflict.
- An adjudication entry with a decision overrides the reviewers, whatever they said.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from litsift.models import Screening, Verdict
from litsift.screen.state import Entry


class Outcome(StrEnum):
    PENDING = "pending"
    CONFLICT = "conflict"
    DECIDED = "decided"


@dataclass(frozen=True)
class Combined:
    """The combined state of one record at one stage."""

    outcome: Outcome
    verdict: Verdict | None = None  # include / exclude / not-retrieved, when decided
    reason: str | None = None
    adjudicated: bool = False
    votes: Mapping[str, Entry] = field(default_factory=dict)

    def describe_votes(self) -> str:
        """'reviewer1: include; reviewer2: exclude (E2)'."""
        parts = []
        for reviewer, entry in sorted(self.votes.items()):
            text = f"{reviewer}: {entry.decision.value if entry.decision else 'undecided'}"
            if entry.reason:
                text += f" ({entry.reason})"
            parts.append(text)
        return "; ".join(parts)


def effective(verdict: Verdict, rules: Screening) -> Verdict:
    """The verdict a vote counts as; `maybe` maps per the rule (or stays maybe: conflict)."""
    if verdict is Verdict.MAYBE and rules.maybe != "conflict":
        return Verdict(rules.maybe)
    return verdict


def combine(votes: Mapping[str, Entry], adjudication: Entry | None, rules: Screening) -> Combined:
    """Combine the decided votes of the reviewers (and an adjudication) on one record."""
    decided = {r: e for r, e in votes.items() if e.decision is not None}
    if adjudication is not None and adjudication.decision is not None:
        verdict = effective(adjudication.decision, rules)
        if verdict is not Verdict.MAYBE:
            return Combined(Outcome.DECIDED, verdict, adjudication.reason, True, decided)
        return Combined(Outcome.CONFLICT, votes=decided)
    if len(decided) < rules.reviewers_per_record:
        return Combined(Outcome.PENDING, votes=decided)
    verdicts = {effective(e.decision, rules) for e in decided.values()}  # type: ignore[arg-type]
    if len(verdicts) > 1 or Verdict.MAYBE in verdicts:
        return Combined(Outcome.CONFLICT, votes=decided)
    verdict = verdicts.pop()
    return Combined(Outcome.DECIDED, verdict, _majority_reason(decided), False, decided)


def _majority_reason(votes: Mapping[str, Entry]) -> str | None:
    reasons = Counter(e.reason for e in votes.values() if e.reason)
    if not reasons:
        return None
    best = max(reasons.values())
    return min(code for code, n in reasons.items() if n == best)
