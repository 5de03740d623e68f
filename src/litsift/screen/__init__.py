"""The screening stage: automatic eligibility, then title/abstract and full-text screening.

`screen` is the pure stage: deduplicated records + protocol + the reviewers' decisions
(`ScreeningState`, read by `litsift.store.screening`) -> a final status per record, counts,
agreement statistics and the problems `litsift check` reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from litsift.errors import InputError
from litsift.gcpause import paused
from litsift.models import Protocol, Record, Screening, Stage, StopRule, Verdict
from litsift.screen import eligibility
from litsift.screen.agreement import AgreementReport, Estimate
from litsift.screen.agreement import agreement as measure_agreement
from litsift.screen.combine import Combined, Outcome
from litsift.screen.combine import combine as combine_votes
from litsift.screen.state import ADJUDICATION, Entry, ReviewerFile, ScreeningState
from litsift.screen.stopping import StopTest, stop_test

__all__ = [
    "ADJUDICATION",
    "RETRACTED_NOTE",
    "Entry",
    "RecordStatus",
    "ReviewerFile",
    "ScreeningCounts",
    "ScreeningResult",
    "ScreeningState",
    "Status",
    "adjudication_batches",
    "batch_header",
    "candidates",
    "conflicts",
    "criteria_header",
    "next_batch",
    "screen",
    "tally",
]


class Status(StrEnum):
    """The final screening status of a (deduplicated) record."""

    INELIGIBLE = "ineligible"
    TA_EXCLUDED = "ta-excluded"
    TA_PENDING = "ta-pending"
    TA_CONFLICT = "ta-conflict"
    FT_NOT_RETRIEVED = "ft-not-retrieved"
    FT_EXCLUDED = "ft-excluded"
    FT_PENDING = "ft-pending"
    FT_CONFLICT = "ft-conflict"
    INCLUDED = "included"


@dataclass(frozen=True)
class RecordStatus:
    status: Status
    reason: str | None = None  # eligibility rule, or exclusion criterion code
    detail: str = ""


@dataclass(frozen=True)
class ScreeningCounts:
    """Records per screening outcome (pending ones are not yet in a final box)."""

    ineligible_by_automation: int
    ineligible_by_rule: dict[str, int]
    screened: int
    excluded_ta: int
    excluded_ta_by_reason: dict[str, int]
    sought: int
    not_retrieved: int
    assessed: int
    excluded_ft: int
    excluded_ft_by_reason: dict[str, int]
    included: int
    pending: int
    pending_ta: int
    pending_ft: int


@dataclass(frozen=True)
class ScreeningResult:
    """Final status per record id, plus PRISMA counts, agreement and problems."""

    statuses: dict[str, RecordStatus]
    agreement: dict[str, AgreementReport]
    combined: dict[str, dict[str, Combined]]  # stage -> record id -> combination
    issues: tuple[str, ...] = field(default=())
    stopping: StopTest | None = None  # None: nothing screened yet, or not prioritised

    def ids(self, *statuses: Status) -> list[str]:
        return sorted(rid for rid, s in self.statuses.items() if s.status in statuses)

    def included_ids(self) -> list[str]:
        return self.ids(Status.INCLUDED)

    def status_extras(self) -> dict[str, dict[str, object]]:
        """Agreement per stage and the stopping test, for `litsift status`."""
        out: dict[str, dict[str, object]] = {}
        for stage, rep in self.agreement.items():
            if rep.items:
                out[f"agreement {stage}"] = _agreement_summary(rep)
        if self.stopping is not None:
            out["stopping rule"] = self.stopping.summary()
        return out

    def counts(self) -> ScreeningCounts:
        """Records per screening outcome, over every record."""
        return tally(self.statuses)

    def adjudicated(self) -> dict[str, int]:
        """Stage -> records an adjudicator decided there."""
        return {
            stage: sum(c.adjudicated for c in combined.values())
            for stage, combined in self.combined.items()
        }

    def problems(self) -> list[str]:
        """Everything `litsift check` must fail on, one line each, sorted."""
        return sorted(set(self.issues))


def tally(statuses: Mapping[str, RecordStatus]) -> ScreeningCounts:
    """Records per screening outcome among `statuses` (rule and reason counts sorted)."""
    n = Counter(s.status for s in statuses.values())
    by = {
        st: Counter(s.reason or "(no reason)" for s in statuses.values() if s.status is st)
        for st in (Status.INELIGIBLE, Status.TA_EXCLUDED, Status.FT_EXCLUDED)
    }
    sought = sum(n[s] for s in _PASSED_TA)
    pending_ta = n[Status.TA_PENDING] + n[Status.TA_CONFLICT]
    pending_ft = n[Status.FT_PENDING] + n[Status.FT_CONFLICT]
    return ScreeningCounts(
        ineligible_by_automation=n[Status.INELIGIBLE],
        ineligible_by_rule=dict(sorted(by[Status.INELIGIBLE].items())),
        screened=len(statuses) - n[Status.INELIGIBLE],
        excluded_ta=n[Status.TA_EXCLUDED],
        excluded_ta_by_reason=dict(sorted(by[Status.TA_EXCLUDED].items())),
        sought=sought,
        not_retrieved=n[Status.FT_NOT_RETRIEVED],
        assessed=sought - n[Status.FT_NOT_RETRIEVED],
        excluded_ft=n[Status.FT_EXCLUDED],
        excluded_ft_by_reason=dict(sorted(by[Status.FT_EXCLUDED].items())),
        included=n[Status.INCLUDED],
        pending=pending_ta + pending_ft,
        pending_ta=pending_ta,
        pending_ft=pending_ft,
    )


def screen(
    records: Sequence[Record],
    protocol: Protocol,
    state: ScreeningState,
    member_years: Mapping[str, Collection[int]] | None = None,
) -> ScreeningResult:
    """The pure screening stage over deduplicated (canonical) records; `member_years`
    gives the years of each cluster's members, which the year rule judges a study by."""
    with paused():  # one status per record: no cycles, and collections cost seconds at 50k
        return _screen(records, protocol, state, member_years)


def _screen(
    records: Sequence[Record],
    protocol: Protocol,
    state: ScreeningState,
    member_years: Mapping[str, Collection[int]] | None,
) -> ScreeningResult:
    ineligible = eligibility.apply(list(records), protocol.eligibility, member_years)
    ids = sorted({r.id for r in records})
    combined = {stage.value: _combine_stage(state, stage, protocol) for stage in Stage}
    statuses = {rid: _status(rid, ineligible, combined) for rid in ids}
    issues = list(state.problems)
    issues += _decision_issues(state, set(ids), statuses)
    issues += _status_issues(statuses, combined)
    agree = {stage.value: _agreement(state, stage, set(ids) - set(ineligible)) for stage in Stage}
    sequence = _screening_sequence(state, statuses)
    undecided = len(ids_with(statuses, Status.TA_PENDING, Status.TA_CONFLICT))
    stopping = _stopping(protocol.screening, sequence, undecided)
    return ScreeningResult(statuses, agree, combined, tuple(issues), stopping)


def ids_with(statuses: Mapping[str, RecordStatus], *wanted: Status) -> list[str]:
    return sorted(rid for rid, s in statuses.items() if s.status in wanted)


_PASSED_TA = {
    Status.FT_NOT_RETRIEVED,
    Status.FT_EXCLUDED,
    Status.FT_PENDING,
    Status.FT_CONFLICT,
    Status.INCLUDED,
}


def _ta_labels(statuses: Mapping[str, RecordStatus]) -> dict[str, bool]:
    """Title/abstract outcome per decided record: passed (True) or excluded (False)."""
    return {
        rid: s.status in _PASSED_TA
        for rid, s in statuses.items()
        if s.status in _PASSED_TA or s.status is Status.TA_EXCLUDED
    }


def _screening_sequence(state: ScreeningState, statuses: Mapping[str, RecordStatus]) -> list[bool]:
    """Title/abstract outcomes in the order records were screened (file order)."""
    labels = _ta_labels(statuses)
    seen: dict[str, tuple[int, str]] = {}
    for f in state.reviewer_files(Stage.TITLE_ABSTRACT):
        for pos, e in enumerate(e for e in f.entries if e.decision is not None):
            key = (pos, f.reviewer)
            if e.record_id in labels and (e.record_id not in seen or key < seen[e.record_id]):
                seen[e.record_id] = key
    return [labels[rid] for rid in sorted(seen, key=lambda r: seen[r])]


def _stopping(settings: Screening, sequence: list[bool], undecided: int) -> StopTest | None:
    """The stopping test on title/abstract outcomes so far (the defaults when none is set)."""
    if not sequence or not settings.prioritise:
        return None
    rule = settings.stop or StopRule()
    return stop_test(
        sequence, len(sequence) + undecided, rule, configured=settings.stop is not None
    )


def _fmt(est: Estimate) -> str:
    if est.value is None:
        return "n/a"
    if est.low is None:
        return f"{est.value:.3f}"
    return f"{est.value:.3f} [{est.low:.3f}, {est.high:.3f}]"


def _agreement_summary(rep: AgreementReport) -> dict[str, object]:
    out: dict[str, object] = {
        "records rated twice or more": rep.items,
        "raw agreement": _fmt(rep.raw),
    }
    if rep.cohen_kappa is not None:
        out["cohen kappa"] = _fmt(rep.cohen_kappa)
    else:
        out["fleiss kappa"] = _fmt(rep.fleiss_kappa)
    out["krippendorff alpha"] = _fmt(rep.krippendorff_alpha)
    out["gwet ac1"] = _fmt(rep.gwet_ac1)
    return out


# --------------------------------------------------------------------------- batches


def criteria_header(protocol: Protocol, stage: Stage) -> str:
    """Comment lines written above a batch: how to fill the fields, and the criteria."""
    verdicts = "include | exclude | maybe" + (
        " | not-retrieved" if stage is Stage.FULL_TEXT else ""
    )
    codes = ", ".join(protocol.exclusion_codes(stage))
    lines = [f"fill in decision ({verdicts}) and, to exclude, reason (one of {codes})"]
    lines += [
        f"{c.code} ({c.kind.value}): {c.text}"
        for c in protocol.criteria
        if c.stage in ("any", stage.value)
    ]
    return "\n".join(lines)


RETRACTED_NOTE = (
    "retracted: true marks a record whose article has a retraction notice among the "
    "records found (litsift dedup)"
)


def batch_header(protocol: Protocol, stage: Stage, batch: Sequence[Mapping[str, object]]) -> str:
    """`criteria_header`, and what `retracted: true` means when an entry of `batch` has it."""
    header = criteria_header(protocol, stage)
    return header + "\n" + RETRACTED_NOTE if any(e.get("retracted") for e in batch) else header


def candidates(
    result: ScreeningResult, state: ScreeningState, protocol: Protocol, reviewer: str, stage: Stage
) -> list[str]:
    """Records this reviewer may be given next at this stage."""
    wanted = (Status.TA_PENDING,) if stage is Stage.TITLE_ABSTRACT else (Status.FT_PENDING,)
    listed: dict[str, set[str]] = {}
    for f in state.reviewer_files(stage):
        for e in f.entries:
            listed.setdefault(e.record_id, set()).add(f.reviewer)
    need = protocol.screening.reviewers_per_record
    return [
        rid
        for rid in result.ids(*wanted)
        if reviewer not in listed.get(rid, set()) and len(listed.get(rid, ())) < need
    ]


def next_batch(
    records: Sequence[Record],
    protocol: Protocol,
    state: ScreeningState,
    reviewer: str,
    stage: Stage,
    n: int = 50,
    seed: int = 0,
    result: ScreeningResult | None = None,
    features: Callable[..., object] | None = None,
    retracted: Collection[str] = frozenset(),
) -> list[dict]:
    """The next `n` entries for a reviewer, most relevant first, with their context.
    `result` is `screen(records, protocol, state)` when the caller has it already;
    `features` computes the ranker's features (`prioritise.vectorise`, maybe cached);
    the entries of `retracted` records (`DedupResult.retracted_ids`) say so."""
    if reviewer not in {r.id for r in protocol.reviewers}:
        raise InputError("review.yaml", f"reviewer {reviewer!r} is not declared in reviewers")
    if result is None:
        result = screen(records, protocol, state)
    pool = set(candidates(result, state, protocol, reviewer, stage))
    if not pool:
        return []
    labels = {rid: v for rid, v in _ta_labels(result.statuses).items() if rid not in pool}
    if protocol.screening.prioritise:
        # scikit-learn: only when ranking
        from litsift.screen.prioritise import rank, vectorise

        # the features are fitted on every record, whatever its state, as ASReview does:
        # they then depend on the records alone, so the cache serves every reviewer and
        # every batch, and `litsift run` computes them ahead (`prepare_ranking`)
        ranked = list(
            rank(
                records,
                labels,
                query=ranking_query(protocol),
                seed=seed,
                features=features or vectorise,
            )
        )
    else:
        ranked = [(rid, None) for rid in sorted(pool)]
    ranked = [(rid, s) for rid, s in ranked if rid in pool][:n]
    by_id = {r.id: r for r in records}
    return [_context(by_id[rid], score, rid in retracted) for rid, score in ranked]


def ranking_query(protocol: Protocol) -> str:
    """The text that ranks the records before there are decisions of both kinds: the
    review question and the inclusion criteria."""
    include = [c.text for c in protocol.criteria if c.kind.value == "include"]
    return " ".join([protocol.question, *include])


def prepare_ranking(
    records: Sequence[Record], protocol: Protocol, features: Callable[..., object]
) -> None:
    """Compute the ranker's features for `records` through `features` (a cache), so that
    the next `screen next` or workbench ranking finds them."""
    if not protocol.screening.prioritise or not records:
        return
    from litsift.screen.prioritise import ranking_features

    ranking_features(records, query=ranking_query(protocol), features=features)  # type: ignore[arg-type]


def _context(record: Record, score: float | None, retracted: bool = False) -> dict[str, object]:
    """A record as an entry of a reviewer's file: its id and what the reviewer reads.
    `retracted` appears only when true, so other entries keep their shape."""
    entry: dict[str, object] = {
        "id": record.id,
        "title": record.title,
        "year": record.year,
        "venue": record.venue,
        "authors": "; ".join(record.authors) or None,
        "doi": record.doi,
        "arxiv_id": record.arxiv_id,
        "score": None if score is None else round(score, 4),
        "abstract": record.abstract,
    }
    if retracted:
        entry["retracted"] = True
    return entry


def conflicts(result: ScreeningResult) -> list[tuple[str, str, Combined]]:
    """Unresolved conflicts: (stage, record id, combination), sorted."""
    out = []
    for stage, combos in sorted(result.combined.items()):
        wanted = Status.TA_CONFLICT if stage == Stage.TITLE_ABSTRACT.value else Status.FT_CONFLICT
        for rid, combo in sorted(combos.items()):
            status = result.statuses.get(rid)
            if status is not None and status.status is wanted:
                out.append((stage, rid, combo))
    return out


def _combine_stage(state: ScreeningState, stage: Stage, protocol: Protocol) -> dict[str, Combined]:
    votes = state.votes(stage)
    adj_file = state.adjudication(stage)
    adjudicated = adj_file.decided() if adj_file else {}
    out = {}
    for rid in sorted(set(votes) | set(adjudicated)):
        out[rid] = combine_votes(votes.get(rid, {}), adjudicated.get(rid), protocol.screening)
    return out


def _status(
    rid: str,
    ineligible: Mapping[str, eligibility.Ineligible],
    combined: Mapping[str, Mapping[str, Combined]],
) -> RecordStatus:
    if rid in ineligible:
        why = ineligible[rid]
        return RecordStatus(Status.INELIGIBLE, why.rule.value, why.detail)
    ta = combined[Stage.TITLE_ABSTRACT.value].get(rid)
    if ta is None or ta.outcome is Outcome.PENDING:
        return RecordStatus(Status.TA_PENDING)
    if ta.outcome is Outcome.CONFLICT:
        return RecordStatus(Status.TA_CONFLICT, detail=ta.describe_votes())
    if ta.verdict is Verdict.EXCLUDE:
        return RecordStatus(Status.TA_EXCLUDED, ta.reason)
    ft = combined[Stage.FULL_TEXT.value].get(rid)
    if ft is None or ft.outcome is Outcome.PENDING:
        return RecordStatus(Status.FT_PENDING)
    if ft.outcome is Outcome.CONFLICT:
        return RecordStatus(Status.FT_CONFLICT, detail=ft.describe_votes())
    if ft.verdict is Verdict.NOT_RETRIEVED:
        return RecordStatus(Status.FT_NOT_RETRIEVED)
    if ft.verdict is Verdict.EXCLUDE:
        return RecordStatus(Status.FT_EXCLUDED, ft.reason)
    return RecordStatus(Status.INCLUDED)


def _decision_issues(
    state: ScreeningState, ids: set[str], statuses: Mapping[str, RecordStatus]
) -> list[str]:
    issues = []
    ft_allowed = {
        Status.FT_NOT_RETRIEVED,
        Status.FT_EXCLUDED,
        Status.FT_PENDING,
        Status.FT_CONFLICT,
        Status.INCLUDED,
    }
    for f in state.files:
        for e in f.entries:
            where = f"{f.path}:{e.line}"
            if e.record_id not in ids:
                issues.append(
                    f"{where}: record {e.written_id} is not among the "
                    "deduplicated records of this run"
                )
            elif f.stage is Stage.FULL_TEXT and statuses[e.record_id].status not in ft_allowed:
                issues.append(
                    f"{where}: full-text decision for {e.written_id}, which is not "
                    "included at title/abstract"
                )
    return issues


def _status_issues(
    statuses: Mapping[str, RecordStatus], combined: Mapping[str, Mapping[str, Combined]]
) -> list[str]:
    issues = []
    for rid, st in statuses.items():
        if st.status is Status.TA_CONFLICT:
            issues.append(f"record {rid}: unresolved title-abstract conflict ({st.detail})")
        elif st.status is Status.FT_CONFLICT:
            issues.append(f"record {rid}: unresolved full-text conflict ({st.detail})")
        elif st.status is Status.FT_PENDING:
            issues.append(f"record {rid}: included at title/abstract but has no full-text decision")
    return issues


def _agreement(state: ScreeningState, stage: Stage, ids: set[str]) -> AgreementReport:
    ratings = {
        rid: {r: e.decision.value for r, e in votes.items() if e.decision is not None}
        for rid, votes in state.votes(stage).items()
        if rid in ids
    }
    return measure_agreement(ratings, stage.value)


def adjudication_batches(
    records: Sequence[Record],
    state: ScreeningState,
    found: Sequence[tuple[str, str, Combined]],
    retracted: Collection[str] = frozenset(),
) -> dict[Stage, list[dict[str, object]]]:
    """Per stage, the unresolved conflicts not yet listed in its adjudication file, as
    entries to append (each with the reviewers' votes as a comment; `retracted` as for
    `next_batch`)."""
    by_id = {r.id: r for r in records}
    out: dict[Stage, list[dict[str, object]]] = {}
    for stage in Stage:
        adj = state.adjudication(stage)
        listed = {e.record_id for e in adj.entries} if adj else set()
        batch = []
        for s, rid, combo in found:
            if s == stage.value and rid not in listed and rid in by_id:
                entry = _context(by_id[rid], 0.0, rid in retracted)
                entry.pop("score")
                entry["comment"] = combo.describe_votes()
                batch.append(entry)
        if batch:
            out[stage] = batch
    return out


ADJUDICATION_HEADER = "conflicts to adjudicate; each entry's comment gives the reviewers' votes\n"
