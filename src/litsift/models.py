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
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from litsift import ids
from litsift.vocab import Api, SnapshotEngine, SnapshotFormat, Stage, TranslateTarget

__all__ = ["Stage"]  # the screening stages, declared in litsift.vocab


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
    # controlled vocabulary and types as the database gives them (PubMed, Europe PMC)
    mesh_terms: tuple[str, ...] = ()
    publication_types: tuple[str, ...] = ()
    cited_by_count: int | None = None  # citations the source counted (citation chasing caps)
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
    """Where a source's records were identified, in the terms of the PRISMA 2020 flow diagram.

    `database` and `register` feed the "databases and registers" arm; `website`,
    `organisation` and `citation` (citation searching) feed the "other methods" arm;
    `previous` holds the studies of a previous version of the review.
    """

    DATABASE = "database"
    REGISTER = "register"  # a study register (ClinicalTrials.gov, PROSPERO, ...)
    WEBSITE = "website"  # websites, including public paper lists
    ORGANISATION = "organisation"  # organisations' own lists or reports
    CITATION = "citation"  # citation searching (backward and forward)
    PREVIOUS = "previous"  # studies included in a previous version of the review

    @property
    def arm(self) -> Arm | None:
        """The identification arm of the new-studies flow (None for previous studies)."""
        if self in (SourceKind.DATABASE, SourceKind.REGISTER):
            return Arm.DATABASES
        if self is SourceKind.PREVIOUS:
            return None
        return Arm.OTHER


class Arm(StrEnum):
    """The two identification arms of the PRISMA 2020 flow for new studies."""

    DATABASES = "databases"  # databases and registers
    OTHER = "other"  # other methods: websites, organisations, citation searching


_KIND_HINT = (
    "'other' is not a PRISMA 2020 source kind: say which kind of other method it was "
    "(website, organisation or citation), or database / register / previous"
)


class SparkSettings(Frozen):
    """How the Spark engine connects: `master` as spark-submit takes it, extra `conf` pairs."""

    master: StrictStr = "local[*]"
    conf: dict[StrictStr, StrictStr] = Field(default_factory=dict)


class SnapshotSpec(Frozen):
    """A source's local bibliographic snapshot (an OpenAlex works snapshot on disk)."""

    path: StrictStr  # the snapshot root (holding data/), relative to the review root
    format: SnapshotFormat = SnapshotFormat.JSONL
    engine: SnapshotEngine = SnapshotEngine.DUCKDB
    # where `litsift snapshot index` writes; default PATH/.litsift-index-<jsonl|parquet>
    index: StrictStr | None = None
    spark: SparkSettings = SparkSettings()


class Source(Frozen):
    name: StrictStr = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: SourceKind = SourceKind.DATABASE
    platform: StrictStr = ""
    description: StrictStr = ""
    api: Api | None = None
    snapshot: SnapshotSpec | None = None  # search a local snapshot instead of an API
    # a database searched by hand with the string `litsift search --translate` prints;
    # its export is imported as this source
    translate: TranslateTarget | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: object) -> object:
        if value == "other":
            raise ValueError(_KIND_HINT)
        return value

    @model_validator(mode="after")
    def _one_backend(self) -> Source:
        if self.api and self.snapshot:
            raise ValueError("a source searches either an api: or a snapshot:, not both")
        return self


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
    # the fingerprint of the reviewer's audit signing key (`litsift audit key` prints it):
    # pinned here, a key the log registers for them must be this one
    key: StrictStr | None = Field(default=None, pattern=r"^ed25519:[0-9a-f]{16}$")


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


class DedupSettings(Frozen):
    """review.yaml `dedup:`: how many uncertain duplicate pairs a reviewer is asked about.

    At most `max_pairs` pairs are written to data/dedup/pairs.yaml, the likeliest
    duplicates first; the others are kept apart by rule, and the run says how many.
    """

    max_pairs: Annotated[StrictInt, Field(ge=0)] = 500


class StopRule(Frozen):
    """review.yaml `screening.stop`: the hypergeometric stopping test's parameters."""

    recall: Annotated[float, Field(gt=0, le=1)] = 0.95  # target recall
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.95

    @field_validator("recall", "confidence", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number between 0 and 1, not {value!r}")
        return value


class Screening(Frozen):
    reviewers_per_record: Annotated[int, Field(ge=1, le=5)] = 1
    maybe: Literal["include", "exclude", "conflict"] = "include"
    # false: `screen next` hands out records in id order instead of most relevant first
    prioritise: bool = True
    stop: StopRule | None = None

    @field_validator("stop")
    @classmethod
    def _ranked(cls, value: StopRule | None, info: ValidationInfo) -> StopRule | None:
        if value is not None and info.data.get("prioritise") is False:
            raise ValueError(
                "a stopping rule needs prioritise: true (the test assumes records are "
                "screened most relevant first)"
            )
        return value


# the actions of the screening workbench that a key triggers (digits pick a reason)
WORKBENCH_ACTIONS = (
    "include",
    "exclude",
    "maybe",
    "not_retrieved",
    "undo",
    "skip",
    "note",
    "progress",
)


class WorkbenchKeys(Frozen):
    """review.yaml `workbench: keys:`: one character per action (digits pick a reason)."""

    include: StrictStr = "i"
    exclude: StrictStr = "x"
    maybe: StrictStr = "m"
    not_retrieved: StrictStr = "r"  # full text only
    undo: StrictStr = "u"
    skip: StrictStr = "s"
    note: StrictStr = "n"
    progress: StrictStr = "p"

    @field_validator("*")
    @classmethod
    def _one_key(cls, value: str) -> str:
        if len(value) != 1 or value.isspace() or value.isdigit():
            raise ValueError(
                f"{value!r} is not one key: give one character, not a digit (digits pick "
                "an exclusion reason) nor a space"
            )
        return value

    @model_validator(mode="after")
    def _distinct(self) -> WorkbenchKeys:
        seen: dict[str, str] = {}
        for action in WORKBENCH_ACTIONS:
            key = getattr(self, action)
            if key in seen:
                raise ValueError(f"key {key!r} is given to both {seen[key]} and {action}")
            seen[key] = action
        return self

    def as_map(self) -> dict[str, str]:
        """action -> key, in the order the workbench shows them."""
        return {action: getattr(self, action) for action in WORKBENCH_ACTIONS}


class WorkbenchSettings(Frozen):
    """review.yaml `workbench:`: keys and highlighted terms of `litsift screen serve`.

    `highlight` maps `include`, `exclude` or a criterion code to terms (words, "phrases",
    a trailing * for any ending): inclusion terms are marked in one colour, exclusion terms
    in another (a criterion's terms in its kind's colour). With `query_terms`, the query
    files' terms are marked too: those under NOT as exclusion terms, the others as inclusion.
    """

    keys: WorkbenchKeys = WorkbenchKeys()
    highlight: dict[StrictStr, tuple[StrictStr, ...]] = Field(default_factory=dict)
    query_terms: bool = True


# a frozen version's name, also its file name under data/versions/
VERSION_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


class CitationLimits(Frozen):
    """review.yaml `search: citations:`: what citation chasing keeps before screening.

    Landmark studies are cited tens of thousands of times; these limits keep screening
    manageable, and the search log counts what each one dropped.
    """

    years: YearRange | None = None  # default: the protocol's date_range
    eligibility: bool = True  # apply review.yaml `eligibility:` rules to chased records
    per_seed: Annotated[StrictInt, Field(ge=1)] | None = None  # cap per seed and direction
    keep: Literal["most-cited", "most-similar"] = "most-cited"  # which ones the cap keeps


class SearchSettings(Frozen):
    """review.yaml `search:`: polite identification and caps for `litsift search`.

    API keys never go here (they come only from the environment); `--mailto` or
    LITSIFT_MAILTO, `--max-records` and `--max-pages` override these for one run.
    """

    mailto: StrictStr | None = None
    max_records: Annotated[StrictInt, Field(ge=1)] | None = None  # per source and query
    max_pages: Annotated[StrictInt, Field(ge=1)] | None = None
    citations: CitationLimits = CitationLimits()

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
    dedup: DedupSettings = DedupSettings()
    search: SearchSettings = SearchSettings()
    workbench: WorkbenchSettings = WorkbenchSettings()
    taxonomy: StrictStr = "data/taxonomy.yaml"
    queries: tuple[StrictStr, ...] = ()
    notes: StrictStr = ""
    # an updated review: the frozen version (data/versions/<name>.yaml) it updates
    update_of: StrictStr | None = None
    # a review with a meta-analysis: the file listing the studies it includes
    meta_analysis: StrictStr | None = None

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
        codes = {c.code for c in self.criteria}
        for group in self.workbench.highlight:
            if group not in ("include", "exclude") and group not in codes:
                raise ValueError(
                    f"workbench.highlight: {group!r} is neither include, exclude nor a "
                    f"criterion code ({', '.join(sorted(codes))})"
                )
        return self

    def source(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)

    def exclusion_codes(self, stage: Stage | None = None) -> tuple[str, ...]:
        """Codes of the exclusion criteria (of those that apply at `stage`, when given)."""
        return tuple(
            c.code
            for c in self.criteria
            if c.kind is CriterionKind.EXCLUDE
            and (stage is None or c.stage in ("any", Stage(stage).value))
        )


class MetaAnalysis(Frozen):
    """The file review.yaml's `meta_analysis` names: the included studies it pools."""

    studies: tuple[StrictStr, ...] = ()  # record ids of included reports or studies
    note: StrictStr = ""


# --------------------------------------------------------------------------- screening


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
    retracted: StrictBool | None = None  # the records found hold a retraction notice of it

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
    # groups of phrases that mean one thing (KV cache = key-value cache), for search and tags
    synonyms: tuple[Annotated[tuple[StrictStr, ...], Field(min_length=2)], ...] = ()

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
    action: str  # decision | key (a reviewer's public key, in `new`)
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
    # signed mode (schema_version 2): the signer's key fingerprint, covered by the hash,
    # and the Ed25519 signature of the hash (litsift.signing)
    key: str | None = None
    signature: str | None = None


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


class ResultsStatus(StrEnum):
    """Why a knowledge-base entry has no quantitative result."""

    NONE_REPORTED = "none-reported"  # the study itself reports no figure for its claim
    NOT_VERIFIED = "not-verified"  # the study may report one, but no source seen confirmed it


class ResultsNote(Frozen):
    status: ResultsStatus
    reason: StrictStr = Field(min_length=1)


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
    results_note: ResultsNote | None = None
    code_url: StrictStr = ""

    @field_validator("results_note")
    @classmethod
    def _note_only_without_results(
        cls, value: ResultsNote | None, info: ValidationInfo
    ) -> ResultsNote | None:
        if value is not None and info.data.get("results"):
            raise ValueError("explains missing results; drop it when results are given")
        return value
