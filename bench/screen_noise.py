"""How far a setting that should change nothing moves WSS@95: the noise floor of the choice.

    python bench/screen_noise.py build/bench

ASReview's recipe (elas_u4, `prioritise.ASREVIEW_U4`) is replayed on every labelled CSV
under ../shared/realworld/screening/ with seeds 1-5 and the priors of bench/screen.py,
retrained after every record and, only changing when it retrains, after batches of 0.5%
and 1% of the records screened and of 5 records. Retraining a little later changes no
feature, weight or rule, so the spread of these four figures on a set is how much
WSS@95 there moves by the order of ties and near-ties alone. A difference between two
rankers smaller than that spread is not evidence that one is better on that set.

Replays are read from and added to bench/screen_select.py's cache in the same folder
(<out>/screen-select-cache.json, same keys), so what either script replayed is reused.

Writes <out>/screen-noise.json and <out>/screen-noise.md: per set, each variant's mean
WSS@95 over the seeds and the spread (largest minus smallest of the four means). A
labelled CSV that cannot be scored stops the script with one line naming it, exit code 2.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from litsift.errors import LitsiftError  # noqa: E402
from litsift.screen import prioritise  # noqa: E402
from litsift.screen.prioritise import Model  # noqa: E402


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


SELECT = _bench("screen_select")  # its replay cache: a replay either script made is reused
BENCH = SELECT.BENCH  # bench/screen.py, as screen_select loaded it (sets, seeds, priors)
VARIANTS: dict[str, Model] = {
    "every record": prioritise.ASREVIEW_U4,
    "batches of 0.5%": Model(batch_fraction=0.005),
    "batches of 1%": Model(batch_fraction=0.01),
    "batches of 5 records": Model(batch_records=5),
}


def spread(means: dict[str, float]) -> float:
    """Largest minus smallest of the variants' mean WSS@95 on one set."""
    return round(max(means.values()) - min(means.values()), 4)


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    try:
        sets = [
            prioritise.load_labelled(p) for p in BENCH.labelled_sets(BENCH.SHARED / "screening")
        ]
    except LitsiftError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    cache = out / "screen-select-cache.json"
    saved = json.loads(cache.read_text()) if cache.exists() else {}
    code = SELECT.code_hash()
    table: dict[str, dict[str, float]] = {}
    for data in sets:
        name = Path(data.path).name
        table[name] = {}
        for label, model in VARIANTS.items():
            runs = [r["wss95"] for r in SELECT._replays(data, model, code, saved, cache)]
            table[name][label] = round(mean(runs), 4)
            print(f"{name}, {label}: {table[name][label]:.4f}", file=sys.stderr)
    report = {
        "variants": list(VARIANTS),
        "wss95": table,
        "spread": {n: spread(m) for n, m in table.items()},
    }
    (out / "screen-noise.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    lines = [
        "## How much WSS@95 moves when only the retraining batch changes (elas_u4)",
        "",
        "Mean WSS@95 over seeds 1-5 (bench/screen_noise.py).",
        "",
        "| data set | " + " | ".join(VARIANTS) + " | spread |",
        "|---|" + "---|" * (len(VARIANTS) + 1),
    ]
    for name, means in table.items():
        cells = " | ".join(f"{means[v]:.3f}" for v in VARIANTS)
        lines.append(f"| {name.removesuffix('.csv')} | {cells} | {report['spread'][name]:.3f} |")
    (out / "screen-noise.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(Path(args[0] if args else "build/bench")))
