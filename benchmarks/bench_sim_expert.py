"""Expert success per pair through the evaluation harness (and seconds per eval episode).

    MUJOCO_GL=egl nice -n 10 .venv/bin/python benchmarks/bench_sim_expert.py \
        --suite xemb13 --episodes 50 --out runs/bench_sim_expert

Runs `motionprior eval --policy expert` in-process (same seeds, same harness, scene camera at
128x128 unless --cameras none) and prints a Markdown table for benchmarks/RESULTS_sim.md.
Resumable: re-running with the same --out only runs the missing episodes.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("MUJOCO_GL", "egl")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", default="xemb13", help="suite or comma-separated pairs")
    p.add_argument("--episodes", type=int, default=50, help="episodes per pair")
    p.add_argument("--out", default="runs/bench_sim_expert", help="evaluation folder")
    p.add_argument("--cameras", default="scene", help="cameras rendered each step, or none")
    p.add_argument("--videos", type=int, default=1, help="GIFs per pair")
    p.add_argument("--workers", type=int, default=1, help="parallel evaluation processes")
    args = p.parse_args()

    from motionprior.cli.collect import parse_cameras
    from motionprior.sim.evaluate import EvalConfig, evaluate
    from motionprior.sim.suites import resolve_suite

    cfg = EvalConfig(episodes=args.episodes, cameras=parse_cameras(args.cameras),
                     videos=args.videos, progress=False, workers=args.workers)
    start = time.perf_counter()
    summary = evaluate("expert", resolve_suite(args.suite), args.out, cfg, log=lambda s: None)
    wall = time.perf_counter() - start
    print("| pair | expert success | Wilson 95% CI | episodes | mean steps | s / episode |")
    print("|---|---|---|---|---|---|")
    for name, s in summary["pairs"].items():
        print(f"| {name} | {s['success_rate']:.0%} | [{s['ci_low']:.2f}, {s['ci_high']:.2f}] "
              f"| {s['episodes']} | {s['mean_steps']:.0f} | {s['seconds_per_episode']:.2f} |")
    print(f"| **mean** | **{summary['mean_success']:.1%}** | | | | |")
    print(f"\nwall time of this run: {wall:.0f} s (cameras: {args.cameras})")


if __name__ == "__main__":
    main()
