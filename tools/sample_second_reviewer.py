"""The flagship's second-reviewer sample: a seeded 20 % of the records screened on title.

    python tools/sample_second_reviewer.py [--root .] [--share 0.2] [--seed 20261201]

The sampling frame is every deduplicated record the automatic eligibility rules keep (what
the first reviewer screened at title/abstract); it does not depend on any reviewer's
decision. The sample is `ceil(share * frame)` records drawn with `random.Random(seed)` from
the frame sorted by record id. It is printed as blank entries of a reviewer file (title,
year, venue, authors, identifiers; no decision, no score, no other reviewer's anything), to
be appended to data/screening/title-abstract/<reviewer>.yaml by the second reviewer, who
decides them without reading the first reviewer's file.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from litsift import runner  # noqa: E402
from litsift.screen import eligibility  # noqa: E402
from litsift.store import Review  # noqa: E402
from litsift.store.screening import render_entry  # noqa: E402
from litsift.vocab import PipelineStage  # noqa: E402


def frame(review: Review) -> list:
    """Every deduplicated record the automatic eligibility rules keep, sorted by id."""
    result = runner.run(review, until=PipelineStage.DEDUP, record=False)
    assert result.dedup is not None
    records = [c.canonical for c in result.dedup.clusters]
    ineligible = eligibility.apply(records, review.protocol.eligibility)
    return sorted((r for r in records if r.id not in ineligible), key=lambda r: r.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    pool = frame(Review.find(args.root))
    k = math.ceil(args.share * len(pool))
    chosen = sorted(random.Random(args.seed).sample(pool, k), key=lambda r: r.id)
    print(
        f"# second-reviewer sample: {k} of {len(pool)} records screened on title "
        f"(seed {args.seed}, share {args.share}); see tools/sample_second_reviewer.py"
    )
    for r in chosen:
        fields = {
            "id": r.id,
            "title": r.title,
            "year": r.year,
            "venue": r.venue,
            "authors": "; ".join(r.authors) or None,
            "doi": r.doi,
            "arxiv_id": r.arxiv_id,
        }
        sys.stdout.write(render_entry(fields))


if __name__ == "__main__":
    main()
