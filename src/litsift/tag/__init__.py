"""The tag stage: classify included studies into the taxonomy, with evidence.

A tagger reads only what a new record brings: its title, abstract, keywords and venue
(`study_text`), never a knowledge-base entry's curated summary, techniques or systems.
Two taggers share one interface: the term tagger (`tag.terms`, the taxonomy's indicator
terms) and the learned tagger (`tag.learned`, logistic regressions fitted on the studies
whose tags a person curated). A review uses the learned one once its knowledge base has
enough curated studies of every class (`make_tagger`), the term tagger before that.
`tag.evaluation` scores both, by cross-validation over the curated studies and on the
independent evaluation set. Every assignment carries the record's words that support it,
so a reviewer can see why and override it in data/tags/<reviewer>.yaml. Overrides take
precedence over the tagger; an adjudicator's override takes precedence over a reviewer's;
a study with a knowledge-base entry shows its curated tags (`with_curated`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from litsift.models import (
    Evidence,
    KBEntry,
    Protocol,
    Record,
    TagAssignment,
    TagOverride,
    Taxonomy,
)
from litsift.tag.base import FIELDS, StudyTags, StudyText, study_text
from litsift.tag.evaluation import (
    ClassScores,
    Evaluation,
    TagEvaluation,
    TaggerResult,
    evaluate,
    evaluate_taggers,
)
from litsift.tag.learned import Example, LearnedTagger, Settings
from litsift.tag.terms import TermTagger, tag_study

__all__ = [
    "FIELDS",
    "ClassScores",
    "Evaluation",
    "Example",
    "LearnedTagger",
    "Settings",
    "StudyTags",
    "StudyText",
    "TagEvaluation",
    "Tagger",
    "TaggerResult",
    "TermTagger",
    "apply_overrides",
    "curated_examples",
    "evaluate",
    "evaluate_taggers",
    "make_tagger",
    "study_text",
    "tag_included",
    "tag_study",
    "with_curated",
]

Tagger = TermTagger | LearnedTagger
# chosen by repeated cross-validation on the curated studies only (tools/select_tagger.py;
# its output is docs/tagger-selection.txt), before the independent set was scored
SETTINGS = Settings(c=10.0, pairs=False, venue=False, indicators=True, second_class=0.6, family=0.4)


def curated_examples(records: Sequence[Record], entries: Mapping[str, KBEntry]) -> list[Example]:
    """The records that have a knowledge-base entry, with its curated classes and families.

    Only the record's own text is kept (`study_text`); the entry gives the labels alone.
    """
    out = []
    for rec in sorted(records, key=lambda r: r.id):
        entry = entries.get(rec.id)
        if entry is not None:
            out.append(Example(study_text(rec), entry.classes, entry.families))
    return out


def make_tagger(
    taxonomy: Taxonomy, examples: Sequence[Example], settings: Settings = SETTINGS
) -> Tagger:
    """The learned tagger fitted on `examples` when every class has enough of them, else
    the term tagger (a review whose knowledge base is still empty)."""
    if LearnedTagger.can_fit(examples, taxonomy, max(settings.min_positives, 5)):
        return LearnedTagger(taxonomy, settings).fit(examples)
    return TermTagger(taxonomy)


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
        id=auto.id,
        classes=classes,
        families=families,
        overridden_by=who,
        note=ov.note,
        unclassified=None if classes else auto.unclassified,
    )


def tag_included(
    included: Sequence[Record],
    entries: Mapping[str, KBEntry],
    overrides: Mapping[str, Sequence[tuple[str, TagOverride]]],
    taxonomy: Taxonomy,
    protocol: Protocol,
) -> dict[str, StudyTags]:
    """Tag every included record, apply reviewers' overrides, and use the knowledge base's
    curated classes and families where a record has an entry (`entries`: by record id).

    The tagger reads only each record's own text; it is fitted on the records that have a
    curated entry (`make_tagger`), whose tags are then the curated ones."""
    tagger: Tagger | None = None
    out = {}
    for rec in included:
        entry = entries.get(rec.id)
        if entry is None:
            if tagger is None:
                tagger = make_tagger(taxonomy, curated_examples(included, entries))
            auto = tagger.tag(study_text(rec))
        else:
            auto = StudyTags(id=rec.id, classes=(), families=())
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
