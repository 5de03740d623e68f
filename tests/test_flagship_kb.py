"""The flagship's curated import files carry keywords that a new record could have."""

from __future__ import annotations

import re

from conftest import ROOT
from litsift.importers import bibtex
from litsift.store import Review

CURATED = ROOT / "data" / "imports" / "curated"
CLASS_WORDS = re.compile(r"\b(train\w*|pre-?train\w*|inference|serv(e|es|ed|ing))\b", re.I)


def _records():
    """(BibTeX key, keywords) of every curated record."""
    for path in sorted(CURATED.glob("*.bib")):
        for draft in bibtex.parse(path.read_text(encoding="utf-8")):
            kws = draft.fields.get("keywords") or ()
            yield f"{path.name}:{draft.line}", tuple(k.strip() for k in kws)


def _looks_like_a_name(system: str) -> bool:
    """'FlexGen', 'ZeRO', 'GPTQ', 'S-LoRA': one token with inner capitals or digits."""
    return " " not in system and bool(re.search(r".[A-Z0-9]", system))


def test_curated_keywords_name_no_class():
    bad = [(where, k) for where, kws in _records() for k in kws if CLASS_WORDS.search(k)]
    assert not bad, bad


def test_curated_keywords_name_no_study():
    review = Review(ROOT)
    names = {s.lower() for e in review.kb.entries() for s in e.systems if _looks_like_a_name(s)}
    assert "flexgen" in names and "zero" in names  # the guard sees the names it should
    bad = [
        (where, k)
        for where, kws in _records()
        for k in kws
        if names & set(re.split(r"[^a-z0-9().^-]+", k.lower()))
    ]
    assert not bad, bad
