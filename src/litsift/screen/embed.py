"""Static word embeddings of record texts, for a second ranking model (`Model(partner=...)`).

The vectors are WordLlama's "l2_supercat" token embeddings (256 dimensions), which its PyPI
wheel ships: they are loaded from the installed package's own folder with downloads
disabled, so nothing is fetched at run time. A text's vector is the mean of its tokens'
vectors, of unit length: what `WordLlama.embed` computes, without padding every text to
the longest one of its batch (which costs several seconds on 2,000 abstracts).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse

from litsift.errors import LitsiftError

CONFIG = "l2_supercat"
DIM = 256


@lru_cache(maxsize=1)
def _model() -> Any:
    try:
        import wordllama
    except ImportError as e:
        raise LitsiftError(
            "static embeddings need wordllama: pip install 'litsift[embeddings]'"
        ) from e
    from pathlib import Path

    folder = Path(wordllama.__file__).parent  # holds weights/ and tokenizers/
    model = wordllama.WordLlama.load(
        config=CONFIG, dim=DIM, cache_dir=folder, disable_download=True
    )
    model.tokenizer.no_padding()
    model.tokenizer.no_truncation()
    return model


def embed(texts: Sequence[str]) -> np.ndarray:
    """One unit-length row per text (zeros for a text without tokens), float32."""
    model = _model()
    encoded = model.tokenizer.encode_batch(list(texts), add_special_tokens=False)
    lengths = np.array([len(e.ids) for e in encoded])
    ids = np.concatenate([e.ids for e in encoded] + [[]]).astype(np.int64)
    rows = np.repeat(np.arange(len(encoded)), lengths)
    vocab = model.embedding.shape[0]
    counts = sparse.csr_matrix(
        (np.ones(len(ids), dtype=np.float32), (rows, ids)), shape=(len(encoded), vocab)
    )
    vectors = np.asarray(counts @ model.embedding, dtype=np.float32)
    vectors /= np.maximum(lengths, 1)[:, None]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)
