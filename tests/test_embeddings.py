"""The one loader of WordLlama's packaged embeddings (litsift/embeddings.py), used by the
ranker's partner model and by `kb search --semantic`."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from litsift import embeddings, semantic
from litsift.errors import LitsiftError
from litsift.kbsearch import Index
from litsift.textnorm import Synonyms

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_wordllama(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "wordllama", None)  # `import wordllama` now fails
    embeddings.model.cache_clear()
    yield
    embeddings.model.cache_clear()


def test_without_the_package_the_error_names_an_extra_that_installs_it(no_wordllama) -> None:
    with pytest.raises(LitsiftError) as e:
        embeddings.embed(["text"])
    extra = re.search(r"pip install 'litsift\[(\w+)\]'", str(e.value))
    assert extra is not None and "\n" not in str(e.value)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert any(dep.startswith("wordllama") for dep in extras[extra.group(1)])


def test_semantic_search_says_which_command_needs_it(no_wordllama) -> None:
    with pytest.raises(LitsiftError, match=r"^kb search --semantic: static embeddings need"):
        semantic.search(Index([], Synonyms()), "inference", None)


def test_both_uses_share_one_loaded_model() -> None:
    pytest.importorskip("wordllama")
    embeddings.model.cache_clear()
    first = embeddings.model()
    embeddings.embed(["a text"])
    assert embeddings.model() is first and embeddings.model.cache_info().currsize == 1
