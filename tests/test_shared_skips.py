"""A clone without ../shared is told how many tests skipped and how to run them (defect 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_summary_says_what_skipped_for_want_of_shared(tmp_path: Path) -> None:
    env = {**os.environ, "LITSIFT_SHARED": str(tmp_path / "nowhere")}
    test = "tests/test_flagship_pool.py::test_derived_pool_files_are_reproducible"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 tests skipped because" in done.stdout
    assert "set LITSIFT_SHARED to the folder that holds realworld/" in done.stdout
