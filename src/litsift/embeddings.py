"""Static word embeddings from WordLlama's wheel, offline: the one place that loads them.

Two features use them: the ranker's optional second model (`prioritise.Model(partner=
"wordllama")`) and `litsift kb search --semantic` (litsift/semantic.py). The vectors are
WordLlama's "l2_supercat" token embeddings (256 dimensions), which its PyPI wheel ships
(`pip install 'litsift[semantic]'`). They are loaded from the installed package's own
folder with downloads disabled, so nothing is fetched at run time and a missing file is an
error, never a download. Its loader looks for the packaged tokenizer in a folder the wheel
does not have (`tokenizer/` instead of `tokenizers/`), so the package folder is passed as
the cache folder, where both files are found.

`embed` gives a text's vector as the mean of its tokens' vectors, of unit length: what
`WordLlama.embed` computes, without padding every text to the longest one of its batch
(which costs several seconds on 2,000 abstracts).
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
def model() -> Any:
    """The WordLlama model from the installed wheel, loaded once per process, offline."""
    try:
        import wordllama
    except ImportError as e:
        raise LitsiftError(
            "static embeddings need the wordllama package: pip install 'litsift[semantic]'"
        ) from e
    from pathlib import Path

    folder = Path(wordllama.__file__).parent  # holds weights/ and tokenizers/
    try:
        loaded = wordllama.WordLlama.load(
            config=CONFIG, dim=DIM, cache_dir=folder, disable_download=True
        )
    except FileNotFoundError as e:
        raise LitsiftError(f"wordllama's packaged model is missing: {e}") from e
    # `embed` reads each text's own tokens, unpadded and whole; WordLlama's own embed()
    # needs padding to batch texts of unequal length, so litsift never calls it
    loaded.tokenizer.no_padding()
    loaded.tokenizer.no_truncation()
    return loaded


def embed(texts: Sequence[str]) -> np.ndarray:
    """One unit-length row per text (zeros for a text without tokens), float32."""
    wl = model()
    encoded = wl.tokenizer.encode_batch(list(texts), add_special_tokens=False)
    lengths = np.array([len(e.ids) for e in encoded])
    ids = np.concatenate([e.ids for e in encoded] + [[]]).astype(np.int64)
    rows = np.repeat(np.arange(len(encoded)), lengths)
    vocab = wl.embedding.shape[0]
    counts = sparse.csr_matrix(
        (np.ones(len(ids), dtype=np.float32), (rows, ids)), shape=(len(encoded), vocab)
    )
    vectors = np.asarray(counts @ wl.embedding, dtype=np.float32)
    vectors /= np.maximum(lengths, 1)[:, None]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)
