"""One evaluation episode: the rollout, its record, its GIF; and `EpisodeRunner`, which owns one
pair's simulator and policy and writes each finished episode to disk.

The same runner serves the sequential loop and every parallel worker (`motionprior.sim.parallel`),
so an episode's record does not depend on where it ran: before `policy.reset()` the global
generators of Python, NumPy and (if imported) torch are seeded with the episode seed, the
simulator is reset with it, and nothing else carries over between episodes but the policy object.
The runner's simulators render a camera only when something reads it (`lazy_images`): the
policy when it re-plans, the GIF of a filmed episode at every step.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from motionprior.atomic import atomic_path, write_json
from motionprior.policy.protocol import INFO_ATTRIBUTE, PolicyContext, PolicyFactory
from motionprior.sim.captions import caption_frames, motion_segments, words_per_step
from motionprior.sim.env import ActionError, SimEnv, make_env
from motionprior.sim.suites import PairSpec

MOTION_KEY = "motion"  # the key of `policy.last_info` the harness records


def seed_globals(seed: int) -> None:
    """Seed Python's, NumPy's and (if already imported) torch's global generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def _words(policy: Any) -> str | None:
    info = getattr(policy, INFO_ATTRIBUTE, None)
    if not isinstance(info, Mapping):
        return None
    words = info.get(MOTION_KEY)
    return words if isinstance(words, str) and words else None


def run_episode(env: SimEnv, policy, seed: int, keep_frames: bool = False
                ) -> tuple[dict[str, Any], list[np.ndarray]]:
    """One rollout; returns its result record and (if asked) the first camera's frames.

    The record has `success`, `steps`, `reason` (why it ended), `error` (the exception text,
    if any) and `motion` (the policy's words as segments, see `motionprior.sim.captions`);
    `crashed` tells the caller the simulator must be rebuilt.
    """
    frames: list[np.ndarray] = []
    words: list[str | None] = []
    record: dict[str, Any] = {"seed": seed, "success": False, "steps": 0, "reason": "",
                              "error": None, "crashed": False, "instruction": None}
    start = time.perf_counter()
    try:
        obs = env.reset(seed)
    except Exception as e:
        record.update(reason="simulator crashed at reset", error=_text(e), crashed=True)
        return _done(record, start, words), frames
    record["instruction"] = env.instruction
    cam = env.cameras[0] if env.cameras else None
    try:
        seed_globals(seed)
        policy.reset()
    except Exception as e:
        record.update(reason="policy.reset() raised", error=_text(e))
        return _done(record, start, words), frames
    for t in range(env.max_steps):
        if keep_frames and cam is not None:
            frames.append(obs["images"][cam])
        try:
            raw = policy.act(obs)
        except Exception as e:
            record.update(reason=f"policy.act() raised at step {t}", error=_text(e))
            break
        words.append(_words(policy))
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
    return _done(record, start, words), frames


def _text(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def _done(record: dict[str, Any], start: float, words: list[str | None]) -> dict[str, Any]:
    record[MOTION_KEY] = motion_segments(words)
    record["seconds"] = time.perf_counter() - start
    return record


def write_gif(path: Path, frames: list[np.ndarray], fps: float,
              motion: list[dict[str, Any]] = ()) -> None:
    """Frames at about 15 per second; frame t captioned with the words of step t, if any."""
    import imageio.v3 as iio

    stride = max(1, round(fps / 15.0))  # GIFs at about 15 frames per second
    keep = list(range(0, len(frames), stride))
    if (len(frames) - 1) % stride:
        keep.append(len(frames) - 1)
    words = words_per_step(motion, len(frames))
    shown = caption_frames([frames[k] for k in keep], [words[k] for k in keep])
    with atomic_path(path) as tmp:
        iio.imwrite(tmp, np.stack(shown), extension=".gif",
                    duration=int(1000 * stride / fps), loop=0)


def episode_seeds(cfg: Any) -> list[int]:
    from motionprior.sim.collect import EVAL_SEED_BASE

    base = 0 if cfg.collection_scenes else EVAL_SEED_BASE
    return [base + cfg.seed_offset + i for i in range(cfg.episodes)]


def episode_path(out: Path, pair: PairSpec, seed: int) -> Path:
    return out / pair.slug / "episodes" / f"{seed}.json"


class EpisodeRunner:
    """Runs episodes of one pair with one simulator and one policy (built on first use, rebuilt
    after a simulator crash) and writes each record (and the first `cfg.videos` GIFs)."""

    def __init__(self, pair: PairSpec, factory: PolicyFactory, out: Path, cfg: Any,
                 env_factory: Callable[[PairSpec], SimEnv] | None = None,
                 on_build: Callable[[], None] | None = None) -> None:
        self.pair, self.factory, self.out, self.cfg = pair, factory, Path(out), cfg
        self._env_factory, self._on_build = env_factory, on_build
        self._env: SimEnv | None = None
        self._policy: Any = None

    def _build(self) -> None:
        cfg = self.cfg
        env = (self._env_factory(self.pair) if self._env_factory
               else make_env(self.pair, cfg.cameras, cfg.image_size, cfg.max_steps,
                             show_goal=cfg.show_goal, lazy_images=True))
        ctx = PolicyContext(self.pair.name, env.spec.name, env.action_dim, env.fps, env.cameras,
                            env.instructions, env=env, options=dict(cfg.policy_options))
        self._env = env
        self._policy = self.factory(ctx)
        if self._on_build is not None:
            self._on_build()

    def run(self, episode: int, seed: int) -> dict[str, Any]:
        """Run episode `episode` (seed `seed`), write its JSON (and GIF); return the record."""
        if self._env is None:
            self._build()
        env = self._env
        record, frames = run_episode(env, self._policy, seed,
                                     keep_frames=episode < self.cfg.videos)
        record.update(pair=self.pair.name, episode=episode)
        if frames:
            tag = "success" if record["success"] else "failure"
            write_gif(self.out / self.pair.slug / "videos" / f"episode{episode:03d}_{tag}.gif",
                      frames, env.fps, record[MOTION_KEY])
        if record.pop("crashed"):
            self.close()
        write_json(episode_path(self.out, self.pair, seed), record)
        return record

    def close(self) -> None:
        env, self._env, self._policy = self._env, None, None
        if env is not None:
            env.close()
