#!/usr/bin/env bash
# Keep the intermediate checkpoints of a running grid, which training prunes to its newest two,
# so the learning curve can be re-evaluated later on more episodes than --eval-every's:
#   nohup bash benchmarks/keep_checkpoints.sh > /root/mp/logs/keep.log 2>&1 &
# Every minute it copies RUNS/<arm>/<cell>/checkpoints/step_<S> for S in STEPS to
# KEEP/<arm>/<cell>/step_<S> (copy to a temporary name, then rename: never half a checkpoint).
# Checkpoints are written whole and renamed into place, so one that exists is complete.
# For runs of the current code, `train --keep-every 3000` does this inside training; this
# watcher is for the running grid, whose code is frozen at a commit without that flag.
set -euo pipefail
RUNS=${RUNS:-/root/mp/wrist12k/runs}
KEEP=${KEEP:-/root/mp/kept-checkpoints}
STEPS=${STEPS:-"3000 6000 9000"}
while true; do
  for run in "$RUNS"/*/*/; do
    for s in $STEPS; do
      src="$run/checkpoints/$(printf 'step_%08d' "$s")"
      dst="$KEEP/${run#"$RUNS"/}$(basename "$src")"
      if [ -d "$src" ] && [ ! -d "$dst" ]; then
        mkdir -p "$(dirname "$dst")"
        if cp -a "$src" "$dst.tmp" 2> /dev/null; then mv "$dst.tmp" "$dst"; echo "$(date +%T) kept $dst"
        else rm -rf "$dst.tmp"; fi  # pruned while copying: gone, nothing to keep
      fi
    done
  done
  sleep 60
done
