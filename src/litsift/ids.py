"""Normalised identifiers and the stable record id.

A record id is derived from the strongest persistent identifier the record carries
(DOI, arXiv id, PubMed id, OpenAlex id, Semantic Scholar id, DBLP key), else from the
normalised title, first author's family name and year. The same input always gives the
same id, so reviewer files can refer to records across runs.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

_DOI_RE = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
_ARXIV_DOI_RE = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ARXIV_NEW = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?", re.IGNORECASE)
_ARXIV_OLD = re.compile(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?", re.IGNORECASE)


def normalise_doi(value: str | None) -> str | None:
    """Bare, lower-case DOI from any spelling (doi:, https://doi.org/, dx.doi.org, %2F)."""
    if not value:
        return None
    text = value.strip().replace("%2F", "/").replace("%2f", "/")
    m = _DOI_RE.search(text)
    if not m:
        return None
    doi = m.group(1).rstrip(".,;)]}>\"'").lower()
    return doi


def normalise_arxiv(value: str | None) -> str | None:
    """arXiv id without version or prefix: '2303.06865', 'cs/0112017'."""
    if not value:
        return None
    text = value.strip()
    m = _ARXIV_DOI_RE.match(text)
    if m:
        text = m.group(1)
    text = re.sub(r"^(arxiv:|https?://(www\.)?arxiv\.org/(abs|pdf)/)", "", text, flags=re.I)
    m = _ARXIV_NEW.search(text)
    if m:
        return m.group(1)
    m = _ARXIV_OLD.search(text)
    if m:
        return m.group(1).lower()
    return None


def arxiv_from_doi(doi: str | None) -> str | None:
    """The arXiv id hidden in a DataCite arXiv DOI (10.48550/arXiv.X), else None."""
    if doi and _ARXIV_DOI_RE.match(doi):
        return normalise_arxiv(doi)
    return None


def fold(text: str | None) -> str:
    """Lower case, accents stripped, HTML entities decoded, punctuation to spaces."""
    if not text:
        return ""
    text = html.unescape(text)
    if not text.isascii():  # ASCII is its own NFKD form, without combining marks
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[^0-9a-z]+", " ", text.lower())
    return text.strip()


def family_name(author: str | None) -> str:
    """Family name of 'Family, Given' or 'Given Family', folded."""
    if not author:
        return ""
    if "," in author:
        return fold(author.split(",", 1)[0])
    parts = fold(author).split()
    return parts[-1] if parts else ""


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def record_id(
    *,
    doi: str | None = None,
    arxiv_id: str | None = None,
    pmid: str | None = None,
    openalex_id: str | None = None,
    s2_id: str | None = None,
    dblp_key: str | None = None,
    title: str | None = None,
    first_author: str | None = None,
    year: int | None = None,
) -> str:
    """Stable id from the strongest identifier present (see module docstring)."""
    doi = normalise_doi(doi)
    arxiv = normalise_arxiv(arxiv_id) or arxiv_from_doi(doi)
    if doi and not arxiv_from_doi(doi):
        return f"doi-{_digest(doi)}"
    if arxiv:
        return "arxiv-" + arxiv.replace("/", "_")
    if pmid and pmid.strip().isdigit():
        return f"pmid-{pmid.strip()}"
    if openalex_id:
        return f"openalex-{openalex_id.rsplit('/', 1)[-1].upper()}"
    if s2_id:
        return f"s2-{_digest(s2_id.strip().lower())}"
    if dblp_key:
        return f"dblp-{_digest(dblp_key.strip())}"
    basis = f"{fold(title)}|{family_name(first_author)}|{year or ''}"
    return f"ta-{_digest(basis)}"
