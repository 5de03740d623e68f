"""Two distinct records that share a derived id each keep their own screening decision."""

from __future__ import annotations

from pathlib import Path

from litsift import runner
from litsift.store import Review

PROTOCOL = """\
title: Shared ids
question: q
date_range: {start: 2017, end: 2023}
sources:
  - {name: export, kind: database}
criteria:
  - {code: I1, kind: include, text: In.}
  - {code: E1, kind: exclude, text: Out.}
reviewers:
  - {id: ann}
"""

# Two volumes of one proceedings: same title and year, no author, different volume.
# Neither carries an identifier, so both derive the same title/author/year record id.
EXPORT = """\
@misc{v1, title = {{42nd Conference on Things}}, year = {2023}, volume = {14319}}
@misc{v2, title = {{42nd Conference on Things}}, year = {2023}, volume = {14320}}
"""


def make(tmp_path: Path) -> Review:
    (tmp_path / "review.yaml").write_text(PROTOCOL)
    (tmp_path / "data" / "imports" / "export").mkdir(parents=True)
    (tmp_path / "data" / "imports" / "export" / "volumes.bib").write_text(EXPORT)
    return Review(tmp_path)


def test_each_cluster_of_a_shared_id_takes_its_own_decision(tmp_path: Path) -> None:
    review = make(tmp_path)
    first = runner.run(review, until="dedup", record=False)
    ids = sorted(c.id for c in first.dedup.clusters)
    assert len(ids) == 2 and ids[1] == f"{ids[0]}~2"
    ta = review.screening_dir / "title-abstract" / "ann.yaml"
    ta.parent.mkdir(parents=True)
    ta.write_text(
        f"- id: {ids[0]}\n  decision: exclude\n  reason: E1\n"
        f"- id: {ids[1]}\n  decision: exclude\n  reason: E1\n"
    )
    result = runner.run(review, until="screen", record=False)
    statuses = {rid: st.status.value for rid, st in result.screening.statuses.items()}
    assert statuses == {ids[0]: "ta-excluded", ids[1]: "ta-excluded"}
    assert result.prisma.pending_screening == 0
