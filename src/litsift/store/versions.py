"""data/versions/<name>.yaml: frozen versions of the review (`litsift freeze`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from litsift.errors import InputError
from litsift.fileio import atomic_write_text
from litsift.models import VERSION_NAME
from litsift.store.unread import Unread, scan
from litsift.versions import Version
from litsift.yamlio import dump_yaml, load_model

if TYPE_CHECKING:
    from litsift.store import Review

FOLDER = "versions"  # under data/


def check_name(name: str) -> str:
    """A version name is used as a file name: letters, digits, '.', '_' and '-' only."""
    if not VERSION_NAME.fullmatch(name):
        raise InputError(
            Path("data") / FOLDER / f"{name}.yaml",
            f"version name '{name}' must use only letters, digits, '.', '_' and '-'",
        )
    return name


class VersionsStore:
    """data/versions/: one file per frozen version, never replaced."""

    def __init__(self, review: Review) -> None:
        self.review = review
        self.folder = review.data / FOLDER

    def unread(self) -> list[Unread]:
        """Files under data/versions/ that are not frozen versions."""
        return scan(self.folder, self.folder.glob("*.yaml"))

    def path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}.yaml"

    def load(self, name: str) -> Version:
        return load(self.path(name))

    def write(self, version: Version) -> Path:
        return write(self.path(version.name), version)

    def previous(self) -> Version | None:
        """The frozen version review.yaml's `update_of` names (None for a first version)."""
        name = self.review.protocol.update_of
        return self.load(name) if name else None


def render(version: Version) -> str:
    header = (
        f"# Review version '{version.name}', frozen by `litsift freeze` on {version.frozen}.\n"
        f"# {version.n_records} records identified, {len(version.included)} studies included.\n"
        "# Do not edit: an updated review (`update_of: "
        f"{version.name}` in review.yaml) reads it\n"
        "# to tell the records and studies of this version from new ones.\n"
    )
    data = version.model_dump(mode="json")
    data["records"] = {
        source: {batch: list(ids) for batch, ids in batches.items()}
        for source, batches in version.records.items()
    }
    return header + dump_yaml(data)


def write(path: Path, version: Version) -> Path:
    """Write a new version file; an existing one is never replaced."""
    if path.exists():
        raise InputError(path, "this version is already frozen; choose a new name")
    atomic_write_text(path, render(version))
    return path


def load(path: Path) -> Version:
    if not path.is_file():
        raise InputError(path, "no such frozen version; create it with `litsift freeze NAME`")
    version = load_model(path, Version)
    if version.name != path.stem:
        raise InputError(path, f"name '{version.name}' does not match the file name")
    return version
