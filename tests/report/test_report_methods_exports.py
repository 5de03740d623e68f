"""The methods text for database sources that arrive as imported exports, not searches."""

from test_report import COUNTS, PROTOCOL

from litsift.models import Source, SourceKind
from litsift.report.methods import ImportFact, MethodsFacts, search_paragraph

EXPORTED = Source(
    name="scopus-export",
    kind=SourceKind.DATABASE,
    platform="Scopus",
    description="Another team's search; its string is not known.",
)


def facts(per_source: dict[str, int], imports=(), searches=()) -> MethodsFacts:
    protocol = PROTOCOL.model_copy(update={"sources": (*PROTOCOL.sources, EXPORTED)})
    return MethodsFacts(
        protocol=protocol, prisma=COUNTS, per_source=per_source, imports=imports, searches=searches
    )


EXPORT = ImportFact("scopus-export", "scopus.bib", "bibtex", 12, 0)


def test_imported_database_records_are_not_said_to_come_from_other_methods():
    text = search_paragraph(facts({"scopus-export": 12, "curated": 30}, imports=[EXPORT]))
    assert "other methods" not in text
    assert "Records exported from Scopus were imported from 1 file: scopus.bib" in text
    assert "Another team's search; its string is not known." in text


def test_without_database_records_the_text_says_nothing_was_searched():
    text = search_paragraph(facts({"scopus-export": 0, "curated": 30}))
    assert "no search of them and no export from them is recorded" in text
    assert "Records exported" not in text


def test_exports_are_named_beside_recorded_searches():
    search = {
        "source": "openalex", "platform": "OpenAlex", "query": "main",
        "query_sent": "llm", "date": "2024-01-05", "hits": 3, "retrieved": 3,
    }  # fmt: skip
    text = search_paragraph(facts({"openalex": 3}, imports=[EXPORT], searches=[search]))
    assert text.startswith("Searches were limited to")
    assert "OpenAlex was searched on 2024-01-05" in text
    assert "Records exported from Scopus were imported" in text
