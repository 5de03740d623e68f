"""The one error root. The CLI catches LitsiftError, prints one line, exits 2."""

from __future__ import annotations

from pathlib import Path


class LitsiftError(Exception):
    """A problem the user can act on; its str() is the one line the CLI prints."""


class InputError(LitsiftError):
    """A file the user wrote or supplied is invalid: names the file and, when known, the line."""

    def __init__(
        self, path: str | Path, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.message = message
        where = self.path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f": col {column}"
        super().__init__(f"{where}: {message}")


class RecordError(LitsiftError):
    """A problem tied to one record id."""

    def __init__(self, record_id: str, message: str) -> None:
        self.record_id = record_id
        super().__init__(f"record {record_id}: {message}")


class SearchError(LitsiftError):
    """A source could not be searched; the message names the source and URL (never a key)."""


class ConsistencyError(LitsiftError):
    """Derived numbers do not add up (PRISMA arithmetic, dangling references)."""
