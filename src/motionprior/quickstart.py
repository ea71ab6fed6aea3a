"""The quickstart behind `make demo`: the whole chain on a small scale, one verb at a time.

Each step prints the `motionprior` command it runs, so the demo doubles as a worked example:
collect scripted demonstrations in two simulators, inspect and label them, pretrain the action
prior on their actions, evaluate it, and run the closed-loop harness with the scripted expert.
Re-running resumes: finished collection and evaluation episodes are skipped.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from motionprior.errors import MotionpriorError


@dataclass(frozen=True)
class QuickstartConfig:
    """Sizes of the quickstart; the defaults take a few minutes on a 2-core CPU."""

    pairs: tuple[str, ...] = ("metaworld/reach-v3", "robosuite/Lift/Panda@20hz")
    demos: int = 6
    prior_preset: str = "quickstart"
    prior_steps: int = 300
    eval_episodes: int = 3


def run_quickstart(out: str | Path, cfg: QuickstartConfig = QuickstartConfig(),
                   log: Callable[[str], None] = print) -> Path:
    """Run every step into `out`; raises `MotionpriorError` naming the step that failed."""
    from motionprior.sim.suites import parse_pair

    out = Path(out)
    data = out / "data"
    slugs = [parse_pair(p).slug for p in cfg.pairs]
    datasets = [str(data / s) for s in slugs]
    suite = ",".join(cfg.pairs)
    resume = ["--resume"] if (out / "prior" / "config.json").exists() else []
    steps = [
        ["collect", "--suite", suite, "--demos", str(cfg.demos), "--out", str(data)],
        ["info", datasets[0]],
        *(["label", d] for d in datasets),
        ["label-plot", datasets[-1], "--episode", "0", "--out", str(out / "labels.png")],
        ["pretrain-prior", "--data", *datasets, "--out", str(out / "prior"),
         "--preset", cfg.prior_preset, "--steps", str(cfg.prior_steps), *resume],
        ["eval", "--policy", "expert", "--suite", suite, "--episodes",
         str(cfg.eval_episodes), "--out", str(out / "eval_expert")],
    ]
    for argv in steps:
        _run(argv, log)
    log(f"quickstart done: everything is under {out}")
    return out


def _run(argv: list[str], log: Callable[[str], None]) -> None:
    from motionprior.cli import main

    log(f"\n$ motionprior {shlex.join(argv)}")
    start = time.perf_counter()
    code = main(argv)
    if code != 0:
        raise MotionpriorError(f"quickstart step 'motionprior {argv[0]}' failed (exit {code})")
    log(f"  ({time.perf_counter() - start:.1f} s)")
