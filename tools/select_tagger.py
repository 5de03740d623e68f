"""Choose the learned tagger's settings by cross-validation on the curated studies only.

    python tools/select_tagger.py [--root .] [--repeats 3]

Never reads the independent evaluation set (data/kb/eval/): that set is the held-out
check, scored once with the settings chosen here (`litsift tag eval`).

The rule, fixed before it was run:
1. Every setting is scored by k-fold cross-validation (k = 5) repeated with `--repeats`
   seeds, each held-out record read twice: as imported (title, keywords, venue) and by its
   title and venue only, as a bare listing gives a new record. A setting's score is the
   mean class macro-F1 over both readings and all seeds.
2. Stage 1 varies what the model reads and its regularisation (C, word pairs, venue,
   indicator-term counts) with both thresholds at 0.5; stage 2 varies the threshold for a
   second class on the best of stage 1 (class macro-F1), then the family threshold
   (family macro-F1). Ties go to the simpler setting (listed first).
3. The term tagger is scored the same way, for comparison.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from dataclasses import replace
from pathlib import Path

from litsift import tag, views
from litsift.store import Review
from litsift.tag.evaluation import cross_validate, score, title_and_venue


def mean_scores(examples, taxonomy, fit, repeats: int) -> tuple[float, float]:
    """(class macro-F1, family macro-F1), means over seeds and both readings."""
    classes, families = [], []
    for r in range(repeats):
        seed = f"select-{r}"
        for reduce in (None, title_and_venue):
            tags = cross_validate(examples, fit, 5, seed, reduce=reduce)
            result = score("x", tags, examples, taxonomy)
            classes.append(result.classes.macro_f1)
            families.append(result.families.macro_f1)
    return round(statistics.mean(classes), 4), round(statistics.mean(families), 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    review = Review.find(args.root)
    taxonomy = review.taxonomy
    examples = views.curated_tag_examples(review)
    print(f"{len(examples)} curated studies; the independent set is not read", file=sys.stderr)

    def learned(settings):
        return lambda train: tag.LearnedTagger(taxonomy, settings).fit(train)

    terms = mean_scores(examples, taxonomy, lambda _t: tag.TermTagger(taxonomy), args.repeats)
    print(
        f"terms                                          classes {terms[0]:.4f}  "
        f"families {terms[1]:.4f}"
    )
    rows = []
    for c, pairs, venue, indicators in itertools.product(
        (0.3, 1.0, 3.0, 10.0), (False, True), (False, True), (False, True)
    ):
        s = tag.Settings(c=c, pairs=pairs, venue=venue, indicators=indicators)
        rows.append((mean_scores(examples, taxonomy, learned(s), args.repeats), s))
        (cls, fam), _ = rows[-1]
        print(
            f"C={c:<5} pairs={pairs!s:<5} venue={venue!s:<5} terms={indicators!s:<5}  "
            f"classes {cls:.4f}  families {fam:.4f}"
        )
    best = max(rows, key=lambda r: r[0][0])[1]  # max keeps the first of equals
    print(f"stage 1 best: {best}")
    second = []
    for t in (0.3, 0.4, 0.5, 0.6, 0.7):
        s = replace(best, second_class=t)
        second.append((mean_scores(examples, taxonomy, learned(s), args.repeats), s))
        print(f"second_class={t}  classes {second[-1][0][0]:.4f}")
    best = max(second, key=lambda r: r[0][0])[1]
    fam_rows = []
    for t in (0.3, 0.4, 0.5, 0.6, 0.7):
        s = replace(best, family=t)
        fam_rows.append((mean_scores(examples, taxonomy, learned(s), args.repeats), s))
        print(f"family={t}  families {fam_rows[-1][0][1]:.4f}")
    (cls, fam), best = max(fam_rows, key=lambda r: r[0][1])
    print(f"chosen: {best}\n  classes {cls:.4f}  families {fam:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
