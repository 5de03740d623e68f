"""Files under data/ that litsift does not read, so that nothing is dropped silently.

Each store lists the files of its folder it would not read (`unread()`); `Review.unread()`
adds what sits beside the folders. A file that looks like decisions or answers litsift
would miss (a reviewer file in a misspelled stage folder, a `.yml` file, answers in a
file of another name) is an error: `litsift run` stops and `litsift check` fails. Any
other unread file is a warning naming it. Git's own files are left alone, and a
temporary file an interrupted write left behind is named as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

GIT_FILES = frozenset({".gitkeep", ".gitignore", ".gitattributes"})
YAML = (".yaml", ".yml")


@dataclass(frozen=True)
class Unread:
    """One file (or folder) under data/ that litsift does not read."""

    path: Path
    message: str
    error: bool = False

    def line(self, rel: str) -> str:
        """'data/x.yml: error: ...' with the path as the review names it."""
        return f"{rel}: {'error' if self.error else 'warning'}: {self.message}"


def is_doc(path: Path) -> bool:
    """Notes beside the data (PROTOCOL.md): read by people, not by litsift."""
    return path.is_file() and path.suffix.lower() == ".md"


def is_temporary(path: Path) -> bool:
    """A temporary file of `fileio.atomic_write` (.<name>.<random>.tmp)."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


def visible(folder: Path) -> list[Path]:
    """The entries of a folder worth a look: not git's files, sorted."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name not in GIT_FILES)


def other(path: Path, what: str = "litsift does not read it") -> Unread:
    """The usual warning for an unexpected file, or the note for a leftover temporary."""
    if is_temporary(path):
        return Unread(path, "left by an interrupted write (litsift does not read it; delete it)")
    kind = "folder" if path.is_dir() else "file"
    return Unread(path, f"unexpected {kind}: {what}")


def yml(path: Path) -> Unread:
    return Unread(path, f"'.yml' is not read: rename it to {path.stem}.yaml", error=True)


def holds_yaml(folder: Path) -> bool:
    return any(p.suffix.lower() in YAML for p in folder.rglob("*") if p.is_file())


def scan(
    folder: Path, read: Iterable[Path], *, yaml_is_error: bool = False, what: str = ""
) -> list[Unread]:
    """Every entry of `folder` not in `read` (docs aside). A `.yml` file, and with
    `yaml_is_error` any other YAML file or a folder holding some, is an error: decisions
    litsift would miss."""
    known = set(read)
    out = []
    for path in visible(folder):
        if path in known or is_doc(path):
            continue
        if path.is_file() and path.suffix.lower() == ".yml":
            out.append(yml(path))
        elif yaml_is_error and path.is_file() and path.suffix.lower() in YAML:
            out.append(Unread(path, what or "litsift does not read this file", error=True))
        elif yaml_is_error and path.is_dir() and holds_yaml(path):
            out.append(
                Unread(
                    path, f"the files of this folder are not read{what and ': '}{what}", error=True
                )
            )
        else:
            out.append(other(path))
    return out
