"""The SQL engines a snapshot search runs on: DuckDB (embedded) and Spark (a cluster).

Both register the index's Parquet files as the views oa_works, oa_tokens and oa_refs and
run the compiled SQL unchanged. Spark is imported only when asked for (`litsift[spark]`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from litsift.errors import SearchError
from litsift.models import SparkSettings
from litsift.search.snapshot.compile import REFS, TOKENS, WORKS

VIEWS = {"works": WORKS, "tokens": TOKENS, "refs": REFS}


class Engine(Protocol):
    name: str

    def load(self, files: dict[str, Sequence[Path]]) -> None:
        """Register the index tables (table -> Parquet files) as views."""

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one SELECT; every row as a tuple."""

    def close(self) -> None: ...


class DuckDBEngine:
    """DuckDB in this process, reading the Parquet files in place."""

    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        self._duckdb = duckdb
        self.con = duckdb.connect()
        # a query looks up each term in every index file: keep their footers parsed
        self.con.execute("SET parquet_metadata_cache = true")
        if threads:
            self.con.execute(f"SET threads TO {int(threads)}")
        if memory_limit:
            self.con.execute("SET memory_limit = ?", [memory_limit])

    def load(self, files: dict[str, Sequence[Path]]) -> None:
        for table, view in VIEWS.items():
            listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files[table])
            self.con.execute(
                f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM read_parquet([{listed}])"
            )

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return self.con.execute(sql).fetchall()
        except self._duckdb.Error as e:
            raise SearchError(f"duckdb: {str(e).splitlines()[0]}") from e

    def close(self) -> None:
        self.con.close()


class SparkEngine:
    """PySpark; `settings.master` as for spark-submit (`local[*]` by default)."""

    name = "spark"

    def __init__(self, settings: SparkSettings | None = None, session: Any = None) -> None:
        self.settings = settings or SparkSettings()
        self.spark = session or _session(self.settings)
        self._owned = session is None

    def load(self, files: dict[str, Sequence[Path]]) -> None:
        for table, view in VIEWS.items():
            paths = [str(p) for p in files[table]]
            self.spark.read.parquet(*paths).createOrReplaceTempView(view)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return [tuple(r) for r in self.spark.sql(sql).collect()]
        except Exception as e:  # py4j and pyspark errors have no common base worth naming
            raise SearchError(f"spark: {str(e).splitlines()[0]}") from e

    def close(self) -> None:
        if self._owned:
            self.spark.stop()


def _session(settings: SparkSettings) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise SearchError(
            "the spark engine needs pyspark: pip install 'litsift[spark]' (and Java 17+)"
        ) from e
    builder = SparkSession.builder.master(settings.master).appName("litsift-snapshot")
    # progress bars and the web UI are for interactive use; litsift reports on its own
    defaults = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
    for key, value in sorted({**defaults, **settings.conf}.items()):
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as e:
        raise SearchError(f"spark: cannot start a session on {settings.master}: {e}") from e
    session.sparkContext.setLogLevel("ERROR")
    return session


def make_engine(name: str, spark: SparkSettings | None = None) -> Engine:
    """The engine review.yaml names."""
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine(spark)
    raise SearchError(f"unknown snapshot engine '{name}' (duckdb or spark)")
