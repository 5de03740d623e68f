"""The review folder: the one place that knows where each file lives and how it is written.

`Review` is a review folder. The protocol (`review.yaml`), its queries and its taxonomy are
read here; each data folder has its own module in this package, the only code that knows
that folder's paths, file formats and atomic writes, reached from a `Review`:

    review.imports      data/imports/<source>/<file>   export files, one folder per source
    review.search       data/search/                   API response cache, PRISMA-S logs, records
    review.dedup        data/dedup/pairs.yaml          uncertain pairs and their answers
    review.screening    data/screening/<stage>/        reviewer and adjudication files
    review.audit        data/audit/                    the hash-chained decision log
    review.tags         data/tags/<reviewer>.yaml      reviewers' tag overrides
    review.kb           data/kb/                       the curated knowledge base (and eval/)
    review.versions     data/versions/<name>.yaml      frozen versions of the review
    review.output       build/                         everything derived (report, caches)

Stages never build a path: the runner and the CLI read through these stores and hand the
stages models.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from litsift.errors import InputError
from litsift.models import MetaAnalysis, Protocol, Taxonomy
from litsift.yamlio import item_lines, load_model, read_yaml

if TYPE_CHECKING:
    from litsift.search.query import Query
    from litsift.store.audit import AuditStore
    from litsift.store.build import BuildStore
    from litsift.store.dedup import DedupStore
    from litsift.store.imports import ImportsStore
    from litsift.store.kb import KBStore
    from litsift.store.lock import ReviewLock
    from litsift.store.screening import ScreeningStore
    from litsift.store.search import SearchStore
    from litsift.store.tags import TagsStore
    from litsift.store.unread import Unread
    from litsift.store.versions import VersionsStore

PROTOCOL_FILE = "review.yaml"
DATA = "data"
TEMPLATES = "templates"


def read_query_text(path: Path) -> str:
    """A query file's text (a missing or undecodable file names itself)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(path, "file not found") from e
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text ({e.reason})") from e
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from e


def load_query(path: Path) -> Query:
    """One query file, parsed (errors name the file, line and column)."""
    from litsift.search.query import parse_query_file

    return parse_query_file(path, read_query_text(path))


@dataclass(frozen=True)
class Review:
    """One review folder. Construct with `Review.find(path)`."""

    root: Path

    @classmethod
    def find(cls, path: str | Path = ".") -> Review:
        """The review whose review.yaml is at `path` or in one of its parents."""
        start = Path(path).resolve()
        for folder in (start, *start.parents):
            if (folder / PROTOCOL_FILE).is_file():
                return cls(folder)
        raise InputError(
            start / PROTOCOL_FILE,
            "no review.yaml here or above; run `litsift init DIR` to start one",
        )

    # ----------------------------------------------------------------- the protocol

    @property
    def protocol_path(self) -> Path:
        return self.root / PROTOCOL_FILE

    @cached_property
    def protocol(self) -> Protocol:
        return load_model(self.protocol_path, Protocol)

    def protocol_line(self, *loc: str | int) -> int | None:
        """The review.yaml line of the value at `loc` ("sources", 0, "snapshot", "path")."""
        _, lines = read_yaml(self.protocol_path)
        return lines.line(loc)

    @cached_property
    def taxonomy(self) -> Taxonomy:
        return load_model(self.root / self.protocol.taxonomy, Taxonomy)

    def query_texts(self) -> list[tuple[str, str]]:
        """(path relative to the review, text) of each query file review.yaml lists."""
        return [
            (self.rel(self.root / rel), read_query_text(self.root / rel))
            for rel in self.protocol.queries
        ]

    def queries(self) -> list[Query]:
        """The queries review.yaml lists, parsed (errors name file, line and column)."""
        queries = [load_query(self.root / rel) for rel in self.protocol.queries]
        if not queries:
            raise InputError(
                self.protocol_path,
                "queries: no query files listed; add queries: [queries/<name>.yaml]",
            )
        return queries

    def meta_analysis(self) -> tuple[str, tuple[tuple[str, int], ...]] | None:
        """(file, ((record id, line), ...)) of the studies review.yaml's `meta_analysis`
        file lists; None when the review declares no meta-analysis."""
        name = self.protocol.meta_analysis
        if name is None:
            return None
        path = self.root / name
        if not path.is_file():
            raise InputError(
                self.protocol_path, f"meta_analysis: no such file '{name}' (list its studies there)"
            )
        model = load_model(path, MetaAnalysis)
        lines = item_lines(path, "studies")
        return self.rel(path), tuple(zip(model.studies, lines, strict=True))

    def lock(self, timeout: float = 0.0) -> ReviewLock:
        """The review's write lock: every command that writes the review holds it
        (`with review.lock(): ...`; it nests, and a killed holder frees it)."""
        from litsift.store.lock import ReviewLock

        return ReviewLock(self.root, timeout=timeout)

    def unread(self) -> list[Unread]:
        """Every file under data/ that litsift does not read: errors where decisions or
        answers would be missed, warnings otherwise (see store/unread.py)."""
        from litsift.store import unread

        stores = {
            s.folder: s
            for s in (
                self.imports,
                self.search,
                self.dedup,
                self.screening,
                self.audit,
                self.tags,
                self.kb,
                self.versions,
            )
        }
        declared = {(self.root / self.protocol.taxonomy).resolve()}
        if self.protocol.meta_analysis:
            declared.add((self.root / self.protocol.meta_analysis).resolve())
        out: list[Unread] = []
        for path in unread.visible(self.data):
            if path in stores:
                out += stores[path].unread()
            elif path.resolve() in declared or unread.is_doc(path):
                continue
            elif path.is_file() and path.suffix.lower() == ".yml":
                out.append(unread.yml(path))
            else:
                out.append(unread.other(path, "litsift does not read it"))
        return out

    # ----------------------------------------------------------------- folders

    @property
    def data(self) -> Path:
        return self.root / DATA

    @property
    def templates_dir(self) -> Path:
        """templates/: an optional report.html.j2 replacing the packaged template."""
        return self.root / TEMPLATES

    @cached_property
    def imports(self) -> ImportsStore:
        from litsift.store.imports import ImportsStore

        return ImportsStore(self)

    @cached_property
    def search(self) -> SearchStore:
        from litsift.store.search import SearchStore

        return SearchStore(self)

    @cached_property
    def dedup(self) -> DedupStore:
        from litsift.store.dedup import DedupStore

        return DedupStore(self)

    @cached_property
    def screening(self) -> ScreeningStore:
        from litsift.store.screening import ScreeningStore

        return ScreeningStore(self)

    @cached_property
    def audit(self) -> AuditStore:
        from litsift.store.audit import AuditStore

        return AuditStore(self)

    @cached_property
    def tags(self) -> TagsStore:
        from litsift.store.tags import TagsStore

        return TagsStore(self)

    @cached_property
    def kb(self) -> KBStore:
        from litsift.store.kb import KBStore

        return KBStore(self)

    @cached_property
    def versions(self) -> VersionsStore:
        from litsift.store.versions import VersionsStore

        return VersionsStore(self)

    @cached_property
    def output(self) -> BuildStore:
        from litsift.store.build import BuildStore

        return BuildStore(self)

    @property
    def build(self) -> Path:
        """build/: regenerated by `litsift run`, never edited, never committed."""
        return self.output.root

    # the folder of each store, for messages and tests (the stores own the paths)
    @property
    def imports_dir(self) -> Path:
        return self.imports.folder

    @property
    def search_dir(self) -> Path:
        return self.search.folder

    @property
    def dedup_dir(self) -> Path:
        return self.dedup.folder

    @property
    def screening_dir(self) -> Path:
        return self.screening.folder

    @property
    def tags_dir(self) -> Path:
        return self.tags.folder

    @property
    def kb_dir(self) -> Path:
        return self.kb.folder

    @property
    def versions_dir(self) -> Path:
        return self.versions.folder

    @property
    def audit_log(self) -> Path:
        return self.audit.log

    def rel(self, path: Path) -> str:
        """Path relative to the review root, for messages and derived files."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)
