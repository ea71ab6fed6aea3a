"""Wall time of `motionprior eval` with 1 and with N worker processes (the expert policy).

    MUJOCO_GL=egl .venv/bin/python benchmarks/bench_sim_eval_workers.py \
        --suite metaworld/reach-v3,metaworld/pick-place-v3,robosuite/Lift/Panda@20hz \
        --episodes 6 --workers 1,2 --repeat 3

Each run is the whole command line (`python -m motionprior eval ... --videos 0 --quiet`) into a
fresh folder, so the time includes start-up, simulator construction (once per pair and worker)
and, for N > 1, spawning the workers. The runs alternate between worker counts so that load
changes on a shared machine hit both alike; the table gives every run, the median, and the
1-minute load average before each run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", default="metaworld/reach-v3,metaworld/pick-place-v3,"
                   "robosuite/Lift/Panda@20hz", help="suite or comma-separated pairs")
    p.add_argument("--episodes", type=int, default=6, help="episodes per pair")
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    p.add_argument("--repeat", type=int, default=3, help="runs per worker count")
    p.add_argument("--out", default="/tmp/bench_sim_eval_workers", help="scratch (deleted)")
    args = p.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    env = {**os.environ, "MUJOCO_GL": os.environ.get("MUJOCO_GL", "egl"),
           "OMP_WAIT_POLICY": "PASSIVE"}
    seconds: dict[int, list[float]] = {w: [] for w in counts}
    print("| run | workers | seconds | load (1 min) before |")
    print("|---|---|---|---|")
    for run in range(args.repeat):
        for w in counts:
            out = Path(args.out) / f"w{w}"
            shutil.rmtree(out, ignore_errors=True)
            load = os.getloadavg()[0]
            cmd = [sys.executable, "-m", "motionprior", "eval", "--policy", "expert",
                   "--suite", args.suite, "--episodes", str(args.episodes), "--out", str(out),
                   "--videos", "0", "--quiet", "--workers", str(w)]
            start = time.perf_counter()
            subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
            seconds[w].append(time.perf_counter() - start)
            print(f"| {run} | {w} | {seconds[w][-1]:.1f} | {load:.2f} |", flush=True)
    base = statistics.median(seconds[counts[0]])
    print(f"\n| workers | median s | speed-up vs {counts[0]} |")
    print("|---|---|---|")
    for w in counts:
        med = statistics.median(seconds[w])
        print(f"| {w} | {med:.1f} | {base / med:.2f}x |")


if __name__ == "__main__":
    main()
