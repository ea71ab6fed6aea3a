#!/usr/bin/env bash
# Issue-10 floor check: do `flow` and `tokens` improve with 3x the training steps?
# Same data, split, preset and evaluation as run_vla_comparison.sh, only --steps 12000 (the
# comparison used the cpu preset's 4000). Two lanes of one thread each; resumable (a finished
# step leaves <dir>/.done, an unfinished training resumes, an eval resumes itself).
# The step-4000 and step-8000 checkpoints are copied aside for a closed-loop learning curve.
#   nohup bash benchmarks/run_vla_steps.sh > runs/logs/steps.log 2>&1 &
set -euo pipefail
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE MUJOCO_GL=egl
MP=${MP:-.venv/bin/motionprior}
DATA=runs/data/xemb13
OUT=${OUT:-runs/steps}
STEPS=${STEPS:-12000}
log() { echo "[$(date +%H:%M:%S)] $*"; }

keep() {  # run: copy intermediate checkpoints aside while it trains
  local run=$1
  while [ ! -e "$run/.done" ]; do
    for s in 4000 8000; do
      local c="$run/checkpoints/step_$s" k="$run/kept/step_$s"
      if [ -d "$c" ] && [ ! -d "$k" ]; then sleep 20; mkdir -p "$run/kept"; cp -r "$c" "$k.tmp" && mv "$k.tmp" "$k"; fi
    done
    sleep 30
  done
}

lane() {  # name variant
  local name=$1 variant=$2 run=$OUT/$1 ev=$OUT/$1_eval
  if [ ! -e "$run/.done" ]; then
    local resume=(); [ -d "$run/checkpoints" ] && resume=(--resume)
    log "train $name"; keep "$run" & local watcher=$!
    $MP train --variant "$variant" --data "$DATA"/*/ --out "$run" --preset cpu \
        --steps "$STEPS" --no-progress "${resume[@]}"
    touch "$run/.done"; wait "$watcher" || true; log "trained $name"
  fi
  if [ ! -e "$ev/.done" ]; then
    log "eval $name"
    $MP eval --policy "$run" --suite xemb13 --episodes 20 --workers 1 --videos 1 --quiet --out "$ev"
    touch "$ev/.done"; log "evaluated $name"
  fi
}

lane flow flow &
lane tokens tokens &
wait
log "all done"
