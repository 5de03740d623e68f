"""The real command, end to end, on temporary copies of review folders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import typer

from litsift.cli import app

ROOT = Path(__file__).resolve().parents[1]


def litsift(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "litsift", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=300,
    )


def all_commands() -> list[tuple[str, object]]:
    out = []

    def walk(prefix: str, cmd: object) -> None:
        out.append((prefix, cmd))
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(f"{prefix} {name}".strip(), sub)

    walk("", typer.main.get_command(app))
    return out[1:]


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name, cmd in all_commands():
        assert (cmd.help or "").strip(), f"litsift {name} has no help text"
        assert f"litsift {name}" in readme, f"`litsift {name}` is missing from README.md"
        for param in cmd.params:
            if param.param_type_name == "option":
                assert param.help, f"litsift {name} {param.opts[0]} has no help text"


def build_files(root: Path) -> dict[str, bytes]:
    """Every file under build/ but the stage cache (build/.cache), which is not output."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted((root / "build").rglob("*"))
        if p.is_file() and ".cache" not in p.parts
    }


def test_run_writes_the_report_and_is_byte_identical_twice(flagship):
    first = litsift("run", cwd=flagship)
    assert first.returncode == 0, first.stderr
    assert "screen:" in first.stdout and "report:" in first.stdout
    files = build_files(flagship)
    for name in (
        "build/report/prisma.svg",
        "build/report/index.html",
        "build/included.bib",
        "build/report/tables/included-studies.md",
        "build/report/tables/included-studies.csv",
        "build/report/tables/counts-by-class-and-year.csv",
        "build/kb.sqlite",
    ):
        assert name in files, name
    data_before = {p: p.read_bytes() for p in (flagship / "data").rglob("*") if p.is_file()}
    second = litsift("run", cwd=flagship)
    assert second.returncode == 0, second.stderr
    assert build_files(flagship) == files
    assert {p: p.read_bytes() for p in (flagship / "data").rglob("*") if p.is_file()} == data_before


def test_malformed_protocol_is_one_line_exit_2(flagship):
    path = flagship / "review.yaml"
    path.write_text(
        path.read_text().replace(
            "date_range: {start: 2017, end: 2023}", "date_range: {start: 2017, end: soon}"
        )
    )
    before = path.read_bytes()
    res = litsift("run", cwd=flagship)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and re.match(r"error: .*review\.yaml:\d+: date_range\.end:", lines[0])
    assert path.read_bytes() == before


def _reviewer_file(flagship: Path) -> Path:
    files = sorted((flagship / "data" / "screening" / "title-abstract").glob("*.yaml"))
    files = [f for f in files if f.stem != "adjudication"]
    assert files, "the flagship must ship a reviewer decision file"
    return files[0]


def test_unknown_criterion_code_names_file_and_line(flagship):
    path = _reviewer_file(flagship)
    text = path.read_text()
    m = re.search(r"reason: E\d", text)
    assert m, "expected at least one exclusion with a reason"
    line = text[: m.start()].count("\n") + 1
    path.write_text(text[: m.start()] + "reason: E99" + text[m.end() :])
    before = path.read_bytes()
    res = litsift("run", cwd=flagship)
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"{path.name}:{line}" in res.stderr and "E99" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == before


def test_yaml_no_where_a_string_was_meant(flagship):
    path = _reviewer_file(flagship)
    text = path.read_text()
    m = re.search(r"reason: E\d", text)
    assert m
    path.write_text(text[: m.start()] + "reason: no" + text[m.end() :])
    before = path.read_bytes()
    res = litsift("run", cwd=flagship)
    assert res.returncode == 2
    assert "boolean" in res.stderr and path.name in res.stderr
    assert path.read_bytes() == before


def test_init_scaffolds_a_review_that_runs(tmp_path):
    res = litsift("init", str(tmp_path / "r"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    run = litsift("run", cwd=tmp_path / "r")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "r" / "build" / "report" / "prisma.svg").is_file()
    status = litsift("status", cwd=tmp_path / "r")
    assert status.returncode == 0 and "screening" in status.stdout
    again = litsift("init", str(tmp_path / "r"), cwd=tmp_path)
    assert again.returncode == 2 and "not empty" in again.stderr


def test_no_review_folder_is_a_clear_error(tmp_path):
    res = litsift("run", cwd=tmp_path)
    assert res.returncode == 2 and "no review.yaml" in res.stderr


def test_check_and_status_on_the_flagship(flagship):
    status = litsift("status", "--json", cwd=flagship)
    assert status.returncode == 0, status.stderr
    check = litsift("check", cwd=flagship)
    assert check.returncode in (0, 1), check.stderr


def test_export_of_each_stage_carries_labels(flagship):
    included = litsift("export", "--format", "bibtex", cwd=flagship)
    assert included.returncode == 0, included.stderr
    n_included = included.stdout.count("\n@") + included.stdout.startswith("@")
    screened = litsift("export", "--format", "asreview", "--stage", "screened", cwd=flagship)
    everything = litsift("export", "--format", "csv", "--stage", "all", cwd=flagship)
    assert screened.returncode == 0 and everything.returncode == 0
    rows = screened.stdout.strip().splitlines()[1:]
    labels = [row.rsplit(",", 1)[1] for row in rows]
    assert labels.count("1") == n_included > 0 and "0" in labels
    assert len(everything.stdout.strip().splitlines()) - 1 > len(rows)
