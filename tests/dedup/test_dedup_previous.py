"""The last run's clusters, honoured on the next run, after an export file was edited."""

from __future__ import annotations

import shutil
from pathlib import Path

from litsift import runner
from litsift.store import Review
from litsift.vocab import PipelineStage

REVIEW = """\
title: t
question: q
date_range: {start: 2017, end: 2023}
sources:
  - {name: lists, kind: website}
  - {name: db, kind: database}
criteria:
  - {code: I1, kind: include, text: x}
  - {code: E1, kind: exclude, text: y}
reviewers:
  - {id: r1}
"""
TAXONOMY = "classes:\n  - {id: training, label: T, definition: d, indicators: [training]}\n"
ENTRY = "@article{{{key}, title = {{{title}}}, author = {{Writer, Ann}}, year = {{2021}}, eprint = {{{arxiv}}}, archiveprefix = {{arXiv}}}}\n"  # noqa: E501


def entries(*items: tuple[str, str, str]) -> str:
    return "".join(ENTRY.format(key=k, title=t, arxiv=a) for k, t, a in items)


def clusters(review: Review) -> list[tuple[str, tuple[str, ...]]]:
    result = runner.run(review, until=PipelineStage.DEDUP)
    assert result.dedup is not None
    return sorted((c.id, tuple(sorted(m.key for m in c.members))) for c in result.dedup.clusters)


def test_edited_export_file_does_not_hand_old_clusters_to_other_records(tmp_path: Path):
    root = tmp_path / "r"
    (root / "data" / "imports" / "lists").mkdir(parents=True)
    (root / "data" / "imports" / "db").mkdir(parents=True)
    (root / "review.yaml").write_text(REVIEW)
    (root / "data" / "taxonomy.yaml").write_text(TAXONOMY)
    lists = root / "data" / "imports" / "lists" / "l.bib"
    lists.write_text(
        entries(("a", "Pipeline training", "2101.00001"), ("b", "Quantised kernels", "2101.00002"))
    )
    (root / "data" / "imports" / "db" / "d.bib").write_text(
        entries(("c", "Quantised kernels", "2101.00002"), ("d", "Serving at scale", "2101.00003"))
    )
    review = Review(root)
    runner.run(review)  # leaves build/dedup/clusters.jsonl, read by the next run
    # a new entry at the top moves every other entry of the file to another line
    lists.write_text(
        entries(("z", "Serving at scale", "2101.00003")) + lists.read_text(encoding="utf-8")
    )
    after_edit = clusters(review)
    shutil.rmtree(review.build)
    assert after_edit == clusters(review)  # what a fresh run finds
    by_id = dict(after_edit)
    assert len(by_id["arxiv-2101.00003"]) == 2  # the new list entry joins its database twin
