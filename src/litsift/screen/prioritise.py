"""Prioritised screening: rank undecided records by predicted relevance, and simulate it.

The model is TF-IDF over title and abstract with a linear SVM trained on the decisions so
far, the family ASReview's default uses. Three choices, measured on the labelled sets of
bench/screen.py, make it rank better and faster:
- word uni-, bi- and trigrams (sublinear term frequency, every n-gram kept: dropping the
  rare ones costs several points of WSS@95);
- inclusions weigh `ratio` times what balancing the classes needs (30 rather than
  ASReview's 9.8), with weights scaled to mean 1, so the few inclusions steer the model;
- the model is retrained after every record only while fewer than 1/`batch_fraction`
  records are screened, then after batches of that fraction of the records screened so
  far, which keeps a replay of thousands of records to seconds.
Optionally a random sample of undecided records joins training as presumed exclusions
(most records of a search are irrelevant). With no decisions of one kind, records are
ranked by cosine similarity to the review question and to what is included.

`simulate` replays a fully labelled set (columns title, abstract, label_included) from one
included and one excluded record and reports WSS@95, recall after 10% screened, and how many
records were screened to find every inclusion.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from litsift.errors import InputError
from litsift.models import Record


@dataclass(frozen=True)
class Model:
    """Settings of the ranking model (defaults chosen on the simulation benchmark)."""

    c: float = 0.11
    ratio: float = 30.0  # inclusions weigh this times what balancing the classes needs
    batch_fraction: float = 0.02  # retrain after this fraction of the records screened so far
    presumed_negatives: int = 0  # random undecided records trained on as exclusions
    tol: float = 1e-4  # liblinear stopping tolerance


DEFAULT = Model()


def vectorise(texts: Sequence[str]) -> sparse.csr_matrix:
    """TF-IDF features (word 1-3 grams) of the texts (title + abstract).

    Hashing the n-grams avoids building a vocabulary dictionary, which took 2-3 s of a
    simulation on the shared sets; the space is large (2**24) so few n-grams collide, and
    unused columns are dropped so the linear model works on the n-grams that occur.
    """
    # scikit-learn is imported where it is used: it costs ~2 s, and most commands never rank
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    hashed = HashingVectorizer(
        ngram_range=(1, 3), alternate_sign=False, norm=None, n_features=2**24
    ).transform(texts)
    columns = hashed.tocsc()
    used = np.flatnonzero(np.diff(columns.indptr))
    if not len(used):  # every text empty: no features
        return sparse.csr_matrix((len(texts), 1), dtype=np.float64)
    return TfidfTransformer(sublinear_tf=True).fit_transform(columns[:, used]).tocsr()


def record_text(record: Record) -> str:
    return f"{record.title or ''} {record.abstract or ''}".strip()


def scores(
    x: sparse.csr_matrix,
    labelled: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    model: Model = DEFAULT,
) -> np.ndarray:
    """Relevance score of every row of `x`, learned from the labelled rows."""
    unlabelled = np.setdiff1d(np.arange(x.shape[0]), labelled)
    n_pn = min(model.presumed_negatives, len(unlabelled))
    presumed = rng.choice(unlabelled, n_pn, replace=False) if n_pn else unlabelled[:0]
    rows = np.concatenate([labelled, presumed])
    y = np.concatenate([labels, np.zeros(len(presumed), dtype=int)])
    n_pos = int(y.sum())
    weights = np.where(y == 1, model.ratio * (len(y) - n_pos) / max(n_pos, 1), 1.0)
    weights *= len(weights) / weights.sum()
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=model.c, tol=model.tol, random_state=0)
    svm.fit(x[rows], y, sample_weight=weights)
    return svm.decision_function(x)


def similarity(x: sparse.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row to the centroid of `rows` (TF-IDF rows are unit length)."""
    centroid = np.asarray(x[rows].mean(axis=0)).ravel()
    return np.asarray(x @ centroid).ravel()


def rank(
    records: Sequence[Record],
    decisions: Mapping[str, bool],
    *,
    query: str = "",
    seed: int = 0,
    model: Model = DEFAULT,
) -> list[tuple[str, float]]:
    """Undecided records, most relevant first, with their score.

    `decisions` maps record id -> included?; `query` (e.g. the review question) ranks the
    records while there is no decision of both kinds; `seed` draws the presumed exclusions
    (when the model uses them). Ties keep the records' id order.
    """
    ordered = sorted(records, key=lambda r: r.id)
    texts = [record_text(r) for r in ordered] + ([query] if query else [])
    x = vectorise(texts)
    index = {r.id: i for i, r in enumerate(ordered)}
    done = np.array(sorted(index[rid] for rid in decisions if rid in index), dtype=int)
    labels = np.array([int(decisions[ordered[i].id]) for i in done], dtype=int)
    if len(done) and 0 < labels.sum() < len(labels):
        s = scores(x, done, labels, np.random.default_rng(seed), model)
    else:
        seeds = done[labels == 1] if len(done) else done
        anchor = np.concatenate([seeds, [len(ordered)] if query else []]).astype(int)
        s = similarity(x, anchor) if len(anchor) else np.zeros(x.shape[0])
    decided = set(done.tolist())
    order = sorted((i for i in range(len(ordered)) if i not in decided), key=lambda i: (-s[i], i))
    return [(ordered[i].id, round(float(s[i]), 6)) for i in order]


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class LabelledSet:
    """A fully labelled set read from CSV: one text (title + abstract) and label per row."""

    path: str
    texts: tuple[str, ...]
    labels: np.ndarray  # 0/1 per row, from the column label_included

    @property
    def included(self) -> int:
        return int(self.labels.sum())


@dataclass(frozen=True)
class Simulation:
    """What `screen simulate` prints for one replay."""

    wss95: float
    wss100: float
    recall10: float
    screened_all: int
    n: int
    seconds: float
    priors: tuple[int, int] = (0, 0)  # row indexes of the included and the excluded prior

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


LABEL = "label_included"
_LABEL_VALUES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1}


def load_labelled(path: Path) -> LabelledSet:
    """A labelled CSV with columns title, abstract and label_included (0 or 1).

    The file must hold at least one inclusion and one exclusion; any other problem is an
    InputError naming the file (and the line of a bad label).
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError(path, f"cannot read CSV: {e}") from e
    missing = [c for c in ("title", "abstract", LABEL) if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s): {', '.join(missing)}", 1)
    labels = frame[LABEL].str.strip()
    bad = labels[~labels.isin(list(_LABEL_VALUES))]
    if len(bad):
        row = int(bad.index[0]) + 2  # header is line 1
        raise InputError(path, f"{LABEL} must be 0 or 1, not {bad.iloc[0]!r}", row)
    y = labels.map(_LABEL_VALUES).to_numpy(dtype=int)
    if y.sum() == 0:
        raise InputError(path, f"no inclusion: every {LABEL} is 0")
    if y.sum() == len(y):
        raise InputError(path, f"no exclusion: every {LABEL} is 1")
    texts = (frame["title"] + " " + frame["abstract"]).str.strip()
    return LabelledSet(str(path), tuple(texts), y)


def choose_priors(labels: np.ndarray, seed: int) -> tuple[int, int]:
    """One included and one excluded row, drawn with `seed` (the same for every tool)."""
    rng = np.random.default_rng(seed)
    included = int(rng.choice(np.flatnonzero(labels == 1)))
    return included, int(rng.choice(np.flatnonzero(labels == 0)))


def replay(
    x: sparse.csr_matrix,
    y: np.ndarray,
    priors: tuple[int, int],
    seed: int = 0,
    model: Model = DEFAULT,
) -> list[int]:
    """Screening order (row indexes, priors excluded) of a simulated review.

    The replay stops once every inclusion is found: what follows changes no metric.
    """
    rng = np.random.default_rng(seed)
    seen = np.zeros(len(y), dtype=bool)
    seen[list(priors)] = True
    labelled, order = list(priors), []
    left = int(y.sum()) - int(y[list(priors)].sum())
    while len(labelled) < len(y) and left:
        idx = np.array(labelled)
        s = scores(x, idx, y[idx], rng, model)
        s[seen] = -np.inf
        batch = max(1, int(len(labelled) * model.batch_fraction))  # 0: retrain every record
        for i in np.argsort(-s, kind="stable")[:batch]:
            if not seen[i]:
                seen[i] = True
                labelled.append(int(i))
                order.append(int(i))
                left -= int(y[i])
    return order


def complete(order: Sequence[int], n: int, priors: Sequence[int] = ()) -> list[int]:
    """`order` followed by the rows it does not list (priors left out), in row order."""
    listed = set(order) | set(priors)
    return list(order) + [i for i in range(n) if i not in listed]


def metrics(found: np.ndarray) -> tuple[float, float, int]:
    """WSS@95, recall after 10% screened, screened to find all, from labels in screening order."""
    n, total = len(found), int(found.sum())
    hits = np.cumsum(found)
    recall10 = hits[max(math.ceil(0.1 * n), 1) - 1] / total
    screened_all = int(np.searchsorted(hits, total)) + 1
    return wss(found, 0.95), round(float(recall10), 4), screened_all


def wss(found: np.ndarray, recall: float) -> float:
    """Work saved over sampling at `recall`: share of records not screened, minus 1 - recall."""
    n, hits = len(found), np.cumsum(found)
    at = int(np.searchsorted(hits, math.ceil(recall * int(hits[-1])))) + 1
    return round((n - at) / n - (1 - recall), 4)


def simulate(
    data: LabelledSet,
    seed: int = 1,
    model: Model = DEFAULT,
    priors: tuple[int, int] | None = None,
) -> Simulation:
    """Replay a labelled set from one included and one excluded record (drawn with `seed`)."""
    start = time.perf_counter()
    priors = priors or choose_priors(data.labels, seed)
    x = vectorise(data.texts)
    order = complete(replay(x, data.labels, priors, seed, model), len(data.labels), priors)
    found = data.labels[order]
    wss95, recall10, screened_all = metrics(found)
    seconds = round(time.perf_counter() - start, 2)
    return Simulation(
        wss95, wss(found, 1.0), recall10, screened_all, len(data.labels), seconds, priors
    )
