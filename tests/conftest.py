"""Shared test fixtures. Tests never touch the network."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALWORLD = Path(os.environ.get("LITSIFT_SHARED", ROOT.parent / "shared")) / "realworld"


def load_script(path: Path, name: str) -> ModuleType:
    """A script that is not a package module (bench/, tools/) imported as module `name`,
    registered in sys.modules (its dataclasses look their module up there)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def realworld() -> Path:
    """../shared/realworld, or skip the test when it is absent."""
    if not REALWORLD.is_dir():
        pytest.skip("../shared/realworld is absent")
    return REALWORLD


def realworld_file(rel: str) -> Path:
    """A file under ../shared/realworld; skips the calling test when absent."""
    path = REALWORLD / rel
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture
def flagship(tmp_path: Path) -> Path:
    """A temporary copy of the flagship review folder (without build/ and .venv)."""
    dest = tmp_path / "review"
    dest.mkdir()
    for name in ("review.yaml", "queries", "data", "templates"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.is_file():
            shutil.copy2(src, dest / name)
    return dest


def _needs_shared(report: pytest.TestReport) -> bool:
    reason = str(report.longrepr)
    return "realworld is absent" in reason or str(REALWORLD) in reason


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say how many tests skipped for want of ../shared/realworld, and how to run them."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if _needs_shared(r)]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} tests skipped because {REALWORLD} is absent: put the shared "
            "data beside the repository (../shared/realworld) or set LITSIFT_SHARED to the "
            "folder that holds realworld/, then run them again"
        )
