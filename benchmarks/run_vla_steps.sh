#!/usr/bin/env bash
# Issue-10 floor check, two levers side by side (one thread per lane):
#   flow        3x the training steps (12000; the comparison used the cpu preset's 4000)
#   flow_wrist  the same plus a wrist camera (scene,wrist), re-collected from the same seeds
#   flow_wrist96  scene,wrist at a 96x96 training resolution (cpu preset: 64), STEPS96 steps
# Lanes run in parallel; SKIP_FLOW=1 / SKIP_WRIST=1 / SKIP_WRIST96=1 leave one out.
# Same data sizes, split, preset and evaluation as run_vla_comparison.sh otherwise.
# Resumable: a finished step leaves <dir>/.done, an unfinished training resumes, an eval resumes
# itself. The step-4000 and step-8000 checkpoints are copied to <run>/kept/ for a learning curve.
#   nohup bash benchmarks/run_vla_steps.sh > runs/logs/steps.log 2>&1 &
set -euo pipefail
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE MUJOCO_GL=egl
MP=${MP:-.venv/bin/motionprior}
OUT=${OUT:-runs/steps}
STEPS=${STEPS:-12000}
STEPS96=${STEPS96:-12000}
WORKERS=${WORKERS:-1}  # evaluation worker processes (2 when the other lane is done)
log() { echo "[$(date +%H:%M:%S)] $*"; }

collect() {  # dir cameras
  local data=$1
  $MP collect --suite xemb13 --demos 10 --cameras "$2" --out "$data" --quiet
  for d in "$data"/*/; do [ -e "$d/.labeled" ] || { $MP label "$d" >/dev/null && touch "$d/.labeled"; }; done
}

keep() {  # run: copy intermediate checkpoints aside while it trains
  local run=$1 c k s
  while [ ! -e "$run/.done" ]; do
    for s in 4000 8000; do
      printf -v c "%s/checkpoints/step_%08d" "$run" "$s"; k="$run/kept/step_$s"
      if [ -d "$c" ] && [ ! -d "$k" ]; then
        sleep 20; mkdir -p "$run/kept"; cp -r "$c" "$k.tmp" && mv "$k.tmp" "$k"
      fi
    done
    sleep 30
  done
}

lane() {  # name data cameras steps image_size
  local name=$1 data=$2 cameras=$3 steps=$4 size=$5 run=$OUT/$1 ev=$OUT/$1_eval
  if [ ! -e "$run/.done" ]; then
    local resume=(); [ -d "$run/checkpoints" ] && resume=(--resume)
    log "train $name"; keep "$run" & local watcher=$!
    $MP train --variant flow --data "$data"/*/ --out "$run" --preset cpu --steps "$steps" \
        --image-size "$size" --cameras "$cameras" --no-progress "${resume[@]}"
    touch "$run/.done"; wait "$watcher" || true; log "trained $name"
  fi
  if [ ! -e "$ev/.done" ]; then
    log "eval $name"
    $MP eval --policy "$run" --suite xemb13 --cameras "$cameras" --episodes 20 --workers "$WORKERS" \
        --videos 1 --quiet --out "$ev"
    touch "$ev/.done"; log "evaluated $name"
  fi
}

[ -n "${SKIP_FLOW:-}" ] || lane flow runs/data/xemb13 scene "$STEPS" 64 &
collect runs/data/xemb13w scene,wrist
[ -n "${SKIP_WRIST:-}" ] || lane flow_wrist runs/data/xemb13w scene,wrist "$STEPS" 64 &
[ -n "${SKIP_WRIST96:-}" ] || lane flow_wrist96 runs/data/xemb13w scene,wrist "$STEPS96" 96 &
wait
log "all done"
