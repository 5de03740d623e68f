"""A review folder: where each file lives, and loading the protocol.

Only this module knows the folder layout; stages receive paths or loaded objects from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from litsift.errors import InputError
from litsift.models import Protocol, Taxonomy
from litsift.yamlio import load_model

PROTOCOL_FILE = "review.yaml"


@dataclass(frozen=True)
class Review:
    """Paths of one review folder. Construct with `Review.find(path)`."""

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

    # human-decided files (committed)
    @property
    def protocol_path(self) -> Path:
        return self.root / PROTOCOL_FILE

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def imports_dir(self) -> Path:
        """data/imports/<source>/<file>: export files, one folder per identification source."""
        return self.data / "imports"

    @property
    def search_dir(self) -> Path:
        """data/search/: response cache, PRISMA-S logs and retrieved-record snapshots."""
        return self.data / "search"

    @property
    def dedup_dir(self) -> Path:
        return self.data / "dedup"

    @property
    def screening_dir(self) -> Path:
        """data/screening/<stage>/<reviewer>.yaml and adjudication.yaml."""
        return self.data / "screening"

    @property
    def tags_dir(self) -> Path:
        return self.data / "tags"

    @property
    def kb_dir(self) -> Path:
        return self.data / "kb"

    @property
    def kb_eval_file(self) -> Path:
        """data/kb/eval/papers.yaml: the tagger's independent evaluation set (not KB entries)."""
        return self.kb_dir / "eval" / "papers.yaml"

    @property
    def versions_dir(self) -> Path:
        """data/versions/<name>.yaml: frozen versions of the review (`litsift freeze`)."""
        return self.data / "versions"

    @property
    def audit_log(self) -> Path:
        return self.data / "audit" / "log.jsonl"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    # derived files (regenerated, never committed)
    @property
    def build(self) -> Path:
        return self.root / "build"

    @cached_property
    def protocol(self) -> Protocol:
        return load_model(self.protocol_path, Protocol)

    @cached_property
    def taxonomy(self) -> Taxonomy:
        return load_model(self.root / self.protocol.taxonomy, Taxonomy)

    def rel(self, path: Path) -> str:
        """Path relative to the review root, for messages and derived files."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)
