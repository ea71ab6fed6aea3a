#!/usr/bin/env bash
# The issue-10 comparison on xemb13 (10 demos per pair, `cpu` preset, one seed), in two lanes of
# one thread each so both cores work. Resumable: a finished step leaves <dir>/.done and is
# skipped; an unfinished training resumes from its newest checkpoint; an eval resumes itself.
#   nohup bash benchmarks/run_vla_comparison.sh > runs/logs/comparison.log 2>&1 &
set -euo pipefail
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE MUJOCO_GL=egl
MP=${MP:-.venv/bin/motionprior}
DATA=runs/data/xemb13
RUNS=${RUNS:-runs/vla}
EVALS=${EVALS:-runs/vla_eval}
EPISODES=${EPISODES:-20}

log() { echo "[$(date +%H:%M:%S)] $*"; }

collect() {
  $MP collect --suite xemb13 --demos 10 --out "$DATA" --quiet
  for d in "$DATA"/*/; do [ -e "$d/.labeled" ] || { $MP label "$d" >/dev/null && touch "$d/.labeled"; }; done
}

train() {  # name verb args...
  local name=$1 verb=$2; shift 2
  local out=$RUNS/$name
  [ -e "$out/.done" ] && return 0
  local resume=(); [ -d "$out/checkpoints" ] && resume=(--resume)
  log "train $name"
  $MP "$verb" --data "$DATA"/*/ --out "$out" --preset cpu --no-progress "${resume[@]}" "$@"
  touch "$out/.done"; log "trained $name"
}

evaluate() {  # name
  local name=$1 out=$EVALS/$1
  [ -e "$out/.done" ] && return 0
  log "eval $name"
  $MP eval --policy "$RUNS/$name" --suite xemb13 --episodes "$EPISODES" --workers 1 \
      --videos 1 --quiet --out "$out"
  touch "$out/.done"; log "evaluated $name"
}

collect
( train flow train --variant flow && evaluate flow &&
  train motion_tokens train --variant motion+tokens && evaluate motion_tokens ) &
( train tokens train --variant tokens && evaluate tokens &&
  train motion_pre pretrain-motion &&
  train motion_pre_tokens train --variant motion+tokens --init "$RUNS/motion_pre" &&
  evaluate motion_pre_tokens ) &
wait
log "all done"
