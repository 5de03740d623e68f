"""The tag stage: classify included studies into the taxonomy, with evidence.

The tagger is transparent on purpose: each class or family has indicator terms in
data/taxonomy.yaml; a term found in a field of the study adds that field's weight to the
label's score, and the score becomes a confidence in [0, 1). Every assignment carries the
phrases and fields that produced it, so a reviewer can see why and override it in
data/tags/<reviewer>.yaml. Overrides take precedence over the tagger; an adjudicator's
override takes precedence over a reviewer's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from litsift.models import (
    Evidence,
    KBEntry,
    Protocol,
    Record,
    TagAssignment,
    TagOverride,
    Taxonomy,
)

# How much one matched phrase counts, by where it was found.
FIELD_WEIGHTS: Mapping[str, float] = {
    "title": 3.0,
    "keywords": 2.0,
    "systems": 2.0,
    "techniques": 1.5,
    "summary": 1.0,
    "abstract": 1.0,
}
CLASS_THRESHOLD = 0.55  # confidence needed for a second or third class
FAMILY_THRESHOLD = 0.6
SCALE = 3.0  # score at which confidence reaches 1 - 1/e


@dataclass(frozen=True)
class StudyText:
    """The text of one study the tagger reads, by field."""

    id: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class StudyTags:
    id: str
    classes: tuple[TagAssignment, ...]
    families: tuple[TagAssignment, ...]
    overridden_by: str | None = None
    note: str | None = None
    curated: bool = False  # the knowledge base's curated classes and families

    @property
    def source(self) -> str:
        """Where the tags come from: curated (knowledge base), reviewed or automatic."""
        if self.curated:
            return "curated"
        return "reviewed" if self.overridden_by else "automatic"

    def class_ids(self) -> tuple[str, ...]:
        return tuple(a.label for a in self.classes)

    def family_ids(self) -> tuple[str, ...]:
        return tuple(a.label for a in self.families)


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive pattern; a trailing * matches any word ending."""
    wild = term.endswith("*")
    body = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
    tail = r"\w*" if wild else r"(?:s|es)?"
    return re.compile(rf"(?<![\w-]){body}{tail}(?![\w])", re.IGNORECASE)


def _score(terms: Sequence[str], study: StudyText) -> tuple[float, tuple[Evidence, ...]]:
    score = 0.0
    evidence: list[Evidence] = []
    for fname in sorted(study.fields):
        text = study.fields[fname]
        if not text:
            continue
        for term in terms:
            m = _term_pattern(term).search(text)
            if m:
                score += FIELD_WEIGHTS.get(fname, 1.0)
                evidence.append(Evidence(field=fname, phrase=m.group(0)))
    return score, tuple(evidence)


def _confidence(score: float) -> float:
    return round(1.0 - math.exp(-score / SCALE), 3)


def tag_study(study: StudyText, taxonomy: Taxonomy) -> StudyTags:
    """Assign classes (at least one) and families to one study, with evidence."""
    scored = []
    for cls in taxonomy.classes:
        score, ev = _score(cls.indicators, study)
        scored.append(TagAssignment(label=cls.id, confidence=_confidence(score), evidence=ev))
    scored.sort(key=lambda a: (-a.confidence, taxonomy.class_ids().index(a.label)))
    classes = [
        a
        for i, a in enumerate(scored)
        if a.confidence > 0 and (i == 0 or a.confidence >= CLASS_THRESHOLD)
    ]
    families = []
    for fam in taxonomy.families:
        score, ev = _score(fam.indicators, study)
        conf = _confidence(score)
        if conf >= FAMILY_THRESHOLD:
            families.append(TagAssignment(label=fam.id, confidence=conf, evidence=ev))
    return StudyTags(id=study.id, classes=tuple(classes), families=tuple(families))


def apply_overrides(
    auto: StudyTags, overrides: Sequence[tuple[str, TagOverride]], protocol: Protocol
) -> StudyTags:
    """Reviewer overrides replace the tagger's labels; an adjudicator's win over a reviewer's."""
    if not overrides:
        return auto
    roles = {r.id: r.role for r in protocol.reviewers}
    ranked = sorted(overrides, key=lambda o: (roles.get(o[0]) != "adjudicator", o[0]))
    who, ov = ranked[0]
    classes, families = auto.classes, auto.families
    if ov.classes is not None:
        classes = tuple(_manual(label, who) for label in ov.classes)
    if ov.families is not None:
        families = tuple(_manual(label, who) for label in ov.families)
    return StudyTags(
        id=auto.id, classes=classes, families=families, overridden_by=who, note=ov.note
    )


def study_text(rec: Record, entry: KBEntry | None) -> StudyText:
    """What the tagger reads: the record's title, abstract, keywords, and the KB description."""
    fields = {
        "title": rec.title or "",
        "abstract": rec.abstract or "",
        "keywords": "; ".join(rec.keywords),
    }
    if entry is not None:
        fields |= {
            "summary": entry.summary,
            "techniques": "; ".join(entry.techniques),
            "systems": "; ".join(entry.systems),
        }
    return StudyText(rec.id, fields)


def tag_included(
    included: Sequence[Record],
    entries: Mapping[str, KBEntry],
    overrides: Mapping[str, Sequence[tuple[str, TagOverride]]],
    taxonomy: Taxonomy,
    protocol: Protocol,
) -> dict[str, StudyTags]:
    """Tag every included record, apply reviewers' overrides, and use the knowledge base's
    curated classes and families where a record has an entry (`entries`: by record id)."""
    out = {}
    for rec in included:
        entry = entries.get(rec.id)
        auto = tag_study(study_text(rec, entry), taxonomy)
        tags = apply_overrides(auto, overrides.get(rec.id, []), protocol)
        out[rec.id] = with_curated(tags, entry) if entry is not None else tags
    return out


def with_curated(tags: StudyTags, entry: KBEntry) -> StudyTags:
    """The knowledge base's curated classes and families, which replace any other tags."""
    where = f"knowledge base entry {entry.key}"
    return StudyTags(
        id=tags.id,
        classes=tuple(_manual(label, where, "curated") for label in entry.classes),
        families=tuple(_manual(label, where, "curated") for label in entry.families),
        overridden_by=tags.overridden_by,
        note=tags.note,
        curated=True,
    )


def _manual(label: str, who: str, where: str = "override") -> TagAssignment:
    return TagAssignment(label=label, confidence=1.0, evidence=(Evidence(field=where, phrase=who),))


def override_conflicts(
    overrides: Mapping[str, Sequence[tuple[str, TagOverride]]], protocol: Protocol
) -> list[str]:
    """Studies where reviewers' overrides disagree and no adjudicator decided."""
    roles = {r.id: r.role for r in protocol.reviewers}
    problems = []
    for sid, items in sorted(overrides.items()):
        if any(roles.get(who) == "adjudicator" for who, _ in items):
            continue
        views = {(o.classes, o.families) for _, o in items}
        if len(views) > 1:
            who = ", ".join(w for w, _ in items)
            problems.append(
                f"tags of {sid}: overrides by {who} disagree and no adjudicator decided"
            )
    return problems


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
    return Evaluation(per_class, round(macro, 4), kappa, len(ids), dis)


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
