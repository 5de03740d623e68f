"""Broadening a query to what one search syntax can express: never narrower than the query.

Every API source and every `--translate` target describes its syntax as a `Dialect`:
which fields it can search, whether it truncates, stems, drops stop words, takes phrases,
and where it can put a NOT. `relax` rewrites the query tree so that, under those
documented matching rules, the request matches at least every record the query matches.
What the syntax cannot express exactly is widened (a field it lacks becomes a wider one,
a phrase it cannot quote becomes its words, a wildcard it cannot send is expanded from a
vocabulary) or dropped from the request (a NOT it cannot place, a negated word it would
stem), and each change is noted, naming the part of the query, so `--explain` can say
what is applied locally after retrieval and why.

Polarity decides what is safe. A positive part may only be widened; a part under NOT may
only be narrowed (matching fewer records under NOT excludes fewer), so a negated word on
a stemming engine, or a negated phrase split into words, must be dropped instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from litsift.ids import fold
from litsift.models import Record
from litsift.search.query import And, Node, Not, Or, Scope, Term, render

Relaxed = Node | bool  # True: matches every record; False: matches none

MAX_EXPANSION = 40  # words a wildcard may expand to before the rarest are cut


@dataclass(frozen=True)
class ExactTerm(Term):
    """A term the target must match as written, without stemming (quotes, braces)."""


class Vocabulary:
    """Words a wildcard can be expanded to: from records already retrieved, or as logged.

    `fixed` (stem -> words) replays the expansion a search logged, so re-running a
    snapshot sends the same requests whatever has been retrieved since; a stem logged as
    None had no vocabulary then and is replayed as such.
    """

    def __init__(
        self,
        counts: Mapping[str, int] | None = None,
        fixed: Mapping[str, Sequence[str] | None] | None = None,
    ) -> None:
        self.counts = Counter(counts or {})
        self.fixed = {k: (None if v is None else list(v)) for k, v in (fixed or {}).items()}
        self.records = 0

    @classmethod
    def from_records(cls, records: Iterable[Record]) -> Vocabulary:
        """Every folded word of the records' titles and abstracts, with its frequency."""
        counts: Counter[str] = Counter()
        n = 0
        for r in records:
            n += 1
            counts.update(fold(f"{r.title or ''} {r.abstract or ''}").split())
        vocab = cls(counts)
        vocab.records = n
        return vocab

    def add(self, records: Iterable[Record]) -> None:
        """Count the words of more records (retrieved during the run)."""
        more = Vocabulary.from_records(records)
        self.counts.update(more.counts)
        self.records += more.records

    def __bool__(self) -> bool:
        return bool(self.counts or self.fixed)

    def expand(self, stem: str) -> tuple[list[str], bool] | None:
        """(words starting with `stem`, most frequent first; whether some were cut), or None."""
        if stem in self.fixed:
            words = self.fixed[stem]
            return None if words is None else (list(words), False)
        if not self.counts:
            return None
        found = sorted(
            (w for w in self.counts if w.startswith(stem)), key=lambda w: (-self.counts[w], w)
        )
        return sorted(found[:MAX_EXPANSION]), len(found) > MAX_EXPANSION


@dataclass(frozen=True)
class Dialect:
    """What one search syntax can express, as its documentation describes it."""

    name: str
    # positive use: scope -> the scope sent (the same or a wider one); absent: not searchable
    scopes: Mapping[Scope, Scope]
    # scopes a negated term can be sent in exactly
    negatable: frozenset[Scope] = frozenset(Scope)
    # fields the source's records never have (DBLP: abstracts): terms there match nothing
    absent: frozenset[Scope] = frozenset()
    prefix: bool = False  # trailing truncation ('optimi*') is native
    min_stem: int = 3  # ... with at least this many characters before the '*'
    phrases: bool = True
    phrase_prefix: bool = False  # a wildcard on a phrase's last word is native
    stemmed: bool = False  # words are stemmed or lemmatised when matched
    exact_form: bool = False  # ... but a term can be written to match exactly as typed
    exact_phrase_prefix: bool = False  # ... and that exact form takes a trailing wildcard
    stopwords: frozenset[str] = frozenset()  # words the engine drops from what it matches
    # where a NOT may stand: anywhere; only beside a positive part of an AND; nowhere
    nots: Literal["any", "and", "none"] = "and"
    not_groups: bool = True  # a NOT may negate a group, not only a term or phrase
    # when expanding a wildcard, also send it as written (the syntax may support it)
    wildcard_as_written: bool = False


@dataclass
class Relaxation:
    """The relaxed tree, what was changed (notes), what may still be narrower (warnings)."""

    tree: Relaxed
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    expansions: dict[str, list[str] | None] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return not self.notes and not self.warnings

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


def _label(node: Node, default: Scope) -> str:
    """A part of the query as the user would recognise it."""
    if isinstance(node, Term):
        scope = node.scope or default
        if scope == Scope.TITLE_ABSTRACT:
            return node.written()
        return f"{scope.value}:{node.written()}"
    return render(node, top=False)


def simplify(kind: type[And] | type[Or], children: Sequence[Relaxed]) -> Relaxed:
    """And/Or of relaxed children with the constants folded away."""
    absorbing = kind is Or  # True absorbs an OR, False absorbs an AND
    kept: list[Node] = []
    for c in children:
        if isinstance(c, bool):
            if c is absorbing:
                return absorbing
            continue
        kept.extend(c.children if isinstance(c, kind) else (c,))  # flatten (a AND (b AND c))
    if not kept:
        return not absorbing
    return kept[0] if len(kept) == 1 else kind(tuple(kept))


class _Relaxer:
    def __init__(self, dialect: Dialect, default: Scope, vocab: Vocabulary | None) -> None:
        self.d, self.default, self.vocab = dialect, default, vocab
        self.out = Relaxation(True)

    # ------------------------------------------------------------------ tree

    def node(self, node: Node, positive: bool) -> Relaxed:
        if isinstance(node, Term):
            return self.leaf(node, positive)
        if isinstance(node, Not):
            if self.d.nots == "none":
                self.out.note(
                    f"NOT {_label(node.child, self.default)}: {self.d.name} has no NOT; "
                    "left out of the request and applied locally"
                )
                return positive
            inner = self.node(node.child, not positive)
            return (not inner) if isinstance(inner, bool) else Not(inner)
        kind = And if isinstance(node, And) else Or
        return simplify(kind, [self.node(c, positive) for c in node.children])

    def place(self, node: Relaxed, positive: bool, anchored: bool) -> Relaxed:
        """Drop NOTs that do not stand beside a positive part of an AND (binary NOT syntaxes)."""
        if isinstance(node, bool | Term):
            return node
        if isinstance(node, Not):
            if not anchored:
                self.out.note(
                    f"NOT {_label(node.child, self.default)}: {self.d.name} can only exclude "
                    "from something (A NOT B); left out of the request and applied locally"
                )
                return positive
            inner = self.place(node.child, not positive, False)
            if isinstance(inner, bool):
                return not inner
            if self.d.not_groups or isinstance(inner, Term):
                return Not(inner)
            if isinstance(inner, Or) and all(isinstance(c, Term) for c in inner.children):
                return And(tuple(Not(c) for c in inner.children))  # NOT (a OR b) = -a -b
            self.out.note(
                f"NOT {_label(node.child, self.default)}: {self.d.name} can only exclude "
                "single terms; left out of the request and applied locally"
            )
            return positive
        if isinstance(node, Or):
            return simplify(Or, [self.place(c, positive, False) for c in node.children])
        pos = [self.place(c, positive, False) for c in node.children if not isinstance(c, Not)]
        has_pos = any(not isinstance(p, bool) for p in pos)
        neg = [self.place(c, positive, has_pos) for c in node.children if isinstance(c, Not)]
        return simplify(And, [*pos, *neg])

    # ------------------------------------------------------------------ leaves

    def leaf(self, term: Term, positive: bool) -> Relaxed:
        scope = term.scope or self.default
        label = _label(term, self.default)
        if scope in self.d.absent:
            self.out.note(
                f"{label}: {self.d.name} records have no {scope.value}, so this term "
                "cannot match there"
            )
            return False
        if positive:
            sent = self.d.scopes.get(scope)
            if sent is None:
                self.out.note(
                    f"{label}: {self.d.name} cannot search the {scope.value}; "
                    "left out of the request and applied locally"
                )
                return True
            if sent != scope:
                self.out.note(
                    f"{scope.value} terms are searched in the {sent.value} ({self.d.name} "
                    f"cannot search the {scope.value}); the query is applied locally"
                )
            if self.d.stemmed and not term.wildcard:
                self.out.note(
                    f"{self.d.name} stems words, so it also finds other forms of them; "
                    "the query is applied locally"
                )
            if self.d.stopwords & set(term.words):
                self.out.note(
                    f"{label}: {self.d.name} ignores its stop words; the query is applied locally"
                )
            return self.shape(replace(term, scope=sent), True, label)
        if scope not in self.d.negatable:
            self.out.note(
                f"NOT {label}: {self.d.name} cannot exclude on the {scope.value} alone; "
                "left out of the request and applied locally"
            )
            return False
        # a truncated single word matches by prefix, not by stem; a truncated phrase's other
        # words are stemmed unless the exact form takes the wildcard too
        native_prefix = term.wildcard and self.d.prefix
        native_prefix = native_prefix and (not term.phrase or self.d.exact_phrase_prefix)
        if self.d.stemmed and term.phrase and term.wildcard and not native_prefix:
            self.out.note(
                f"NOT {label}: {self.d.name} stems the words of a truncated phrase; "
                "left out of the request and applied locally"
            )
            return False
        if self.d.stemmed and not self.d.exact_form and not native_prefix:
            self.out.note(
                f"NOT {label}: {self.d.name} stems words, so excluding it would also "
                "exclude other forms of it; left out of the request and applied locally"
            )
            return False
        if self.d.stopwords & set(term.words):
            self.out.note(
                f"NOT {label}: {self.d.name} ignores stop words, so excluding it could "
                "exclude more than the phrase; left out of the request and applied locally"
            )
            return False
        if self.d.stemmed and (not term.wildcard or term.phrase):
            term = ExactTerm(**{f: getattr(term, f) for f in _TERM_FIELDS})
        return self.shape(replace(term, scope=scope), False, label)

    def shape(self, t: Term, positive: bool, label: str) -> Relaxed:
        if t.wildcard:
            native = self.d.prefix and len(t.words[-1]) >= self.d.min_stem
            if native and (not t.phrase or self.d.phrase_prefix):
                return t
            if native and positive:
                self.out.note(
                    f"{label}: {self.d.name} cannot truncate inside a phrase; "
                    "sent as its words, the phrase applied locally"
                )
                return _words(t)
            return self.expand(t, positive, label)
        if t.phrase and not self.d.phrases:
            if not positive:
                self.out.note(
                    f"NOT {label}: {self.d.name} has no phrases; "
                    "left out of the request and applied locally"
                )
                return False
            self.out.note(
                f"{label}: {self.d.name} has no phrases; sent as its words, "
                "the phrase applied locally"
            )
            return _words(t)
        return t

    def expand(self, t: Term, positive: bool, label: str) -> Relaxed:
        stem = t.words[-1]
        found = self.vocab.expand(stem) if self.vocab is not None else None
        if found is None:
            self.out.expansions[stem] = None  # logged, so a replay sends the same request
            if not positive:
                self.out.note(
                    f"NOT {label}: {self.d.name} cannot truncate and there is no vocabulary "
                    "to expand it from; left out of the request and applied locally"
                )
                return False
            if self.d.wildcard_as_written:
                self.out.warn(
                    f"{label}: {self.d.name} does not document truncation and no records are "
                    f"retrieved yet to expand it from; sent as written and as the whole word "
                    f"'{stem}', so recall depends on undocumented behaviour"
                )
            else:
                self.out.warn(
                    f"{label}: {self.d.name} cannot truncate and no records are retrieved yet "
                    f"to expand it from; sent as the whole word '{stem}', so records with "
                    "other words starting with it may be missed"
                )
            words: list[str] = [stem]
        else:
            words, cut = found
            words = sorted({stem, *words})
            self.out.expansions[stem] = [w for w in words if w != stem]
            self.out.note(
                f"{label}: {self.d.name} cannot truncate; expanded to {len(words)} words "
                "of the records retrieved so far (words they lack are not searched)"
            )
            if cut and positive:
                self.out.warn(
                    f"{label}: more than {MAX_EXPANSION} words start with '{stem}'; only "
                    f"the {MAX_EXPANSION} most frequent are sent, so some records may be missed"
                )
        alternatives: list[Relaxed] = []
        kind = ExactTerm if isinstance(t, ExactTerm) else Term
        for w in words:
            body = (*t.words[:-1], w)
            alt = kind(" ".join(body), body, phrase=len(body) > 1, scope=t.scope, pos=t.pos)
            alternatives.append(self.shape(alt, positive, label))
        if self.d.wildcard_as_written and positive:
            alternatives.append(_words(t) if t.phrase else t)
        return simplify(Or, alternatives)


_TERM_FIELDS = ("text", "words", "phrase", "wildcard", "scope", "pos")


def _words(t: Term) -> Node:
    """A phrase as the AND of its words (the last keeps the wildcard)."""
    last = len(t.words) - 1
    kids = tuple(
        Term(w, (w,), wildcard=t.wildcard and i == last, scope=t.scope, pos=t.pos)
        for i, w in enumerate(t.words)
    )
    return kids[0] if len(kids) == 1 else And(kids)


def relax(
    tree: Node, dialect: Dialect, default: Scope, vocab: Vocabulary | None = None
) -> Relaxation:
    """The query tree rewritten for `dialect`, never matching fewer records than the query."""
    r = _Relaxer(dialect, default, vocab)
    relaxed = r.node(tree, True)
    if dialect.nots == "and":
        relaxed = r.place(relaxed, True, False)
    r.out.tree = relaxed
    return r.out


def anchored(node: Node) -> bool:
    """Whether every record the tree matches must contain at least one of its positive terms."""
    if isinstance(node, Term):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(anchored(c) for c in node.children)
    return all(anchored(c) for c in node.children)


def scopes_of(node: Node, default: Scope) -> set[Scope]:
    """The fields a tree's terms search."""
    if isinstance(node, Term):
        return {node.scope or default}
    if isinstance(node, Not):
        return scopes_of(node.child, default)
    return {s for c in node.children for s in scopes_of(c, default)}
