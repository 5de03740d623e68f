"""Highlighted terms: from the query files (NOT terms as exclusion) and review.yaml."""

from __future__ import annotations

import pytest
from synthetic import make_review

from litsift.errors import InputError
from litsift.store import Review
from litsift.workbench.terms import EXCLUDE, INCLUDE, Highlight, Marker, highlights


def test_query_terms_and_review_yaml_terms_with_their_kinds(tmp_path) -> None:
    extra = (
        "workbench:\n  highlight:\n    include: [kv cache]\n    E3: [position paper]\n"
        "    I1: [speculative decoding]\n"
    )
    review = Review.find(make_review(tmp_path / "r", 3, extra=extra))
    found = {(h.term, h.kind, h.origin) for h in highlights(review.protocol, review.queries())}
    assert ("survey", EXCLUDE, "query q") in found  # under NOT
    assert ("language model*", INCLUDE, "query q") in found
    assert ("kv cache", INCLUDE, "review.yaml") in found
    assert ("position paper", EXCLUDE, "E3") in found  # an exclusion criterion's colour
    assert ("speculative decoding", INCLUDE, "I1") in found
    quiet = extra.replace("workbench:\n", "workbench:\n  query_terms: false\n")
    review = Review.find(make_review(tmp_path / "r2", 3, extra=quiet))
    assert {h.origin for h in highlights(review.protocol, review.queries())} == {
        "review.yaml",
        "E3",
        "I1",
    }


def test_an_unknown_highlight_group_is_an_error(tmp_path) -> None:
    extra = "workbench:\n  highlight:\n    E9: [x]\n"
    with pytest.raises(InputError, match="'E9' is neither include, exclude nor a criterion"):
        _ = Review.find(make_review(tmp_path / "r", 3, extra=extra)).protocol


def test_segments_cover_the_text_and_prefer_the_longer_match() -> None:
    marker = Marker(
        [
            Highlight("optimi*", INCLUDE, "q"),
            Highlight("large language model*", INCLUDE, "q"),
            Highlight("language", EXCLUDE, "x"),
            Highlight("survey", EXCLUDE, "E3"),
        ]
    )
    text = "A Survey of optimising Large\nLanguage Models; language, surveys."
    segments = marker.segments(text)
    assert "".join(piece for piece, _ in segments) == text
    assert [(p, k) for p, k in segments if k] == [
        ("Survey", EXCLUDE),
        ("optimising", INCLUDE),
        ("Large\nLanguage Models", INCLUDE),  # the phrase beats the word inside it
        ("language", EXCLUDE),
    ]  # "surveys" is not "survey": whole words unless a * says otherwise
    assert marker.segments(None) == [] and marker.segments("") == []
