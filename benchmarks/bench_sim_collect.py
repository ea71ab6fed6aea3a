"""Seconds per collected demo, with images (scene camera) and action-only (--no-images).

    MUJOCO_GL=egl nice -n 10 .venv/bin/python benchmarks/bench_sim_collect.py \
        --suite xemb13 --demos 5 --out /tmp/bench_sim_collect

Collects into fresh folders (deleted first) through `collect_suite`, so the time includes the
rollouts, rendering, failed attempts and the LeRobot write; simulator construction is excluded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

os.environ.setdefault("MUJOCO_GL", "egl")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", default="xemb13", help="suite or comma-separated pairs")
    p.add_argument("--demos", type=int, default=5, help="demos per pair and mode")
    p.add_argument("--out", default="/tmp/bench_sim_collect", help="scratch folder (deleted)")
    p.add_argument("--modes", default="images,no-images", help="images and/or no-images")
    args = p.parse_args()

    from motionprior.sim.collect import CollectConfig, collect_pair
    from motionprior.sim.env import make_env
    from motionprior.sim.suites import resolve_suite

    print("| pair | mode | demos | failed | steps / demo | s / demo |")
    print("|---|---|---|---|---|---|")
    totals: dict[str, list[float]] = {"images": [0, 0], "no-images": [0, 0]}
    for pair in resolve_suite(args.suite):
        for mode, cameras in (("images", ("scene",)), ("no-images", ())):
            if mode not in args.modes.split(","):
                continue
            out = Path(args.out) / mode
            shutil.rmtree(out / pair.slug, ignore_errors=True)
            shutil.rmtree(out / ".progress", ignore_errors=True)
            env = make_env(pair, cameras)  # built outside the timed part
            cfg = CollectConfig(demos=args.demos, cameras=cameras, progress=False)
            start = time.perf_counter()
            report = collect_pair(pair, out, cfg, env_factory=lambda p, e=env: e)
            seconds = time.perf_counter() - start
            totals[mode][0] += seconds
            totals[mode][1] += report.demos
            print(f"| {pair} | {mode} | {report.demos} | {report.failures} | "
                  f"{report.steps / max(report.demos + report.failures, 1):.0f} | "
                  f"{seconds / max(report.demos, 1):.2f} |")
    for mode, (seconds, demos) in totals.items():
        if demos:
            print(f"| **all** | {mode} | {demos:.0f} | | | **{seconds / demos:.2f}** |")


if __name__ == "__main__":
    main()
