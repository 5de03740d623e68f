"""The same compiled SQL on Spark (local mode) finds what DuckDB and the local evaluator find.

One Spark session for the module, a small snapshot in both forms, and the queries of the
differential test that between them use every operator. Skips when pyspark or Java is
absent (`pip install -e '.[spark]'`; Debian's openjdk-17-jre-headless).
"""

from __future__ import annotations

import os
import shutil

import pytest
from snapshot_fixtures import generated_works, write_snapshot
from test_search_snapshot_sql import QUERIES, _expected, _query

from litsift.models import SparkSettings
from litsift.search.snapshot import (
    DuckDBEngine,
    SparkEngine,
    build_index,
    default_folder,
    open_index,
    open_snapshot,
    search,
)

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (litsift[spark])")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("Java is not installed (Spark needs Java 17+)", allow_module_level=True)

# every operator: words, scopes, prefixes, phrases (also with a prefix), precedence, NOT at
# the top and inside, year and type limits, folding, and the flagship query
PICKED = [2, 4, 5, 7, 9, 11, 16, 26, 27]


@pytest.fixture(scope="module")
def spark():
    settings = SparkSettings(
        master="local[2]",
        conf={"spark.sql.shuffle.partitions": "2", "spark.driver.memory": "1g"},
    )
    engine = SparkEngine(settings)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def corpus(realworld_works):
    return [*realworld_works, *generated_works(200, seed=5)]


@pytest.fixture(scope="module")
def realworld_works():
    import json

    from test_search_snapshot_sql import REALWORLD_WORKS

    from conftest import REALWORLD

    if not REALWORLD.is_dir():
        return []
    out = []
    for rel in REALWORLD_WORKS:
        out += json.loads((REALWORLD / rel).read_text(encoding="utf-8"))["results"]
    return out


@pytest.fixture(scope="module")
def snapshots(corpus, tmp_path_factory):
    out = {}
    for fmt in ("openalex-jsonl", "openalex-parquet"):
        root = write_snapshot(tmp_path_factory.mktemp(fmt), corpus, fmt, per_file=90)
        snap = open_snapshot(root, fmt)
        build_index(snap, default_folder(root, fmt))
        out[fmt] = open_index(snap, default_folder(root, fmt))
    return out


@pytest.mark.parametrize("fmt", ["openalex-jsonl", "openalex-parquet"])
def test_spark_duckdb_and_the_local_evaluator_agree(spark, snapshots, corpus, fmt):
    index = snapshots[fmt]
    spark.load(index.files())
    duck = DuckDBEngine()
    duck.load(index.files())
    for n in PICKED:
        query = _query(*QUERIES[n])
        expected = _expected(corpus, query)
        via_spark = sorted(r.openalex_id for r in search(index, spark, query, "s").records)
        via_duckdb = sorted(r.openalex_id for r in search(index, duck, query, "s").records)
        assert via_spark == via_duckdb == expected, QUERIES[n][0]
    duck.close()
