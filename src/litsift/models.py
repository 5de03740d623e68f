"""The data model: records, the protocol, decisions, tags, audit events, taxonomy, KB entries.

Everything loaded from YAML is a frozen pydantic model with `extra="forbid"`, so a typo in
a key is an error with a line number rather than a silently ignored setting. String fields
a human writes are strict, so YAML's `no` (a boolean) is refused where a word was meant.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from litsift import ids


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- records

_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
_M = TypeVar("_M", bound=BaseModel)


def share_fields_set(model: _M) -> _M:
    """Give a frozen model the one shared copy of its set of fields-set names.

    pydantic keeps that set per instance, about a quarter of a record's memory; a frozen
    model never changes it (model_copy copies it first), so equal sets can be one object.
    """
    key = frozenset(model.__pydantic_fields_set__)
    object.__setattr__(model, "__pydantic_fields_set__", _FIELDS_SETS.setdefault(key, set(key)))
    return model


class Record(Frozen):
    """One bibliographic record as one source delivered it (a 'report' in PRISMA terms)."""

    id: str
    source: str  # identification source name, as declared in review.yaml
    origin: str = ""  # where it came from: "file.bib:12", "openalex page 3", ...
    title: str | None = None
    abstract: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    pmid: str | None = None
    openalex_id: str | None = None
    s2_id: str | None = None
    dblp_key: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None
    language: str | None = None
    doc_type: str | None = None
    url: str | None = None
    keywords: tuple[str, ...] = ()
    source_key: str | None = None  # the id the source itself uses (BibTeX key, W123, ...)
    batch: str | None = None  # identification batch: a search run id or an imported file name
    labels: dict[str, str] = Field(default_factory=dict)  # e.g. ASReview label on import

    @classmethod
    def build(cls, *, source: str, **fields: object) -> Record:
        """Normalise identifiers and derive the stable id from the fields given."""
        doi = ids.normalise_doi(fields.get("doi"))  # type: ignore[arg-type]
        arxiv = ids.normalise_arxiv(fields.get("arxiv_id")) or ids.arxiv_from_doi(doi)  # type: ignore[arg-type]
        fields["doi"] = doi
        fields["arxiv_id"] = arxiv
        authors = tuple(a for a in fields.get("authors", ()) or () if a)  # type: ignore[union-attr]
        fields["authors"] = authors
        rid = ids.record_id(
            doi=doi,
            arxiv_id=arxiv,
            pmid=fields.get("pmid"),  # type: ignore[arg-type]
            openalex_id=fields.get("openalex_id"),
            s2_id=fields.get("s2_id"),  # type: ignore[arg-type]
            dblp_key=fields.get("dblp_key"),
            title=fields.get("title"),  # type: ignore[arg-type]
            first_author=authors[0] if authors else None,
            year=fields.get("year"),  # type: ignore[arg-type]
        )
        return share_fields_set(cls(id=rid, source=source, **fields))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- protocol


class SourceKind(StrEnum):
    """PRISMA 2020 identification arms."""

    DATABASE = "database"  # bibliographic databases and registers searched
    OTHER = "other"  # other methods: websites, organisations, hand-compiled lists
    CITATION = "citation"  # other methods: citation searching
    PREVIOUS = "previous"  # studies included in a previous version of the review


class Source(Frozen):
    name: StrictStr = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: SourceKind = SourceKind.DATABASE
    platform: StrictStr = ""
    description: StrictStr = ""
    api: Literal["openalex", "crossref", "arxiv", "semanticscholar", "dblp"] | None = None


class CriterionKind(StrEnum):
    INCLUDE = "include"
    EXCLUDE = "exclude"


class Criterion(Frozen):
    code: StrictStr = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    kind: CriterionKind
    text: StrictStr
    stage: Literal["any", "title-abstract", "full-text"] = "any"


class Reviewer(Frozen):
    id: StrictStr = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: StrictStr = ""
    role: Literal["reviewer", "adjudicator"] = "reviewer"


class YearRange(Frozen):
    start: StrictInt
    end: StrictInt

    @model_validator(mode="after")
    def _ordered(self) -> YearRange:
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


class Eligibility(Frozen):
    """Automatic eligibility rules ('ineligible by automation tools' in PRISMA 2020)."""

    years: YearRange | None = None
    languages: tuple[StrictStr, ...] = ()  # ISO 639-1 codes; records with no language pass
    exclude_types: tuple[StrictStr, ...] = ()  # doc_type values to exclude
    require_abstract: bool = False
    require_title: bool = True


class Screening(Frozen):
    reviewers_per_record: Annotated[int, Field(ge=1, le=5)] = 1
    maybe: Literal["include", "exclude", "conflict"] = "include"


# a frozen version's name, also its file name under data/versions/
VERSION_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


class SearchSettings(Frozen):
    """review.yaml `search:`: polite identification and caps for `litsift search`.

    API keys never go here (they come only from the environment); `--mailto` or
    LITSIFT_MAILTO, `--max-records` and `--max-pages` override these for one run.
    """

    mailto: StrictStr | None = None
    max_records: Annotated[StrictInt, Field(ge=1)] | None = None  # per source and query
    max_pages: Annotated[StrictInt, Field(ge=1)] | None = None

    @field_validator("mailto")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"'{value}' is not an e-mail address")
        return value


class Protocol(Frozen):
    """review.yaml: what the review asks and how it is run."""

    title: StrictStr
    question: StrictStr
    date_range: YearRange
    languages: tuple[StrictStr, ...] = ("en",)
    sources: tuple[Source, ...]
    criteria: tuple[Criterion, ...]
    reviewers: tuple[Reviewer, ...]
    eligibility: Eligibility = Eligibility()
    screening: Screening = Screening()
    search: SearchSettings = SearchSettings()
    taxonomy: StrictStr = "data/taxonomy.yaml"
    queries: tuple[StrictStr, ...] = ()
    notes: StrictStr = ""
    # an updated review: the frozen version (data/versions/<name>.yaml) it updates
    update_of: StrictStr | None = None

    @field_validator("update_of")
    @classmethod
    def _version_name(cls, value: str | None) -> str | None:
        if value is not None and not VERSION_NAME.fullmatch(value):
            raise ValueError(f"'{value}' is not a version name (letters, digits, '.', '_', '-')")
        return value

    @model_validator(mode="after")
    def _unique(self) -> Protocol:
        for label, values in (
            ("source", [s.name for s in self.sources]),
            ("criterion code", [c.code for c in self.criteria]),
            ("reviewer", [r.id for r in self.reviewers]),
        ):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate {label}: {', '.join(dupes)}")
        return self

    def source(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)

    def exclusion_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.criteria if c.kind is CriterionKind.EXCLUDE)


# --------------------------------------------------------------------------- screening


class Stage(StrEnum):
    TITLE_ABSTRACT = "title-abstract"
    FULL_TEXT = "full-text"


class Verdict(StrEnum):
    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"
    NOT_RETRIEVED = "not-retrieved"  # full text only: report sought but not retrieved


class Decision(Frozen):
    """One entry of a reviewer's screening file. Blank decision = not yet decided."""

    id: StrictStr
    decision: Verdict | None = None
    reason: StrictStr | None = None
    note: StrictStr | None = None
    # context copied in by `screen next`, for the reviewer; never read as a decision
    title: StrictStr | None = None
    year: StrictInt | None = None
    venue: StrictStr | None = None
    doi: StrictStr | None = None
    arxiv_id: StrictStr | None = None
    abstract: StrictStr | None = None
    authors: StrictStr | None = None
    score: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in ("decision", "reason", "note"):
                if data.get(key) == "":
                    data = {**data, key: None}
        return data


# --------------------------------------------------------------------------- taxonomy, tags


class TaxonClass(Frozen):
    id: StrictStr = Field(pattern=r"^[a-z][a-z0-9-]*$")
    label: StrictStr
    definition: StrictStr
    indicators: tuple[StrictStr, ...] = Field(min_length=1)


class Family(Frozen):
    id: StrictStr = Field(pattern=r"^[a-z][a-z0-9-]*$")
    label: StrictStr
    group: StrictStr = ""
    definition: StrictStr
    indicators: tuple[StrictStr, ...] = Field(min_length=1)
    classes: tuple[StrictStr, ...] = ()  # classes where the family usually applies


class Taxonomy(Frozen):
    classes: tuple[TaxonClass, ...] = Field(min_length=1)
    families: tuple[Family, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Taxonomy:
        class_ids = [c.id for c in self.classes]
        fam_ids = [f.id for f in self.families]
        for label, values in (("class", class_ids), ("family", fam_ids)):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate {label} id: {', '.join(dupes)}")
        for fam in self.families:
            unknown = [c for c in fam.classes if c not in class_ids]
            if unknown:
                raise ValueError(f"family {fam.id} names unknown class {unknown[0]}")
        return self

    def class_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.classes)

    def family_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.families)


class TagOverride(Frozen):
    """A reviewer's confirmation or correction of the tagger for one study."""

    id: StrictStr
    classes: tuple[StrictStr, ...] | None = None
    families: tuple[StrictStr, ...] | None = None
    note: StrictStr | None = None


class Evidence(Frozen):
    field: str
    phrase: str


class TagAssignment(Frozen):
    label: str  # class or family id
    confidence: float
    evidence: tuple[Evidence, ...] = ()


# --------------------------------------------------------------------------- audit


class AuditEvent(Frozen):
    """One append-only line of data/audit/log.jsonl; `hash` chains it to the previous one."""

    schema_version: int = 1
    seq: int
    at: str  # ISO 8601 UTC
    actor: str
    action: str  # decision | tag | dedup | import
    stage: str | None = None
    record: str | None = None
    old: str | None = None
    new: str | None = None
    reason: str | None = None
    file: str | None = None
    file_sha256: str | None = None
    version: str
    prev: str
    hash: str = ""


# --------------------------------------------------------------------------- knowledge base


class Result(Frozen):
    metric: StrictStr
    value: float | StrictStr
    unit: StrictStr = ""
    baseline: StrictStr = ""
    setting: StrictStr = ""


class Verification(Frozen):
    method: StrictStr
    sources: tuple[StrictStr, ...] = ()


class KBEntry(Frozen):
    """data/kb/<key>.yaml: one included study of the review, curated by hand."""

    key: StrictStr = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: StrictStr
    authors: tuple[StrictStr, ...] = Field(min_length=1)
    year: StrictInt
    venue: StrictStr = ""
    arxiv_id: StrictStr = ""
    doi: StrictStr = ""
    verification: Verification
    summary: StrictStr
    classes: tuple[StrictStr, ...] = Field(min_length=1)
    families: tuple[StrictStr, ...] = ()
    systems: tuple[StrictStr, ...] = ()
    techniques: tuple[StrictStr, ...] = ()
    hardware: tuple[StrictStr, ...] = ()
    model_scale: StrictStr = ""
    results: tuple[Result, ...] = ()
    code_url: StrictStr = ""
