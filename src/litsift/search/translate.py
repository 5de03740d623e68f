"""Query strings for the databases a reviewer searches by hand (`litsift search --translate`).

Each target's advanced-search syntax is a `Dialect` plus a renderer, following the
database's own help pages:

- Scopus (help.scopus.com, "Boolean operators", "Proximity operators"): TITLE(), ABS(),
  TITLE-ABS-KEY(); `*` truncation; "loose phrase" vs {exact phrase}; PRE/0 for a phrase
  with a wildcard; AND, OR, AND NOT with OR binding first and AND NOT last. Scopus matches
  plurals and spelling variants, so a word under NOT is written in braces.
- Web of Science (webofscience.help.clarivate.com, "Search rules", "Search operators"):
  TS= (topic: title, abstract, keywords), TI=, AB=; `*` after 3 letters; quotes turn
  lemmatization off; AND, OR, NOT; PY=(2017-2023).
- PubMed (pubmed.ncbi.nlm.nih.gov/help): [ti], [tiab]; `*` after 4 letters, also at the
  end of a phrase; AND, OR, NOT read left to right; 2017:2023[dp].
- Embase on Ovid (Ovid syntax guide): (...).ti,ab.; adjacent words are a phrase; `*`
  truncation; and / or / not; `limit N to yr="2017 - 2023"` on a numbered line.
- IEEE Xplore command search (ieeexplore.ieee.org/Xplorehelp): "Document Title":,
  "Abstract":; `*`; quotes for phrases and for an exact word; AND, OR, NOT.
- ACM Digital Library (dl.acm.org advanced search): Title:(...), Abstract:(...); upper
  case AND, OR, NOT; `*`; plurals and stemming by default, with no documented exact form.
- Google Scholar (scholar.google.com advanced search): no truncation, no nesting, OR
  between terms, `-` to exclude, intitle:, and full text searched by default.

What a syntax cannot express is broadened by the same rule as the API translations (see
`relax.py`): the string never finds fewer records than the query, the reviewer imports the
export, and litsift applies the query locally. Every such change is a note; where the
string may still find fewer (a wildcard with no vocabulary to expand it) it is a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from litsift.errors import InputError
from litsift.search.query import And, DocType, Node, Not, Or, Query, Scope, Term
from litsift.search.relax import Dialect, ExactTerm, Relaxation, Vocabulary, relax, scopes_of
from litsift.search.sources import pubmed
from litsift.vocab import TranslateTarget


@dataclass(frozen=True)
class DatabaseString:
    """The query as one database's advanced-search string, and what it could not express."""

    target: str
    database: str
    query: str  # the query's name
    text: str
    exact: bool
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    tree: Node | None = field(default=None, compare=False)
    expansions: dict[str, list[str] | None] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The data the PRISMA-S log and the methods text record for this database."""
        return {
            "target": self.target,
            "database": self.database,
            "query": self.query,
            "string": self.text,
            "exact": self.exact,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Target:
    key: str
    dialect: Dialect
    render: Callable[[Node, Relaxation], str]  # may add notes to the relaxation
    limits: Callable[[Query, str], tuple[str, list[str]]]  # (string with limits, notes)
    standing: tuple[str, ...] = ()  # what the syntax can never express
    broad_tiab: bool = False  # title-abstract terms are searched in a wider field

    @property
    def name(self) -> str:
        return self.dialect.name


# --------------------------------------------------------------------------- rendering


def _body(t: Term, quote: str = '"') -> str:
    text = " ".join(t.words) if t.wildcard else t.text.replace('"', " ")
    body = text + ("*" if t.wildcard else "")
    return f"{quote}{body}{quote}" if t.phrase else body


def _same_field(node: Node, field_of: Callable[[Term, bool], str], positive: bool) -> str | None:
    """The one field every term of the subtree is searched in, or None."""
    fields: set[str] = set()

    def walk(n: Node, pos: bool) -> None:
        if isinstance(n, Term):
            fields.add(field_of(n, pos))
        elif isinstance(n, Not):
            walk(n.child, not pos)
        else:
            for c in n.children:
                walk(c, pos)

    walk(node, positive)
    code = fields.pop() if len(fields) == 1 else None
    # "A|B" is one term searched in two fields (A:x OR B:x): it cannot wrap a group, as
    # A:(x AND y) OR B:(x AND y) misses x in the title with y in the abstract
    return None if code is None or "|" in code else code


def _bare(inner: str) -> str:
    """An expression without the parentheses around all of it (a field adds its own)."""
    return pubmed.strip_outer(inner)


@dataclass(frozen=True)
class Syntax:
    """How one target writes terms, fields and operators."""

    field_of: Callable[[Term, bool], str]  # (term, positive) -> field code
    term: Callable[[Term], str]  # a term without its field
    wrap: Callable[[str, str], str]  # (field code, inner) -> fielded expression
    and_: str = " AND "
    or_: str = " OR "
    not_: str = " NOT "  # binary: "A NOT B"

    def render(self, node: Node, positive: bool = True, fielded: bool = False) -> str:
        if not fielded:
            code = _same_field(node, self.field_of, positive)
            if code is not None:
                return self.wrap(code, self.render(node, positive, fielded=True))
        if isinstance(node, Term):
            inner = self.term(node)
            return inner if fielded else self.wrap(self.field_of(node, positive), inner)
        if isinstance(node, Not):
            return self.render(node.child, not positive, fielded)
        if isinstance(node, Or):
            return (
                "(" + self.or_.join(self.render(c, positive, fielded) for c in node.children) + ")"
            )
        pos = [self.render(c, positive, fielded) for c in node.children if not isinstance(c, Not)]
        neg = [self.render(c, positive, fielded) for c in node.children if isinstance(c, Not)]
        return _conjunction(pos, neg, self.and_, self.not_)


def _conjunction(pos: list[str], neg: list[str], and_: str, not_: str) -> str:
    """'(A AND B)' or '((A AND B) NOT (C OR D))': one binary NOT after the positive part."""
    head = and_.join(pos)
    if not neg:
        return f"({head})"
    if len(pos) > 1:
        head = f"({head})"
    excluded = neg[0] if len(neg) == 1 else "(" + or_of(not_).join(neg) + ")"
    return f"({head}{not_}{excluded})"


def or_of(not_: str) -> str:
    """The OR operator in the case of a syntax's NOT (Ovid writes operators in lower case)."""
    return " or " if not_.strip().islower() else " OR "


def strip_outer(text: str) -> str:
    return pubmed.strip_outer(text)


# --------------------------------------------------------------------------- Scopus

_SCOPUS = Dialect(
    "Scopus",
    scopes={s: s for s in Scope},
    prefix=True,
    min_stem=1,
    phrase_prefix=True,
    stemmed=True,  # plurals and spelling variants are matched
    exact_form=True,  # {braces}
    nots="and",
)


def _scopus_field(t: Term, positive: bool) -> str:
    scope = t.scope or Scope.TITLE_ABSTRACT
    if scope is Scope.TITLE:
        return "TITLE"
    if scope is Scope.ABSTRACT:
        return "ABS"
    return "TITLE-ABS-KEY" if positive else "TITLE|ABS"  # keywords too: broader, not exact


def _scopus_term(t: Term) -> str:
    if isinstance(t, ExactTerm) and not t.wildcard:
        return "{" + t.text.replace("{", " ").replace("}", " ") + "}"
    if t.phrase and t.wildcard:  # wildcards are punctuation inside quotes: use PRE/0
        return " PRE/0 ".join([*t.words[:-1], t.words[-1] + "*"])
    return _body(t)


def _scopus_wrap(code: str, inner: str) -> str:
    if code == "TITLE|ABS":
        return f"(TITLE({inner}) OR ABS({inner}))"
    return f"{code}({_bare(inner)})"


SCOPUS = Syntax(_scopus_field, _scopus_term, _scopus_wrap, not_=" AND NOT ")

_SCOPUS_TYPES = {
    DocType.ARTICLE: "ar",
    DocType.CONFERENCE_PAPER: "cp",
    DocType.REVIEW: "re",
    DocType.BOOK: "bk",
    DocType.BOOK_CHAPTER: "ch",
    DocType.EDITORIAL: "ed",
    DocType.ERRATUM: "er",
    DocType.LETTER: "le",
}


def _scopus_limits(query: Query, text: str) -> tuple[str, list[str]]:
    notes = []
    if query.spec.years:
        y = query.spec.years
        text = f"({text}) AND PUBYEAR > {y.start - 1} AND PUBYEAR < {y.end + 1}"
    types = [_SCOPUS_TYPES[t] for t in query.spec.types if t in _SCOPUS_TYPES]
    missing = [t.value for t in query.spec.types if t not in _SCOPUS_TYPES]
    if types and not missing:
        text += " AND (" + " OR ".join(f"DOCTYPE({t})" for t in types) + ")"
    elif query.spec.types:
        notes.append(
            f"Scopus has no document type for {', '.join(missing)}: no DOCTYPE limit is set; "
            "types are applied after import"
        )
    return text, notes


# --------------------------------------------------------------------------- Web of Science

_WOS = Dialect(
    "Web of Science",
    scopes={s: s for s in Scope},
    prefix=True,
    min_stem=3,
    phrase_prefix=True,
    stemmed=True,  # lemmatization
    exact_form=True,  # quotes turn it off
    exact_phrase_prefix=True,
    nots="and",
)


def _wos_field(t: Term, positive: bool) -> str:
    scope = t.scope or Scope.TITLE_ABSTRACT
    if scope is Scope.TITLE:
        return "TI"
    if scope is Scope.ABSTRACT:
        return "AB"
    return "TS" if positive else "TI|AB"  # topic adds keywords: broader, not exact


def _wos_term(t: Term) -> str:
    if isinstance(t, ExactTerm):
        return '"' + _body(t, quote="") + '"'
    return _body(t)


def _wos_wrap(code: str, inner: str) -> str:
    if code == "TI|AB":
        return f"(TI={inner} OR AB={inner})"
    inner = _bare(inner)
    return f"{code}=({inner})" if " " in inner else f"{code}={inner}"


WOS = Syntax(_wos_field, _wos_term, _wos_wrap)

_WOS_TYPES = {
    DocType.ARTICLE: "Article",
    DocType.CONFERENCE_PAPER: "Proceedings Paper",
    DocType.REVIEW: "Review",
    DocType.BOOK: "Book",
    DocType.BOOK_CHAPTER: "Book Chapter",
    DocType.EDITORIAL: "Editorial Material",
    DocType.ERRATUM: "Correction",
    DocType.LETTER: "Letter",
}


def _wos_limits(query: Query, text: str) -> tuple[str, list[str]]:
    notes = []
    if query.spec.years:
        y = query.spec.years
        text = f"({text}) AND PY=({y.start}-{y.end})"
    types = [_WOS_TYPES[t] for t in query.spec.types if t in _WOS_TYPES]
    missing = [t.value for t in query.spec.types if t not in _WOS_TYPES]
    if types and not missing:
        text += " AND DT=(" + " OR ".join(f'"{t}"' for t in types) + ")"
    elif query.spec.types:
        notes.append(
            f"Web of Science Core Collection has no document type for {', '.join(missing)}: "
            "no DT= limit is set; types are applied after import"
        )
    return text, notes


# --------------------------------------------------------------------------- PubMed


def _pubmed_limits(query: Query, text: str) -> tuple[str, list[str]]:
    notes = []
    if query.spec.years:
        y = query.spec.years
        text = f"({text}) AND ({y.start}:{y.end}[dp])"
    if query.spec.types:
        notes.append("PubMed publication types differ from litsift's: types applied after import")
    return text, notes


# --------------------------------------------------------------------------- Embase (Ovid)

_OVID_STOPWORDS = frozenset({"the", "is", "an", "a", "of", "and", "or", "not", "to", "in"})
_EMBASE = Dialect(
    "Embase (Ovid)",
    scopes={s: s for s in Scope},
    prefix=True,
    min_stem=3,
    phrase_prefix=True,
    stopwords=_OVID_STOPWORDS,  # not counted in phrases
    nots="and",
)
_OVID_CODES = {Scope.TITLE: ".ti.", Scope.ABSTRACT: ".ab.", Scope.TITLE_ABSTRACT: ".ti,ab."}
_OVID_OPERATORS = {"and", "or", "not", "adj", "near", "with", "same", "freq", "limit"}


def _ovid_term(t: Term) -> str:
    if t.phrase and _OVID_OPERATORS & set(t.words):
        return _body(t)  # quotes keep an operator word a word
    return " ".join((*t.words[:-1], t.words[-1] + ("*" if t.wildcard else "")))


OVID = Syntax(
    lambda t, positive: _OVID_CODES[t.scope or Scope.TITLE_ABSTRACT],
    _ovid_term,
    lambda code, inner: f"({inner}){code}" if not inner.startswith("(") else f"{inner}{code}",
    and_=" and ",
    or_=" or ",
    not_=" not ",
)


def _ovid_limits(query: Query, text: str) -> tuple[str, list[str]]:
    lines = [f"1. {text}"]
    notes = []
    if query.spec.years:
        y = query.spec.years
        lines.append(f'2. limit 1 to yr="{y.start} - {y.end}"')
    if query.spec.types:
        notes.append("Embase publication types differ from litsift's: types applied after import")
    return "\n".join(lines), notes


# --------------------------------------------------------------------------- IEEE Xplore

_IEEE = Dialect(
    "IEEE Xplore",
    scopes={s: s for s in Scope},
    prefix=True,
    min_stem=3,
    phrase_prefix=True,
    stemmed=True,  # unquoted words are stemmed
    exact_form=True,  # quotes
    exact_phrase_prefix=True,
    nots="and",
)


def _ieee_field(t: Term, positive: bool) -> str:
    scope = t.scope or Scope.TITLE_ABSTRACT
    return {Scope.TITLE: "DT", Scope.ABSTRACT: "AB"}.get(scope, "DT|AB")


def _ieee_wrap(code: str, inner: str) -> str:
    names = {"DT": '"Document Title"', "AB": '"Abstract"'}
    if code == "DT|AB":
        return f"({names['DT']}:{inner} OR {names['AB']}:{inner})"
    return f"{names[code]}:{inner}"


def _ieee_term(t: Term) -> str:
    if isinstance(t, ExactTerm):
        return '"' + _body(t, quote="") + '"'
    return _body(t)


class _FieldPerTerm(Syntax):
    """Syntaxes whose field prefix takes one term (IEEE Xplore command search)."""

    def render(self, node: Node, positive: bool = True, fielded: bool = False) -> str:
        return self._r(node, positive)

    def _r(self, node: Node, positive: bool) -> str:
        if isinstance(node, Term):
            return self.wrap(self.field_of(node, positive), self.term(node))
        if isinstance(node, Not):
            return self._r(node.child, not positive)
        if isinstance(node, Or):
            return "(" + self.or_.join(self._r(c, positive) for c in node.children) + ")"
        pos = [self._r(c, positive) for c in node.children if not isinstance(c, Not)]
        neg = [self._r(c, positive) for c in node.children if isinstance(c, Not)]
        return _conjunction(pos, neg, self.and_, self.not_)


IEEE = _FieldPerTerm(_ieee_field, _ieee_term, _ieee_wrap)


def _ui_limits(name: str) -> Callable[[Query, str], tuple[str, list[str]]]:
    def limits(query: Query, text: str) -> tuple[str, list[str]]:
        notes = []
        if query.spec.years:
            y = query.spec.years
            notes.append(f"set the publication years {y.start}-{y.end} in {name}'s filters")
        if query.spec.types:
            notes.append(f"set the document types in {name}'s filters, or apply them after import")
        return text, notes

    return limits


# --------------------------------------------------------------------------- ACM DL

_ACM = Dialect(
    "ACM Digital Library",
    scopes={s: s for s in Scope},
    prefix=True,
    min_stem=3,
    stemmed=True,  # plurals and stemming by default, no documented exact form
    nots="and",
)


def _acm_field(t: Term, positive: bool) -> str:
    scope = t.scope or Scope.TITLE_ABSTRACT
    return {Scope.TITLE: "Title", Scope.ABSTRACT: "Abstract"}.get(scope, "Title|Abstract")


def _acm_wrap(code: str, inner: str) -> str:
    if code == "Title|Abstract":
        return f"(Title:({inner}) OR Abstract:({inner}))"
    return f"{code}:({_bare(inner)})"


ACM = Syntax(_acm_field, _body, _acm_wrap)


# --------------------------------------------------------------------------- Google Scholar

_SCHOLAR = Dialect(
    "Google Scholar",
    # anywhere = the full text, wider than title and abstract; no abstract-only field
    scopes={
        Scope.TITLE: Scope.TITLE,
        Scope.TITLE_ABSTRACT: Scope.TITLE_ABSTRACT,
        Scope.ABSTRACT: Scope.TITLE_ABSTRACT,
    },
    negatable=frozenset({Scope.TITLE}),
    prefix=False,
    nots="and",
    not_groups=False,
)


def _scholar_term(t: Term, negated: bool = False) -> str:
    body = _body(t)
    if (t.scope or Scope.TITLE_ABSTRACT) is Scope.TITLE:
        body = f"intitle:{body}"
    return f"-{body}" if negated else body


def _representative(node: Node) -> list[Term] | None:
    """Terms whose OR the node implies (broader), or None when nothing is implied."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return None
    if isinstance(node, Or):
        parts = [_representative(c) for c in node.children]
        return None if any(p is None for p in parts) else [t for p in parts for t in p or ()]
    reps = [r for c in node.children if (r := _representative(c))]
    return min(reps, key=len) if reps else None


def scholar_groups(tree: Node, out: Relaxation) -> tuple[list[list[Term]], list[Term]]:
    """The tree as an AND of OR-groups of terms, plus the terms to exclude."""
    parts = tree.children if isinstance(tree, And) else (tree,)
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    for part in parts:
        if isinstance(part, Not) and isinstance(part.child, Term):
            excluded.append(part.child)
            continue
        if isinstance(part, Or) and not all(isinstance(c, Term) for c in part.children):
            out.note("Google Scholar has no nested groups: inner groups are broadened")
        rep = _representative(part)
        if rep is None:
            out.note("Google Scholar has no nested NOT: it is applied after import")
            continue
        groups.append(rep)
    return groups, excluded


def render_scholar(tree: Node, out: Relaxation) -> str:
    """Google Scholar: OR-groups side by side (AND), excluded terms with '-'."""
    groups, excluded = scholar_groups(tree, out)
    words = []
    for g in groups:
        alts = list(dict.fromkeys(_scholar_term(t) for t in g))
        words.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    words += [_scholar_term(t, negated=True) for t in excluded]
    text = " ".join(words)
    if len(text) > 256:
        out.warn(
            f"the string is {len(text)} characters; Google Scholar reads at most 256, "
            "so split it into several searches"
        )
    return text


# --------------------------------------------------------------------------- the targets

TARGETS: dict[str, Target] = {
    t.key: t
    for t in (
        Target(
            "scopus",
            _SCOPUS,
            lambda n, _: strip_outer(SCOPUS.render(n)),
            _scopus_limits,
            ("title-abstract terms use TITLE-ABS-KEY, which also searches keywords",),
            broad_tiab=True,
        ),
        Target(
            "wos",
            _WOS,
            lambda n, _: strip_outer(WOS.render(n)),
            _wos_limits,
            ("title-abstract terms use TS= (topic), which also searches keywords",),
            broad_tiab=True,
        ),
        Target(
            "pubmed",
            pubmed.DIALECT,
            lambda n, _: pubmed.strip_outer(pubmed.render(n)),
            _pubmed_limits,
            ("abstract-only terms are searched in [tiab]: PubMed has no abstract tag",),
        ),
        Target(
            "embase",
            _EMBASE,
            lambda n, _: strip_outer(OVID.render(n)),
            _ovid_limits,
            ("free-text only: add Emtree headings (exp ... /) by hand if the protocol uses them",),
        ),
        Target(
            "ieee",
            _IEEE,
            lambda n, _: strip_outer(IEEE.render(n)),
            _ui_limits("IEEE Xplore"),
            (
                "IEEE Xplore caps the terms and wildcards of one command search: "
                "split the string if it is refused",
            ),
        ),
        Target(
            "acm",
            _ACM,
            lambda n, _: strip_outer(ACM.render(n)),
            _ui_limits("the ACM Digital Library"),
            ("paste into the ACM DL advanced search (Edit Search) box",),
        ),
        Target(
            "scholar",
            _SCHOLAR,
            render_scholar,
            _ui_limits("Google Scholar"),
            (
                "Google Scholar searches the full text, has no truncation and documents no "
                "parentheses: OR-groups may need the advanced form, one group per field",
            ),
            broad_tiab=True,
        ),
    )
}
assert set(TARGETS) == set(TranslateTarget), "litsift.vocab.TranslateTarget lists every target"
ALIASES = {"web-of-science": "wos", "webofscience": "wos", "ovid": "embase", "ieee-xplore": "ieee"}
ALIASES |= {"acm-dl": "acm", "google-scholar": "scholar", "googlescholar": "scholar"}


def target(key: str) -> Target:
    """The target named `key` (or an alias), or an error listing the known ones."""
    name = ALIASES.get(key.lower(), key.lower())
    if name not in TARGETS:
        raise InputError(
            "--translate", f"unknown database '{key}' (known: {', '.join(sorted(TARGETS))})"
        )
    return TARGETS[name]


def translate_for(query: Query, key: str, vocabulary: Vocabulary | None = None) -> DatabaseString:
    """The query as `key`'s advanced-search string (pure; never narrower than the query)."""
    t = target(key)
    relaxed = relax(query.tree, t.dialect, query.scope, vocabulary)
    if isinstance(relaxed.tree, bool):
        raise InputError(
            query.path or query.name,
            f"query {query.name} cannot be written for {t.name}: what it can express of the "
            "query matches every record (a NOT with nothing positive beside it)"
            if relaxed.tree
            else f"query {query.name} can match nothing in {t.name}",
        )
    tree = relaxed.tree
    text = t.render(tree, relaxed)
    text, limit_notes = t.limits(query, text)
    notes = (*relaxed.notes, *t.standing, *limit_notes)
    broad = t.broad_tiab and Scope.TITLE_ABSTRACT in scopes_of(tree, query.scope)
    return DatabaseString(
        t.key,
        t.name,
        query.name,
        text,
        relaxed.exact and not broad and not limit_notes,
        tuple(notes),
        tuple(relaxed.warnings),
        tree,
        dict(relaxed.expansions),
    )


def translations(
    queries: Sequence[Query], keys: Sequence[str], vocabulary: Vocabulary | None = None
) -> list[dict[str, Any]]:
    """Every query for every target, as data (for the PRISMA-S log and the methods text)."""
    return [translate_for(q, k, vocabulary).as_dict() for k in keys for q in queries]
