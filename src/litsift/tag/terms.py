"""The term tagger: the taxonomy's indicator terms found in what a record says.

Each class or family lists indicator terms in data/taxonomy.yaml; a term found in a field
of the record adds that field's weight to the label's score, and the score becomes a
confidence in [0, 1). It has nothing to fit, so it works for a review with no knowledge
base yet, and every label it gives carries the phrases that produced it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from litsift.models import Evidence, TagAssignment, Taxonomy
from litsift.tag.base import NO_CLASS_TERM, StudyTags, StudyText

# How much one matched phrase counts, by where it was found.
FIELD_WEIGHTS: Mapping[str, float] = {
    "title": 3.0,
    "keywords": 2.0,
    "abstract": 1.0,
    "venue": 1.0,
}
CLASS_THRESHOLD = 0.55  # confidence needed for a second or third class
FAMILY_THRESHOLD = 0.6
SCALE = 3.0  # score at which confidence reaches 1 - 1/e


@lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive pattern; a trailing * matches any word ending."""
    wild = term.endswith("*")
    body = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]?")
    tail = r"\w*" if wild else r"(?:s|es)?"
    return re.compile(rf"(?<![\w-]){body}{tail}(?![\w])", re.IGNORECASE)


def score(terms: Sequence[str], study: StudyText) -> tuple[float, tuple[Evidence, ...]]:
    """The field-weighted count of `terms` found in the study, and where each was found."""
    total = 0.0
    evidence: list[Evidence] = []
    for fname in sorted(study.fields):
        text = study.fields[fname]
        if not text:
            continue
        for term in terms:
            m = term_pattern(term).search(text)
            if m:
                total += FIELD_WEIGHTS.get(fname, 1.0)
                evidence.append(Evidence(field=fname, phrase=m.group(0)))
    return total, tuple(evidence)


def confidence(value: float) -> float:
    return round(1.0 - math.exp(-value / SCALE), 3)


def tag_study(study: StudyText, taxonomy: Taxonomy) -> StudyTags:
    """Classes (at least one, or "unclassified" with the reason) and families, with evidence."""
    scored = []
    for cls in taxonomy.classes:
        value, ev = score(cls.indicators, study)
        scored.append(TagAssignment(label=cls.id, confidence=confidence(value), evidence=ev))
    order = taxonomy.class_ids()
    scored.sort(key=lambda a: (-a.confidence, order.index(a.label)))
    classes = [
        a
        for i, a in enumerate(scored)
        if a.confidence > 0 and (i == 0 or a.confidence >= CLASS_THRESHOLD)
    ]
    families = []
    for fam in taxonomy.families:
        value, ev = score(fam.indicators, study)
        conf = confidence(value)
        if conf >= FAMILY_THRESHOLD:
            families.append(TagAssignment(label=fam.id, confidence=conf, evidence=ev))
    return StudyTags(
        id=study.id,
        classes=tuple(classes),
        families=tuple(families),
        unclassified=None if classes else NO_CLASS_TERM,
    )


class TermTagger:
    """The term tagger behind the interface the learned tagger shares."""

    name = "terms"

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    def tag(self, study: StudyText) -> StudyTags:
        return tag_study(study, self.taxonomy)
