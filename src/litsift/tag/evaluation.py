"""Scoring taggers: per-label precision, recall, F1 and kappa, macro-F1, confusion matrices.

`evaluate_taggers` judges each tagger two ways, on records' own text only:

- **cross-validation** over the studies a person curated: the studies are dealt into k
  folds (seeded, stratified by their rarest class); each fold is tagged by a tagger fitted
  on the other folds only, and the predictions of all folds are scored together; once with
  the held-out records as imported (title, keywords, venue, abstract where there is one)
  and once with their title and venue only, as a bare listing gives a new record;
- **the independent set**: papers outside the knowledge base, labelled by a documented
  protocol (`data/kb/eval/`), tagged by a tagger fitted on every curated study.

The inputs are `Example`s, which hold a record's text and its labels and nothing else, so
no curated summary, technique or system can reach a tagger through here.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from litsift.models import Taxonomy
from litsift.tag.base import StudyTags, StudyText
from litsift.tag.learned import Example, LearnedTagger, Settings
from litsift.tag.terms import TermTagger

if TYPE_CHECKING:
    from litsift.tag import Tagger

NONE = "(none)"  # the confusion matrices' column for a record given no label of the kind
FOLDS = 5
SEED = "litsift-tag-cv"


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Evaluation:
    per_class: Mapping[str, ClassScores]
    macro_f1: float
    kappa: Mapping[str, float | None]
    studies: int
    disagreements: tuple[str, ...] = field(default=())
    # confusion[true][predicted]: records carrying label `true` that were given `predicted`
    # (NONE: given no label of this kind); the diagonal is each label's true positives
    confusion: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # predicted[label]: records given the label, whatever their true labels
    predicted: Mapping[str, int] = field(default_factory=dict)


def evaluate(
    predicted: Mapping[str, Sequence[str]],
    curated: Mapping[str, Sequence[str]],
    labels: Sequence[str],
) -> Evaluation:
    """Per-label precision, recall, F1 and Cohen's kappa (binary, per label), macro-F1."""
    ids = sorted(set(curated) & set(predicted))
    per_class: dict[str, ClassScores] = {}
    kappa: dict[str, float | None] = {}
    for label in labels:
        pairs = [(label in predicted[i], label in curated[i]) for i in ids]
        tp = sum(p and c for p, c in pairs)
        fp = sum(p and not c for p, c in pairs)
        fn = sum(c and not p for p, c in pairs)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[label] = ClassScores(round(prec, 4), round(rec, 4), round(f1, 4), tp + fn)
        kappa[label] = _binary_kappa(pairs)
    macro = sum(s.f1 for s in per_class.values()) / len(labels) if labels else 0.0
    dis = tuple(i for i in ids if set(predicted[i]) != set(curated[i]))
    confusion = {t: {p: 0 for p in (*labels, NONE)} for t in labels}
    for i in ids:
        given = [p for p in predicted[i] if p in labels] or [NONE]
        for t in curated[i]:
            if t in confusion:
                for p in given:
                    confusion[t][p] += 1
    counts = {label: sum(label in predicted[i] for i in ids) for label in labels}
    return Evaluation(per_class, round(macro, 4), kappa, len(ids), dis, confusion, counts)


def _binary_kappa(pairs: Sequence[tuple[bool, bool]]) -> float | None:
    n = len(pairs)
    if not n:
        return None
    observed = sum(p == c for p, c in pairs) / n
    p_yes = sum(p for p, _ in pairs) / n
    c_yes = sum(c for _, c in pairs) / n
    expected = p_yes * c_yes + (1 - p_yes) * (1 - c_yes)
    if expected == 1:
        return None
    return round((observed - expected) / (1 - expected), 4)


@dataclass(frozen=True)
class TaggerResult:
    """One tagger's scores on one set of records."""

    tagger: str
    classes: Evaluation
    families: Evaluation
    unclassified: tuple[tuple[str, str], ...]  # (record id, reason)


@dataclass(frozen=True)
class TagEvaluation:
    """Every tagger, cross-validated on the curated studies and on the independent set."""

    used: str  # the tagger the review itself uses (`make_tagger`)
    folds: int
    seed: str
    curated: int
    independent: int
    cross_validation: tuple[TaggerResult, ...]  # the held-out records as they are
    cross_validation_title_venue: tuple[TaggerResult, ...]  # held out with title, venue only
    independent_set: tuple[TaggerResult, ...]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form (`litsift tag eval --json`)."""

        def result(r: TaggerResult) -> dict[str, object]:
            return {
                "classes": _evaluation_dict(r.classes),
                "families": _evaluation_dict(r.families),
                "unclassified": [{"id": i, "reason": why} for i, why in r.unclassified],
            }

        return {
            "used": self.used,
            "fields_read": ["title", "abstract", "keywords", "venue"],
            "cross_validation": {
                "folds": self.folds,
                "seed": self.seed,
                "studies": self.curated,
                "taggers": {r.tagger: result(r) for r in self.cross_validation},
                "title_and_venue_only": {
                    r.tagger: result(r) for r in self.cross_validation_title_venue
                },
            },
            "independent": {
                "papers": self.independent,
                "taggers": {r.tagger: result(r) for r in self.independent_set},
            },
        }


def _evaluation_dict(ev: Evaluation) -> dict[str, object]:
    return {
        "records": ev.studies,
        "macro_f1": ev.macro_f1,
        "per_label": {
            k: asdict(v) | {"kappa": ev.kappa[k], "predicted": ev.predicted.get(k, 0)}
            for k, v in ev.per_class.items()
        },
        "confusion": {t: dict(row) for t, row in ev.confusion.items()},
        "differ": len(ev.disagreements),
    }


def assign_folds(examples: Sequence[Example], k: int, seed: str) -> dict[str, int]:
    """Record id -> fold: a seeded shuffle, then the studies of the rarest classes dealt
    first, round robin, so every fold holds its share of each class."""
    ids = sorted(e.study.id for e in examples)
    random.Random(seed).shuffle(ids)
    by_id = {e.study.id: e for e in examples}
    freq: dict[str, int] = {}
    for e in examples:
        for c in e.classes:
            freq[c] = freq.get(c, 0) + 1

    def rarest(i: str) -> tuple[int, str]:
        return min(((freq[c], c) for c in by_id[i].classes), default=(0, ""))

    ordered = sorted(ids, key=rarest)  # stable: the shuffle decides among equals
    return {i: n % k for n, i in enumerate(ordered)}


def title_and_venue(study: StudyText) -> StudyText:
    """The record as a bare listing gives it: title and venue, no keywords or abstract."""
    return StudyText(study.id, {k: v for k, v in study.fields.items() if k in ("title", "venue")})


def cross_validate(
    examples: Sequence[Example],
    fit: Callable[[Sequence[Example]], Tagger],
    k: int = FOLDS,
    seed: str = SEED,
    *,
    reduce: Callable[[StudyText], StudyText] | None = None,
) -> dict[str, StudyTags]:
    """Each example tagged by a tagger fitted on the other folds only; `reduce` (say,
    `title_and_venue`) cuts what the tagger reads of each held-out record."""
    fold_of = assign_folds(examples, k, seed)
    out: dict[str, StudyTags] = {}
    for fold in range(k):
        train = [e for e in examples if fold_of[e.study.id] != fold]
        test = [e for e in examples if fold_of[e.study.id] == fold]
        if not test:
            continue
        tagger = fit(train)
        for e in test:
            out[e.study.id] = tagger.tag(reduce(e.study) if reduce else e.study)
    return out


def score(
    name: str, tags: Mapping[str, StudyTags], truth: Sequence[Example], taxonomy: Taxonomy
) -> TaggerResult:
    """A tagger's predictions against the labels of `truth`."""
    classes = evaluate(
        {i: t.class_ids() for i, t in tags.items()},
        {e.study.id: e.classes for e in truth},
        taxonomy.class_ids(),
    )
    families = evaluate(
        {i: t.family_ids() for i, t in tags.items()},
        {e.study.id: e.families for e in truth},
        taxonomy.family_ids(),
    )
    unclassified = tuple(
        (i, t.unclassified or "no class") for i, t in sorted(tags.items()) if not t.classes
    )
    return TaggerResult(name, classes, families, unclassified)


def evaluate_taggers(
    curated: Sequence[Example],
    independent: Sequence[Example],
    taxonomy: Taxonomy,
    settings: Settings,
    *,
    used: str,
    k: int = FOLDS,
    seed: str = SEED,
) -> TagEvaluation:
    """The term and the learned tagger, cross-validated on `curated` and, fitted on all of
    `curated`, scored on `independent`."""
    fits: dict[str, Callable[[Sequence[Example]], Tagger]] = {
        "terms": lambda _train: TermTagger(taxonomy),
        "learned": lambda train: LearnedTagger(taxonomy, settings).fit(train),
    }
    cv, cv_short, ind = [], [], []
    for name, fit in fits.items():
        cv.append(score(name, cross_validate(curated, fit, k, seed), curated, taxonomy))
        short = cross_validate(curated, fit, k, seed, reduce=title_and_venue)
        cv_short.append(score(name, short, curated, taxonomy))
        if independent:
            tagger = fit(curated)
            tags = {e.study.id: tagger.tag(e.study) for e in independent}
            ind.append(score(name, tags, independent, taxonomy))
    return TagEvaluation(
        used, k, seed, len(curated), len(independent), tuple(cv), tuple(cv_short), tuple(ind)
    )


def render(ev: TagEvaluation) -> str:
    """`litsift tag eval` as text: per tagger and set, per-label scores and the confusion
    matrix of the classes."""
    lines = [
        f"tagger this review uses: {ev.used}; every tagger reads title, abstract, keywords"
        " and venue only",
    ]
    sections = [
        (
            f"cross-validation: {ev.folds} folds over {ev.curated} curated studies"
            f" (seed {ev.seed}), held-out records as imported",
            ev.cross_validation,
        ),
        (
            "cross-validation, held-out records by title and venue only",
            ev.cross_validation_title_venue,
        ),
        (
            f"independent set: {ev.independent} papers outside the knowledge base",
            ev.independent_set,
        ),
    ]
    for heading, results in sections:
        if not results:
            continue
        lines += ["", f"== {heading}"]
        for r in results:
            lines += [
                "",
                f"-- {r.tagger}: classes macro-F1 {r.classes.macro_f1:.3f}, families macro-F1"
                f" {r.families.macro_f1:.3f}, unclassified {len(r.unclassified)}",
            ]
            lines += [*_table("class", r.classes), "", *_confusion(r.classes)]
            lines += ["", *_table("family", r.families)]
    return "\n".join(lines) + "\n"


def _table(kind: str, ev: Evaluation) -> list[str]:
    width = max([len(kind), *(len(k) for k in ev.per_class)]) + 2
    out = [f"{kind:<{width}}{'precision':>10}{'recall':>8}{'f1':>8}{'kappa':>8}{'n':>5}"]
    for label, s in ev.per_class.items():
        k = ev.kappa[label]
        kappa = f"{k:>8.3f}" if k is not None else f"{'-':>8}"
        out.append(
            f"{label:<{width}}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>8.3f}{kappa}{s.support:>5}"
        )
    return out


def _confusion(ev: Evaluation) -> list[str]:
    """Rows: the labelled class; columns: the class given (a record may have several)."""
    cols = [*ev.per_class, NONE]
    width = max(len(c) for c in cols) + 2
    out = ["labelled \\ given".ljust(width + 6) + "".join(f"{c:>{width}}" for c in cols)]
    for t, row in ev.confusion.items():
        out.append(f"{t:<{width + 6}}" + "".join(f"{row[c]:>{width}}" for c in cols))
    return out
