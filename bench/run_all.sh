#!/usr/bin/env bash
# `make bench`: every benchmark, results under build/bench/ (JSON + Markdown per area).
# Benchmarks measure; tests never assert timings.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/bench}
py=${PYTHON:-.venv/bin/python}
mkdir -p "$out"
status=0
for script in bench/*.py; do
  echo "== $script" >&2
  "$py" "$script" "$out" || { echo "benchmark $script failed" >&2; status=1; }
done
ls "$out"/*.md 2>/dev/null | sort | xargs -r cat
exit $status
