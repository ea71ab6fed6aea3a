"""Speed of the motion labelers on 7-d trajectories (x, y, z, roll, pitch, yaw, gripper).

One core: numpy's thread pools are limited to one thread before numpy is imported. Every figure
is the median of `--repeats` runs, as steps per CPU second of this process and per wall-clock
second (they differ when other processes compete for the cores). The data: `--episodes`
episodes of `--steps` steps at `--fps`, piecewise-constant random velocities (moves, stops,
rotations, gripper changes) plus sensor noise.

    python benchmarks/bench_labeler_speed.py                 # 8000 episodes x 300 steps, 30 Hz
    python benchmarks/bench_labeler_speed.py --steps 1000 --fps 80
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from motionprior.motion import FixedThresholdLabeler, MotionLabeler, Trajectory  # noqa: E402
from motionprior.motion.dataset import label_codes  # noqa: E402
from motionprior.motion.trajectory import Batch  # noqa: E402


def make(n_episodes: int, steps: int, fps: float, seed: int = 0) -> list[Trajectory]:
    rng = np.random.default_rng(seed)
    out = []
    hold = max(1, int(fps * 0.8))  # a new velocity every 0.8 s
    for _ in range(n_episodes):
        k = steps // hold + 1
        vel = rng.normal(0, 0.1, (k, 7)) * (rng.random((k, 1)) < 0.7)
        vel = np.repeat(vel, hold, axis=0)[:steps] / fps
        state = np.cumsum(vel, axis=0) + rng.normal(0, 3e-4, (steps, 7))
        grip = np.clip(0.5 + state[:, 6], 0.0, 1.0)
        out.append(Trajectory(state[:, :3], fps, state[:, 3:6], grip))
    return out


def timed(fn, repeats: int) -> tuple[float, float]:
    """Median (CPU seconds of this process, wall seconds) over `repeats` runs."""
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--episodes", type=int, default=8000)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    trs = make(args.episodes, args.steps, args.fps)
    n = sum(len(t) for t in trs)
    adaptive = MotionLabeler().fit(trs)
    baseline = FixedThresholdLabeler()
    batch = Batch.of(trs)
    long = make(1, 100_000, args.fps, seed=1)[0]
    single = trs[: max(1, min(200, len(trs)))]
    n_single = sum(len(t) for t in single)
    print(f"{args.episodes} episodes x {args.steps} steps at {args.fps:g} Hz = {n} steps, "
          f"7-d; median of {args.repeats} runs; numpy threads = 1")
    print(f"{'':44s} {'per CPU second':>16s} {'per wall second':>16s}")
    rows = [
        ("adaptive fit (dataset statistics)", n, lambda: adaptive.fit(trs)),
        ("adaptive codes, one batched pass", n, lambda: adaptive.codes(batch)),
        ("adaptive label_many (batching + strings)", n, lambda: adaptive.label_many(trs)),
        ("adaptive label(), one 100000-step episode", len(long), lambda: adaptive.label(long)),
        (f"adaptive label() per {args.steps}-step episode", n_single,
         lambda: [adaptive.label(t) for t in single]),
        ("baseline label_many", n, lambda: baseline.label_many(trs)),
    ]
    for name, steps, fn in rows:
        cpu, wall = timed(fn, args.repeats)
        print(f"{name:44s} {steps / cpu / 1e6:9.2f} M/s    {steps / wall / 1e6:9.2f} M/s")
    for workers in (1, 2):
        _, wall = timed(lambda w=workers: label_codes(adaptive, trs, workers=w), args.repeats)
        print(f"{f'dataset labeling, {workers} worker process(es)':44s} {'':16s} "
              f"{n / wall / 1e6:9.2f} M/s")
    print(f"(os.cpu_count() = {os.cpu_count()}; load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
