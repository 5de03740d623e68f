"""Decoding export files (BOM, UTF-16, UTF-8, GBK, Latin-1) and telling their format apart."""

from __future__ import annotations

import codecs
import re

from litsift.importers.base import FormatError
from litsift.importers.csvfmt import ASREVIEW_LABEL_COLUMNS

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# GB2312 (the common subset of GBK) uses bytes A1-FE for both halves of a character.
_GB_PAIR = re.compile(rb"[\xa1-\xfe][\xa1-\xfe]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit on one side of most ASCII characters."""
    sample = data[:4000]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    odd_nuls = sample[1::2].count(0)
    even_nuls = sample[0::2].count(0)
    if odd_nuls > 2 * even_nuls:
        return "utf-16-le"
    if even_nuls > 2 * odd_nuls:
        return "utf-16-be"
    return None


def _looks_gbk(data: bytes) -> bool:
    """High bytes come in GB2312 pairs only (Latin-1 accents are mostly lone high bytes)."""
    runs = _HIGH_RUN.findall(data)
    if not runs:
        return False
    return all(len(run) % 2 == 0 and _GB_PAIR.fullmatch(run[:2]) for run in runs)


def _decode_with(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        raise FormatError(f"not valid {codec} at byte {e.start}") from e


Note = tuple[int | None, str]  # (line or None for the whole file, message)


# C0 control bytes no text export holds (tab, line feed, form feed and carriage return are
# text; a stray one elsewhere is repaired, a run of them means the file is not text)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
BINARY_SAMPLE = 65536


def check_text(data: bytes) -> None:
    """Refuse binary data (an image, an archive, random bytes) before decoding it: more than
    2% control bytes in the first 64 KiB. UTF-16/32 text is told apart first."""
    sample = data[:BINARY_SAMPLE]
    control = len(sample) - len(sample.translate(None, _CONTROL))
    if control > max(8, len(sample) // 50):
        first = next(i for i, b in enumerate(sample) if b in _CONTROL)
        raise FormatError(
            f"binary data, not a text export ({control} control bytes in the first "
            f"{len(sample)} bytes, the first at byte {first})"
        )


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, list[Note]]:
    """(text, encoding, notes): BOM removed; UTF-8, else GBK, else cp1252/Latin-1.

    With `encoding` (given at import and recorded with the file) nothing is guessed.
    """
    if encoding is not None:
        return _decode_with(data, encoding), encoding, []
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return _decode_with(data[len(bom) :], codec), name, []
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _decode_with(data[: len(data) - len(data) % 2], utf16), utf16, []
    check_text(data)
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        notes: list[Note] = [(line, f"not UTF-8 (byte {e.start}); file read as a legacy encoding")]
    if _looks_gbk(data):
        try:
            return data.decode("gbk"), "gbk", notes
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), "cp1252", notes
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", notes


def normalise_newlines(text: str) -> tuple[str, list[Note]]:
    """LF line ends from CRLF, CR-only and mixed files; notes what was repaired."""
    notes: list[Note] = []
    crlf = text.count("\r\n")
    lone_cr = text.count("\r") - crlf
    if lone_cr:
        notes.append((None, f"{lone_cr} CR-only line end(s) converted to LF"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        notes.append((None, "NUL characters removed"))
        text = text.replace("\x00", "")
    return text, notes


# ------------------------------------------------------------------ format sniffing

_RIS_TY = re.compile(r"^TY  ?-", re.M)
_RIS_ASREVIEW = re.compile(r"^N1  ?- ?ASReview_(relevant|irrelevant|not_seen)", re.M)
_WOS_START = re.compile(r"^(FN |VR |PT [A-Z]\b)")
_WOS_TAB = re.compile(r"^PT\t(AU|A[A-Z])\t")
_MEDLINE = re.compile(r"^(PMID|OWN |STAT|TI  |AU  |FAU )- ", re.M)
_BIBTEX = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.M)
_ASREVIEW_COLUMNS = frozenset(ASREVIEW_LABEL_COLUMNS)


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.lstrip("\ufeff")
    return ""


def _csv_header(line: str) -> set[str]:
    delim = max(",;\t", key=line.count)
    return {c.strip().strip('"').strip().lower() for c in line.split(delim)}


def sniff(text: str) -> str:
    """The format of an export from its content (extensions lie: WoS files named .ris)."""
    first = _first_line(text)
    head = text[:20000]
    if first.lstrip()[:1] in ("[", "{"):
        return "csljson"  # JSON: CSL-JSON is the one JSON export format
    if _WOS_TAB.match(first):
        return "wos"
    if _WOS_START.match(first):
        return "wos"
    if _RIS_TY.search(head):
        return "asreview" if _RIS_ASREVIEW.search(text) else "ris"
    if _MEDLINE.search(head):
        return "nbib"
    if _BIBTEX.search(head):
        return "bibtex"
    columns = _csv_header(first)
    if columns & _ASREVIEW_COLUMNS and "title" in columns:
        return "asreview"
    if len(columns) > 1:
        return "csv"
    raise FormatError(
        "cannot tell the format (BibTeX, RIS, CSV, WoS, MEDLINE, ASReview, CSL-JSON); pass --format"
    )
