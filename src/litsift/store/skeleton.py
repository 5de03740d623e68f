"""`litsift init`: copy the packaged example review into a new folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from litsift.errors import LitsiftError

SKELETON = Path(__file__).resolve().parent.parent / "skeleton"


def create(directory: Path, force: bool = False) -> list[Path]:
    """Copy the skeleton into `directory`; never overwrites an existing file."""
    if directory.exists() and any(directory.iterdir()) and not force:
        raise LitsiftError(
            f"{directory}: folder is not empty (use --force to add the "
            "example files beside what is there; nothing is overwritten)"
        )
    written = []
    for src in sorted(p for p in SKELETON.rglob("*") if p.is_file()):
        dest = directory / src.relative_to(SKELETON)
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        written.append(dest)
    return written
