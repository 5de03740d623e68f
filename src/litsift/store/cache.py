"""build/.cache/: the last result of each expensive stage, keyed by a hash of its inputs.

A warm `litsift run` whose inputs did not change reads identification, deduplication and
tags from here and does not render a report whose inputs and files are as they were; the
bytes under build/ are the same either way. A key is the SHA-256 of the stage's input files
(path and content) and of litsift's own code, so an edit to an export file, a reviewer
file, the knowledge base or litsift itself makes the stage run again. Entries are pickles
written by this process's own code into the review's build/ folder (never committed,
never shared), which is the same trust as the files next to them; delete build/ or pass
`litsift run --fresh` to start from nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litsift.fileio import atomic_write

if TYPE_CHECKING:
    from litsift.dedup import DedupResult
    from litsift.store import Review

log = logging.getLogger(__name__)

FORMAT = 1  # bump when what a stage stores changes shape


@cache
def code_digest() -> str:
    """SHA-256 of litsift's own source files and templates (cached per process)."""
    package = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(f"format {FORMAT}".encode())
    for path in sorted(package.rglob("*")):
        code = path.suffix in (".py", ".j2", ".yaml") and "__pycache__" not in path.parts
        if code and path.is_file():
            h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def files_digest(root: Path, paths: Iterable[Path]) -> str:
    """SHA-256 over every file at or under `paths` (relative path and bytes, sorted).

    Hidden files are left out: they are a writer's temporary copies and lock files,
    which come and go while another command saves (a file that vanishes between the
    listing and the read is left out for the same reason)."""
    h = hashlib.sha256()
    found: list[Path] = []
    for p in paths:
        if p.is_file():
            found.append(p)
        elif p.is_dir():
            found += [f for f in p.rglob("*") if f.is_file() and not _hidden(f, p)]
    for f in sorted(set(found)):
        try:
            rel = str(f.relative_to(root))
        except ValueError:
            rel = str(f)
        try:
            data = f.read_bytes()
        except FileNotFoundError:
            continue
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def _hidden(path: Path, top: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(top).parts)


def digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def cached_features(stages: StageCache, compute: Callable[..., Any]) -> Callable[..., Any]:
    """`compute(texts, model)` (the ranker's TF-IDF features) through the stage cache.

    Between two `screen next` calls, or two re-rankings in the workbench, the records'
    texts rarely change, and fitting TF-IDF on them is most of a ranking (about 5 s of 9 s
    on 50,000 records). The key is the texts in order, the model's settings, scikit-learn's
    version and litsift's code, so any change computes afresh."""

    def features(texts: Sequence[str], model: Any) -> Any:
        import sklearn

        h = hashlib.sha256()
        for part in (repr(model), sklearn.__version__, code_digest(), *texts):
            data = part.encode("utf-8", "surrogatepass")
            h.update(len(data).to_bytes(8, "little") + data)
        key = h.hexdigest()
        slot = "features-" + digest(repr(model))[:12]
        found = stages.load(slot, key)
        if found is None:
            found = compute(texts, model)
            stages.save(slot, key, found)
        return found

    return features


class StageCache:
    """One entry per stage: the key it was computed for and its result."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._found: dict[str, str] = {}  # stage -> key of the entry load() read

    def _path(self, stage: str) -> Path:
        return self.folder / f"{stage}.pickle"

    def load(self, stage: str, key: str) -> Any | None:
        """The stage's result for `key`, or None (no entry, another key, unreadable)."""
        path = self._path(stage)
        if not path.is_file():
            return None
        try:
            stored_key, value = pickle.loads(path.read_bytes())
        except Exception as e:  # a damaged or outdated entry is a miss, not an error
            log.info("ignoring the unreadable cache entry %s (%s)", path, e)
            return None
        if stored_key != key:
            return None
        self._found[stage] = key
        return value

    def save(self, stage: str, key: str, value: Any) -> None:
        """Store `value` for `key` (nothing to write when the entry just read is for it)."""
        if self._found.get(stage) == key and self._path(stage).is_file():
            return
        atomic_write(self._path(stage), pickle.dumps((key, value), protocol=5))
        self._found[stage] = key

    def outputs_intact(self, key: str, root: Path) -> bool:
        """Whether the files the last run wrote for `key` are all there, unchanged."""
        manifest = self.folder / "outputs.json"
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if data.get("key") != key:
            return False
        for rel, sha in data.get("files", {}).items():
            path = root / rel
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                return False
        return True

    def outputs(self, key: str, root: Path) -> list[Path]:
        """The files recorded for `key` (after `outputs_intact` said they are intact)."""
        data = json.loads((self.folder / "outputs.json").read_text(encoding="utf-8"))
        return [root / rel for rel in data["files"]] if data.get("key") == key else []

    def record_outputs(self, key: str, root: Path, files: Iterable[Path]) -> None:
        """Remember the files written for `key` and their hashes."""
        entries = {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(files)
        }
        text = json.dumps({"key": key, "files": entries}, indent=1, sort_keys=True) + "\n"
        atomic_write(self.folder / "outputs.json", text.encode("utf-8"))

    def clear(self) -> None:
        self._found.clear()
        for path in self.folder.glob("*"):
            if path.is_file():
                path.unlink()


# --------------------------------------------------------------------------- the keys


def identify_key(review: Review) -> str:
    """Identification reads the protocol, the queries, every export file and search record."""
    files = [review.protocol_path, review.imports.folder, review.search.records_folder]
    files += [review.root / q for q in review.protocol.queries]
    return digest("identify", code_digest(), files_digest(review.root, files))


def dedup_key(review: Review, identified: str) -> str:
    """Deduplication also reads the reviewer's pair answers, the last run's clusters and
    the frozen versions."""
    files = [review.dedup.folder, review.output.clusters, review.versions.folder]
    return digest("dedup", identified, files_digest(review.root, files))


def clusters_digest(result: DedupResult) -> str:
    """The clusters as the later stages see them: each one's id, canonical record and
    members (the records themselves are in the identification key)."""
    h = hashlib.sha256()
    for c in result.clusters:
        members = ",".join(m.key for m in c.members)
        h.update(f"{c.id}\t{c.study}\t{c.canonical.id}\t{members}\n".encode())
    return h.hexdigest()


def screen_key(review: Review, deduplicated: str, variant: str) -> str:
    """Screening reads the protocol, the reviewers' files, the audit log it syncs and the
    frozen versions (previous studies); `variant` tells a strict, recording run from a
    lenient or read-only one (which neither stops at a bad entry nor writes the log)."""
    files = [
        review.protocol_path,
        review.screening.folder,
        review.audit.folder,
        review.versions.folder,
    ]
    if review.protocol.meta_analysis:
        files.append(review.root / review.protocol.meta_analysis)
    return digest(variant, deduplicated, files_digest(review.root, files))


def tags_key(review: Review, deduplicated: str) -> str:
    """Tags follow the screening decisions, the knowledge base, the taxonomy and overrides."""
    files = [
        review.protocol_path,
        review.root / review.protocol.taxonomy,
        review.screening.folder,
        review.kb.folder,
        review.tags.folder,
    ]
    return digest("tags", deduplicated, files_digest(review.root, files))


def status_key(review: Review) -> str:
    """What `litsift status` reads: the review's files, the last run's clusters, the code."""
    files = [review.protocol_path, review.data, review.output.clusters]
    files += [review.root / q for q in review.protocol.queries]
    return digest("status", code_digest(), files_digest(review.root, files))


def outputs_key(review: Review) -> str:
    """What build/ is made of: every file of the review (protocol, queries, data,
    templates) and litsift's code."""
    files = [review.protocol_path, review.data, review.templates_dir]
    files += [review.root / q for q in review.protocol.queries]
    return digest("outputs", code_digest(), files_digest(review.root, files))
