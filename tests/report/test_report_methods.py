"""The methods text says only what the data holds; the three checklists are complete."""

from __future__ import annotations

import io
import zipfile

from test_report import COUNTS, PROTOCOL

from litsift.models import Protocol
from litsift.report import checklists, checklists_docx
from litsift.report.methods import ImportFact, MethodsFacts, TagFacts, methods_paragraphs

SCOPUS = Protocol.model_validate(
    {
        **PROTOCOL.model_dump(),
        "sources": [
            {"name": "scopus", "kind": "database", "platform": "Scopus"},
            {"name": "openalex", "kind": "database", "platform": "OpenAlex"},
            {"name": "curated", "kind": "website", "platform": "Hand list"},
        ],
    }
)


def facts(**kw) -> MethodsFacts:
    base = dict(protocol=SCOPUS, prisma=COUNTS, per_source={"scopus": 3, "curated": 30})
    return MethodsFacts(**(base | kw))


def text(**kw) -> str:
    return " ".join(methods_paragraphs(facts(**kw)))


def test_database_records_imported_from_exports_are_said_to_be_so():
    out = text(imports=[ImportFact("scopus", "scopus.ris", "ris", 3, 0)])
    assert "Records exported from Scopus were imported from 1 file: scopus.ris (ris, 3" in out
    assert "3 records in all" in out
    assert "every record" not in out and "other methods" not in out.split("Scopus")[0]
    # OpenAlex is named but neither searched nor exported
    assert "The protocol also names OpenAlex; no search of it and no export from it" in out


def test_screening_says_titles_when_no_record_has_an_abstract():
    assert "screened on their titles (no record had an abstract)" in text(with_abstract=0)
    assert "screened on title and abstract (10 of 65 had an abstract" in text(with_abstract=10)
    both = text(with_abstract=65, screeners={"title-abstract": ("ann",)})
    assert "65 records were screened on title and abstract by 1 reviewer (ann;" in both


def test_tags_are_described_as_they_are():
    automatic = text(tags=TagFacts(automatic=34))
    assert "34 studies carry automatic tags" in automatic and "confirmed" not in automatic
    mixed = text(tags=TagFacts(curated=30, reviewed=3, automatic=1, reviewers=("ann",)))
    assert "30 studies carry the classes and families curated by hand" in mixed
    assert "3 studies carry automatic tags confirmed or overridden by ann" in mixed
    assert "1 study carries automatic tags" in mixed and "1 study carry " not in mixed


def test_singular_and_plural():
    from dataclasses import replace

    one_each = replace(
        COUNTS,
        databases=replace(COUNTS.databases, duplicates=1, excluded_full_text=1),
        other=replace(COUNTS.other, duplicates=0, excluded_full_text=0),
        included_studies=1,
    )
    one = text(prisma=one_each, duplicate_reasons={"a shared identifier": 1})
    assert "it removed 1 duplicate record (1 by a shared identifier)." in one
    assert "1 excluded with reasons, and 1 study (35 reports) was included" in one
    many = text()
    assert "it removed 10 duplicate records." in many and "34 studies (35 reports) were" in many


def test_checklists_have_the_published_items():
    prisma, abstracts, prisma_s = checklists.CHECKLISTS
    top = {i.number.rstrip("abcdef") for i in prisma.items}
    assert top == {str(n) for n in range(1, 28)} and len(prisma.items) == 42
    assert [i.number for i in abstracts.items] == [str(n) for n in range(1, 13)]
    assert [i.number for i in prisma_s.items] == [str(n) for n in range(1, 17)]
    assert [i.topic for i in prisma_s.items][:3] == [
        "Database name",
        "Multi-database searching",
        "Study registries",
    ]


def test_checklist_answers_come_from_the_data_or_say_they_do_not():
    tables = checklists.tables(facts(searches=[], with_abstract=0))
    for table in tables:
        for row in table.rows:
            status, answer = row[4], row[5]
            assert status in (checklists.FROM_DATA, checklists.PARTLY, checklists.AUTHORS)
            assert (status == checklists.AUTHORS) == (answer == "\u2014"), row
    by_item = {r[0]: r for r in tables[0].rows}
    assert by_item["11"][4] == checklists.AUTHORS  # risk of bias: not in the data
    assert "E1" in by_item["5"][5]  # the criteria, with their codes
    assert by_item["8"][5].startswith("title/abstract (no reviewer decision recorded yet)")


def test_docx_is_a_word_document_with_every_item():
    lists = [(c, c.table(facts())) for c in checklists.CHECKLISTS]
    data = checklists_docx("T", lists)
    assert data == checklists_docx("T", lists)  # the same bytes each time
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode()
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    assert "Multi-database searching" in body and "Availability of data" in body
