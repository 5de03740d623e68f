"""Compile a query tree to SQL over the snapshot index, with the local evaluator's semantics.

The index (see index.py) has three tables:
  oa_works(wid, id, doi, year, doc_type)     one row per work
  oa_tokens(token, wid, f, pos)              one row per token occurrence: f 1 = title,
                                              2 = abstract; pos 0-based within the field
  oa_refs(wid, ref)                           the W ids a work references
Tokens are `fold(text).split()`, exactly what `query.evaluate` compares, so:
  a word          token = 'w' in the term's fields
  a wildcard      'optimi' <= token < 'optimj' (a prefix, as `str.startswith`)
  a phrase        consecutive positions in one field (a phrase never spans title and
                  abstract, as the evaluator's sentinel keeps it from doing)
  AND / OR / NOT  INTERSECT / UNION / EXCEPT of work-id sets
and the year range and types filter oa_works the way `Query.in_limits` does (a work of
unknown year or type passes). Only standard SQL is used, so DuckDB and Spark SQL run the
same text.
"""

from __future__ import annotations

from dataclasses import dataclass

from litsift.search.query import Node, Not, Or, Query, Scope, Term

WORKS, TOKENS, REFS = "oa_works", "oa_tokens", "oa_refs"
TITLE, ABSTRACT = 1, 2
_FIELDS = {
    Scope.TITLE: f"= {TITLE}",
    Scope.ABSTRACT: f"= {ABSTRACT}",
    Scope.TITLE_ABSTRACT: None,
}


@dataclass(frozen=True)
class CompiledQuery:
    """The SQL sent for one query: selects (id, wid) of the matching works, ordered by id."""

    sql: str
    query: str  # the query name


def _literal(text: str) -> str:
    # folded tokens hold only [0-9a-z]; quoting is still done properly
    return "'" + text.replace("'", "''") + "'"


def _successor(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _word(alias: str, word: str, prefix: bool) -> str:
    if prefix:
        return f"{alias}.token >= {_literal(word)} AND {alias}.token < {_literal(_successor(word))}"
    return f"{alias}.token = {_literal(word)}"


def _term(term: Term, default: Scope) -> str:
    field = _FIELDS[term.scope or default]
    last = len(term.words) - 1
    joins, conds = [], []
    for k, word in enumerate(term.words):
        alias = f"t{k}"
        if k:
            joins.append(
                f"JOIN {TOKENS} {alias} ON {alias}.wid = t0.wid AND {alias}.f = t0.f "
                f"AND {alias}.pos = t0.pos + {k}"
            )
        conds.append(_word(alias, word, term.wildcard and k == last))
    if field is not None:
        conds.append(f"t0.f {field}")
    sql = f"SELECT t0.wid FROM {TOKENS} t0"
    if joins:
        sql += " " + " ".join(joins)
    return f"{sql} WHERE {' AND '.join(conds)}"


def _all() -> str:
    return f"SELECT wid FROM {WORKS}"


def _set(node: Node, default: Scope) -> str:
    """SQL selecting the wid set a node matches (a query expression, unparenthesised)."""
    if isinstance(node, Term):
        return _term(node, default)
    if isinstance(node, Not):
        return f"({_all()}) EXCEPT ({_set(node.child, default)})"
    if isinstance(node, Or):
        return " UNION ".join(f"({_set(c, default)})" for c in node.children)
    positive = [c for c in node.children if not isinstance(c, Not)]
    negative = [c.child for c in node.children if isinstance(c, Not)]
    sql = " INTERSECT ".join(f"({_set(c, default)})" for c in positive) or f"({_all()})"
    if negative:
        if len(positive) > 1:
            sql = f"SELECT wid FROM ({sql}) p"
        excluded = " UNION ".join(f"({_set(c, default)})" for c in negative)
        sql = f"({sql}) EXCEPT ({excluded})"
    return sql


def _limits(query: Query) -> list[str]:
    out = []
    years = query.spec.years
    if years:
        out.append(f"(w.year IS NULL OR w.year BETWEEN {years.start} AND {years.end})")
    types = sorted({t.value for t in query.spec.types})
    if types:
        listed = ", ".join(_literal(t) for t in types)
        out.append(f"(w.doc_type IS NULL OR w.doc_type IN ({listed}))")
    return out


def compile_query(query: Query) -> CompiledQuery:
    """The whole query (tree, years, types) as one SELECT of (id, wid), ordered by id."""
    where = [f"w.wid IN ({_set(query.tree, query.scope)})", *_limits(query)]
    sql = f"SELECT w.id, w.wid FROM {WORKS} w WHERE " + " AND ".join(where) + " ORDER BY w.id"
    return CompiledQuery(sql=sql, query=query.name)


def ids_sql(dois: list[str]) -> str:
    """The works with the given (normalised) DOIs: (id, wid, doi)."""
    listed = ", ".join(_literal(d) for d in sorted(set(dois))) or "NULL"
    return f"SELECT w.id, w.wid, w.doi FROM {WORKS} w WHERE w.doi IN ({listed}) ORDER BY w.id"


def references_sql(work_ids: list[str]) -> str:
    """Works the given works reference (backward citations): (seed, id, wid)."""
    listed = ", ".join(_literal(w) for w in sorted(set(work_ids))) or "NULL"
    return (
        f"SELECT DISTINCT s.id AS seed, w.id, w.wid FROM {WORKS} s "
        f"JOIN {REFS} r ON r.wid = s.wid JOIN {WORKS} w ON w.id = r.ref "
        f"WHERE s.id IN ({listed}) ORDER BY w.id, seed"
    )


def citing_sql(work_ids: list[str]) -> str:
    """Works that reference any of the given works (forward citations): (seed, id, wid)."""
    listed = ", ".join(_literal(w) for w in sorted(set(work_ids))) or "NULL"
    return (
        f"SELECT DISTINCT r.ref AS seed, w.id, w.wid FROM {REFS} r "
        f"JOIN {WORKS} w ON w.wid = r.wid WHERE r.ref IN ({listed}) ORDER BY w.id, seed"
    )
