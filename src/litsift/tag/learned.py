"""The learned tagger: one logistic regression per class and per family (scikit-learn).

It is fitted on studies whose classes and families a person decided (the knowledge base's
curated entries), and reads of each record only what a new record brings: the words of its
title, abstract and keywords (stemmed, spelling folded, synonyms joined, single words and
pairs), the words of its venue, and how many indicator terms of each label it contains
(`litsift.tag.terms`). The evidence for a label is the record's own words whose weights
push it towards that label, strongest first. A record none of whose words supports any
class is left unclassified, with that reason, rather than given the likeliest class.

Settings were chosen by repeated cross-validation on the curated studies only
(`tools/select_tagger.py`); the independent evaluation set played no part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from litsift import textnorm
from litsift.models import Evidence, TagAssignment, Taxonomy
from litsift.tag.base import NO_CLASS_WORD, StudyTags, StudyText
from litsift.tag.terms import score

TEXT_FIELDS = ("title", "keywords", "abstract")
MAX_EVIDENCE = 5


@dataclass(frozen=True)
class Settings:
    """How the learned tagger reads records and decides."""

    c: float = 1.0  # inverse regularisation strength of each logistic regression
    pairs: bool = True  # word pairs as well as single words
    venue: bool = True  # the venue's words
    indicators: bool = True  # counts of the taxonomy's indicator terms per label
    second_class: float = 0.5  # probability a second or third class needs
    family: float = 0.5  # probability a family needs
    min_positives: int = 2  # a label with fewer training examples is never given


@dataclass(frozen=True)
class Example:
    """A record's text and the labels a person decided for it."""

    study: StudyText
    classes: tuple[str, ...]
    families: tuple[str, ...] = ()


@dataclass
class _Features:
    counts: dict[str, float] = field(default_factory=dict)
    phrases: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (field, words)

    def add(self, token: str, where: str, phrase: str, weight: float = 1.0) -> None:
        self.counts[token] = self.counts.get(token, 0.0) + weight
        self.phrases.setdefault(token, (where, phrase))


def features(
    study: StudyText, taxonomy: Taxonomy, synonyms: textnorm.Synonyms, settings: Settings
) -> _Features:
    """The tokens a record gives the model, each with the words of the record behind it."""
    out = _Features()
    for fname in TEXT_FIELDS:
        _text_features(out, study.fields.get(fname, ""), fname, synonyms, settings.pairs)
    if settings.venue:
        for w in textnorm.words(study.fields.get("venue", "")):
            if w not in textnorm.STOP_WORDS and not w.isdigit():
                out.add("venue:" + textnorm.stem(w), "venue", w)
    if settings.indicators:
        labels = [("class", c.id, c.indicators) for c in taxonomy.classes]
        labels += [("family", f.id, f.indicators) for f in taxonomy.families]
        for kind, label, terms in labels:
            hits, evidence = score(terms, study)
            if hits:
                first = evidence[0]
                out.add(f"term:{kind}:{label}", first.field, first.phrase, hits)
    return out


def _text_features(
    out: _Features, text: str, fname: str, synonyms: textnorm.Synonyms, pairs: bool
) -> None:
    raw = [w for w in textnorm.words(text) if w not in textnorm.STOP_WORDS]
    toks = [textnorm.stem(w) for w in raw]
    for w, t in zip(raw, toks, strict=True):
        out.add(t, fname, w)
    if pairs:
        for i in range(len(toks) - 1):
            out.add(f"{toks[i]} {toks[i + 1]}", fname, f"{raw[i]} {raw[i + 1]}")
    for start, end, group in synonyms.matches(toks):
        out.add(synonyms.concept(group), fname, " ".join(raw[start:end]))


class LearnedTagger:
    """Logistic regressions fitted on labelled records; see the module docstring."""

    name = "learned"

    def __init__(self, taxonomy: Taxonomy, settings: Settings | None = None) -> None:
        self.taxonomy = taxonomy
        self.settings = settings or Settings()
        self.synonyms = textnorm.Synonyms.from_phrases(taxonomy.synonyms)
        self._vectorizer: Any = None
        self._tfidf: Any = None
        self._models: dict[str, Any] = {}

    @classmethod
    def can_fit(cls, examples: Sequence[Example], taxonomy: Taxonomy, min_positives: int) -> bool:
        """True when every class has enough positive and negative examples to fit."""
        n = len(examples)
        for label in taxonomy.class_ids():
            pos = sum(label in e.classes for e in examples)
            if pos < min_positives or n - pos < min_positives:
                return False
        return True

    def fit(self, examples: Sequence[Example]) -> LearnedTagger:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        rows = [self._features(e.study).counts for e in examples]
        self._vectorizer = DictVectorizer(sort=True)
        self._tfidf = TfidfTransformer(sublinear_tf=True)
        x = self._tfidf.fit_transform(self._vectorizer.fit_transform(rows))
        self._models = {}
        for kind, label in self._labels():
            y = [label in (e.classes if kind == "class" else e.families) for e in examples]
            pos = sum(y)
            if pos < self.settings.min_positives or len(y) - pos < self.settings.min_positives:
                continue
            model = LogisticRegression(
                C=self.settings.c, class_weight="balanced", solver="liblinear", random_state=0
            )
            self._models[f"{kind}:{label}"] = model.fit(x, y)
        return self

    def _labels(self) -> list[tuple[str, str]]:
        return [("class", c) for c in self.taxonomy.class_ids()] + [
            ("family", f) for f in self.taxonomy.family_ids()
        ]

    def _features(self, study: StudyText) -> _Features:
        return features(study, self.taxonomy, self.synonyms, self.settings)

    def tag(self, study: StudyText) -> StudyTags:
        if self._vectorizer is None:
            raise RuntimeError("LearnedTagger.tag called before fit")
        feats = self._features(study)
        x = self._tfidf.transform(self._vectorizer.transform([feats.counts]))
        names = self._vectorizer.feature_names_
        row = x.tocsr()
        classes = self._decide(
            "class", row, names, feats.phrases, self.taxonomy.class_ids(), first=True
        )
        families = self._decide(
            "family", row, names, feats.phrases, self.taxonomy.family_ids(), first=False
        )
        return StudyTags(
            id=study.id,
            classes=tuple(classes),
            families=tuple(families),
            unclassified=None if classes else NO_CLASS_WORD,
        )

    def _decide(
        self,
        kind: str,
        row: Any,
        names: Sequence[str],
        phrases: Mapping[str, tuple[str, str]],
        labels: Sequence[str],
        *,
        first: bool,
    ) -> list[TagAssignment]:
        scored = []
        for label in labels:
            model = self._models.get(f"{kind}:{label}")
            if model is None:
                continue
            prob = float(model.predict_proba(row)[0, 1])
            evidence = _support(row, model.coef_[0], names, phrases)
            if evidence:
                scored.append(
                    TagAssignment(label=label, confidence=round(prob, 3), evidence=evidence)
                )
        scored.sort(key=lambda a: (-a.confidence, labels.index(a.label)))
        threshold = self.settings.second_class if first else self.settings.family
        return [a for i, a in enumerate(scored) if (first and i == 0) or a.confidence >= threshold]


def _support(
    row: Any, coef: Any, names: Sequence[str], phrases: Mapping[str, tuple[str, str]]
) -> tuple[Evidence, ...]:
    """The record's words whose weights push towards the label, strongest first."""
    parts = []
    for j, value in zip(row.indices, row.data, strict=True):
        push = float(value * coef[j])
        if push > 0:
            parts.append((-push, names[j]))
    parts.sort()
    out = []
    seen = set()
    for _, token in parts:
        where, phrase = phrases[token]
        if (where, phrase) in seen:
            continue
        seen.add((where, phrase))
        out.append(Evidence(field=where, phrase=phrase))
        if len(out) == MAX_EVIDENCE:
            break
    return tuple(out)
