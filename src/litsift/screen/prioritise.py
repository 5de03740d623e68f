"""Prioritised screening: rank undecided records by predicted relevance, and simulate it.

The ranker is the recipe of ASReview's default model (elas_u4) reproduced exactly:
TF-IDF of word uni- and bigrams (sublinear term frequency, terms in more than 95% of the
records dropped) and a linear SVM (C 0.11) whose inclusions weigh `ratio` (9.8) times
what balancing the classes needs, retrained after every decision; on the labelled sets
its screening order is the one `asreview simulate` gives from the same priors. On top of
it, only what bench/screen_select.py measured to help when judged leave-one-dataset-out
(that script's docstring gives the procedure, its output the table):
- a record's keywords (MeSH terms, author keywords) join its text when it has them
  (WSS@95 +0.11 on Estrogens, +0.10 on UrinaryIncontinence, +0.05 on Triptans; -0.01 on
  ADHD and -0.03 on OralHypoglycemics; no change on the sets without keywords);
- the model is retrained after every record until 400 are screened, then after batches
  of 0.5% of the records screened so far: about two thirds of the time of retraining
  after every record, for the same mean WSS@95 (0.5032 against 0.5028 over the
  seven groups of sets the selection holds out).
Options measured and not kept (`Model`): a logistic-regression partner, inclusions
weighted 30 x balance, litsift 0.1.0's trigrams, keywords as a separate feature block,
the model with keywords combined with the one without, either fused (`blend`, mean
z-score or mean rank) or chosen online by which ranked the records labelled since better
(`select="prequential"`, `Prequential`): both lost to keywords alone on the sets with
keywords (mean WSS@95 over the eight sets 0.509 and 0.516 against 0.523); and each
keyword as one whole term of the text's TF-IDF (`keyword_terms`), instead of its words
(0.476 over the seven groups) or beside them (0.5032, level with words alone, and lower
on ADHD and OralHypoglycemics).
With no decisions of one kind, records are ranked by cosine similarity to the review
question and to what is included.

`simulate` replays a fully labelled set (columns title, abstract, label_included, and
keywords when present) from one included and one excluded record, reports WSS@95,
WSS@100, recall after 10% screened, records screened to find every inclusion, and where
the stopping rule (screen/stopping.py) said stop: the recall reached and the work saved.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from litsift.errors import InputError
from litsift.models import Record, StopRule
from litsift.screen.stopping import first_stop

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Model:
    """Settings of the ranking model; `Model()` is ASReview's elas_u4 recipe, and `DEFAULT`
    the setting bench/screen_select.py chose leave-one-dataset-out."""

    ngrams: int = 2  # word n-grams 1..ngrams
    keywords: bool = False  # add a record's keywords to its text
    c: float = 0.11  # SVM regularisation
    ratio: float = 9.8  # inclusions weigh this times what balancing the classes needs
    batch_fraction: float = 0.0  # retrain after this fraction of the records screened (0: each)
    # "" or "logistic": a logistic regression joins the SVM (mean z-score); measured, too slow
    second: str = ""
    presumed_negatives: int = 0  # random undecided records trained on as exclusions
    tol: float = 1e-4  # liblinear stopping tolerance
    # with keywords: an SVM on the text without them joins the one with them (mean z-score);
    # measured, not kept
    blend: bool = False
    batch_records: int = 0  # retrain after this many records (0: use batch_fraction)
    # weight of a separate block of keyword features (each whole keyword one feature, TF-IDF
    # rows of unit length times this) beside the text's (0: no block)
    keyword_block: float = 0.0
    # "fixed": inclusions weigh `ratio` x balance (elas_u4); "dynamic": the share of weight
    # on inclusions follows ASReview 1's double balance (see `inclusion_share`)
    balance: str = "fixed"
    # "wordllama": an SVM on static word embeddings (litsift/embeddings.py) joins the TF-IDF one,
    # the two combined by `combine`
    partner: str = ""
    combine: str = "zscore"  # "zscore": mean z-score; "rank": mean rank
    # "prequential": with keywords, the SVM with them and the one without score every
    # retraining; the next records come from the one ahead on `Prequential` (ties: without)
    select: str = ""
    # each of a record's keywords joins the text's features as one term of the same TF-IDF
    # (a MeSH heading is one feature; its words are neither split nor paired with the
    # next heading's, as `keywords` pairs them), beside or instead of their words
    keyword_terms: bool = False

    def batch(self, screened: int) -> int:
        """Records screened before the model is retrained (and the stopping rule checked)."""
        if self.batch_records:
            return self.batch_records
        return max(1, int(screened * self.batch_fraction))


ASREVIEW_U4 = Model()  # ASReview 3's default model elas_u4, reproduced
# chosen by bench/screen_select.py (leave-one-dataset-out, over every labelled set): the
# recipe above plus keywords, retrained after batches of 0.5% of the records screened
DEFAULT = Model(keywords=True, batch_fraction=0.005)


def vectorise(texts: Sequence[str], model: Model = DEFAULT) -> sparse.csr_matrix:
    """TF-IDF features (word 1..`model.ngrams` grams, sublinear tf, max_df 0.95) of the texts."""
    # scikit-learn is imported where it is used: it costs ~2 s, and most commands never rank
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(ngram_range=(1, model.ngrams), sublinear_tf=True, max_df=0.95)
    if model.keyword_terms:
        words = _TextAndTerms(vectoriser.build_analyzer())
        vectoriser = TfidfVectorizer(analyzer=words, sublinear_tf=True, max_df=0.95)
    try:
        return vectoriser.fit_transform(texts).tocsr()
    except ValueError:  # no term at all (every text empty): no features
        return sparse.csr_matrix((len(texts), 1), dtype=np.float64)


def record_text(record: Record, model: Model = DEFAULT) -> str:
    """Title and abstract, and the keywords when the model uses them."""
    parts = [record.title or "", record.abstract or ""]
    if model.keywords and record.keywords:
        parts.append("; ".join(record.keywords))
    return " ".join(p for p in parts if p).strip()


class Texts(Sequence[str]):
    """The records' texts (`record_text`), then `extra`, each made when it is read.

    A ranking whose features come from the cache only hashes the texts; holding them all
    at once would hold every abstract twice (about 70 MB on 50,000 records)."""

    def __init__(self, records: Sequence[Record], model: Model, extra: Sequence[str] = ()):
        self.records, self.model, self.extra = records, model, tuple(extra)

    def __len__(self) -> int:
        return len(self.records) + len(self.extra)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        n = len(self.records)
        return record_text(self.records[i], self.model) if i < n else self.extra[i - n]

    def __iter__(self) -> Iterator[str]:
        for r in self.records:
            yield record_text(r, self.model)
        yield from self.extra


class Joined(Sequence[str]):
    """Each text with its row's keywords after it (`feature_matrices`), made when read:
    as words (`words`), and as whole terms after a separator (`terms`, see _TextAndTerms)."""

    def __init__(
        self,
        texts: Sequence[str],
        keywords: Sequence[Sequence[str]],
        *,
        words: bool = True,
        terms: bool = False,
    ) -> None:
        if len(texts) != len(keywords):
            raise ValueError(f"{len(texts)} texts but {len(keywords)} rows of keywords")
        self.texts, self.keywords, self.words, self.terms = texts, keywords, words, terms

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self._join(self.texts[i], self.keywords[i])

    def __iter__(self) -> Iterator[str]:
        for t, k in zip(self.texts, self.keywords, strict=True):
            yield self._join(t, k)

    def _join(self, text: str, keywords: Sequence[str]) -> str:
        out = _joined(text, keywords) if self.words else text
        if not self.terms:
            return out
        # the separators cannot come from a record: they are taken out of its text first
        clean = out.translate(_SEPARATORS)
        return clean + TERMS + TERM.join(k.translate(_SEPARATORS) for k in keywords)


def _joined(text: str, keywords: Sequence[str]) -> str:
    return f"{text} {'; '.join(keywords)}".strip() if keywords else text


TERMS, TERM = "\x1f", "\x1e"  # text | terms, and term | term (ASCII unit and record separators)
_SEPARATORS = str.maketrans({TERMS: " ", TERM: " "})


class _TextAndTerms:
    """Analyzer of a `Joined(terms=True)` text: the word n-grams of the text before the
    separator (`words`, the vectoriser's own analyzer), then each keyword after it as one
    lower-cased term, marked so it cannot meet a word of the text."""

    def __init__(self, words: Callable[[str], list[str]]) -> None:
        self.words = words

    def __call__(self, doc: str) -> list[str]:
        text, _, terms = doc.partition(TERMS)
        found = self.words(text)
        for term in terms.split(TERM):
            term = " ".join(term.lower().split())
            if term:
                found.append("kw=" + term)
        return found


def keyword_features(keywords: Sequence[Sequence[str]], weight: float) -> sparse.csr_matrix:
    """TF-IDF over whole keywords (a MeSH heading is one feature, not its words), each row
    of unit length times `weight`; terms on more than 95% of the records are dropped."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    terms = [[k.strip().lower() for k in row if k.strip()] for row in keywords]
    vectoriser = TfidfVectorizer(analyzer=_as_terms, sublinear_tf=True, max_df=0.95)
    try:
        return (vectoriser.fit_transform(terms) * weight).tocsr()
    except ValueError:  # no keyword at all
        return sparse.csr_matrix((len(terms), 1), dtype=np.float64)


def _as_terms(terms: list[str]) -> list[str]:
    return terms


def feature_matrices(
    texts: Sequence[str],
    keywords: Sequence[Sequence[str]],
    model: Model = DEFAULT,
    tfidf: Callable[[Sequence[str], Model], sparse.csr_matrix] = vectorise,
) -> list[sparse.csr_matrix | np.ndarray]:
    """The feature matrices the model learns from, one learner each (see `scores`).

    `texts` are title + abstract per row, `keywords` the row's keywords (may be empty);
    `tfidf` computes TF-IDF features as `vectorise` does (a caller may cache them).
    """
    if model.keyword_terms:
        joined: Sequence[str] = Joined(texts, keywords, words=model.keywords, terms=True)
    else:
        joined = Joined(texts, keywords) if model.keywords else texts
    x = tfidf(joined, model)
    if model.keyword_block and any(keywords):
        x = sparse.hstack([x, keyword_features(keywords, model.keyword_block)], format="csr")
    out: list[sparse.csr_matrix | np.ndarray] = [x]
    if (model.blend or model.select) and model.keywords and any(keywords):
        out.append(tfidf(texts, model))
    if model.partner == "wordllama":
        from litsift.embeddings import embed

        out.append(embed(texts))
    return out


def inclusion_share(n_pos: int, n_neg: int, model: Model = DEFAULT) -> float:
    """Share of the training weight on the inclusions.

    "fixed" (elas_u4): ratio / (ratio + 1) whatever the counts. "dynamic": ASReview 1's
    double balance, w1 = a (n_pos / n_neg)^-alpha per inclusion and
    w0 = 1 - (1 - b)(1 + n)^-beta per exclusion (a 2.155, alpha 0.94, b 0.789, beta 1),
    applied as sample weights rather than by resampling, so it stays deterministic.
    """
    if model.balance != "dynamic":
        return model.ratio / (model.ratio + 1)
    one = 2.155 * (n_pos / max(n_neg, 1)) ** -0.94
    zero = 1 - (1 - 0.789) * (1 + n_pos + n_neg) ** -1.0
    return one * n_pos / (one * n_pos + zero * n_neg)


def _weights(y: np.ndarray, model: Model) -> np.ndarray:
    """Sample weights of mean 1; elas_u4's: inclusions weigh `ratio` x balance."""
    n_pos = int(y.sum())
    n_neg = max(len(y) - n_pos, 1)
    if model.balance == "dynamic":
        share = inclusion_share(n_pos, n_neg, model)
        weights = np.where(y == 1, share / max(n_pos, 1), (1 - share) / n_neg)
    else:  # ASReview 3's Balanced(ratio), in its own arithmetic
        weights = np.where(y == 1, 1.0, n_pos / (model.ratio * n_neg))
    return weights * (len(weights) / weights.sum())


def scores(
    x: sparse.csr_matrix | list[sparse.csr_matrix],
    labelled: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    model: Model = DEFAULT,
) -> np.ndarray:
    """Relevance score of every row of `x`, learned from the labelled rows.

    `x` may be a list of feature matrices of the same rows: one SVM each, scores averaged
    as z-scores over the unlabelled rows.
    """
    if isinstance(x, list):
        if len(x) > 1:
            rest = np.setdiff1d(np.arange(x[0].shape[0]), labelled)
            combine = _ranks if model.combine == "rank" else _zscore
            return sum(combine(scores(m, labelled, labels, rng, model), rest) for m in x)
        x = x[0]
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    unlabelled = np.setdiff1d(np.arange(x.shape[0]), labelled)
    n_pn = min(model.presumed_negatives, len(unlabelled))
    presumed = rng.choice(unlabelled, n_pn, replace=False) if n_pn else unlabelled[:0]
    rows = np.concatenate([labelled, presumed])
    y = np.concatenate([labels, np.zeros(len(presumed), dtype=int)])
    weights = _weights(y, model)
    svm = LinearSVC(C=model.c, tol=model.tol, random_state=0)
    s = svm.fit(x[rows], y, sample_weight=weights).decision_function(x)
    if model.second != "logistic":
        return s
    logistic = LogisticRegression(solver="liblinear")
    t = logistic.fit(x[rows], y, sample_weight=weights).decision_function(x)
    return _zscore(s, unlabelled) + _zscore(t, unlabelled)


def _ranks(s: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rank of every score, scaled to [0, 1] (ties: mean rank); `rows` as for _zscore."""
    from scipy.stats import rankdata

    ranked = rankdata(s) - 1
    return ranked / max(len(s) - 1, 1)


def _zscore(s: np.ndarray, rows: np.ndarray) -> np.ndarray:
    values = s[rows] if len(rows) else s
    spread = values.std()
    return (s - values.mean()) / (spread if spread > 0 else 1.0)


def similarity(x: sparse.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row to the centroid of `rows` (TF-IDF rows are unit length)."""
    centroid = np.asarray(x[rows].mean(axis=0)).ravel()
    return np.asarray(x @ centroid).ravel()


def ranking_features(
    records: Sequence[Record],
    *,
    query: str = "",
    model: Model = DEFAULT,
    features: Callable[[Sequence[str], Model], sparse.csr_matrix] = vectorise,
) -> tuple[list[Record], list[sparse.csr_matrix | np.ndarray]]:
    """The records in the ranker's order (by id) and their feature matrices (the query's
    row last), as `rank` computes them: what `litsift run` computes ahead into the cache."""
    ordered = sorted(records, key=lambda r: r.id)
    extra = (query,) if query else ()
    texts = Texts(ordered, replace(model, keywords=False), extra)
    keywords = [r.keywords for r in ordered] + [()] * len(extra)
    return ordered, feature_matrices(texts, keywords, model, features)


def rank(
    records: Sequence[Record],
    decisions: Mapping[str, bool],
    *,
    query: str = "",
    seed: int = 0,
    model: Model = DEFAULT,
    features: Callable[[Sequence[str], Model], sparse.csr_matrix] = vectorise,
) -> list[tuple[str, float]]:
    """Undecided records, most relevant first, with their score.

    `decisions` maps record id -> included?; `query` (e.g. the review question) ranks the
    records while there is no decision of both kinds; `seed` draws the presumed exclusions
    (when the model uses them). Ties keep the records' id order. `features` computes the
    texts' features as `vectorise` does (a caller may cache them: store.cache).
    """
    if model.select:
        # the choice scores each decision by what both models predicted before it, which
        # needs the order of the decisions: it is measured in `replay` only
        raise ValueError("rank() does not support Model.select (simulation only)")
    ordered, xs = ranking_features(records, query=query, model=model, features=features)
    x = xs[0]
    index = {r.id: i for i, r in enumerate(ordered)}
    done = np.array(sorted(index[rid] for rid in decisions if rid in index), dtype=int)
    labels = np.array([int(decisions[ordered[i].id]) for i in done], dtype=int)
    if len(done) and 0 < labels.sum() < len(labels):
        s = scores(xs, done, labels, np.random.default_rng(seed), model)
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
    texts: tuple[str, ...]  # title + abstract
    labels: np.ndarray  # 0/1 per row, from the column label_included
    keywords: tuple[str, ...] = ()  # per row when the file has a keywords column

    @property
    def included(self) -> int:
        return int(self.labels.sum())

    def keyword_lists(self) -> list[tuple[str, ...]]:
        """Each row's keywords (the column holds them separated by semicolons)."""
        if not self.keywords:
            return [()] * len(self.texts)
        return [tuple(k.strip() for k in row.split(";") if k.strip()) for row in self.keywords]

    def model_texts(self, model: Model = DEFAULT) -> list[str]:
        """The text the model reads per row (keywords added when it uses them)."""
        if not (model.keywords and self.keywords):
            return list(self.texts)
        return [f"{t} {k}".strip() for t, k in zip(self.texts, self.keywords, strict=True)]


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
    stop: StopRule = field(default_factory=StopRule)
    stop_at: int = 0  # records screened (priors included) when the stopping rule said stop
    stop_recall: float = 0.0  # recall reached there
    stop_work_saved: float = 0.0  # share of the records left unscreened there

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"stop": self.stop.model_dump()}


LABEL = "label_included"
_COLUMNS = ("title", "abstract", "keywords", LABEL)
_LABEL_VALUES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1}


def read_labelled_frame(path: Path) -> pd.DataFrame:
    """The CSV as strings (empty cells ""), its columns title, abstract, keywords and
    label_included named so whatever their case and surrounding spaces ("Title"); the
    first of two that differ only so is the one kept. A file that cannot be read is an
    InputError naming it."""
    import pandas as pd  # only simulations read labelled sets; screen next never does

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError(path, f"cannot read CSV: {e}") from e
    named = {str(c).strip().lower(): c for c in reversed(frame.columns)}
    return frame.rename(columns={c: n for n, c in named.items() if n in _COLUMNS})


def load_labelled(path: Path) -> LabelledSet:
    """A labelled CSV with columns title, abstract and label_included (0 or 1).

    The file must hold at least two inclusions (a replay starts from one, as its prior,
    and needs one left to find) and one exclusion; any other problem is an InputError
    naming the file (and the line of a bad label).
    """
    frame = read_labelled_frame(path)
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
    if y.sum() == 1:  # the replay starts from it: no inclusion would be left to find
        raise InputError(
            path, "one inclusion only: a replay starts from it, so none is left to find (need 2)"
        )
    if y.sum() == len(y):
        raise InputError(path, f"no exclusion: every {LABEL} is 1")
    texts = (frame["title"] + " " + frame["abstract"]).str.strip()
    keywords = tuple(frame["keywords"]) if "keywords" in frame.columns else ()
    return LabelledSet(str(path), tuple(texts), y, keywords)


def choose_priors(labels: np.ndarray, seed: int) -> tuple[int, int]:
    """One included and one excluded row, drawn with `seed` (the same for every tool)."""
    rng = np.random.default_rng(seed)
    included = int(rng.choice(np.flatnonzero(labels == 1)))
    return included, int(rng.choice(np.flatnonzero(labels == 0)))


def replay(
    x: sparse.csr_matrix | list[sparse.csr_matrix],
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
    tally = Prequential()
    while len(labelled) < len(y) and left:
        idx = np.array(labelled)
        if _selects(x, model):
            pool = np.flatnonzero(~seen)
            # x[1] is the text without keywords (ASReview's), x[0] with them
            pair = [scores(x[k], idx, y[idx], rng, model) for k in (1, 0)]
            q = [percentiles(p, pool) for p in pair]
            s = pair[tally.choice()].copy()
        else:
            s = scores(x, idx, y[idx], rng, model)
        s[seen] = -np.inf
        batch = []
        for i in np.argsort(-s, kind="stable")[: model.batch(len(labelled))]:
            if not seen[i]:
                seen[i] = True
                batch.append(int(i))
                left -= int(y[i])
        if _selects(x, model):
            tally.update(q[0][batch], q[1][batch], y[batch])
        labelled += batch
        order += batch
    return order


def _selects(x: sparse.csr_matrix | list[sparse.csr_matrix], model: Model) -> bool:
    return model.select == "prequential" and isinstance(x, list) and len(x) == 2


def percentiles(s: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Per row, the share of the `pool` rows scored strictly higher (0: at the top)."""
    ahead = np.sort(s[pool])
    return (len(pool) - np.searchsorted(ahead, s, side="right")) / max(len(pool), 1)


@dataclass
class Prequential:
    """A paired prequential comparison of two rankers, first and second.

    Every record is scored by both before its label is known (`percentiles` in the pool
    then). A record found relevant counts for the ranker that placed it higher, by how
    much higher (the difference of its two percentiles); one found irrelevant counts
    against that ranker by the same measure. `total` > 0 favours the first. No window or
    decay: every labelled record since the priors counts alike (fixed before measuring).
    """

    total: float = 0.0
    labelled: int = 0

    def update(self, first: np.ndarray, second: np.ndarray, labels: np.ndarray) -> None:
        """Add records' percentiles under each ranker (taken before labelling) and labels."""
        sign = 2 * np.asarray(labels, dtype=float) - 1
        self.total += float(np.sum((np.asarray(second) - np.asarray(first)) * sign))
        self.labelled += len(labels)

    def choice(self) -> int:
        """0 (the first ranker) unless the second is strictly ahead."""
        return 1 if self.total < 0 else 0


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


def check_points(n: int, start: int, model: Model = DEFAULT, most: int = 200) -> list[int]:
    """Records screened at each look of the stopping rule in a simulation.

    A reviewer looks after each batch; here after each retraining batch of the model, and
    at most `most` times (every n/`most` records at least), which keeps the looks cheap
    while moving the stop by under 1/`most` of the records.
    """
    ends, screened = [], start
    every = math.ceil(n / most)
    while screened < n:
        screened = min(n, screened + max(model.batch(screened), every))
        ends.append(screened)
    return ends


def simulate(
    data: LabelledSet,
    seed: int = 1,
    model: Model = DEFAULT,
    priors: tuple[int, int] | None = None,
    stop: StopRule | None = None,
) -> Simulation:
    """Replay a labelled set from one included and one excluded record (drawn with `seed`).

    The stopping rule (`stop`, default recall 0.95 at confidence 0.95) is checked on the
    outcomes in screening order, priors first, as `litsift status` checks a review.
    """
    stop = stop or StopRule()
    start = time.perf_counter()
    priors = priors or choose_priors(data.labels, seed)
    x = feature_matrices(data.texts, data.keyword_lists(), model)
    n = len(data.labels)
    order = complete(replay(x, data.labels, priors, seed, model), n, priors)
    found = data.labels[order]
    wss95, recall10, screened_all = metrics(found)
    outcomes = data.labels[[*priors, *order]]
    at = first_stop(outcomes, n, stop, check_points(n, len(priors), model)) or n
    seconds = round(time.perf_counter() - start, 2)
    return Simulation(
        wss95,
        wss(found, 1.0),
        recall10,
        screened_all,
        n,
        seconds,
        priors,
        stop,
        at,
        round(float(outcomes[:at].sum() / data.included), 4),
        round(1 - at / n, 4),
    )
