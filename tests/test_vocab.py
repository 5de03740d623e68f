"""Closed vocabularies are declared once (litsift.vocab) and every producer stays inside."""

from __future__ import annotations

from pathlib import Path

from litsift.importers import DOC_TYPES, csljson, export, read_bytes
from litsift.importers import base as importer_base
from litsift.search.query import parse_query_file
from litsift.search.sources import SOURCES
from litsift.vocab import DocType


def test_importers_and_exports_speak_the_one_document_type_vocabulary() -> None:
    assert set(DOC_TYPES) == set(DocType)
    assert set(importer_base._TYPE_LABELS.values()) <= set(DocType)
    assert set(csljson.TYPES_IN.values()) <= set(DocType)
    # every type has a mapping in each export format (the fallback is for untyped records)
    for table in (export._BIB_TYPES, export._RIS_TYPES, export.CSL_TYPES):
        assert set(DocType) - {DocType.OTHER} <= set(table), table


def test_every_search_source_maps_onto_the_vocabulary() -> None:
    for source in SOURCES.values():
        module = __import__(type(source).__module__, fromlist=["_"])
        for name, value in vars(module).items():
            if name.startswith("_TYPES_IN") and isinstance(value, dict):
                assert set(value.values()) <= set(DocType), (source.api, name)


def test_a_chapter_from_any_format_passes_a_query_limited_to_chapters(tmp_path: Path) -> None:
    query = parse_query_file(
        "q.yaml", "name: q\nquery: pruning\ntypes: [book-chapter]\nfields: title\n"
    )
    files = {
        "x.bib": "@incollection{a, title={Pruning in a chapter}, year={2021}, booktitle={B}}",
        "x.ris": "TY  - CHAP\nTI  - Pruning in a chapter\nPY  - 2021\nER  - \n",
        "x.json": '[{"id": "a", "type": "chapter", "title": "Pruning in a chapter"}]',
    }
    for name, text in files.items():
        (record,) = read_bytes(text.encode(), name=name, source="s").records
        assert record.doc_type == "book-chapter", name
        assert query.matches(record), name
