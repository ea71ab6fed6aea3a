"""The quickstart behind `make demo`: the whole chain on a small scale, one verb at a time.

Each step prints the `motionprior` command it runs, so the demo doubles as a worked example:
collect scripted demonstrations in two simulators, inspect and label them, pretrain the action
prior on their actions, evaluate it, and run the closed-loop harness with the scripted expert.
Re-running resumes: finished collection and evaluation episodes are skipped. Every setting is
checked before the first step; the prior's batch is scaled down to the collected data when it
holds fewer training windows than the preset's batch (so `--demos 1` works).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from motionprior.errors import ConfigError, MotionpriorError


@dataclass(frozen=True)
class QuickstartConfig:
    """Sizes of the quickstart; the defaults take a few minutes on a 2-core CPU."""

    pairs: tuple[str, ...] = ("metaworld/reach-v3", "robosuite/Lift/Panda@20hz")
    demos: int = 6
    prior_preset: str = "quickstart"
    prior_steps: int = 300
    eval_episodes: int = 3

    def __post_init__(self) -> None:
        from motionprior.prior.config import PRESETS
        from motionprior.sim.suites import parse_pair

        for name in ("demos", "prior_steps", "eval_episodes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be >= 1, got {value!r}")
        if self.prior_preset not in PRESETS:
            raise ConfigError(f"unknown prior preset {self.prior_preset!r}; known: "
                              f"{', '.join(PRESETS)}")
        for pair in self.pairs:
            parse_pair(pair)  # an unknown pair fails now, not after collecting the others


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
    _run(["collect", "--suite", suite, "--demos", str(cfg.demos), "--out", str(data)], log)
    for argv in (["info", datasets[0]], *(["label", d] for d in datasets),
                 ["label-plot", datasets[-1], "--episode", "0", "--out", str(out / "labels.png")],
                 ["pretrain-prior", "--data", *datasets, "--out", str(out / "prior"),
                  "--preset", cfg.prior_preset, "--steps", str(cfg.prior_steps),
                  *_batch_flag(datasets, cfg.prior_preset), *resume],
                 ["eval", "--policy", "expert", "--suite", suite, "--episodes",
                  str(cfg.eval_episodes), "--out", str(out / "eval_expert")]):
        _run(argv, log)
    log(f"quickstart done: everything is under {out}")
    return out


def _batch_flag(datasets: list[str], preset_name: str) -> list[str]:
    """`--batch-size N` when the datasets hold fewer training windows than the preset's batch
    (a window starts at every training step; the last episodes are held out)."""
    from motionprior.data.lerobot import open_dataset
    from motionprior.data.split import training_count
    from motionprior.prior.config import preset

    cfg = preset(preset_name)
    windows = 0
    for path in datasets:
        starts, ends = open_dataset(path).episode_bounds()
        d = cfg.data
        n_train = training_count(len(starts), d.val_fraction, d.train_episodes,
                                 d.train_fraction)
        windows += sum(len(range(s, e, cfg.data.stride))
                       for s, e in zip(starts[:n_train], ends[:n_train], strict=True))
    return ["--batch-size", str(max(windows, 1))] if windows < cfg.train.batch_size else []


def _run(argv: list[str], log: Callable[[str], None]) -> None:
    from motionprior.cli import main

    log(f"\n$ motionprior {shlex.join(argv)}")
    start = time.perf_counter()
    code = main(argv)
    if code != 0:
        raise MotionpriorError(f"quickstart step 'motionprior {argv[0]}' failed (exit {code})")
    log(f"  ({time.perf_counter() - start:.1f} s)")
