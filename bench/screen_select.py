"""Choosing the ranker's default settings by leave-one-dataset-out, on every labelled set.

    python bench/screen_select.py build/bench

The procedure (the shipped `prioritise.DEFAULT` is its outcome):
1. Every candidate setting in `CANDIDATES` (ASReview's elas_u4 recipe reproduced, and that
   recipe plus one idea each: keywords, more weight on inclusions, batch retraining, and
   litsift 0.1.0's own setting) replays every labelled CSV under
   ../shared/realworld/screening/ with seeds 1-5 and the priors of bench/screen.py.
2. A candidate's score on a data set is its mean WSS@95 over the seeds. Sets that share
   records form one group (the Nagtegaal 2019 subset and full set): a group's score is
   the mean over its sets, and a group is held out whole.
3. Leave one group out: for each group, pick the candidate with the best mean score over
   the OTHER groups (ties: the earlier, simpler candidate) and report its score on the
   held-out group, beside the best score any candidate reached there (an oracle no
   procedure can know) and elas_u4's. The mean of the held-out scores estimates how well
   "pick the best on the others" does on a set it never saw.
4. The shipped default is the candidate the same rule picks on all groups.
Only candidates that replay faster, on average, than ASReview's simulations cached in
the same output folder may be chosen (`faster_than`): litsift must simulate faster.
No rule may depend on which set a record comes from.

Seconds are those of the run that computed each cached replay (carried-over replays keep
theirs), so replays from different rounds, run under different loads, compare loosely;
bench/screen.py times the shipped default and ASReview side by side.

Measured and left out of the grid: a logistic regression averaged with the SVM
(`Model(second="logistic")`) ran 10-25 times slower than ASReview (165 s a run on ADHD)
and did not beat keywords alone on the three sets it finished (WSS@95 ADHD 0.528 vs
0.517, Estrogens 0.425 vs 0.440, OralHypoglycemics 0.132 vs 0.136); static wordllama
embeddings (its wheel ships the weights and loads offline) cost ~4 s to embed 2,000
records (in the grid since round three: they help ADHD and OralHypoglycemics and cost the
other sets more); keywords as a separate
feature block at half weight did worse than keywords in the text on the sets with keywords
(scratch runs with batches of 2%: Estrogens +0.119 vs +0.102 but UrinaryIncontinence
+0.043 vs +0.099, OralHypoglycemics -0.040 vs -0.033, against elas_u4). The review's query
as a pseudo-relevant seed cannot be judged here: the labelled sets carry no query (two of
eight have a title in their metadata), and with an included prior it only matters before
the first model is trained.
Scratch runs in round four, not in the grid (keywords in batches of 0.5% as the base, mean
WSS@95 over seeds 1-5): ASReview 1's naive Bayes (alpha 3.822) fused with the SVM by
z-score lost on every set (OralHypoglycemics 0.070, Kitchenham 0.422); switching for good
to the SVM fused with a wordllama SVM once 5% of the records in a row were excluded (after
the switching models of Teijema et al., 2023) raised ADHD to 0.557 and Kitchenham to 0.684
but cost Triptans (0.545) and left OralHypoglycemics at 0.142.

Round three (issue 13): since keywords help three sets much and cost two a little, the
model with keywords and the one without (ASReview's) are combined, each setting fixed
before any replay: (a) chosen online (`Model(select="prequential")`): every retraining both
score the pool; each record the reviewer then labels was scored by both before its label
was known, and counts for the one that placed it higher if relevant, against it if not,
by the difference of its two percentiles (`prioritise.Prequential`, no window or decay);
the next records come from the one ahead, ties and the start going to ASReview's; (b) fused
(`blend`), as the mean of the two z-scores or of the two ranks (Borda); each after every
record and after batches of 0.5%. On a set without keywords all of these run as elas_u4
(`effective`) and share its replays.

Rounds (from round four): the candidates are kept by the round that declared them
(`ROUNDS`). Those of rounds one and two may be chosen; a later round's join them only if
choosing among them too gives a strictly higher mean held-out score in step 3
(`admit_rounds`). Adding candidates that are no better gives the choice more chances to
pick one that is best on the chosen-on sets by luck: round four's "keywords as words and
terms" led the mean over all groups by 0.00006 and would have been shipped, while adding
it lowered the held-out mean from 0.4910 to 0.4894. The rule was written after that
replay and is applied to round three as well (0.4910 either way: not admitted; the
default is the same). Round four: each keyword as one whole term of the text's TF-IDF
(a MeSH heading is one feature; no word pair spans two headings), instead of its words
or beside them, both in batches of 0.5%.

Writes <out>/screen-select.json and <out>/screen-select.md. Results are cached in
<out>/screen-select-cache.json keyed by candidate, set sha256, seed and a hash of the
ranking code, so a rerun after no code change is cheap and a fresh folder recomputes.
A result cached under an earlier version of the ranking code, for a setting that runs as
this one does on the set, is carried over once the first of them (per code version and
setting) has been replayed again and agreed in every figure but the seconds; when it does
not agree, every replay of that pair is run afresh (`earlier_result`).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from litsift.errors import LitsiftError  # noqa: E402
from litsift.screen import prioritise  # noqa: E402
from litsift.screen.prioritise import Model  # noqa: E402


def _bench_screen():
    spec = importlib.util.spec_from_file_location(
        "bench_screen", Path(__file__).with_name("screen.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench_screen()
U4 = prioritise.ASREVIEW_U4
# Candidates by the round of issue 13 that declared them. The first entry holds rounds one
# and two; a later round's candidates may be chosen only if admitting them raised the
# held-out mean of the selection (`admit_rounds`).
ROUNDS: tuple[tuple[str, dict[str, Model]], ...] = (
    (
        "one and two",
        {
            "elas_u4": U4,
            "elas_u4 + keywords": Model(keywords=True),
            "elas_u4 + keywords, batches of 1%": Model(keywords=True, batch_fraction=0.01),
            "elas_u4 + keywords, batches of 0.5%": Model(keywords=True, batch_fraction=0.005),
            "elas_u4 + keywords, batches of 5 records": Model(keywords=True, batch_records=5),
            "elas_u4 + keyword block x0.5": Model(keyword_block=0.5),
            "elas_u4 + keyword block x0.25": Model(keyword_block=0.25),
        },
    ),
    (
        "three",
        {
            # declared in round two, first replayed on every set and seed in round three
            "elas_u4, dynamic balance": Model(balance="dynamic"),
            "elas_u4 + wordllama SVM, mean z-score": Model(partner="wordllama"),
            "elas_u4 + wordllama SVM, mean rank": Model(partner="wordllama", combine="rank"),
            "elas_u4 + keywords + wordllama SVM, mean z-score": Model(
                keywords=True, partner="wordllama"
            ),
            # round three: the model with keywords and the one without, chosen online or fused
            "prequential choice of elas_u4 / + keywords": Model(
                keywords=True, select="prequential"
            ),
            "prequential choice of elas_u4 / + keywords, batches of 0.5%": Model(
                keywords=True, select="prequential", batch_fraction=0.005
            ),
            "fusion of elas_u4 and + keywords, mean z-score": Model(keywords=True, blend=True),
            "fusion of elas_u4 and + keywords, mean z-score, batches of 0.5%": Model(
                keywords=True, blend=True, batch_fraction=0.005
            ),
            "fusion of elas_u4 and + keywords, mean rank": Model(
                keywords=True, blend=True, combine="rank"
            ),
            "fusion of elas_u4 and + keywords, mean rank, batches of 0.5%": Model(
                keywords=True, blend=True, combine="rank", batch_fraction=0.005
            ),
        },
    ),
    (
        "four",
        {
            # a keyword as one term of the text's TF-IDF (no word pairs across headings)
            "elas_u4 + keywords as terms, batches of 0.5%": Model(
                keyword_terms=True, batch_fraction=0.005
            ),
            "elas_u4 + keywords as words and terms, batches of 0.5%": Model(
                keywords=True, keyword_terms=True, batch_fraction=0.005
            ),
        },
    ),
)
CANDIDATES: dict[str, Model] = {n: m for _, grid in ROUNDS for n, m in grid.items()}
# listed in the output as not run, never chosen (none at present)
NOT_RUN: dict[str, Model] = {}
CODE = (
    "src/litsift/screen/prioritise.py",
    "src/litsift/screen/stopping.py",
    "src/litsift/embeddings.py",
)
SETTINGS_NAMES = {"DEFAULT", "ASREVIEW_U4"}


def group_of(name: str) -> str:
    """Sets whose names agree up to the first dot share records (X.csv and X.SUBSET.csv)."""
    return name.split(".", 1)[0]


@dataclass(frozen=True)
class Fold:
    held_out: str
    chosen: str
    chosen_score: float  # the chosen candidate's score on the held-out group
    best: str
    best_score: float  # the best score any candidate reached on it (oracle)
    baseline_score: float  # elas_u4 on it


def best_candidate(
    scores: Mapping[str, Mapping[str, float]],
    groups: Sequence[str],
    allowed: Sequence[str] | None = None,
) -> str:
    """The candidate (of `allowed`, default all) with the highest mean score over `groups`;
    ties go to the earliest."""
    names = list(scores)
    pool = [n for n in names if allowed is None or n in allowed]
    return max(pool, key=lambda c: (mean(scores[c][g] for g in groups), -names.index(c)))


def leave_one_group_out(
    scores: Mapping[str, Mapping[str, float]],
    baseline: str,
    allowed: Sequence[str] | None = None,
) -> tuple[list[Fold], str]:
    """Folds of leave-one-group-out selection, and the choice made on every group.

    `scores[candidate][group]` is the candidate's score on a group (higher is better);
    only `allowed` candidates may be chosen (the oracle column looks at all of them).
    """
    groups = sorted(next(iter(scores.values())))
    folds = []
    for held in groups:
        others = [g for g in groups if g != held]
        chosen = best_candidate(scores, others, allowed)
        best = best_candidate(scores, [held])
        folds.append(
            Fold(
                held,
                chosen,
                scores[chosen][held],
                best,
                scores[best][held],
                scores[baseline][held],
            )
        )
    return folds, best_candidate(scores, groups, allowed)


@dataclass(frozen=True)
class Admission:
    round: str
    held_out_before: float  # mean held-out score choosing among the candidates admitted so far
    held_out_with: float  # the same with this round's candidates added
    admitted: bool


def admit_rounds(
    scores: Mapping[str, Mapping[str, float]],
    rounds: Sequence[tuple[str, Sequence[str]]],
    baseline: str,
    allowed: Sequence[str] | None = None,
) -> tuple[list[str], list[Admission]]:
    """The candidates that may be chosen, and why each later round was admitted or not.

    The first round's candidates (of `allowed`) are admitted. Each later round, in order,
    is admitted only if choosing among what is admitted plus its candidates scores a
    strictly higher mean held-out score (`leave_one_group_out`) than choosing without them.
    A round that does not raise it can only add noise to the choice: with more candidates
    to pick from, the best on the chosen-on sets wins by chance more often.
    """

    def held_out(pool: list[str]) -> float:
        folds, _ = leave_one_group_out(scores, baseline, pool)
        return round(mean(f.chosen_score for f in folds), 4)

    ok = set(scores) if allowed is None else set(allowed) & set(scores)
    (_, first), *later = rounds
    pool = [n for n in first if n in ok]
    trail = []
    for name, members in later:
        extra = [n for n in members if n in ok]
        before, with_it = held_out(pool), held_out(pool + extra) if extra else held_out(pool)
        admitted = bool(extra) and with_it > before
        trail.append(Admission(name, before, with_it, admitted))
        if admitted:
            pool += extra
    return pool, trail


def faster_than(seconds: Mapping[str, float], limit: float | None) -> list[str]:
    """Candidates whose mean replay takes less than `limit` seconds (None: no limit known)."""
    return [n for n, t in seconds.items() if limit is None or t < limit]


def asreview_runs(sets: Sequence[prioritise.LabelledSet], cache: Path) -> dict | None:
    """{set name: [ASReview's result per seed]} from the cache bench/screen.py writes in the
    same output folder; None unless every set and seed is there."""
    saved = json.loads(cache.read_text()) if cache.exists() else {}
    out: dict = {}
    for data in sets:
        digest = BENCH.sha256(Path(data.path))
        for seed in BENCH.SEEDS:
            priors = prioritise.choose_priors(data.labels, seed)
            key = f"{BENCH.ASREVIEW}|{digest}|seed {seed}|priors {priors[0]} {priors[1]}"
            if key not in saved:
                return None
            out.setdefault(Path(data.path).name, []).append(saved[key])
    return out or None


def asreview_seconds(sets: Sequence[prioritise.LabelledSet], cache: Path) -> float | None:
    """ASReview's mean wall time per simulation over every set and seed (see asreview_runs)."""
    runs = asreview_runs(sets, cache)
    if runs is None:
        return None
    return round(mean(r["seconds"] for rows in runs.values() for r in rows), 2)


def set_scores(results: dict) -> dict[str, dict[str, float]]:
    """{candidate: {set name: mean WSS@95 over the seeds}}."""
    return {
        name: {s: round(mean(r["wss95"] for r in rows), 4) for s, rows in sorted(per.items())}
        for name, per in results.items()
    }


def stopping(results: dict, target: float = 0.95) -> dict[str, dict[str, float]]:
    """Per candidate, over every set and seed: the share of runs whose stopping rule stopped
    at recall >= `target`, and the work saved at the stop (mean, worst)."""
    out = {}
    for name, per in results.items():
        runs = [r for rows in per.values() for r in rows]
        out[name] = {
            "runs": len(runs),
            "share_reaching_target": round(
                sum(r["stop_recall"] >= target for r in runs) / len(runs), 4
            ),
            "work_saved_mean": round(mean(r["stop_work_saved"] for r in runs), 4),
            "work_saved_worst": min(r["stop_work_saved"] for r in runs),
        }
    return out


def code_hash() -> str:
    """Hash of the ranking code's syntax tree, less what cannot change a cached result.

    Docstrings and comments do not count, nor the defaults of the settings (a cache key
    holds every setting of its candidate) and which of them is DEFAULT.
    """
    digest = hashlib.sha256()
    for rel in CODE:
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        tree.body = [n for n in tree.body if not _names_settings(n)]
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and _is_docstring(body[0]):
                node.body = body[1:] or [ast.Pass()]
            if isinstance(node, ast.ClassDef) and node.name == "Model":
                node.body = [n for n in node.body if not isinstance(n, ast.AnnAssign)]
        digest.update(ast.dump(tree).encode())
    return digest.hexdigest()[:16]


def _names_settings(node: ast.stmt) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else []
    return any(isinstance(t, ast.Name) and t.id in SETTINGS_NAMES for t in targets)


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def run_candidates(sets: list[prioritise.LabelledSet], cache: Path) -> tuple[dict, dict[str, str]]:
    """{candidate: {set name: [per-seed result]}}, from the cache where possible, and the
    candidates that could not run here (e.g. an optional package missing), with why."""
    saved = json.loads(cache.read_text()) if cache.exists() else {}
    code = code_hash()
    out: dict = {}
    skipped: dict[str, str] = {}
    checked: dict = {}
    for name, model in CANDIDATES.items():
        try:
            out[name] = {
                Path(d.path).name: _replays(d, model, code, saved, cache, checked) for d in sets
            }
        except LitsiftError as e:
            skipped[name] = str(e)
            out.pop(name, None)
        print(
            f"{name}: {'skipped: ' + skipped[name] if name in skipped else 'done'}", file=sys.stderr
        )
    return out, skipped


def effective(model: Model, data: prioritise.LabelledSet) -> Model:
    """The model as it runs on `data`: on a set without keywords, the settings that only
    act on keywords (keywords, their block, the blend or choice with the model without
    them, how two matrices combine) change nothing, so its replays are elas_u4's."""
    if any(data.keyword_lists()) or model.partner:
        return model
    return replace(
        model,
        keywords=False,
        keyword_block=0.0,
        blend=False,
        select="",
        combine="zscore",
        keyword_terms=False,
    )


def parse_model(text: str) -> Model | None:
    """A `Model(...)` repr from a cache key back to a Model (settings added since default)."""
    try:
        call = ast.parse(text, mode="eval").body
        assert isinstance(call, ast.Call)
        return Model(**{k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg})
    except (SyntaxError, ValueError, TypeError, AssertionError):
        return None


def _replays(
    data: prioritise.LabelledSet,
    model: Model,
    code: str,
    saved: dict,
    cache: Path,
    checked: dict | None = None,
) -> list[dict]:
    digest = BENCH.sha256(Path(data.path))
    model = effective(model, data)
    checked = {} if checked is None else checked
    rows = []
    for seed in BENCH.SEEDS:
        priors = prioritise.choose_priors(data.labels, seed)
        case = f"{digest}|seed {seed}|priors {priors}"
        key = f"{model!r}|{case}|code {code}"
        if key not in saved:
            old = earlier_result(saved, model, data, case)
            if old is not None and checked.get(old[0]) is not False:
                if old[0] not in checked:
                    sim = _simulate(data, seed, model, priors)
                    checked[old[0]] = _same(sim, saved[old[1]])
                    verdict = "carried over" if checked[old[0]] else "differs: replayed afresh"
                    print(f"  earlier result of {old[0]}: {verdict}", file=sys.stderr)
                    saved[key] = sim if not checked[old[0]] else saved[old[1]]
                else:
                    saved[key] = saved[old[1]]
            else:
                saved[key] = _simulate(data, seed, model, priors)
            cache.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n")
        rows.append(saved[key])
    return rows


def _simulate(
    data: prioritise.LabelledSet, seed: int, model: Model, priors: tuple[int, int]
) -> dict:
    sim = prioritise.simulate(data, seed, model, priors)
    return json.loads(json.dumps({k: v for k, v in sim.as_dict().items() if k != "stop"}))


def _same(new: dict, old: dict) -> bool:
    """Every figure but the seconds agrees (compared as the cache stores them, in JSON)."""
    same = json.loads(json.dumps(new))
    return {k: v for k, v in same.items() if k != "seconds"} == {
        k: v for k, v in old.items() if k != "seconds"
    }


def earlier_result(
    saved: dict, model: Model, data: prioritise.LabelledSet, case: str
) -> tuple[str, str] | None:
    """A cached replay of the same set, seed and priors by a model that runs as `model` does
    on this set, under an earlier version of the ranking code: (that code and model, key).

    It is carried over only after the first replay of each such (code, model) pair has been
    run again with the current code and agreed in every figure but the seconds (`_replays`);
    otherwise everything of that pair is replayed afresh."""
    for key in sorted(saved):
        text, _, rest = key.partition("|")
        found_case, _, code = rest.rpartition("|")
        if found_case != case:
            continue
        other = parse_model(text)
        if other is not None and effective(other, data) == model:
            return f"{code}|{model!r}", key
    return None


def group_scores(results: dict) -> dict[str, dict[str, float]]:
    """{candidate: {group: mean over the group's sets of mean WSS@95 over seeds}}."""
    out: dict[str, dict[str, float]] = {}
    for name, per_set in results.items():
        by_group: dict[str, list[float]] = {}
        for set_name, rows in per_set.items():
            by_group.setdefault(group_of(set_name), []).append(mean(r["wss95"] for r in rows))
        out[name] = {g: round(mean(v), 4) for g, v in sorted(by_group.items())}
    return out


def main(out: Path) -> int:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    paths = BENCH.labelled_sets(BENCH.SHARED / "screening")
    try:
        sets = [prioritise.load_labelled(p) for p in paths]
    except LitsiftError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not sets:
        print("no labelled set found: nothing to select on", file=sys.stderr)
        return 0
    results, skipped = run_candidates(sets, out / "screen-select-cache.json")
    scores = group_scores(results)
    seconds = {
        n: round(mean(r["seconds"] for rows in per.values() for r in rows), 2)
        for n, per in results.items()
    }
    asreview = asreview_runs(sets, out / "screen-asreview-cache.json")
    limit = asreview_seconds(sets, out / "screen-asreview-cache.json")
    fast = faster_than(seconds, limit)
    rounds = [(name, [n for n in grid if n in scores]) for name, grid in ROUNDS]
    allowed, admissions = admit_rounds(scores, rounds, "elas_u4", fast)
    folds, chosen = leave_one_group_out(scores, "elas_u4", allowed)
    shipped = next(
        (n for n, m in CANDIDATES.items() if m == prioritise.DEFAULT), "(not a candidate)"
    )
    report = {
        "candidates": {n: asdict(m) for n, m in CANDIDATES.items()},
        "scores": scores,
        "set_scores": set_scores(results),
        "asreview_set_scores": set_scores({"asreview": asreview})["asreview"] if asreview else {},
        "stopping": stopping(results),
        "not_run": {n: asdict(m) for n, m in NOT_RUN.items()},
        "seconds": seconds,
        "asreview_seconds": limit,
        "may_be_chosen": allowed,
        "faster_than_asreview": fast,
        "rounds": {name: list(grid) for name, grid in ROUNDS},
        "admissions": [asdict(a) for a in admissions],
        "skipped": skipped,
        "folds": [asdict(f) for f in folds],
        "chosen_on_all": chosen,
        "shipped_default": shipped,
    }
    (out / "screen-select.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    (out / "screen-select.md").write_text(markdown(report))
    return 0


def markdown(report: dict) -> str:
    scores, groups = report["scores"], sorted(next(iter(report["scores"].values())))
    lines = [
        "## Ranker settings chosen leave-one-dataset-out (bench/screen_select.py)",
        "",
        "Score: mean WSS@95 over seeds 1-5 (a group's sets averaged; the Nagtegaal subset",
        "and full set form one group). Candidates:",
        "",
        "| candidate | " + " | ".join(groups) + " | mean | seconds/run | may be chosen |",
        "|---|" + "---|" * (len(groups) + 3),
    ]
    for name, per in scores.items():
        cells = " | ".join(f"{per[g]:.3f}" for g in groups)
        if name in report["may_be_chosen"]:
            ok = "yes"
        elif name not in report["faster_than_asreview"]:
            ok = "no: slower than ASReview"
        else:
            ok = "no: its round did not raise the held-out mean"
        lines.append(
            f"| {name} | {cells} | {mean(per.values()):.4f} | {report['seconds'][name]:.2f} "
            f"| {ok} |"
        )
    lines += ["", *per_set_lines(report)]
    limit = report["asreview_seconds"]
    lines += [
        "",
        f"May be chosen: replays faster, on average over every set and seed, than ASReview's "
        f"{limit:.2f} s per simulation (wall time, from screen-asreview-cache.json)."
        if limit is not None
        else "May be chosen: every candidate (no ASReview timings in this output folder).",
    ]
    lines += ["", *admission_lines(report)]
    lines += [f"Not run: {n}: {why}" for n, why in report["skipped"].items()]
    lines += [f"Not run this round (cost; never chosen): {n}" for n in report["not_run"]]
    lines += ["", *stopping_lines(report)]
    lines += [
        "",
        "Leave one group out: the candidate (of those that may be chosen) best on the other",
        "groups, scored on the held-out one; the oracle column looks at every candidate.",
        "",
        "| held out | chosen on the others | its WSS@95 there | best there (oracle) | elas_u4 |",
        "|---|---|---|---|---|",
    ]
    for f in report["folds"]:
        lines.append(
            f"| {f['held_out']} | {f['chosen']} | {f['chosen_score']:.3f} | "
            f"{f['best_score']:.3f} ({f['best']}) | {f['baseline_score']:.3f} |"
        )
    folds = report["folds"]
    lines += [
        f"| **mean** | | {mean(f['chosen_score'] for f in folds):.4f} | "
        f"{mean(f['best_score'] for f in folds):.4f} | "
        f"{mean(f['baseline_score'] for f in folds):.4f} |",
        "",
        f"Chosen on all groups: **{report['chosen_on_all']}**; shipped default "
        f"(`prioritise.DEFAULT`): **{report['shipped_default']}**.",
    ]
    return "\n".join(lines) + "\n"


def per_set_lines(report: dict) -> list[str]:
    """Every candidate's mean WSS@95 per set beside ASReview's (same sets, seeds, priors)."""
    sets, asr = sorted(next(iter(report["set_scores"].values()))), report["asreview_set_scores"]
    short = [s.removesuffix(".csv").replace("Cohen_2006_", "") for s in sets]
    lines = [
        "Per set, mean WSS@95 over seeds 1-5; ASReview 3.0.8 from screen-asreview-cache.json;",
        "'sets >= ASReview': on how many sets the candidate is at least ASReview's figure.",
        "",
        "| candidate | " + " | ".join(short) + " | sets >= ASReview | ASReview s / its s |",
        "|---|" + "---|" * (len(sets) + 2),
    ]
    if asr:
        lines.append(
            "| ASReview 3.0.8 | " + " | ".join(f"{asr[s]:.3f}" for s in sets) + " | | 1.0 |"
        )
    limit = report["asreview_seconds"]
    for name, per in report["set_scores"].items():
        wins = f"{sum(per[s] >= asr[s] for s in sets)}/{len(sets)}" if asr else ""
        ratio = f"{limit / report['seconds'][name]:.1f}" if limit else ""
        cells = " | ".join(f"{per[s]:.3f}" for s in sets)
        lines.append(f"| {name} | {cells} | {wins} | {ratio} |")
    return lines


def admission_lines(report: dict) -> list[str]:
    """How each round after the first was admitted to the choice, or not (`admit_rounds`)."""
    first = next(iter(report["rounds"]))
    lines = [
        f"Rounds: the candidates of round(s) {first} may be chosen (if fast enough); a later",
        "round's join them only if choosing among them too raises the mean held-out WSS@95",
        "of the leave-one-group-out folds below.",
        "",
        "| round | candidates | held-out mean before | with the round | admitted |",
        "|---|---|---|---|---|",
    ]
    for a in report["admissions"]:
        lines.append(
            f"| {a['round']} | {len(report['rounds'][a['round']])} | {a['held_out_before']:.4f} "
            f"| {a['held_out_with']:.4f} | {'yes' if a['admitted'] else 'no'} |"
        )
    return lines


def stopping_lines(report: dict) -> list[str]:
    lines = [
        "Stopping rule (hypergeometric test, target recall 0.95, confidence 0.95), over every",
        "set and seed of each candidate:",
        "",
        "| candidate | runs | share stopped at recall >= 0.95 | work saved: mean | worst |",
        "|---|---|---|---|---|",
    ]
    for name, s in report["stopping"].items():
        lines.append(
            f"| {name} | {s['runs']} | {s['share_reaching_target']:.1%} | "
            f"{s['work_saved_mean']:.3f} | {s['work_saved_worst']:.3f} |"
        )
    return lines


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(Path(args[0] if args else "build/bench")))
