"""The boolean query language: parse queries/*.yaml into a tree, evaluate it on records.

Syntax: terms, "quoted phrases", trailing wildcards (`optimi*`, also on a phrase's words),
AND / OR / NOT (upper case; adjacent terms are joined by AND), parentheses, and field
scopes `title:`, `abstract:`, `title-abstract:` (short forms `ti:`, `ab:`, `tiab:`) on a
term, phrase or group. Precedence: NOT binds tightest, then AND, then OR; `a NOT b` means
`a AND NOT b`. The same tree is translated per source (sources/) and evaluated locally on
any record (`Query.matches`), with folded (accent- and case-insensitive) whole-word matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, StrictStr, ValidationError

from litsift.errors import InputError
from litsift.ids import fold
from litsift.models import Frozen, Record, YearRange
from litsift.vocab import DocType
from litsift.yamlio import read_yaml, validation_error


class Scope(StrEnum):
    """Which text fields a term is searched in."""

    TITLE = "title"
    ABSTRACT = "abstract"
    TITLE_ABSTRACT = "title-abstract"


_SCOPE_PREFIXES = {
    "title": Scope.TITLE,
    "ti": Scope.TITLE,
    "abstract": Scope.ABSTRACT,
    "ab": Scope.ABSTRACT,
    "title-abstract": Scope.TITLE_ABSTRACT,
    "tiab": Scope.TITLE_ABSTRACT,
    "title+abstract": Scope.TITLE_ABSTRACT,
}
_OPERATORS = {"AND", "OR", "NOT"}
MIN_WILDCARD_STEM = 3


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Term:
    """A word or quoted phrase; `words` are folded tokens, the last may be a prefix."""

    text: str  # as written, without quotes or the trailing '*'
    words: tuple[str, ...]
    phrase: bool = False
    wildcard: bool = False
    scope: Scope | None = None  # None: the query's default fields
    pos: int = field(default=0, compare=False)

    def written(self) -> str:
        """The term as the user wrote it (quotes and wildcard included)."""
        body = self.text + ("*" if self.wildcard else "")
        return f'"{body}"' if self.phrase else body


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node
    pos: int = field(default=0, compare=False)  # offset of the NOT in the query string


Node = Term | And | Or | Not


def terms(node: Node) -> list[Term]:
    """Every term of the tree, left to right."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms(node.child)
    return [t for child in node.children for t in terms(child)]


def has_not(node: Node) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, Term):
        return False
    return any(has_not(c) for c in node.children)


def render(node: Node, *, top: bool = True) -> str:
    """The tree back as a canonical query string (explicit operators, scopes kept)."""
    if isinstance(node, Term):
        prefix = f"{node.scope.value}:" if node.scope else ""
        return prefix + node.written()
    if isinstance(node, Not):
        return "NOT " + render(node.child, top=False)
    joiner = " AND " if isinstance(node, And) else " OR "
    text = joiner.join(render(c, top=False) for c in node.children)
    return text if top else f"({text})"


# --------------------------------------------------------------------------- parsing


class QuerySyntaxError(ValueError):
    """A syntax error at a 0-based offset of the query string."""

    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


@dataclass(frozen=True)
class _Token:
    kind: str  # LPAREN RPAREN OP WORD PHRASE SCOPE
    value: str
    pos: int


_TOKEN_RE = re.compile(r'\s+|\(|\)|"[^"]*"?|[^\s()"]+')


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for m in _TOKEN_RE.finditer(text):
        value, pos = m.group(), m.start()
        if value.isspace():
            continue
        if value == "(":
            tokens.append(_Token("LPAREN", value, pos))
        elif value == ")":
            tokens.append(_Token("RPAREN", value, pos))
        elif value.startswith('"'):
            if len(value) < 2 or not value.endswith('"'):
                raise QuerySyntaxError(pos, "unterminated quoted phrase")
            tokens.append(_Token("PHRASE", value[1:-1], pos))
        elif value in _OPERATORS:
            tokens.append(_Token("OP", value, pos))
        else:
            tokens.extend(_split_scope(value, pos, text))
    return tokens


def _split_scope(value: str, pos: int, text: str) -> list[_Token]:
    """`title:word` -> SCOPE + WORD; `title:` before a phrase or group -> SCOPE."""
    head, sep, rest = value.partition(":")
    if not sep:
        return [_Token("WORD", value, pos)]
    scope = _SCOPE_PREFIXES.get(head.lower())
    if scope is None:
        raise QuerySyntaxError(
            pos, f"unknown field '{head}' (use title:, abstract: or title-abstract:)"
        )
    tokens = [_Token("SCOPE", scope.value, pos)]
    if rest:
        tokens.append(_Token("WORD", rest, pos + len(head) + 1))
    elif pos + len(value) >= len(text) or text[pos + len(value)].isspace():
        raise QuerySyntaxError(pos, f"field '{head}:' is followed by nothing")
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenise(text)
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError(0, "empty query")
        node = self.parse_or(None)
        tok = self.peek()
        if tok is not None:
            if tok.kind == "RPAREN":
                raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: ')' without '('")
            raise QuerySyntaxError(tok.pos, f"unexpected '{tok.value}'")
        return node

    def parse_or(self, scope: Scope | None) -> Node:
        children = [self.parse_and(scope)]
        while (tok := self.peek()) is not None and tok.kind == "OP" and tok.value == "OR":
            self.take()
            children.append(self.parse_and(scope))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self, scope: Scope | None) -> Node:
        children = [self.parse_unary(scope)]
        while (tok := self.peek()) is not None and not (
            tok.kind == "RPAREN" or (tok.kind == "OP" and tok.value == "OR")
        ):
            if tok.kind == "OP" and tok.value == "AND":
                self.take()
            children.append(self.parse_unary(scope))
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self, scope: Scope | None) -> Node:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError(len(self.text.rstrip()), "query ends after an operator")
        if tok.kind == "OP" and tok.value == "NOT":
            self.take()
            return Not(self.parse_unary(scope), pos=tok.pos)
        return self.parse_primary(scope)

    def parse_primary(self, scope: Scope | None) -> Node:
        tok = self.take()
        if tok.kind == "SCOPE":
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("WORD", "PHRASE", "LPAREN"):
                raise QuerySyntaxError(
                    tok.pos, "a field scope must be followed by a term, a phrase or a group"
                )
            return self.parse_primary(Scope(tok.value))
        if tok.kind == "LPAREN":
            if (nxt := self.peek()) is not None and nxt.kind == "RPAREN":
                raise QuerySyntaxError(tok.pos, "empty parentheses")
            node = self.parse_or(scope)
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: '(' is never closed")
            self.take()
            return node
        if tok.kind == "RPAREN":
            raise QuerySyntaxError(tok.pos, "unbalanced parenthesis: ')' without '('")
        if tok.kind == "OP":
            raise QuerySyntaxError(
                tok.pos, f"operator {tok.value} needs a term before and after it"
            )
        return _term(tok, scope)


def _term(tok: _Token, scope: Scope | None) -> Term:
    raw = tok.value.strip()
    phrase = tok.kind == "PHRASE"
    wildcard = raw.endswith("*")
    body = raw.rstrip("*") if wildcard else raw
    star = body.find("*")
    if star >= 0 or raw.count("*") > 1:
        offset = star if star >= 0 else len(body)
        raise QuerySyntaxError(
            tok.pos + offset + (1 if phrase else 0),
            "a wildcard '*' is allowed only at the end of a term",
        )
    if "?" in body:
        raise QuerySyntaxError(
            tok.pos + body.index("?") + (1 if phrase else 0),
            "single-character wildcard '?' is not supported",
        )
    words = tuple(fold(body).split())
    if not words:
        raise QuerySyntaxError(
            tok.pos, "empty phrase" if phrase else f"term '{raw}' has no letters or digits"
        )
    if wildcard and len(words[-1]) < MIN_WILDCARD_STEM:
        raise QuerySyntaxError(
            tok.pos, f"wildcard stem '{body}' is shorter than {MIN_WILDCARD_STEM} characters"
        )
    return Term(
        text=body,
        words=words,
        phrase=phrase or len(words) > 1,
        wildcard=wildcard,
        scope=scope,
        pos=tok.pos,
    )


def parse(text: str) -> Node:
    """Parse a query string; raises QuerySyntaxError with a 0-based offset."""
    return _Parser(text).parse()


# --------------------------------------------------------------------------- evaluation


def _contains(tokens: list[str], term: Term) -> bool:
    n = len(term.words)
    last = n - 1
    for start in range(len(tokens) - n + 1):
        for k, word in enumerate(term.words):
            tok = tokens[start + k]
            ok = tok.startswith(word) if (k == last and term.wildcard) else tok == word
            if not ok:
                break
        else:
            return True
    return False


def _field_tokens(record: Record) -> dict[Scope, list[str]]:
    title = fold(record.title).split()
    abstract = fold(record.abstract).split()
    # a sentinel keeps a phrase from matching across the title/abstract boundary
    return {
        Scope.TITLE: title,
        Scope.ABSTRACT: abstract,
        Scope.TITLE_ABSTRACT: [*title, "\x00", *abstract],
    }


def evaluate(node: Node, record: Record, default: Scope = Scope.TITLE_ABSTRACT) -> bool:
    """Whether the record's title/abstract satisfy the boolean tree."""
    return _eval(node, _field_tokens(record), default)


def _eval(node: Node, fields: dict[Scope, list[str]], default: Scope) -> bool:
    if isinstance(node, Term):
        return _contains(fields[node.scope or default], node)
    if isinstance(node, Not):
        return not _eval(node.child, fields, default)
    if isinstance(node, And):
        return all(_eval(c, fields, default) for c in node.children)
    return any(_eval(c, fields, default) for c in node.children)


# --------------------------------------------------------------------------- query files


class QuerySpec(Frozen):
    """queries/<name>.yaml."""

    name: StrictStr = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: StrictStr = ""
    query: StrictStr
    fields: Literal["title", "abstract", "title-abstract"] = "title-abstract"
    years: YearRange | None = None
    types: tuple[DocType, ...] = ()


@dataclass(frozen=True)
class Query:
    """A loaded query: its spec, its parsed tree and the file it came from."""

    spec: QuerySpec
    tree: Node
    path: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def scope(self) -> Scope:
        return Scope(self.spec.fields)

    @property
    def text(self) -> str:
        return self.spec.query

    def matches_text(self, record: Record) -> bool:
        """The boolean tree alone, on the record's title and abstract."""
        return evaluate(self.tree, record, self.scope)

    def in_limits(self, record: Record) -> bool:
        """Year range and document types; unknown year or type passes (screening decides)."""
        years = self.spec.years
        if years and record.year is not None and not years.start <= record.year <= years.end:
            return False
        types = {t.value for t in self.spec.types}
        return not (types and record.doc_type and record.doc_type not in types)

    def matches(self, record: Record) -> bool:
        """The whole query: boolean tree, year range and document types."""
        return self.in_limits(record) and self.matches_text(record)

    def judges(self, record: Record) -> bool:
        """Whether the record has the fields the query searches (else it cannot be judged)."""
        scopes = {t.scope or self.scope for t in terms(self.tree)}
        needs_abstract = bool(scopes & {Scope.ABSTRACT, Scope.TITLE_ABSTRACT})
        return bool(record.title) and (bool(record.abstract) or not needs_abstract)


def build_query(spec: QuerySpec, path: str = "<query>") -> Query:
    """Parse a spec's query string (errors name only the offset: use parse_query_file for lines)."""
    try:
        tree = parse(spec.query)
    except QuerySyntaxError as e:
        raise InputError(path, f"query: col {e.pos + 1}: {e.message}") from e
    return Query(spec=spec, tree=tree, path=path)


def parse_query_file(path: str | Path, text: str) -> Query:
    """A query file's text (queries/<name>.yaml) as a Query; errors name the file, and the
    line and column in that file."""
    data, lines = read_yaml(path, text)
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping with name, query, fields, years, types", 1)
    try:
        spec = QuerySpec.model_validate(data)
    except ValidationError as e:
        raise validation_error(path, e, lines) from e
    try:
        tree = parse(spec.query)
    except QuerySyntaxError as e:
        line, col = query_position(text, lines.node(("query",)), e.pos)
        raise InputError(path, e.message, line, col) from e
    return Query(spec=spec, tree=tree, path=str(path))


def query_position(
    source: str, node: yaml.Node | None, offset: int
) -> tuple[int | None, int | None]:
    """Map an offset in a YAML scalar's value back to (line, column) in the file.

    Aligns the value with the scalar's source text character by character, so plain,
    quoted, folded (`>-`) and literal (`|`) scalars all map to the right place.
    """
    if not isinstance(node, yaml.ScalarNode):
        return None, None
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in (">", "|"):
        start = source.index("\n", start) + 1 if "\n" in source[start:end] else start
    value = node.value
    p = start
    index = start
    for i, ch in enumerate(value):
        if ch.isspace():
            while p < end and source[p].isspace():
                p += 1
            if i == offset:
                index = p - 1
                break
            continue
        while p < end and source[p] != ch:
            p += 1
        if i == offset:
            index = p
            break
        p += 1
    else:
        index = min(p, max(end - 1, start))
    line = source.count("\n", 0, index) + 1
    col = index - (source.rfind("\n", 0, index) + 1) + 1
    return line, col
