"""The runner: one run of the review, stage by stage.

A run reads the review folder through its stores (`litsift.store`), hands each stage the
models it needs, and writes what the stages return under build/:

1. identify: every export file under data/imports/ and the records searches retrieved;
2. dedup: cluster them (honouring the reviewer's answers and the last run's clusters);
3. screen: apply the automatic eligibility rules and the reviewers' decisions, then fill
   the PRISMA 2020 flow and check its arithmetic;
4. tag: classify the included studies (curated knowledge-base tags where there are some);
5. report: write the report; kb: build the knowledge base.

`run(review, until=...)` stops after a stage. Everything a command needs beyond the run
itself is in the module of that command (checks, status, updates, views).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from litsift.errors import InputError, LitsiftError
from litsift.result import Identification, RunResult
from litsift.store import Review, cache
from litsift.vocab import PipelineStage

if TYPE_CHECKING:
    from litsift import importers
    from litsift.dedup.core import Progress
    from litsift.models import Record

# Each stage's modules are imported where the stage runs: a warm run, which takes the
# stages from build/.cache, does not load pandas, scikit-learn, Jinja or the drawing code.
ORDER = tuple(PipelineStage)


def identify(review: Review) -> Identification:
    """Every export file under data/imports/<source>/ and every retrieved search record."""
    protocol = review.protocol
    results = [_hand_searched(review, res) for res in review.imports.read_all()]
    records: list[Record] = [r for res in results for r in res.records]
    for name, recs in sorted(review.search.records().items()):
        if protocol.source(name) is None:
            raise InputError(
                review.search.records_file(name),
                f"records of source '{name}' but no such source in review.yaml `sources`",
            )
        records.extend(recs)
    per_source = {s.name: 0 for s in protocol.sources}
    for rec in records:
        per_source[rec.source] = per_source.get(rec.source, 0) + 1
    return Identification(tuple(records), tuple(results), per_source)


def _hand_searched(review: Review, result: importers.ImportResult) -> importers.ImportResult:
    """An export of a database searched by hand (`translate:`) keeps what the queries match."""
    source = review.protocol.source(result.records[0].source) if result.records else None
    if source is None or source.translate is None:
        return result
    from litsift import search

    return search.filter_hand_search(review.queries(), result, source.translate)


def run(
    review: Review,
    until: PipelineStage | str | None = None,
    *,
    strict: bool = True,
    record: bool = True,
    fresh: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """Run the stages in order (up to and including `until`) and write build/.

    With `strict=False` a bad entry in a screening file (or an unread file, a bad query,
    an answer naming an unknown record) is listed among the problems instead of stopping
    the run (what `litsift check` needs). With `record=False` nothing is appended under
    data/ (new uncertain pairs, audit events), so read-only commands such as check, status
    and export leave the review as it was. A run that writes takes the review's lock
    for each write (new pairs, audit events, build/), not while it computes, so that a
    reviewer at the workbench can save decisions meanwhile; it also takes it once at the
    start, to stop at once when another command (say, `screen next`) is writing.
    Stages whose inputs did not change since the last run are taken from build/.cache
    (`litsift.store.cache`); `fresh=True` recomputes everything. `progress` is handed to
    the dedup stage (a progress bar on long runs).
    """
    writes = record or _stage(review, until) >= ORDER.index(PipelineStage.REPORT)
    if writes:
        with review.lock():
            pass
    return _run(review, until, strict=strict, record=record, fresh=fresh, progress=progress)


def _run(
    review: Review,
    until: PipelineStage | str | None,
    *,
    strict: bool,
    record: bool,
    fresh: bool,
    progress: Progress | None,
) -> RunResult:
    last = _stage(review, until)
    stages = review.output.stage_cache
    if fresh:
        stages.clear()
    identified = cache.identify_key(review)
    # hashed once, before any input is read: a result is stored under the key of the
    # inputs it was computed from
    dedup_key = cache.dedup_key(review, identified)
    previous = review.versions.previous()
    if _dedup_cached(stages, identified, dedup_key, last) and previous is None:
        # the later stages may need no record: read them only if one does
        result = RunResult(
            lambda: stages.load("identify", identified) or identify(review),
            previous_version=previous,
            reused=("identify",),
        )
    else:
        reused = stages.load("identify", identified)
        result = RunResult(
            reused or identify(review),
            previous_version=previous,
            reused=("identify",) if reused else (),
        )
        if not reused:
            stages.save("identify", identified, result.identification)
    _check_inputs(review, result, strict)
    if result.previous_version is not None:
        from litsift import versions

        v = result.previous_version
        versions.check_inputs(review.versions.path(v.name), v, result.identification.records)
    if last > ORDER.index(PipelineStage.SEARCH):
        _stages(review, result, last, strict, record, (identified, dedup_key), progress)
    return result


def _dedup_cached(stages: cache.StageCache, identified: str, dedup_key: str, last: int) -> bool:
    """Whether identification and dedup are both in the stage cache for this run's inputs."""
    return (
        last >= ORDER.index(PipelineStage.DEDUP)
        and stages.holds("identify", identified)
        and stages.holds("dedup", dedup_key)
    )


def _stages(
    review: Review,
    result: RunResult,
    last: int,
    strict: bool,
    record: bool,
    keys: tuple[str, str],
    progress: Progress | None = None,
) -> None:
    """Dedup, screen, tag, report and kb, up to the stage at index `last`.

    The dedup and screen keys hash the files as the run leaves them (pairs appended, audit
    events and clusters written), so the next run, which reads those files, finds them."""
    stages = review.output.stage_cache
    identified, dedup_key = keys
    result.dedup = stages.load("dedup", dedup_key)
    _report(review.dedup.unknown_ids(result.record_ids()), result, strict)
    if result.dedup is None:
        _deduplicate(review, result, progress)
    else:
        result.reused += ("dedup",)
    result.pairs = review.dedup.plan(
        result.dedup.uncertain, review.protocol.dedup.max_pairs, result.aliases
    )
    if record and result.pairs.new:
        with review.lock():
            result.new_uncertain_pairs = review.dedup.record_uncertain(
                result.pairs.new, result.dedup, result.identification.records
            )
        dedup_key = cache.dedup_key(review, identified)  # the pairs file the next run reads
    stages.save("dedup", dedup_key, result.dedup)
    if last == ORDER.index(PipelineStage.DEDUP):
        return
    # the later stages read the clusters, not how they were found
    deduplicated = cache.digest(identified, cache.clusters_digest(result.dedup))
    variant = f"screen-{'strict' if strict else 'lenient'}-{'record' if record else 'read'}"
    if record:  # a recording run with another signing key records other reviewers' events
        from litsift import signing

        key = signing.from_environment()
        variant += f"-{key.fingerprint}" if key else ""
    screened = stages.load(variant, cache.screen_key(review, deduplicated, variant))
    if screened is None:
        _screen(review, result, strict, record)
        screened = (result.screening, result.split, result.prisma)
    else:
        result.screening, result.split, result.prisma = screened
        result.reused += ("screen",)
    stages.save(variant, cache.screen_key(review, deduplicated, variant), screened)
    if record:
        _prepare_ranking(review, result)
    if last == ORDER.index(PipelineStage.SCREEN):
        return
    tagged = cache.tags_key(review, deduplicated)
    _tag(review, result, stages.load("tag", tagged))
    stages.save("tag", tagged, (result.kb_entries, result.kb_links, result.tags))
    if last == ORDER.index(PipelineStage.TAG):
        return
    _write(review, result, last)
    # the clusters just written are the next run's "last run": key the entry by them
    stages.save("dedup", cache.dedup_key(review, identified), result.dedup)


def _write(review: Review, result: RunResult, last: int) -> None:
    """The report (and with the kb stage, the knowledge base and the clusters), unless the
    files build/ holds were written from the same inputs and are unchanged."""
    stages = review.output.stage_cache
    key = cache.outputs_key(review) + f"-{ORDER[last]}"
    if stages.outputs_intact(key, review.build):
        result.written = stages.outputs(key, review.build)
        result.reused += ("report",)
        return
    from litsift import kb
    from litsift.report import render_report
    from litsift.report.data import report_data

    data = report_data(review.protocol, review.taxonomy, result, review.search.summary())
    files = render_report(data, [review.templates_dir])
    with_kb = last == ORDER.index(PipelineStage.KB)
    database = kb.build_database(result.kb_entries, result.kb_links) if with_kb else None
    with review.lock():  # two runs never interleave their files under build/
        result.written = review.output.write_files(files)
        if database is not None:
            result.written.append(review.output.write_kb(database))
            assert result.dedup is not None
            result.written.append(review.output.write_clusters(result.dedup.clusters))
    stages.record_outputs(key, review.build, result.written)


def _check_inputs(review: Review, result: RunResult, strict: bool) -> None:
    """Files under data/ that nothing reads, and the queries (parsed and linted)."""
    from litsift import search

    errors: list[LitsiftError] = []
    for item in review.unread():
        if item.error:
            errors.append(InputError(review.rel(item.path), item.message))
        else:
            result.warnings.append(item.line(review.rel(item.path)))
    if not review.protocol.queries:
        where = review.rel(review.protocol_path)
        result.query_warnings.append(f"{where}: warning: queries: none listed")
    else:
        try:
            review.queries()
            findings = search.lint_queries(review)
        except InputError as e:
            findings, errors = [], [*errors, e]
        errors += [
            InputError(f.path, f"{f.message} [{f.code}]", f.line, f.col)
            for f in findings
            if f.level == "error"
        ]
        result.query_warnings += [str(f) for f in findings if f.level != "error"]
    _report(errors, result, strict)


def _report(errors: list[LitsiftError], result: RunResult, strict: bool) -> None:
    """A strict run stops at the first error; a lenient one lists them all."""
    if errors and strict:
        raise errors[0]
    result.problems += [str(e) for e in errors]


def _stage(review: Review, until: PipelineStage | str | None) -> int:
    if until is None:
        return len(ORDER) - 1
    try:
        return ORDER.index(PipelineStage(until))
    except ValueError:
        raise InputError(review.protocol_path, f"unknown stage '{until}'") from None


def _deduplicate(review: Review, result: RunResult, progress: Progress | None = None) -> None:
    """Cluster the records. The clusters of the last run are honoured, so an update never
    re-merges what an earlier run kept apart; build/ is not committed, so on a fresh clone
    of an updated review the frozen version's records, deduplicated as they were then,
    stand in for the last run."""
    from litsift import dedup, versions

    records = result.identification.records
    answers = review.dedup.answers()
    previous, links = dedup.still_valid(
        review.output.previous_clusters(), review.output.previous_links(), records
    )
    if not previous and result.previous_version is not None:
        frozen = result.previous_version.keys()
        old = [r for r in records if versions.record_key(r) in frozen]
        previous = dedup.deduplicate(old, answers=answers).assignment()
    result.dedup = dedup.deduplicate(
        records, answers=answers, previous=previous, previous_links=links, progress=progress
    )


def _screen(review: Review, result: RunResult, strict: bool, record: bool) -> None:
    """The reviewers' decisions, the final status of every cluster, and the PRISMA flow."""
    from litsift import screen, versions
    from litsift.dedup.core import member_key
    from litsift.models import SourceKind
    from litsift.report.counts import MetaAnalysisInput, prisma_flow

    assert result.dedup is not None
    clusters = result.dedup.clusters
    state = review.screening.load(result.aliases(), strict=strict)
    if record:
        result.audit_events = review.audit.sync(state, "litsift")
    records = result.identification.records
    year_of = {member_key(r): r.year for r in records}
    member_years = {
        c.id: sorted({y for m in c.members if (y := year_of.get(m.key)) is not None})
        for c in clusters
    }
    result.screening = screen.screen(
        [c.canonical for c in clusters], review.protocol, state, member_years
    )
    previous_sources = {s.name for s in review.protocol.sources if s.kind is SourceKind.PREVIOUS}
    result.split = versions.split(clusters, records, previous_sources, result.previous_version)
    meta = review.meta_analysis()
    result.prisma = prisma_flow(
        review.protocol,
        records,
        clusters,
        result.screening.statuses,
        result.split,
        version=result.previous_version.name if result.previous_version else "",
        meta=MetaAnalysisInput(*meta) if meta else None,
    )
    result.prisma.check()


def ranker_features(review: Review) -> Callable[..., object]:
    """The ranker's TF-IDF features through build/.cache: `screen next`, the workbench
    and the run below share one entry, keyed by the records' texts."""
    from litsift.screen.prioritise import vectorise

    return cache.cached_features(review.output.stage_cache, vectorise)


def _prepare_ranking(review: Review, result: RunResult) -> None:
    """Compute the ranker's features ahead (when the review ranks), so that the first
    `screen next` after a run that changed the records does not wait for them."""
    if not review.protocol.screening.prioritise:
        return
    from litsift import screen
    from litsift.progress import task

    assert result.dedup is not None
    records = [c.canonical for c in result.dedup.clusters]
    with task(f"prepare the ranking of {len(records):,} records"):
        screen.prepare_ranking(records, review.protocol, ranker_features(review))


def _tag(review: Review, result: RunResult, cached: tuple | None = None) -> None:
    """Link the knowledge base to the included studies and tag them."""
    if cached is not None:
        result.kb_entries, result.kb_links, result.tags = cached
        result.reused += ("tag",)
        return
    from litsift import kb, tag
    from litsift.report.data import all_included

    result.kb_entries = tuple(review.kb.entries())
    included = all_included(result)
    result.kb_links = kb.link_records(result.kb_entries, included)
    by_record = {result.kb_links[e.key]: e for e in result.kb_entries if e.key in result.kb_links}
    overrides = review.tags.overrides({r.id for r in included})
    from litsift.progress import task

    with task(f"tag {len(included):,} studies"):
        result.tags = tag.tag_included(
            included, by_record, overrides, review.taxonomy, review.protocol
        )


def included_records(result: RunResult) -> list[Record]:
    """The included reports of the new flow and of the previous version (canonical records)."""
    from litsift.report.data import all_included

    return all_included(result)
