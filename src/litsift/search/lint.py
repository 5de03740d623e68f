"""Lint a query file: what parses but probably is not what the reviewer meant.

`lint_query_text` is pure (it takes the file's text) and returns findings with the file,
line and column, so `litsift search --explain`, `litsift search` and `litsift check` can
all report them. Errors stop a search; warnings are printed.

- lower-case `and` / `or` / `not` are searched as words, not operators (warning)
- a NOT that nothing positive anchors (`NOT x` alone, `x OR NOT y`): the query matches
  records that contain none of its terms, so no API can be asked for it (error); a NOT
  inside OR that is anchored elsewhere is probably a mistake for AND NOT (warning)
- a wildcard stem shorter than the parser allows, an empty group or phrase (errors, as
  the parser reports them); a stem shorter than a source truncates (warning)
- a field a source cannot search: abstracts on DBLP, the title alone on Semantic
  Scholar, any field on Crossref (warning, naming the source)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from litsift.search.query import (
    And,
    Node,
    Not,
    Or,
    QuerySpec,
    QuerySyntaxError,
    Scope,
    Term,
    parse,
    query_position,
)
from litsift.search.relax import Dialect, anchored
from litsift.yamlio import read_yaml

Level = Literal["error", "warning"]
_OPERATORS = {"and", "or", "not"}


@dataclass(frozen=True)
class Finding:
    """One lint finding, located in the query file."""

    level: Level
    code: str
    message: str
    path: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        where += f":{self.col}" if self.line and self.col else ""
        return f"{where}: {self.level}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class _Raw:
    level: Level
    code: str
    message: str
    offset: int


def _walk(node: Node, parent: Node | None = None) -> Iterable[tuple[Node, Node | None]]:
    yield node, parent
    if isinstance(node, Not):
        yield from _walk(node.child, node)
    elif isinstance(node, And | Or):
        for c in node.children:
            yield from _walk(c, node)


def _lower_operator(node: Node) -> bool:
    """A word spelled like an operator but not in upper case: `and`, `Or`, `not`."""
    if not isinstance(node, Term) or node.phrase or node.wildcard:
        return False
    return node.text.lower() in _OPERATORS and node.text != node.text.upper()


def _first_pos(node: Node) -> int:
    if isinstance(node, Term | Not):
        return node.pos
    return _first_pos(node.children[0])


def tree_findings(
    tree: Node, default: Scope, dialects: Sequence[Dialect] = ()
) -> list[tuple[Level, str, str, int]]:
    """(level, code, message, offset) for a parsed query tree."""
    out: list[tuple[Level, str, str, int]] = []
    bare = not anchored(tree)
    for node, parent in _walk(tree):
        if _lower_operator(node):
            assert isinstance(node, Term)
            out.append(
                (
                    "warning",
                    "lower-case-operator",
                    f"'{node.text}' is searched as a word; write {node.text.upper()} "
                    "for the operator (or quote it to search the word)",
                    node.pos,
                )
            )
        if isinstance(node, Not) and isinstance(parent, Or) and not bare:
            out.append(
                (
                    "warning",
                    "not-in-or",
                    "NOT inside OR matches every record without the term; did you mean AND NOT?",
                    node.pos,
                )
            )
    if bare:
        out.append(
            (
                "error",
                "bare-not",
                "the query matches records that contain none of its terms (a NOT that "
                "nothing positive limits, e.g. 'NOT x' alone or 'x OR NOT y'); no API can "
                "be asked for that: add a term every match must contain",
                _first_pos(tree),
            )
        )
    for dialect in dialects:
        out.extend(_dialect_findings(tree, default, dialect))
    return out


def _dialect_findings(tree: Node, default: Scope, d: Dialect) -> list[tuple[Level, str, str, int]]:
    out: list[tuple[Level, str, str, int]] = []
    seen: set[tuple[str, Scope | str]] = set()
    for node, _ in _walk(tree):
        if not isinstance(node, Term):
            continue
        scope = node.scope or default
        if scope in d.absent and ("absent", scope) not in seen:
            seen.add(("absent", scope))
            out.append(
                (
                    "warning",
                    "field-not-searchable",
                    f"{d.name} records have no {scope.value}: {scope.value} terms cannot "
                    "match there",
                    node.pos,
                )
            )
        elif d.scopes.get(scope) != scope and ("scope", scope) not in seen:
            seen.add(("scope", scope))
            sent = d.scopes.get(scope)
            where = f"searched in the {sent.value}" if sent else "left out of its request"
            out.append(
                (
                    "warning",
                    "field-not-searchable",
                    f"{d.name} cannot search the {scope.value}: {scope.value} terms are "
                    f"{where} there and the field is checked locally",
                    node.pos,
                )
            )
        stem = node.words[-1]
        if node.wildcard and d.prefix and len(stem) < d.min_stem and ("stem", stem) not in seen:
            seen.add(("stem", stem))
            out.append(
                (
                    "warning",
                    "short-wildcard",
                    f"{d.name} truncates only stems of {d.min_stem} letters or more: "
                    f"'{stem}*' is expanded from the records retrieved, or sent as '{stem}'",
                    node.pos,
                )
            )
    return out


def lint_query_text(path: str, text: str, dialects: Sequence[Dialect] = ()) -> list[Finding]:
    """Findings for the query file `path` whose content is `text` (nothing is read)."""
    data, lines = read_yaml(path, text)
    node = lines.node(("query",))
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        return [Finding("error", "no-query", "no query: string in the file", path, 1)]
    try:
        spec = QuerySpec.model_validate(data)
        default = Scope(spec.fields)
    except ValidationError:
        default = Scope.TITLE_ABSTRACT  # load_query reports those errors with their lines
    query = data["query"]

    def located(level: Level, code: str, message: str, offset: int) -> Finding:
        line, col = query_position(text, node, offset)
        return Finding(level, code, message, path, line, col)

    try:
        tree = parse(query)
    except QuerySyntaxError as e:
        code = "short-wildcard" if "shorter than" in e.message else "syntax"
        if "empty" in e.message:
            code = "empty-group"
        return [located("error", code, e.message, e.pos)]
    return [located(*f) for f in tree_findings(tree, default, dialects)]


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "error"]
