"""Refresh docs/workbench.png: the screening view of a small synthetic review in Chromium.

    .venv/bin/python tools/workbench_screenshot.py [docs/workbench.png]

Starts `litsift screen serve` on a 200-record synthetic review (tests/workbench/
synthetic.py), decides two records with the keyboard so the status line shows a saved
decision, and saves the page as a palette PNG (small enough to commit).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "workbench"))

from devtools import Browser, chromium  # noqa: E402
from helpers_workbench import Server  # noqa: E402
from PIL import Image  # noqa: E402
from synthetic import make_review  # noqa: E402


def main(out: Path) -> None:
    binary = chromium()
    if binary is None:
        raise SystemExit("Chromium is not installed (apt install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        root = make_review(Path(tmp) / "review", 200)
        server = Server(root, "ann")
        browser = Browser(binary, 1280, 760)
        try:
            browser.goto(server.url)
            browser.wait("document.querySelector('#record').dataset.id")
            status = "document.getElementById('status').textContent"
            for key in ("i", "2"):
                browser.press(key)
                browser.wait(f"{status}.indexOf('saved') === 0")
            raw = Path(tmp) / "raw.png"
            browser.screenshot(raw)
        finally:
            browser.close()
            server.stop()
        image = Image.open(raw).convert("RGB").quantize(colors=64)
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out, optimize=True)
    print(f"{out}: {out.stat().st_size // 1024} KB", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "workbench.png")
