"""Closed vocabularies, declared once, that the command line offers as choices.

Only the standard library is imported here, so `litsift --help` can list every command's
choices without loading the stages behind them.
"""

from __future__ import annotations

from enum import StrEnum


class PipelineStage(StrEnum):
    """The stages of a run, in order (`litsift run --until STAGE`)."""

    IMPORT = "import"
    SEARCH = "search"
    DEDUP = "dedup"
    SCREEN = "screen"
    TAG = "tag"
    REPORT = "report"
    KB = "kb"


class Stage(StrEnum):
    """The screening stages, in order."""

    TITLE_ABSTRACT = "title-abstract"
    FULL_TEXT = "full-text"


class ExportStage(StrEnum):
    """Which records `litsift export` writes."""

    INCLUDED = "included"  # the included reports
    SCREENED = "screened"  # every record the automatic rules kept
    ALL = "all"  # every record after deduplication


class ImportFormat(StrEnum):
    """Export formats `litsift import` reads (`auto` detects the format from the content)."""

    AUTO = "auto"
    BIBTEX = "bibtex"
    RIS = "ris"
    CSV = "csv"
    WOS = "wos"
    NBIB = "nbib"
    ASREVIEW = "asreview"
    CSLJSON = "csljson"


class ExportFormat(StrEnum):
    """Formats `litsift export` writes."""

    BIBTEX = "bibtex"
    RIS = "ris"
    CSV = "csv"
    ASREVIEW = "asreview"
    CSLJSON = "csljson"


class KBExportFormat(StrEnum):
    """Formats `litsift kb export` writes."""

    BIBTEX = "bibtex"
    CSV = "csv"
    MD = "md"


class DedupLevel(StrEnum):
    """What `litsift dedup bench` counts as 'the same': one cluster (report) or one study."""

    REPORT = "report"
    STUDY = "study"


class Api(StrEnum):
    """The bibliographic APIs `litsift search` queries (review.yaml `sources: [{api: ...}]`)."""

    OPENALEX = "openalex"
    CROSSREF = "crossref"
    ARXIV = "arxiv"
    SEMANTICSCHOLAR = "semanticscholar"
    DBLP = "dblp"
    PUBMED = "pubmed"
    EUROPEPMC = "europepmc"


class SnapshotFormat(StrEnum):
    """Forms of a local OpenAlex works snapshot (review.yaml `snapshot: format:`)."""

    JSONL = "openalex-jsonl"  # gzip JSON Lines, as the legacy and 2026 snapshots ship
    PARQUET = "openalex-parquet"


class SnapshotEngine(StrEnum):
    """SQL engines a snapshot search runs on (review.yaml `snapshot: engine:`)."""

    DUCKDB = "duckdb"  # embedded, in this process
    SPARK = "spark"  # PySpark, local or on a cluster (litsift[spark])


class TranslateTarget(StrEnum):
    """Subscription databases `litsift search --translate` writes a search string for."""

    SCOPUS = "scopus"
    WOS = "wos"
    PUBMED = "pubmed"
    EMBASE = "embase"
    IEEE = "ieee"
    ACM = "acm"
    SCHOLAR = "scholar"


class DocType(StrEnum):
    """Document types: every importer and every search source maps its own types onto these,
    and query files limit by them (`types:`)."""

    ARTICLE = "article"
    CONFERENCE_PAPER = "conference-paper"
    PREPRINT = "preprint"
    BOOK = "book"
    BOOK_CHAPTER = "book-chapter"
    REVIEW = "review"
    THESIS = "thesis"
    DATASET = "dataset"
    REPORT = "report"
    EDITORIAL = "editorial"
    ERRATUM = "erratum"
    RETRACTION = "retraction"
    BOOK_REVIEW = "book-review"
    LETTER = "letter"
    OTHER = "other"
