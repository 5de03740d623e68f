"""Anchors of the audit chain in git: the head's seq and hash in a tag or a commit message.

Whoever can write data/audit/ can rewrite it, hashes and head.json included; what they
cannot rewrite is a tag or commit others already fetched. `litsift audit anchor` records
the head of the chain in the review's git repository, as an annotated tag on HEAD
(`litsift-audit/<seq>-<hash prefix>`) or, with `--commit`, as a commit of data/audit/
whose message holds it. Both messages read:

    litsift audit anchor
    review: <the review folder, relative to the repository; '.' at its root>
    seq: 42
    hash: <sha256 of entry 42>

`audit verify` reads every such tag and commit of the review and checks that the entry
anchored is still in the log, unchanged. git runs as a subprocess in the review root.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from litsift.errors import LitsiftError, printable

SUBJECT = "litsift audit anchor"
TAG_PREFIX = "litsift-audit/"
_FIELD = re.compile(r"^(review|seq|hash): (.+)$", re.M)


class AnchorError(LitsiftError):
    """git could not record or read an anchor."""


@dataclass(frozen=True)
class Anchor:
    """One anchored head: where (a tag or a commit), when, and which entry."""

    kind: str  # tag | commit
    ref: str  # tag name or abbreviated commit
    date: str
    seq: int
    hash: str

    def describe(self) -> str:
        return f"entry {self.seq} in {self.kind} {self.ref} ({self.date})"


def _git(root: Path, *args: str) -> str:
    if shutil.which("git") is None:
        raise AnchorError("git is not installed; anchors live in the review's git repository")
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        why = printable(" ".join(done.stderr.split()), 200) or f"exit {done.returncode}"
        raise AnchorError(f"git {args[0]}: {why}")
    return done.stdout


def review_path(root: Path) -> str | None:
    """The review folder relative to its git repository ('.' at the top); None when the
    review is not in a git repository."""
    try:
        top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    except AnchorError:
        return None
    rel = Path(root).resolve().relative_to(top.resolve())
    return str(rel) if str(rel) != "." else "."


def message(where: str, seq: int, head: str) -> str:
    return f"{SUBJECT}\n\nreview: {where}\nseq: {seq}\nhash: {head}\n"


def _parse(text: str, where: str) -> tuple[int, str] | None:
    if not text.lstrip().startswith(SUBJECT):
        return None
    fields = dict(_FIELD.findall(text))
    if fields.get("review") != where or not fields.get("seq", "").isdigit():
        return None
    return int(fields["seq"]), fields.get("hash", "").strip()


def anchors(root: Path) -> list[Anchor]:
    """Every anchor of this review in its git repository ([] outside one), oldest first."""
    where = review_path(root)
    if where is None:
        return []
    out = []
    tags = _git(
        root,
        "for-each-ref",
        "--format=%(refname:short)%00%(creatordate:iso-strict)%00%(contents)%1e",
        f"refs/tags/{TAG_PREFIX}",
    )
    for record in filter(str.strip, tags.split("\x1e")):
        name, date, body = record.strip("\n").split("\x00", 2)
        parsed = _parse(body, where)
        if parsed:
            out.append(Anchor("tag", name, date, *parsed))
    try:
        log = _git(root, "log", "--all", f"--grep=^{SUBJECT}$", "--format=%h%x00%cI%x00%B%x1e")
    except AnchorError:  # a repository without any commit yet
        log = ""
    for record in filter(str.strip, log.split("\x1e")):
        commit, date, body = record.strip("\n").split("\x00", 2)
        parsed = _parse(body, where)
        if parsed:
            out.append(Anchor("commit", commit, date, *parsed))
    return sorted(out, key=lambda a: (a.seq, a.date, a.kind, a.ref))


def anchor(root: Path, seq: int, head: str, paths: list[Path], *, commit: bool) -> Anchor:
    """Record entry `seq` (hash `head`) in a new tag on HEAD, or in a commit of `paths`."""
    where = review_path(root)
    if where is None:
        raise AnchorError(
            f"{root}: not in a git repository; `git init` and commit the review first"
        )
    text = message(where, seq, head)
    if commit:
        names = [str(p) for p in paths]
        _git(root, "add", "--", *names)
        _git(root, "commit", "--quiet", "--allow-empty", "--only", "-m", text, "--", *names)
        ref = _git(root, "rev-parse", "--short", "HEAD").strip()
    else:
        ref = f"{TAG_PREFIX}{seq}-{head[:12]}"
        if ref in _git(root, "tag", "--list", ref).split():
            raise AnchorError(f"tag {ref} already anchors this head")
        _git(root, "tag", "-a", ref, "-m", text)
    made = [a for a in anchors(root) if a.ref == ref or (commit and ref.startswith(a.ref))]
    if not made:
        raise AnchorError(f"git did not record the anchor {ref}")
    return made[-1]
