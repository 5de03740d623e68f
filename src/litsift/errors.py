"""The one error root. The CLI catches LitsiftError, prints one line, exits 2."""

from __future__ import annotations

import unicodedata
from pathlib import Path


def printable(text: str, limit: int = 80) -> str:
    """`text` safe to quote in a one-line message: control and other unprintable characters
    escaped (\\x1b, \\u200b), cut after `limit` characters with a count of the rest."""
    out = []
    for ch in text[:limit]:
        if unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    rest = len(text) - limit
    return "".join(out) + (f"... ({rest} more characters)" if rest > 0 else "")


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


class ChangedError(LitsiftError):
    """A file changed on disk (saved in an editor) while litsift was rewriting it; nothing
    was written."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        super().__init__(
            f"{path}: changed while litsift was writing it (saved in an editor?); nothing "
            "was written: run the command again"
        )


class ConsistencyError(LitsiftError):
    """Derived numbers do not add up (PRISMA arithmetic, dangling references)."""
