#!/usr/bin/env bash
# Issue 11's learning curves on more episodes: evaluate every checkpoint keep_checkpoints.sh
# kept, closed loop, EPISODES per pair (default 10, 130 per point on xemb13, against the 2 per
# pair of the grid's --eval-every), two one-thread lanes, after the grid's runner has ended:
#   nohup bash benchmarks/eval_kept_checkpoints.sh > /root/mp/logs/kept-eval.log 2>&1 &
# Writes EVALS/<arm>/<cell>/step_<S>/summary.json; resumable (eval resumes per episode). Same
# frozen code as the grid. Tabulate: python benchmarks/vla_table.py "flow 3k"=.../summary.json ...
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/root/mp/wrist12k}
KEEP=${KEEP:-/root/mp/kept-checkpoints}
EVALS=${EVALS:-/root/mp/kept-evals}
EPISODES=${EPISODES:-10}
SUITE=${SUITE:-xemb13}
export PYTHONPATH=${FROZEN:-/root/mp/frozen-src} OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE MUJOCO_GL=egl
PY=${PY:-$PWD/.venv/bin/python}
while pgrep -f "motionprior experiment .*--out $OUT( |$)" > /dev/null; do sleep 60; done
find "$KEEP" -mindepth 3 -maxdepth 3 -type d -name 'step_*' | sort | while read -r ckpt; do
  rel=${ckpt#"$KEEP"/}
  [ -f "$EVALS/$rel/summary.json" ] || echo "$ckpt $EVALS/$rel"
done | xargs -r -P 2 -L 1 sh -c 'mkdir -p "$2" && "$0" -m motionprior eval --policy "$1" --suite '"$SUITE"' \
    --cameras scene,wrist --episodes '"$EPISODES"' --videos 0 --out "$2" > "$2.log" 2>&1 \
    && echo "$(date +%T) done $2" || echo "$(date +%T) FAILED $2 (see $2.log)"' "$PY"
