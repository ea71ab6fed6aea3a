#!/usr/bin/env bash
# Issues 10 and 11: the first comparison (4 variants, one seed) and the prior comparison
# (7 arms x 3 seeds, real data in stage 1) in ONE folder, so their common cells (data, tokens,
# motion+tokens and flow at seed 0) are trained once. Resumable: rerun this script after the
# machine stopped and every unfinished job continues (trainings from their newest checkpoint,
# evaluations per episode). The code is copied to $OUT/../frozen-src first, so edits made while
# the grid runs never reach it; the two runners share the folder safely (a job is locked while
# it runs and never started twice).
#   nohup bash benchmarks/run_comparisons.sh > runs/logs/comparisons.log 2>&1 &
# Results as they finish: $OUT/results.md, $OUT/report.html (rebuild: motionprior experiment
# <config> --out $OUT --report-only).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/exp/wrist12k}
FROZEN=${FROZEN:-runs/frozen-src}
PY=${PY:-.venv/bin/python}
if pgrep -f "motionprior experiment .*--out $OUT" > /dev/null; then
  echo "error: an experiment already runs in $OUT (pgrep -af 'motionprior experiment'); stop it first" >&2
  exit 1
fi
rm -rf "$FROZEN" && mkdir -p "$FROZEN" runs/logs && cp -r src/motionprior "$FROZEN/"
export PYTHONPATH=$PWD/$FROZEN OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE MUJOCO_GL=egl
# one lane each: the first comparison's last cells beside the prior comparison's stage 1
$PY -m motionprior experiment first-comparison --out "$OUT" --parallel 1 \
    > runs/logs/first_comparison.log 2>&1 &
first=$!
$PY -m motionprior experiment benchmarks/prior_comparison.toml --out "$OUT" --parallel 1 \
    > runs/logs/prior_comparison.log 2>&1 &
prior=$!
wait "$first" || echo "first-comparison ended with an error: see runs/logs/first_comparison.log"
# the first comparison done, its lane joins the prior comparison (the locks keep them apart)
$PY -m motionprior experiment benchmarks/prior_comparison.toml --out "$OUT" --parallel 1 \
    > runs/logs/prior_comparison2.log 2>&1 || true
wait "$prior"
