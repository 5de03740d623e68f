"""The tagger's independent evaluation set in data/kb/eval/: loading, labels, disjointness."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from litsift import kb_eval
from litsift.errors import InputError
from litsift.models import KBEntry, Verification
from litsift.store import Review
from litsift.store.kb import load_entries, load_eval_set

FLAGSHIP = Review(ROOT)
TOOL = ROOT / "tools" / "sample_eval.py"

PAPER = """\
  - key: arxiv-2401.00001
    title: A Made-Up Paper on KV Cache Quantization
    year: 2024
    arxiv_id: '2401.00001'
    doi: 10.1000/x1
    stratum: ListA
    draw: {draw}
    appears_in: [{{list: ListA, section: Quantization}}]
    classes: [{label}]
    families: [quantisation]
    basis: 'title: KV cache quantization'
"""


def eval_text(label: str = "inference", draw: int = 1) -> str:
    return "seed: s\nper_stratum: 1\npapers:\n" + PAPER.format(label=label, draw=draw)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "papers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_flagship_eval_set_loads_with_taxonomy_labels() -> None:
    eval_set = load_eval_set(FLAGSHIP.kb.eval_file, FLAGSHIP.taxonomy)
    assert len(eval_set.papers) >= 100
    classes = set(FLAGSHIP.taxonomy.class_ids())
    families = set(FLAGSHIP.taxonomy.family_ids())
    assert all(set(p.classes) <= classes and set(p.families) <= families for p in eval_set.papers)
    assert {c for p in eval_set.papers for c in p.classes} == classes  # every class occurs
    assert all(p.basis and p.appears_in for p in eval_set.papers)


def test_eval_papers_are_outside_the_knowledge_base() -> None:
    eval_set = load_eval_set(FLAGSHIP.kb.eval_file, FLAGSHIP.taxonomy)
    entries = load_entries(FLAGSHIP.kb_dir, FLAGSHIP.taxonomy)
    assert kb_eval.in_knowledge_base(eval_set.papers, entries) == []
    assert min(p.year for p in eval_set.papers) >= 2024
    assert not {e.key for e in entries} & {p.key for p in eval_set.papers}


def test_knowledge_base_loader_does_not_read_the_eval_folder() -> None:
    assert FLAGSHIP.kb.eval_file.is_file()
    assert FLAGSHIP.kb.eval_file.parent.parent == FLAGSHIP.kb_dir
    entries = load_entries(FLAGSHIP.kb_dir, FLAGSHIP.taxonomy)
    assert [e.key for e in entries] == sorted(p.stem for p in FLAGSHIP.kb_dir.glob("*.yaml"))


def test_unknown_class_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, eval_text(label="traning"))
    with pytest.raises(InputError) as err:
        load_eval_set(path, FLAGSHIP.taxonomy)
    assert str(err.value).startswith(f"{path}:12: papers.0.classes: 'traning'")


def test_a_draw_cannot_be_used_twice(tmp_path: Path) -> None:
    text = eval_text() + PAPER.format(label="inference", draw=1).replace("00001", "00002", 1)
    with pytest.raises(InputError, match="draw used twice: ListA 1"):
        load_eval_set(write(tmp_path, text), FLAGSHIP.taxonomy)


def entry(**kw: str) -> KBEntry:
    base = dict(
        key="k",
        title="Another Title",
        authors=("A, B",),
        year=2023,
        verification=Verification(method="m"),
        summary="s",
        classes=("inference",),
    )
    return KBEntry(**(base | kw))


def test_overlap_with_the_knowledge_base_by_arxiv_id_doi_or_title(tmp_path: Path) -> None:
    papers = load_eval_set(write(tmp_path, eval_text()), FLAGSHIP.taxonomy).papers
    assert kb_eval.in_knowledge_base(papers, [entry()]) == []
    assert kb_eval.in_knowledge_base(papers, [entry(arxiv_id="2401.00001")]) == [papers[0].key]
    assert kb_eval.in_knowledge_base(papers, [entry(doi="10.1000/X1")]) == [papers[0].key]
    same_title = entry(title="A made-up paper on KV-cache quantization")
    assert kb_eval.in_knowledge_base(papers, [same_title]) == [papers[0].key]


def review_copy(tmp_path: Path) -> Path:
    root = tmp_path / "review"
    (root / "data").mkdir(parents=True)
    shutil.copy2(ROOT / "review.yaml", root / "review.yaml")
    shutil.copy2(ROOT / "data" / "taxonomy.yaml", root / "data" / "taxonomy.yaml")
    shutil.copytree(ROOT / "data" / "kb", root / "data" / "kb")
    return root


def check(realworld: Path, root: Path) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, str(TOOL), "--shared", str(realworld), "--root", str(root), "--check"]
    return subprocess.run(args, capture_output=True, text=True)


def test_sample_is_the_first_draws_of_the_seeded_rule(realworld: Path, tmp_path: Path) -> None:
    root = review_copy(tmp_path)
    assert check(realworld, root).returncode == 0
    papers = root / "data" / "kb" / "eval" / "papers.yaml"
    text = papers.read_text(encoding="utf-8")
    # hand-picking a paper instead of the first draw breaks the rule
    papers.write_text(text.replace("  draw: 1\n", "  draw: 99\n", 1), encoding="utf-8")
    result = check(realworld, root)
    assert result.returncode == 1 and "EfficientPaper: entries are not the first" in result.stderr
