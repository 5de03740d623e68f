"""Fetch a pinned Mermaid build from the npm registry, for the test that renders litsift's
Mermaid PRISMA diagram in headless Chromium (tests/test_browser.py).

Standard library only, so it runs before any virtual environment exists. The tarball's
sha512 is checked against the registry's published integrity value pinned below; the file
is fetched once and kept in .cache/ (not committed: it is a 5 MB third-party bundle).

    python3 tools/fetch_mermaid.py              # prints the path of mermaid.min.js
    python3 tools/fetch_mermaid.py --optional   # offline: say so and exit 0 (make test)

`make test` passes `--optional`, so that it runs offline as the README says: without the
network the Mermaid browser test skips, and this says why on stderr.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "11.12.1"
URL = f"https://registry.npmjs.org/mermaid/-/mermaid-{VERSION}.tgz"
# the registry's `dist.integrity` for this version (npm view mermaid@11.12.1 dist.integrity)
INTEGRITY = "sha512-" + (
    "UlIZrRariB11TY1RtTgUWp65tphtBv4CSq7vyS2ZZ2TgoMjs2nloq+wFqxiwcxlhHUvs7DPGgMjs2aeQxz5h9g=="
)
MEMBER = "package/dist/mermaid.min.js"
TARGET = Path(__file__).resolve().parents[1] / ".cache" / "mermaid" / f"mermaid-{VERSION}.min.js"


def fetch(target: Path = TARGET) -> Path:
    if target.is_file():
        return target
    with urllib.request.urlopen(URL, timeout=120) as response:
        data = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        raise SystemExit(f"error: {URL}: integrity mismatch ({digest[:30]}...)")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"error: {URL}: no {MEMBER} in the package")
        script = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(script)
    partial.replace(target)
    return target


def main(argv: list[str], target: Path = TARGET) -> int:
    optional = "--optional" in argv
    try:
        print(fetch(target))
    except OSError as e:
        if not optional:
            sys.exit(f"error: could not fetch {URL}: {e}")
        print(
            f"warning: could not fetch {URL} ({e}); the Mermaid browser test will skip",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
