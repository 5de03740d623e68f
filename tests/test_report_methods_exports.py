"""The methods text for database sources that arrive as imported exports, not searches."""

from litsift.models import Source, SourceKind
from litsift.report.methods import MethodsFacts, search_paragraph
from test_report import COUNTS, PROTOCOL

EXPORTED = Source(
    name="scopus-export",
    kind=SourceKind.DATABASE,
    platform="Scopus",
    description="Another team's search; its string is not known.",
)


def facts(per_source: dict[str, int], searches=()) -> MethodsFacts:
    protocol = PROTOCOL.model_copy(update={"sources": (*PROTOCOL.sources, EXPORTED)})
    return MethodsFacts(protocol=protocol, prisma=COUNTS, per_source=per_source, searches=searches)


def test_imported_database_records_are_not_said_to_come_from_other_methods():
    text = search_paragraph(facts({"scopus-export": 12, "curated": 30}))
    assert "every record comes from other methods" not in text
    assert "the database records come from imported export files" in text
    assert "Scopus (12 records from export files): Another team's search; its string" in text


def test_without_database_records_the_text_is_unchanged():
    text = search_paragraph(facts({"scopus-export": 0, "curated": 30}))
    assert text.endswith("so every record comes from other methods.")
    assert "Scopus (" not in text


def test_exports_are_named_beside_recorded_searches():
    search = {
        "source": "openalex", "platform": "OpenAlex", "query": "main",
        "query_sent": "llm", "date": "2024-01-05", "hits": 3, "retrieved": 3,
    }  # fmt: skip
    text = search_paragraph(facts({"openalex": 3, "scopus-export": 5}, searches=[search]))
    assert text.startswith("Searches were limited to")
    assert "OpenAlex was searched on 2024-01-05" in text
    assert "Scopus (5 records from export files)" in text
