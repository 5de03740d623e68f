"""The year rule judges a study by all its copies: when dedup makes a 2024 conference
paper the version of record of a 2023 preprint, the study stays within 2017-2023 and the
reviewers' decisions on it still count."""

from __future__ import annotations

from pathlib import Path

from litsift import runner
from litsift.models import Eligibility, Record, YearRange
from litsift.screen import Status, eligibility
from litsift.store import Review
from litsift.store.skeleton import create as create_skeleton

RULES = Eligibility(years=YearRange(start=2017, end=2023))

# one paper twice: the 2023 arXiv preprint and the 2024 conference version of record
COPIES = """
@article{streaming2023,
  title = {Efficient Streaming Language Models with Attention Sinks},
  author = {Xiao, Guangxuan and Tian, Yuandong and Chen, Beidi and Han, Song and Lewis, Mike},
  year = {2023},
  journal = {arXiv preprint},
  eprint = {2309.17453},
  archiveprefix = {arXiv}
}
@inproceedings{streaming2024,
  title = {Efficient Streaming Language Models with Attention Sinks},
  author = {Xiao, Guangxuan and Tian, Yuandong and Chen, Beidi and Han, Song and Lewis, Mike},
  year = {2024},
  booktitle = {The Twelfth International Conference on Learning Representations},
  eprint = {2309.17453},
  archiveprefix = {arXiv}
}
"""


def test_a_copy_within_the_years_keeps_a_study_eligible() -> None:
    late = Record(id="r", source="s", title="T", year=2024)
    assert eligibility.check(late, RULES) is not None
    assert eligibility.check(late, RULES, other_years=(2023, 2024)) is None
    found = eligibility.check(late, RULES, other_years=(2024, 2025))
    assert found is not None and found.rule is eligibility.Rule.YEARS
    early = Record(id="e", source="s", title="T", year=2016)
    assert eligibility.apply([early, late], RULES, {"r": (2023,)}).keys() == {"e"}


def test_the_version_of_record_does_not_move_a_study_out_of_the_years(tmp_path: Path) -> None:
    root = tmp_path / "r"
    create_skeleton(root)
    (root / "data" / "imports" / "example" / "copies.bib").write_text(COPIES, encoding="utf-8")
    review = Review(root)
    rid = next(r.id for r in runner.identify(review).records if "2309.17453" in r.id)
    ta = root / "data" / "screening" / "title-abstract" / "reviewer1.yaml"
    with ta.open("a", encoding="utf-8") as f:
        f.write(f"- {{id: {rid}, decision: include}}\n")
    result = runner.run(review, until="screen")
    assert result.dedup is not None and result.screening is not None
    cluster = next(c for c in result.dedup.clusters if c.id == rid)
    assert len(cluster.members) == 2 and cluster.canonical.year == 2024  # published copy
    assert result.screening.statuses[rid].status is not Status.INELIGIBLE
    assert result.screening.statuses[rid].status is Status.FT_PENDING
