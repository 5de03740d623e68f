"""data/kb/: the curated knowledge base, one YAML file per included study, and eval/.

`data/kb/<key>.yaml` are the knowledge base's entries (the file name is the key);
`data/kb/eval/papers.yaml` is the tagger's independent evaluation set, papers outside the
knowledge base that never enter the review (`litsift.kb_eval`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from litsift import ids
from litsift.errors import InputError
from litsift.kb_eval import EvalSet, check_labels
from litsift.models import KBEntry, Taxonomy
from litsift.store.unread import Unread, scan
from litsift.yamlio import load_model, read_yaml

if TYPE_CHECKING:
    from litsift.store import Review

FOLDER = "kb"  # under data/
EVAL = "eval/papers.yaml"


class KBStore:
    """data/kb/*.yaml and data/kb/eval/papers.yaml."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.folder = review.data / FOLDER
        self.eval_file = self.folder / EVAL

    def entry_file(self, key: str) -> Path:
        return self.folder / f"{key}.yaml"

    def unread(self) -> list[Unread]:
        """Files under data/kb/ that litsift does not read (a `.yml` entry is an error)."""
        eval_folder = self.eval_file.parent
        entries = [*self.folder.glob("*.yaml"), eval_folder]
        return scan(self.folder, entries, yaml_is_error=True) + scan(
            eval_folder, [self.eval_file], yaml_is_error=True
        )

    def entries(self, *, validate: bool = True) -> list[KBEntry]:
        """Every entry, sorted by key. With `validate` (what the review itself needs), the
        key must be the file name, labels taxonomy ids, and identifiers written bare."""
        if not validate:
            return [load_model(p, KBEntry) for p in sorted(self.folder.glob("*.yaml"))]
        entries = load_entries(self.folder, self.review.taxonomy)
        check_indicator_terms(
            self.review.root / self.review.protocol.taxonomy, self.review.taxonomy, entries
        )
        return entries

    def eval_set(self, taxonomy: Taxonomy | None = None) -> EvalSet:
        """The tagger's evaluation set, its labels checked against the taxonomy."""
        return load_eval_set(self.eval_file, taxonomy or self.review.taxonomy)


def load_eval_set(path: Path, taxonomy: Taxonomy) -> EvalSet:
    """Load and validate an evaluation set file; labels must be taxonomy ids."""
    eval_set = load_model(path, EvalSet)
    _, lines = read_yaml(path)
    check_labels(path, eval_set, taxonomy, lines)
    return eval_set


def check_indicator_terms(path: Path, taxonomy: Taxonomy, entries: list[KBEntry]) -> None:
    """Refuse a taxonomy whose indicator terms name a study of the knowledge base."""
    from litsift.tag.names import study_name_terms

    found = study_name_terms(taxonomy, entries)
    if found:
        first = found[0]
        _, lines = read_yaml(path)
        line = lines.line((first.kind, first.index, "indicators", first.term_index))
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise InputError(path, first.message() + more, line)


def load_entries(kb_dir: Path, taxonomy: Taxonomy) -> list[KBEntry]:
    """Load and validate every data/kb/*.yaml file, sorted by key."""
    entries = []
    for path in sorted(kb_dir.glob("*.yaml")) if kb_dir.is_dir() else []:
        entry = load_model(path, KBEntry)
        _check_entry(path, entry, taxonomy)
        entries.append(entry)
    return entries


def _line_of(path: Path, key: str) -> int | None:
    _, lines = read_yaml(path)
    return lines.line((key,))


def _check_entry(path: Path, entry: KBEntry, taxonomy: Taxonomy) -> None:
    if entry.key != path.stem:
        raise InputError(
            path,
            f"key: '{entry.key}' differs from the file name '{path.stem}'",
            _line_of(path, "key"),
        )
    _check_labels(path, entry, taxonomy)
    _check_ids(path, entry)


def _check_labels(path: Path, entry: KBEntry, taxonomy: Taxonomy) -> None:
    for label in entry.classes:
        if label not in taxonomy.class_ids():
            raise InputError(path, f"classes: unknown class '{label}'", _line_of(path, "classes"))
    for label in entry.families:
        if label not in taxonomy.family_ids():
            raise InputError(
                path, f"families: unknown family '{label}'", _line_of(path, "families")
            )


def _check_ids(path: Path, entry: KBEntry) -> None:
    if entry.doi and ids.normalise_doi(entry.doi) != entry.doi:
        raise InputError(
            path, f"doi: write the bare lower-case DOI, not '{entry.doi}'", _line_of(path, "doi")
        )
    if entry.arxiv_id and ids.normalise_arxiv(entry.arxiv_id) != entry.arxiv_id:
        raise InputError(
            path,
            f"arxiv_id: write the id without version, not '{entry.arxiv_id}'",
            _line_of(path, "arxiv_id"),
        )
