"""Closed-loop evaluation: success rate per pair with a Wilson 95% interval, and the suite mean.

    evaluate("expert", resolve_suite("xemb13"), "runs/eval", EvalConfig(episodes=50))

Episode i of a pair runs with seed `EVAL_SEED_BASE + seed_offset + i` (disjoint from every
collection seed). Each finished episode is one JSON file (`<out>/<pair>/episodes/<seed>.json`),
so re-running skips what is done. The first `videos` episodes of a pair are also saved as GIFs.
Failures never stop the evaluation: a policy exception, a wrong action shape or a NaN ends that
episode as a failure with its reason; a simulator crash does too, and the simulator is rebuilt.
`<out>/summary.json` holds `pairs: {pair: {success_rate, ci_low, ci_high, episodes}}` and
`mean_success` (the unweighted mean over pairs).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from motionprior.atomic import atomic_path, write_json
from motionprior.errors import ConfigError
from motionprior.policy.protocol import (
    PolicyContext,
    PolicyFactory,
    register_policy,
    resolve_policy,
)
from motionprior.sim.collect import EVAL_SEED_BASE
from motionprior.sim.env import ActionError, SimEnv, make_env
from motionprior.sim.suites import PairSpec

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
    episodes: int = 50
    cameras: tuple[str, ...] = ("scene",)
    image_size: tuple[int, int] = (128, 128)
    seed_offset: int = 0
    videos: int = 2
    max_steps: int | None = None  # default: the pair's own horizon
    progress: bool = True
    show_goal: bool = True  # the goal marker of Meta-World reach/push/pick-place (sim.env)

    def __post_init__(self) -> None:
        if self.episodes < 1:
            raise ConfigError(f"episodes must be >= 1, got {self.episodes}")
        if self.seed_offset < 0:
            raise ConfigError(f"seed offset must be >= 0, got {self.seed_offset}")
        if self.videos < 0:
            raise ConfigError(f"videos must be >= 0, got {self.videos}")

    def identity(self, policy: str) -> dict[str, Any]:
        """What must not change between a run and its resumption."""
        return {"policy": policy, "cameras": list(self.cameras),
                "image_size": list(self.image_size), "seed_offset": self.seed_offset,
                "max_steps": self.max_steps, "show_goal": self.show_goal}


def _expert(ctx: PolicyContext):
    if ctx.env is None:
        raise ConfigError(f"the expert of {ctx.pair} needs its simulator (PolicyContext.env)")
    return ctx.env.expert()


register_policy("expert", _expert)


def run_episode(env: SimEnv, policy, seed: int, keep_frames: bool = False
                ) -> tuple[dict[str, Any], list[np.ndarray]]:
    """One rollout; returns its result record and (if asked) the first camera's frames.

    The record has `success`, `steps`, `reason` (why it ended) and `error` (the exception text,
    if any); `crashed` tells the caller the simulator must be rebuilt.
    """
    frames: list[np.ndarray] = []
    record: dict[str, Any] = {"seed": seed, "success": False, "steps": 0, "reason": "",
                              "error": None, "crashed": False, "instruction": None}
    start = time.perf_counter()
    try:
        obs = env.reset(seed)
    except Exception as e:
        record.update(reason="simulator crashed at reset", error=_text(e), crashed=True)
        return _done(record, start), frames
    record["instruction"] = env.instruction
    cam = env.cameras[0] if env.cameras else None
    try:
        policy.reset()
    except Exception as e:
        record.update(reason="policy.reset() raised", error=_text(e))
        return _done(record, start), frames
    for t in range(env.max_steps):
        if keep_frames and cam is not None:
            frames.append(obs["images"][cam])
        try:
            raw = policy.act(obs)
        except Exception as e:
            record.update(reason=f"policy.act() raised at step {t}", error=_text(e))
            break
        try:
            action = env.check_action(raw)
        except ActionError as e:
            record.update(reason=f"bad action at step {t}: {e}")
            break
        try:
            obs, success = env.step(action)
        except Exception as e:
            record.update(reason=f"simulator crashed at step {t}", error=_text(e), crashed=True)
            break
        record["steps"] = t + 1
        if success:
            record.update(success=True, reason="success")
            if keep_frames and cam is not None:
                frames.append(obs["images"][cam])
            break
    else:
        record["reason"] = f"no success within {env.max_steps} steps"
    return _done(record, start), frames


def _text(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def _done(record: dict[str, Any], start: float) -> dict[str, Any]:
    record["seconds"] = time.perf_counter() - start
    return record


def _write_gif(path: Path, frames: list[np.ndarray], fps: float) -> None:
    import imageio.v3 as iio

    stride = max(1, round(fps / 15.0))  # GIFs at about 15 frames per second
    shown = frames[::stride] + ([frames[-1]] if (len(frames) - 1) % stride else [])
    with atomic_path(path) as tmp:
        iio.imwrite(tmp, np.stack(shown), extension=".gif",
                    duration=int(1000 * stride / fps), loop=0)


def _check_run_config(out: Path, identity: dict[str, Any]) -> None:
    path = out / "config.json"
    if path.exists():
        old = json.loads(path.read_text())
        if old != identity:
            raise ConfigError(f"{out} holds an evaluation with {old}; this run asks for "
                              f"{identity}; use the same flags to resume, or a new --out")
    else:
        write_json(path, identity)


def evaluate_pair(pair: PairSpec, factory: PolicyFactory, out: Path, cfg: EvalConfig,
                  env_factory: Callable[[PairSpec], SimEnv] | None = None) -> list[dict]:
    """Run the missing episodes of `pair`; return all `cfg.episodes` records."""
    pair_dir = out / pair.slug
    seeds = [EVAL_SEED_BASE + cfg.seed_offset + i for i in range(cfg.episodes)]
    paths = [pair_dir / "episodes" / f"{s}.json" for s in seeds]
    todo = [i for i, p in enumerate(paths) if not p.exists()]

    def build() -> tuple[SimEnv, Any]:
        env = (env_factory(pair) if env_factory
               else make_env(pair, cfg.cameras, cfg.image_size, cfg.max_steps,
                             show_goal=cfg.show_goal))
        ctx = PolicyContext(pair.name, env.spec.name, env.action_dim, env.fps, env.cameras,
                            env.instructions, env=env)
        return env, factory(ctx)

    if todo:
        env, policy = build()
        bar = tqdm(total=cfg.episodes, initial=cfg.episodes - len(todo), desc=pair.name,
                   unit="episode", disable=not cfg.progress)
        try:
            for i in todo:
                record, frames = run_episode(env, policy, seeds[i], keep_frames=i < cfg.videos)
                record.update(pair=pair.name, episode=i)
                if frames:
                    tag = "success" if record["success"] else "failure"
                    _write_gif(pair_dir / "videos" / f"episode{i:03d}_{tag}.gif", frames, env.fps)
                if record.pop("crashed"):
                    env.close()
                    env, policy = build()
                write_json(paths[i], record)
                bar.update(1)
        finally:
            bar.close()
            env.close()
    return [json.loads(p.read_text()) for p in paths]


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
    factory = resolve_policy(policy) if isinstance(policy, str) else policy
    _check_run_config(out, cfg.identity(str(name)))
    results = {}
    for pair in pairs:
        results[pair.name] = evaluate_pair(pair, factory, out, cfg)
    summary = summarize(results)
    summary.update(policy=str(name), episodes_per_pair=cfg.episodes,
                   seeds=f"{EVAL_SEED_BASE + cfg.seed_offset}..."
                         f"{EVAL_SEED_BASE + cfg.seed_offset + cfg.episodes - 1}")
    write_json(out / "summary.json", summary)
    for pair_name, s in summary["pairs"].items():
        log(f"{pair_name:34s} {s['success_rate']:6.1%}  95% CI [{s['ci_low']:.2f}, "
            f"{s['ci_high']:.2f}]  n={s['episodes']}  {s['seconds_per_episode']:.2f} s/episode")
    log(f"{'mean success':34s} {summary['mean_success']:6.1%}  over {len(pairs)} pairs")
    return summary
