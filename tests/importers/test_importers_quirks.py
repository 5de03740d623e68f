"""Database export quirks fixed by kind, so every usable record is kept and typed right.

Each quirk has a hand-made case (what the database writes) and, where the shared real
exports hold one, a check on the real file.
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest

from conftest import REALWORLD, realworld_file
from litsift.importers import read_bytes
from litsift.store.imports import read_file


def bib(text: str):
    return read_bytes(text.encode(), name="x.bib", source="s")


def test_ieee_book_with_its_title_only_in_booktitle() -> None:
    # IEEE Xplore writes books as @BOOK with the title in booktitle (no DOI here: it used
    # to be rejected as "no title and no identifier")
    result = bib(
        "@BOOK{9999999,\n  author={Ng, Andrew},\n  booktitle={Deep Learning Systems},\n"
        "  year={2022},\n  publisher={Wiley-IEEE Press},\n  series={IEEE Press Series},\n"
        "  isbn={9781119000000},\n}\n"
    )
    assert not result.rejected
    (r,) = result.records
    assert r.title == "Deep Learning Systems" and r.doc_type == "book"
    assert r.venue == "IEEE Press Series"  # not the title again
    assert any("title taken from booktitle" in w for w in result.warnings)
    # a chapter keeps booktitle as its venue
    (ch,) = bib(
        "@INBOOK{1,\n  title={Chapter One},\n  booktitle={The Book},\n  year={2022},\n}"
    ).records
    assert (ch.title, ch.venue) == ("Chapter One", "The Book")


def test_a_declared_type_beats_the_entry_type() -> None:
    # Scopus writes proceedings front matter as @CONFERENCE with type = {Conference review}
    (r,) = bib(
        "@CONFERENCE{2025,\n  title={24th Conference on Parallel Things},\n  year={2025},\n"
        "  type={Conference review},\n  source={Scopus},\n}"
    ).records
    assert r.doc_type == "other"
    (paper,) = bib(
        "@CONFERENCE{a,\n  title={A paper},\n  year={2025},\n  type={Conference paper},\n}"
    ).records
    assert paper.doc_type == "conference-paper"
    # an unknown type label does not override a known entry type
    (odd,) = bib("@ARTICLE{b,\n  title={B},\n  year={2020},\n  type={Research paper},\n}").records
    assert odd.doc_type == "article"


def test_real_scopus_bib_front_matter_is_not_counted_as_papers() -> None:
    path = realworld_file("exports/slr-llm-in-mde/scopus.bib")
    result = read_file(path, source="s")
    reviews = len(re.findall(r"type = \{Conference review\}", path.read_text(encoding="utf-8")))
    assert reviews  # the real file holds proceedings front matter, with no authors
    by_type = collections.Counter(r.doc_type for r in result.records if not r.authors)
    assert by_type == {"other": reviews}


def test_ieee_partner_collections_are_typed() -> None:
    csv = (
        "Document Title,Authors,Publication Title,Publication Year,DOI,Document Identifier\n"
        "Summit at scale,A. Smith,IBM Journal of R&D,2020,10.1/x,IBM Journals\n"
        "Antenna design,B. Jones,IET Conference Proceedings,2021,10.1/y,IET Conferences\n"
    )
    a, b = read_bytes(csv.encode(), name="ieee.csv", source="s").records
    assert (a.doc_type, b.doc_type) == ("article", "conference-paper")


def test_real_ieee_csv_has_no_untyped_records() -> None:
    result = read_file(realworld_file("exports/csv/ieee.csv"), source="s")
    assert "other" not in {r.doc_type for r in result.records}


def test_ris_standards_are_reports() -> None:
    ris = "TY  - STD\nTI  - IEEE Draft Standard for Something\nPY  - 2025\nER  - \n"
    (r,) = read_bytes(ris.encode(), name="x.ris", source="s").records
    assert r.doc_type == "report"
    real = read_file(
        realworld_file("exports/slr-llm-in-mde/ieee_xplore_citation_download.ris"), source="s"
    )
    assert {r.doc_type for r in real.records} == {"conference-paper", "report"}


EXPORTS = (
    sorted(
        p.relative_to(REALWORLD).as_posix()
        for p in (REALWORLD / "exports").rglob("*")
        if p.is_file()
    )
    if (REALWORLD / "exports").is_dir()
    else []
)


@pytest.mark.parametrize("rel", EXPORTS)
def test_every_real_export_keeps_every_record(rel: str) -> None:
    result = read_file(realworld_file(rel), source="s")
    assert result.read and not result.rejected, [j.reason for j in result.rejected]


def test_the_real_exports_are_all_covered() -> None:
    if not EXPORTS:
        pytest.skip("../shared/realworld is absent")
    assert any(e.startswith("exports/slr-llm-in-mde/") for e in EXPORTS) and len(EXPORTS) >= 25
    assert Path(REALWORLD / "exports").is_dir()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "x.bib",
            "@article{a, title={T}, year={2020}, author={Ng, Andrew and Li, Fei and others}}",
        ),
        (
            "x.ris",
            "TY  - JOUR\nTI  - T\nPY  - 2020\n"
            "AU  - Ng, Andrew\nAU  - Li, Fei\nAU  - et al.\nER  - \n",
        ),
        ("x.csv", 'Title,Authors,Year\nT,"Ng A., Li F., et al.",2020\n'),
    ],
)
def test_a_truncated_author_list_does_not_gain_an_author_called_others(name, text) -> None:
    # "and others" (BibTeX) and "et al." (RIS, CSV cells) close a list cut short; counted
    # as a name, they would make every such record share an author in deduplication
    (record,) = read_bytes(text.encode(), name=name, source="s").records
    assert [a.split(",")[0] for a in record.authors] == ["Ng", "Li"]


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Li F.", "Li, F."),  # a two-letter family name in the short form
        ("Ng A.-K.", "Ng, A.-K."),
        ("Phillips J.C.", "Phillips, J.C."),
        ("Mangalam H", "Mangalam, H"),
        ("Yi Li", "Li, Yi"),  # given and family names, both short
        ("J. C. Phillips", "Phillips, J. C."),
        ("Ludwig van Beethoven", "van Beethoven, Ludwig"),
    ],
)
def test_short_family_names_are_not_read_as_initials(written: str, name: str) -> None:
    from litsift.importers.base import author_name

    assert author_name(written) == name
