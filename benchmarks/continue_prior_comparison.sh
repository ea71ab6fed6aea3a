#!/usr/bin/env bash
# Issue 11: run the prior comparison's remaining cells, resumably, across sessions.
#   nohup bash benchmarks/continue_prior_comparison.sh > /root/mp/logs/continue.log 2>&1 &
# The cells not yet in benchmarks/results/wrist12k (harvested as they finish): seed 1 of
# motion+flow+prior and seed 2 of all seven arms, by default; two one-thread lanes. Resumable: rerun
# it and every unfinished job continues (trainings from their newest checkpoint). On a machine
# that was not kept it first regenerates the demonstrations, the stage-1 data and the prior
# (about 40 min; deterministic, the same as the committed ones). The code is the commit every
# cell so far ran (COMMIT), unpacked once into FROZEN, so edits to the work tree never reach
# the grid. It waits for another runner of the same folder to end first. The folder lives
# outside the work tree, which is laid anew at every session.
# Patterns given as arguments replace the default set, to run chosen cells first on a machine
# that is not kept beyond a session (two cells train in about 100 min), e.g.
#   bash benchmarks/continue_prior_comparison.sh 'eval:flow/d10_s2' 'eval:flow+prior-no-history/d10_s2_f1'
# Harvest finished cells: python benchmarks/harvest_cells.py $OUT benchmarks/results/wrist12k
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/root/mp/wrist12k}
FROZEN=${FROZEN:-/root/mp/frozen-src}
COMMIT=${COMMIT:-a4f8ad6}
PY=${PY:-$PWD/.venv/bin/python}
while pgrep -f "motionprior experiment .*--out $OUT( |$)" > /dev/null; do sleep 30; done
if [ ! -d "$FROZEN/motionprior" ]; then
  mkdir -p "$FROZEN"
  git archive "$COMMIT" src/motionprior | tar -x --strip-components=1 -C "$FROZEN"
fi
export PYTHONPATH=$FROZEN OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE MUJOCO_GL=egl
if [ $# -eq 0 ]; then set -- 'eval:motion+flow+prior/d10_s1_f1' 'eval:*/d10_s2*'; fi
ONLY=()
for pattern in "$@"; do ONLY+=(--only "$pattern"); done
exec "$PY" -m motionprior experiment benchmarks/prior_comparison.toml --out "$OUT" \
    --parallel 2 "${ONLY[@]}"
