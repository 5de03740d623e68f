"""Search a local OpenAlex works snapshot with the review's boolean queries, via SQL.

layout.py finds the snapshot's files and manifest; works.py reads works and turns them into
records with the OpenAlex API source's parser; index.py builds the token index (resumable,
file by file, then merged into sorted shards); seek.py reads a hit's line from the middle
of a gzip file; compile.py compiles a query tree to SQL with the local evaluator's
semantics; engines.py runs that SQL on DuckDB or Spark; search.py turns hits into records.
"""

from __future__ import annotations

from litsift.search.snapshot.compile import CompiledQuery, compile_query
from litsift.search.snapshot.engines import DuckDBEngine, Engine, SparkEngine, make_engine
from litsift.search.snapshot.index import IndexReport, build_index, default_folder
from litsift.search.snapshot.layout import Snapshot, open_snapshot
from litsift.search.snapshot.search import Indexed, Result, open_index, run_sql, search

__all__ = [
    "CompiledQuery",
    "DuckDBEngine",
    "Engine",
    "IndexReport",
    "Indexed",
    "Result",
    "Snapshot",
    "SparkEngine",
    "build_index",
    "compile_query",
    "default_folder",
    "make_engine",
    "open_index",
    "open_snapshot",
    "run_sql",
    "search",
]
