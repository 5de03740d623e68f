"""The synthetic records of the dedup scale run, and the bench script's pure helpers."""

from __future__ import annotations

import io
import random
from pathlib import Path
from types import ModuleType

from conftest import REALWORLD, load_script
from litsift.dedup import deduplicate
from litsift.dedup.bench import pairs_of, score

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str, path: Path) -> ModuleType:
    return load_script(path, name)


synthetic = _load("dedup_synthetic", BENCH / "lib" / "dedup_synthetic.py")


def test_synthetic_records_are_deterministic_and_noisy() -> None:
    pools = synthetic.pools(None)
    first, works = synthetic.records(3000, pools, seed=3)
    again, _ = synthetic.records(3000, pools, seed=3)
    assert [r.model_dump() for r in first] == [r.model_dump() for r in again]
    assert len(first) == len(works) == 3000 and len(set(works)) < 0.85 * 3000
    pages = {r.pages for r in first if r.pages}
    assert any(p.startswith("S") for p in pages) and any(p.startswith("e") for p in pages)
    garbled = {synthetic._pages(random.Random(k), "1-6") for k in range(200)}
    assert "01-Jun" in garbled  # '1-6' read by a spreadsheet as a date
    assert any(a == "et al." for r in first for a in r.authors)
    assert any(r.title and r.title.startswith("Erratum: ") for r in first)


def test_synthetic_duplicates_are_found_without_false_merges() -> None:
    records, works = synthetic.records(4000, synthetic.pools(None), seed=5)
    result = deduplicate(records)
    by_work: dict[int, list[str]] = {}
    for i, w in enumerate(works):
        by_work.setdefault(w, []).append(str(i))
    found = pairs_of([m.origin for m in c.members] for c in result.clusters)
    accuracy = score(pairs_of(by_work.values()), found, len(records), 1.0)
    assert accuracy.precision > 0.995 and accuracy.recall > 0.9, accuracy


def test_pools_follow_the_real_sets_when_present() -> None:
    pools = synthetic.pools(REALWORLD if REALWORLD.is_dir() else None)
    assert pools.words and pools.surnames and pools.venues and 0 < pools.doi_rate <= 1
    if REALWORLD.is_dir():
        assert "Pediatric Nephrology" in pools.venues  # haematology's journals


def test_growth_exponent_fit() -> None:
    bench = _load("bench_dedup", BENCH / "dedup.py")
    rows = [{"records": n, "seconds": n / 1000} for n in (10_000, 100_000, 1_000_000)]
    fit = bench.growth(rows)
    assert fit["fitted"] == 1.0 and fit["to 1000000"] == 1.0
    quadratic = [{"records": n, "seconds": (n / 1000) ** 2} for n in (10_000, 100_000)]
    assert bench.growth(quadratic)["fitted"] == 2.0


def test_progress_reaches_every_stage_and_is_silent_off_a_terminal() -> None:
    from litsift.cli.progress import progress_bar

    records, _ = synthetic.records(500, synthetic.pools(None), seed=1)
    seen: dict[str, tuple[int, int]] = {}
    deduplicate(records, progress=lambda stage, done, total: seen.update({stage: (done, total)}))
    assert list(seen) == ["features", "blocking", "comparing", "clusters"]
    assert all(done == total for done, total in seen.values())
    assert seen["features"] == (500, 500)
    from litsift import progress as display

    display.disable()  # what the command line does off a terminal, in CI or with -q
    with progress_bar("dedup") as bar:
        assert bar is None
    display.enable(io.StringIO())
    try:
        with progress_bar("dedup") as bar:
            assert bar is not None
    finally:
        display.disable()


def test_clusters_built_without_validation_equal_validated_ones() -> None:
    from litsift.dedup import Cluster

    records, _ = synthetic.records(800, synthetic.pools(None), seed=2)
    result = deduplicate(records)
    assert any(c.links for c in result.clusters)
    for c in result.clusters:
        again = Cluster.model_validate_json(c.model_dump_json())
        assert again == c and again.model_dump_json() == c.model_dump_json()
        assert again.model_fields_set == c.model_fields_set
