"""Frozen versions and updated reviews: `litsift freeze`, `update_of`, the previous arm."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakeapi import FakeApis, make_works, write_review
from litsift import checks, runner, updates, versions
from litsift.cli import app
from litsift.errors import ConsistencyError, InputError
from litsift.models import Record
from litsift.search import Settings, run_search
from litsift.search.executor import RetryPolicy
from litsift.store import Review
from litsift.store import versions as store_versions

DAY = dt.date(2026, 11, 28)
TAXONOMY = Path(__file__).resolve().parents[1] / "data" / "taxonomy.yaml"
FAST = RetryPolicy(attempts=2, base=0.001, cap=0.01, timeout=2)


def search(review: Review, fake: FakeApis, *, update: bool = False) -> None:
    settings = Settings(page_size=10, rates={"openalex": 1000.0, "crossref": 1000.0}, policy=FAST)
    run_search(
        review,
        session_factory=fake.session_factory(),
        settings=settings,
        sleep=lambda _: None,
        update=update,
    )


def declare_update(review: Review, name: str) -> Review:
    """Add `update_of` to review.yaml (a fresh Review: the protocol is cached)."""
    with review.protocol_path.open("a", encoding="utf-8") as f:
        f.write(f"update_of: {name}\n")
    return Review(review.root)


def make_review(root: Path, apis: list[str]) -> Review:
    write_review(root, apis)
    protocol = root / "review.yaml"
    text = protocol.read_text(encoding="utf-8").replace(
        "  - {code: I1, kind: include, text: x}\n",
        "  - {code: I1, kind: include, text: x}\n  - {code: E1, kind: exclude, text: y}\n",
    )
    protocol.write_text(text, encoding="utf-8")
    (root / "data").mkdir(exist_ok=True)
    shutil.copy(TAXONOMY, root / "data" / "taxonomy.yaml")
    return Review(root)


def decide(review: Review, stage: str, decisions: dict[str, str]) -> None:
    """Append one reviewer's decisions (include, or exclude for E1) to a screening file."""
    path = review.screening_dir / stage / "r1.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = [
        f"- {{id: {rid}, decision: {d}, reason: {'E1' if d == 'exclude' else 'null'}}}\n"
        for rid, d in sorted(decisions.items())
    ]
    path.write_text(old + "".join(lines), encoding="utf-8")


def screen_all(review: Review, included: int) -> list[str]:
    """Decide every pending record: the first `included` (by id) are included, in both stages."""
    result = runner.run(review, until="screen", record=False)
    assert result.screening is not None
    statuses = result.screening.statuses
    pending = sorted(k for k, v in statuses.items() if v.status.value == "ta-pending")
    keep = pending[:included]
    decide(
        review, "title-abstract", {rid: "include" if rid in keep else "exclude" for rid in pending}
    )
    decide(review, "full-text", dict.fromkeys(keep, "include"))
    return keep


def prisma_rows(review: Review) -> dict[str, str]:
    text = (review.build / "report" / "prisma.csv").read_text(encoding="utf-8")
    return {row["data"]: row["n"] for row in csv.DictReader(io.StringIO(text))}


# --------------------------------------------------------------------------- unit


def rec(rid: str, source: str = "s", batch: str | None = "b1", origin: str = "") -> Record:
    return Record(id=rid, source=source, batch=batch, origin=origin or rid, title=rid)


def test_version_file_round_trips_and_is_never_replaced(tmp_path: Path) -> None:
    version = versions.make_version(
        "v1",
        DAY,
        "0.1",
        [rec("b"), rec("a"), rec("c", batch=None), rec("a", source="t")],
        [versions.IncludedCluster("a", "a", ("a", "a2"))],
    )
    assert version.records == {"s": {"-": ("c",), "b1": ("a", "b")}, "t": {"b1": ("a",)}}
    path = store_versions.write(tmp_path / "v1.yaml", version)
    assert store_versions.load(path) == version
    assert path.read_text(encoding="utf-8").startswith("# Review version 'v1'")
    with pytest.raises(InputError, match="already frozen"):
        store_versions.write(path, version)


def test_version_name_and_file_must_agree(tmp_path: Path) -> None:
    path = tmp_path / "v2.yaml"
    version = versions.make_version("v1", DAY, "0.1", [rec("a")], [])
    path.write_text(store_versions.render(version), encoding="utf-8")
    with pytest.raises(InputError, match=r"v2\.yaml: name 'v1' does not match"):
        store_versions.load(path)
    with pytest.raises(InputError, match="only letters"):
        store_versions.check_name("../v1")


def test_same_paper_in_a_new_batch_is_a_new_record() -> None:
    version = versions.make_version("v1", DAY, "0.1", [rec("a", origin="x")], [])
    fresh = [rec("a", origin="x"), rec("a", batch="b2", origin="y")]
    assert versions.previous_keys(version, fresh) == {"s:x": False}


def test_a_frozen_record_that_disappeared_is_an_error() -> None:
    version = versions.make_version("v1", DAY, "0.1", [rec("a"), rec("b")], [])
    with pytest.raises(ConsistencyError, match=r"1 record\(s\) of version 'v1'.*first b"):
        versions.check_inputs(Path("v1.yaml"), version, [rec("a")])


# --------------------------------------------------------------------------- end to end


def test_search_update_after_freeze_shows_previous_arm(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex", "crossref"])
    with FakeApis(make_works(15)) as fake:
        search(review, fake)
    # first version: openalex only (crossref answers nothing yet)
    for path in (review.search_dir / "records").glob("crossref.jsonl"):
        path.unlink()
    first = runner.run(review)
    assert first.prisma is not None and first.prisma.identified == 15
    with pytest.raises(ConsistencyError, match=r"15 record.*await a screening decision"):
        updates.freeze(review, "v1", DAY)
    kept = screen_all(review, included=3)
    frozen = updates.freeze(review, "v1", DAY)
    version = store_versions.load(frozen)
    assert version.n_records == 15 and sorted(s.study for s in version.included) == kept
    with pytest.raises(InputError, match="already frozen"):
        updates.freeze(review, "v1", DAY)

    # the update: three new works, and crossref searched for the first time
    review = declare_update(review, "v1")
    with FakeApis(make_works(18)) as fake:
        search(review, fake, update=True)
    assert len(review.search.records()["openalex"]) == 18
    result = runner.run(review)
    p = result.prisma
    assert p is not None and p.has_previous_arm and p.previous_version == "v1"
    assert (p.previous_studies, p.previous_reports) == (3, 3)
    # new records: 3 from openalex, 18 from crossref; 15 crossref records are duplicates
    # of the first version's records and 3 of the new openalex ones
    assert (p.identified, p.duplicates, p.screened) == (21, 18, 3)
    assert p.pending_screening == 3 and p.total_studies == 3
    assert len(p.databases.members["identified"]) == 21 and len(p.previous_members) == 3
    assert set(p.previous_members) == set(kept)
    svg = (review.build / "report" / "prisma.svg").read_text(encoding="utf-8")
    assert 'data-box="previous"' in svg and "Frozen version: v1" in svg
    rows = prisma_rows(review)
    assert (rows["previous_studies"], rows["database_results"], rows["duplicates"]) == (
        "3",
        "21",
        "18",
    )
    html = (review.build / "report" / "index.html").read_text(encoding="utf-8")
    assert "updated review" in html and "frozen on 2026-11-28 with 15 records" in html

    # screening the new records completes the update; a second version freezes everything
    new_kept = screen_all(review, included=1)
    done = runner.run(review).prisma
    assert done is not None and (done.included_studies, done.total_studies) == (1, 4)
    v2 = store_versions.load(updates.freeze(review, "v2", DAY))
    assert v2.n_records == 36
    assert sorted(s.study for s in v2.included) == sorted(kept + new_kept)


def test_update_without_new_records_has_an_empty_new_flow(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(6)) as fake:
        search(review, fake)
    screen_all(review, included=2)
    updates.freeze(review, "v1", DAY)
    review = declare_update(review, "v1")
    p = runner.run(review).prisma
    assert p is not None and (p.identified, p.screened, p.previous_studies) == (0, 0, 2)
    assert p.total_studies == 2 and p.included_studies == 0


def test_cli_freeze_and_bad_update_of(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(4)) as fake:
        search(review, fake)
    cli = CliRunner()
    root = str(review.root)
    refused = cli.invoke(app, ["freeze", "v1", "--root", root])
    assert refused.exit_code == 2 and "await a screening decision" in refused.output
    screen_all(review, included=1)
    bad_date = cli.invoke(app, ["freeze", "v1", "--root", root, "--date", "28/11/2026"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    ok = cli.invoke(app, ["freeze", "v1", "--root", root, "--date", "2026-11-28"])
    assert ok.exit_code == 0, ok.output
    assert (review.versions_dir / "v1.yaml").is_file()
    declare_update(review, "v9")
    missing = cli.invoke(app, ["run", "--root", root])
    assert missing.exit_code == 2
    assert "v9.yaml" in missing.output and "no such frozen version" in missing.output
    text = review.protocol_path.read_text(encoding="utf-8")
    review.protocol_path.write_text(text.replace("v9", "../v1"), encoding="utf-8")
    outside = cli.invoke(app, ["run", "--root", root])
    assert outside.exit_code == 2 and "review.yaml:" in outside.output
    assert "'../v1' is not a version name" in outside.output
    # a frozen record removed from the inputs is named, not dropped silently
    text = review.protocol_path.read_text(encoding="utf-8").replace("../v1", "v1")
    review.protocol_path.write_text(text, encoding="utf-8")
    (review.search_dir / "records" / "openalex.jsonl").unlink()
    gone = cli.invoke(app, ["run", "--root", root])
    assert gone.exit_code == 2 and "no longer identified" in gone.output


BRIDGE_TITLE = "Efficient attention kernels for large language model inference on commodity GPUs"
V1_BIB = """@inproceedings{a2021,
  title = {TITLE}, author = {Smith, John and Doe, Jane}, year = {2021},
  booktitle = {Proc. MLSys}, pages = {10--20}
}

@article{b2022,
  title = {TITLE}, author = {Smith, John and Doe, Jane}, year = {2022},
  journal = {Journal of ML Systems}, pages = {100--120}
}
""".replace("TITLE", BRIDGE_TITLE)
BRIDGE_BIB = """@misc{c,
  title = {TITLE}, author = {Smith, John and Doe, Jane}
}
""".replace("TITLE", BRIDGE_TITLE)


def test_fresh_clone_of_an_update_keeps_the_frozen_clusters_apart(tmp_path: Path) -> None:
    """A new record that would bridge two studies of the frozen version does not merge
    them, even when build/ (the last run's clusters) is gone, as on a fresh clone."""
    root = tmp_path / "r"
    (root / "data" / "imports" / "lists").mkdir(parents=True)
    shutil.copy(TAXONOMY, root / "data" / "taxonomy.yaml")
    (root / "review.yaml").write_text(
        "title: t\nquestion: q\ndate_range: {start: 2017, end: 2023}\n"
        "sources:\n  - {name: lists, kind: website, platform: reading lists}\n"
        "criteria:\n  - {code: I1, kind: include, text: x}\n"
        "  - {code: E1, kind: exclude, text: y}\n"
        "reviewers:\n  - {id: r1}\n",
        encoding="utf-8",
    )
    (root / "data" / "imports" / "lists" / "v1.bib").write_text(V1_BIB, encoding="utf-8")
    review = Review(root)
    assert len(screen_all(review, included=2)) == 2
    updates.freeze(review, "v1", DAY)
    review = declare_update(review, "v1")
    (root / "data" / "imports" / "lists" / "update.bib").write_text(BRIDGE_BIB, encoding="utf-8")
    shutil.rmtree(review.build, ignore_errors=True)  # a fresh clone has no build/
    p = runner.run(review).prisma
    assert p is not None and (p.previous_studies, p.previous_reports) == (2, 2)
    assert (p.identified, p.duplicates, p.screened) == (1, 1, 0)
    # without the frozen version to stand in for build/, the bridge would merge them
    alone = runner.run(Review(root), until="dedup", record=False)
    assert alone.dedup is not None and len(alone.dedup.clusters) == 2


def test_check_names_decisions_that_contradict_the_frozen_version(tmp_path: Path) -> None:
    review = make_review(tmp_path / "r", ["openalex"])
    with FakeApis(make_works(5)) as fake:
        search(review, fake)
    kept = screen_all(review, included=2)
    updates.freeze(review, "v1", DAY)
    review = declare_update(review, "v1")
    assert checks.check(review) == []
    ta = review.screening_dir / "title-abstract" / "r1.yaml"
    ft = review.screening_dir / "full-text" / "r1.yaml"
    result = runner.run(review, until="screen", record=False)
    assert result.screening is not None
    out = sorted(set(result.screening.statuses) - set(kept))[0]
    ta.write_text(
        ta.read_text().replace(
            f"{{id: {out}, decision: exclude, reason: E1}}", f"{{id: {out}, decision: include}}"
        )
    )
    ft.write_text(
        ft.read_text().replace(
            f"{{id: {kept[0]}, decision: include, reason: null}}",
            f"{{id: {kept[0]}, decision: exclude, reason: E1}}",
        )
        + f"- {{id: {out}, decision: include}}\n"
    )
    problems = checks.check(review)
    assert problems == [
        f"{out}: screened out in version 'v1' (data/versions/v1.yaml) but now included; "
        "the update's PRISMA flow and tables count it in neither arm",
        f"{kept[0]}: included in version 'v1' (data/versions/v1.yaml) but now ft-excluded; "
        "the previous-studies arm still counts it",
    ]
    # the report stays consistent with its diagram: 2 previous studies, nothing new
    final = runner.run(review)
    assert final.prisma is not None and final.prisma.total_studies == 2
    table = (review.build / "report" / "tables" / "included-studies.csv").read_text()
    assert out not in table and kept[0] in table
