"""Closed-loop evaluation: success rate per pair with a Wilson 95% interval, and the suite mean.

    evaluate("expert", resolve_suite("xemb13"), "runs/eval", EvalConfig(episodes=50))

Episode i of a pair runs with seed `EVAL_SEED_BASE + seed_offset + i` (disjoint from every
collection seed). With `collection_scenes` it runs with collection seed `seed_offset + i`
instead: the scenes the demonstrations were recorded in (with a default collection and no
failed attempts, episode i is demo i's scene), a check of memorisation against
generalisation, not a success rate to report. Each finished episode is one JSON file
(`<out>/<pair>/episodes/<seed>.json`), so re-running skips what is done. The first `videos`
episodes of a pair are also saved as GIFs.
Failures never stop the evaluation: a policy exception, a wrong action shape or a NaN ends that
episode as a failure with its reason; a simulator crash does too, and the simulator is rebuilt.
`<out>/summary.json` holds `pairs: {pair: {success_rate, ci_low, ci_high, episodes}}` and
`mean_success` (the unweighted mean over pairs).

`EvalConfig.workers` > 1 runs the episodes in that many spawned processes
(`motionprior.sim.parallel`; one overall progress bar); the records are those of the sequential
run but for `seconds`. A policy's motion words (`policy.last_info["motion"]`, see
`motionprior.policy.protocol`) are recorded per episode and captioned in the GIFs
(`motionprior.sim.rollouts`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from motionprior.atomic import write_json
from motionprior.errors import ConfigError
from motionprior.policy.protocol import (
    PolicyContext,
    PolicyFactory,
    register_policy,
    required_cameras,
    resolve_policy,
)
from motionprior.sim.collect import EVAL_SEED_BASE
from motionprior.sim.env import SimEnv
from motionprior.sim.parallel import picklable_reason, run_parallel
from motionprior.sim.rollouts import EpisodeRunner, episode_path, episode_seeds, run_episode
from motionprior.sim.suites import PairSpec

__all__ = ["EvalConfig", "evaluate", "evaluate_pair", "run_episode", "summarize",
           "wilson_interval"]

Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion; (0, 1) when n = 0."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, {n}], got {successes}")
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the edges
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class EvalConfig:
    """How to evaluate: episodes per pair, cameras, image size, seeds, GIFs, horizon, the goal
    marker (`show_goal`, `motionprior.sim.env`) and parallel worker processes (`workers`; the
    CLI's default is every core, the library's 1). `cameras=None`: the ones the policy needs
    (a checkpoint's training cameras; scene when the policy does not say)."""

    episodes: int = 50
    cameras: tuple[str, ...] | None = ("scene",)
    image_size: tuple[int, int] = (128, 128)
    seed_offset: int = 0
    videos: int = 2
    max_steps: int | None = None  # default: the pair's own horizon
    progress: bool = True
    show_goal: bool = True  # the goal marker of Meta-World reach/push/pick-place (sim.env)
    workers: int = 1
    collection_scenes: bool = False  # collection seeds instead of evaluation seeds (diagnostic)
    policy_options: tuple[tuple[str, Any], ...] = ()  # passed to the factory (PolicyContext)

    def __post_init__(self) -> None:
        if self.episodes < 1:
            raise ConfigError(f"episodes must be >= 1, got {self.episodes}")
        if self.seed_offset < 0:
            raise ConfigError(f"seed offset must be >= 0, got {self.seed_offset}")
        if self.videos < 0:
            raise ConfigError(f"videos must be >= 0, got {self.videos}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError(f"max_steps must be >= 1 (or None: the pair's horizon), got "
                              f"{self.max_steps}")
        if self.workers < 1:
            raise ConfigError(f"workers must be >= 1, got {self.workers}")
        if self.collection_scenes and self.seed_offset + self.episodes > EVAL_SEED_BASE:
            raise ConfigError(f"collection scenes end below seed {EVAL_SEED_BASE}: seed offset "
                              f"{self.seed_offset} + {self.episodes} episodes is past it")

    def identity(self, policy: str) -> dict[str, Any]:
        """What must not change between a run and its resumption."""
        return {"policy": policy, "cameras": list(self.cameras),
                "image_size": list(self.image_size), "seed_offset": self.seed_offset,
                "max_steps": self.max_steps, "show_goal": self.show_goal,
                **({"collection_scenes": True} if self.collection_scenes else {}),
                **({"policy_options": dict(self.policy_options)} if self.policy_options
                   else {})}


def _with_policy_cameras(cfg: EvalConfig, factory: PolicyFactory, name: str) -> EvalConfig:
    """`cfg` rendering the cameras the policy needs; rendering fewer is an error."""
    needed = required_cameras(factory)
    if cfg.cameras is None:
        return replace(cfg, cameras=("scene",) if needed is None else needed)
    missing = [c for c in needed or () if c not in cfg.cameras]
    if missing:
        raise ConfigError(f"{name} needs cameras {','.join(needed or ())} but the evaluation "
                          f"renders {','.join(cfg.cameras) or 'none'}: pass --cameras "
                          f"{','.join(needed or ())} or leave --cameras out")
    return cfg


def _expert(ctx: PolicyContext):
    if ctx.env is None:
        raise ConfigError(f"the expert of {ctx.pair} needs its simulator (PolicyContext.env)")
    return ctx.env.expert()


register_policy("expert", _expert)


def _check_run_config(out: Path, identity: dict[str, Any]) -> None:
    path = out / "config.json"
    if path.exists():
        old = json.loads(path.read_text())
        if old != identity:
            raise ConfigError(f"{out} holds an evaluation with {old}; this run asks for "
                              f"{identity}; use the same flags to resume, or a new --out")
    else:
        write_json(path, identity)


def _todo(pair: PairSpec, out: Path, cfg: EvalConfig) -> list[tuple[int, int]]:
    """(episode, seed) of the episodes of `pair` without a record yet."""
    return [(i, s) for i, s in enumerate(episode_seeds(cfg))
            if not episode_path(out, pair, s).exists()]


def _records(pair: PairSpec, out: Path, cfg: EvalConfig) -> list[dict]:
    return [json.loads(episode_path(out, pair, s).read_text()) for s in episode_seeds(cfg)]


def evaluate_pair(pair: PairSpec, factory: PolicyFactory, out: Path, cfg: EvalConfig,
                  env_factory: Callable[[PairSpec], SimEnv] | None = None) -> list[dict]:
    """Run the missing episodes of `pair` in this process; return all `cfg.episodes` records."""
    cfg = _with_policy_cameras(cfg, factory, getattr(factory, "__name__", "the policy"))
    todo = _todo(pair, out, cfg)
    if todo:
        runner = EpisodeRunner(pair, factory, out, cfg, env_factory)
        bar = tqdm(total=cfg.episodes, initial=cfg.episodes - len(todo), desc=pair.name,
                   unit="episode", disable=not cfg.progress)
        try:
            for i, seed in todo:
                runner.run(i, seed)
                bar.update(1)
        finally:
            bar.close()
            runner.close()
    return _records(pair, out, cfg)


def _workers(cfg: EvalConfig, policy: str | PolicyFactory, tasks: int,
             log: Callable[[str], None]) -> int:
    workers = min(cfg.workers, tasks)
    if workers > 1 and not isinstance(policy, str):
        reason = picklable_reason(policy)
        if reason is not None:
            log(f"running 1 worker instead of {workers}: {reason}; pass the policy by name "
                "or checkpoint path, or a module-level factory")
            return 1
    return max(workers, 1)


def _run_parallel(policy: str | PolicyFactory, pairs: list[PairSpec], out: Path,
                  cfg: EvalConfig, workers: int) -> None:
    tasks = [(p.name, i, s) for p in pairs for i, s in _todo(p, out, cfg)]
    total = cfg.episodes * len(pairs)
    bar = tqdm(total=total, initial=total - len(tasks), desc=f"{len(pairs)} pairs",
               unit="episode", disable=not cfg.progress)
    try:
        run_parallel(policy, tasks, out, cfg, workers, on_done=lambda task: bar.update(1))
    finally:
        bar.close()


def summarize(results: dict[str, list[dict]]) -> dict[str, Any]:
    """The summary.json content from the episode records of each pair."""
    pairs = {}
    for name, records in results.items():
        n, k = len(records), sum(bool(r["success"]) for r in records)
        low, high = wilson_interval(k, n)
        pairs[name] = {
            "success_rate": k / n if n else 0.0,
            "ci_low": low,
            "ci_high": high,
            "episodes": n,
            "successes": k,
            "errors": sum(r.get("error") is not None for r in records),
            "seconds_per_episode": float(np.mean([r["seconds"] for r in records])) if n else 0,
            "mean_steps": float(np.mean([r["steps"] for r in records])) if n else 0,
        }
    mean = float(np.mean([p["success_rate"] for p in pairs.values()])) if pairs else 0.0
    return {"pairs": pairs, "mean_success": mean}


def evaluate(policy: str | PolicyFactory, pairs: list[PairSpec], out: str | Path,
             cfg: EvalConfig, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Evaluate `policy` (a name, a checkpoint path or a factory) on `pairs`; write summary."""
    out = Path(out)
    name = policy if isinstance(policy, str) else getattr(policy, "__name__", "custom")
    factory = resolve_policy(policy) if isinstance(policy, str) else policy  # fails early
    cfg = _with_policy_cameras(cfg, factory, str(name))
    _check_run_config(out, cfg.identity(str(name)))
    tasks = sum(len(_todo(p, out, cfg)) for p in pairs)
    workers = _workers(cfg, policy, tasks, log)
    if workers > 1:
        _run_parallel(policy, pairs, out, cfg, workers)
    results = {pair.name: (evaluate_pair(pair, factory, out, cfg) if workers == 1
                           else _records(pair, out, cfg)) for pair in pairs}
    summary = summarize(results)
    seeds = episode_seeds(cfg)
    summary.update(policy=str(name), episodes_per_pair=cfg.episodes,
                   seeds=f"{seeds[0]}...{seeds[-1]}",
                   scenes="collection" if cfg.collection_scenes else "evaluation")
    write_json(out / "summary.json", summary)
    for pair_name, s in summary["pairs"].items():
        log(f"{pair_name:34s} {s['success_rate']:6.1%}  95% CI [{s['ci_low']:.2f}, "
            f"{s['ci_high']:.2f}]  n={s['episodes']}  {s['seconds_per_episode']:.2f} s/episode")
    log(f"{'mean success':34s} {summary['mean_success']:6.1%}  over {len(pairs)} pairs")
    failed = [(p, r) for p, records in results.items() for r in records if r.get("error")]
    if failed:
        pair_name, record = failed[0]
        log(f"{len(failed)} episode(s) ended in an error, counted as failures; first, "
            f"{pair_name}: {record['error']} (records: {out}/*/episodes/)")
    if cfg.collection_scenes:
        log("(collection scenes: the demonstrations' own scenes, a memorisation check)")
    return summary
