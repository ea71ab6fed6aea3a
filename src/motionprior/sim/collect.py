"""Scripted demonstrations, written as one LeRobot v3 dataset per pair.

    collect_suite(resolve_suite("xemb13"), "data/xemb13", CollectConfig(demos=50))

Seeds: attempt k of a pair runs with seed `seed_offset + k` (collection seeds stay below
`EVAL_SEED_BASE`, evaluation seeds start there, so the two never meet). Only successful attempts
are kept, so demo i of a pair is the i-th successful attempt: the same scene, paraphrase and
actions on every run. Progress lives in `<out>/.progress/<pair>.json` and is committed in two
steps around each dataset append (pending, then done), so an interrupted run resumes where it
stopped without duplicating or losing a demo.

Each dataset also gets `meta/simulation.json` (`SIM_META_FILE`: pair, cameras, image size,
`show_goal`), so a training run can refuse to mix datasets rendered with and without the goal
marker (`read_sim_meta`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from motionprior.atomic import sweep, write_json
from motionprior.data.episode import Episode
from motionprior.errors import ConfigError, DataError
from motionprior.policy.protocol import Policy
from motionprior.sim.env import SimEnv, make_env
from motionprior.sim.suites import PairSpec

EVAL_SEED_BASE = 10**9  # collection seeds are < this; evaluation seeds are >= this
PROGRESS_DIR = ".progress"
SUMMARY_FILE = "collection.json"
SIM_META_FILE = "meta/simulation.json"


@dataclass(frozen=True)
class CollectConfig:
    """How to collect: demos per pair, cameras (empty = action-only), image size, seeds, and
    whether the images show the goal marker (`show_goal`, see `motionprior.sim.env`)."""

    demos: int = 50
    cameras: tuple[str, ...] = ("scene",)
    image_size: tuple[int, int] = (128, 128)
    seed_offset: int = 0
    chunk: int = 10  # demos per dataset append
    max_attempts: int | None = None  # default: 2 * demos + 10
    progress: bool = True
    video: str | None = None  # cameras as LeRobot mp4 video with this codec (e.g. libsvtav1)
    show_goal: bool = True

    def __post_init__(self) -> None:
        if self.demos < 1:
            raise ConfigError(f"demos must be >= 1, got {self.demos}")
        if self.chunk < 1:
            raise ConfigError(f"chunk must be >= 1, got {self.chunk}")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ConfigError(f"max_attempts must be >= 1 (or None: 2 * demos + 10), got "
                              f"{self.max_attempts}")
        if self.video is not None:
            from motionprior.data.lerobot.video_encode import VideoConfig

            VideoConfig(codec=self.video)  # validates the codec name
        if not 0 <= self.seed_offset < EVAL_SEED_BASE - self.attempts:
            raise ConfigError(
                f"seed offset {self.seed_offset} must be in [0, {EVAL_SEED_BASE - self.attempts})"
                " so collection seeds stay below the evaluation seeds"
            )

    @property
    def attempts(self) -> int:
        return 2 * self.demos + 10 if self.max_attempts is None else self.max_attempts

    def identity(self) -> dict[str, Any]:
        """What must not change between a run and its resumption."""
        out = {"cameras": list(self.cameras), "image_size": list(self.image_size),
               "seed_offset": self.seed_offset, "show_goal": self.show_goal}
        if self.video is not None:  # absent for PNG cameras, so older progress files resume
            out["video"] = self.video
        return out


@dataclass
class PairReport:
    pair: str
    dataset: str
    demos: int = 0
    failures: int = 0
    seconds: float = 0.0  # wall time of the attempts made by this run
    attempts: int = 0  # attempts made by this run
    kept_now: int = 0  # demos kept by this run
    steps: int = 0
    failed_seeds: list[int] = field(default_factory=list)

    @property
    def success_rate(self) -> float:
        total = self.demos + self.failures
        return self.demos / total if total else float("nan")


def rollout(env: SimEnv, policy: Policy, seed: int, images: bool = True) -> Episode | None:
    """Run `policy` from the scene of `seed`; the episode if it succeeded, else None.

    Step t stores the observation before action t; the episode ends at the first success.
    """
    obs = env.reset(seed)
    policy.reset()
    states, actions = [], []
    frames: dict[str, list[np.ndarray]] = {cam: [] for cam in env.cameras} if images else {}
    success = False
    for _ in range(env.max_steps):
        action = env.check_action(policy.act(obs))
        states.append(obs["state"])
        actions.append(action)
        for cam in frames:
            frames[cam].append(obs["images"][cam])
        obs, success = env.step(action)
        if success:
            break
    if not success:
        return None
    return Episode(
        actions=np.asarray(actions, dtype=np.float32),
        state=np.asarray(states, dtype=np.float32),
        instruction=env.instruction,
        embodiment=env.spec.name,
        fps=env.fps,
        images={cam: np.stack(f) for cam, f in frames.items()},
        success=True,
    )


def _load_progress(path: Path, pair: PairSpec, cfg: CollectConfig, dataset: Path) -> dict:
    fresh = {"pair": pair.name, "config": cfg.identity(), "kept": [], "failed": [],
             "pending": None}
    if not path.exists():
        if dataset.exists() and any(dataset.iterdir()):
            raise DataError(f"{dataset}: a dataset without collection progress; remove it or "
                            "choose another --out")
        return fresh
    progress = json.loads(path.read_text())
    if progress.get("config") != cfg.identity():
        raise ConfigError(
            f"{dataset} was collected with {progress.get('config')}, this run asks for "
            f"{cfg.identity()}; use the same --cameras/--image-size/--seed-offset/--video/"
            "--hide-goal or a new --out"
        )
    pending, n = progress.get("pending"), _episodes_on_disk(dataset)
    if pending is not None:  # a crash between "pending" and "done": trust the dataset
        if n == len(progress["kept"]) + len(pending["kept"]):
            progress["kept"] += pending["kept"]
            progress["failed"] += pending["failed"]
        progress["pending"] = None
    if n != len(progress["kept"]):
        raise DataError(f"{dataset} holds {n} episodes but {path} records "
                        f"{len(progress['kept'])}; remove both to start this pair again")
    return progress


def _episodes_on_disk(dataset: Path) -> int:
    if not dataset.exists() or not any(dataset.iterdir()):
        return 0
    from motionprior.data.lerobot import open_dataset

    return open_dataset(dataset).num_episodes


def read_sim_meta(dataset: str | Path) -> dict[str, Any] | None:
    """The simulation settings a collected dataset was rendered with, None if not collected."""
    path = Path(dataset) / SIM_META_FILE
    return json.loads(path.read_text()) if path.exists() else None


def _write_sim_meta(dataset: Path, pair: PairSpec, cfg: CollectConfig) -> None:
    if dataset.exists():
        write_json(dataset / SIM_META_FILE, {"pair": pair.name, **cfg.identity()})


def _make_env(pair: PairSpec, cfg: CollectConfig,
              env_factory: Callable[[PairSpec], SimEnv] | None) -> SimEnv:
    if env_factory is not None:
        return env_factory(pair)
    return make_env(pair, cfg.cameras, cfg.image_size, show_goal=cfg.show_goal)


def collect_pair(pair: PairSpec, out: str | Path, cfg: CollectConfig,
                 env_factory: Callable[[PairSpec], SimEnv] | None = None) -> PairReport:
    """Collect `cfg.demos` successful expert demos of `pair` into `<out>/<pair.slug>`."""
    from motionprior.data.lerobot import write_dataset
    from motionprior.data.lerobot.video_encode import VideoConfig

    out = Path(out)
    dataset = out / pair.slug
    progress_path = out / PROGRESS_DIR / f"{pair.slug}.json"
    sweep(out)  # a dataset an interrupted append moved aside is put back before counting
    progress = _load_progress(progress_path, pair, cfg, dataset)
    report = PairReport(pair.name, pair.slug, len(progress["kept"]), len(progress["failed"]))
    report.failed_seeds = list(progress["failed"])
    tried = progress["kept"] + progress["failed"]
    next_seed = max(tried) + 1 if tried else cfg.seed_offset
    if report.demos >= cfg.demos:
        if read_sim_meta(dataset) is None:
            _write_sim_meta(dataset, pair, cfg)
        return report
    env = _make_env(pair, cfg, env_factory)
    bar = tqdm(total=cfg.demos, initial=report.demos, desc=pair.name, unit="demo",
               disable=not cfg.progress, leave=True)
    try:
        expert = env.expert()
        while report.demos < cfg.demos and next_seed - cfg.seed_offset < cfg.attempts:
            batch, kept, failed = [], [], []
            start = time.perf_counter()
            while (len(batch) < min(cfg.chunk, cfg.demos - report.demos)
                   and next_seed - cfg.seed_offset < cfg.attempts):
                try:
                    episode = rollout(env, expert, next_seed, images=bool(cfg.cameras))
                except Exception as e:  # a simulator crash loses one attempt, not the run
                    episode = None
                    progress.setdefault("errors", {})[str(next_seed)] = f"{type(e).__name__}: {e}"
                    env.close()
                    env = _make_env(pair, cfg, env_factory)
                    expert = env.expert()
                report.steps += env.steps
                report.attempts += 1
                if episode is None:
                    failed.append(next_seed)
                else:
                    batch.append(episode)
                    kept.append(next_seed)
                    report.kept_now += 1
                    bar.update(1)
                next_seed += 1
                bar.set_postfix(failures=len(progress["failed"]) + len(failed))
            progress["pending"] = {"kept": kept, "failed": failed}
            write_json(progress_path, progress)
            if batch:
                write_dataset(dataset, batch, append=dataset.exists(), progress=False,
                              video=VideoConfig(codec=cfg.video) if cfg.video else False)
                _write_sim_meta(dataset, pair, cfg)
            progress["kept"] += kept
            progress["failed"] += failed
            progress["pending"] = None
            write_json(progress_path, progress)
            report.demos, report.failures = len(progress["kept"]), len(progress["failed"])
            report.failed_seeds = list(progress["failed"])
            report.seconds += time.perf_counter() - start
    finally:
        bar.close()
        env.close()
    return report


def collect_suite(pairs: list[PairSpec], out: str | Path, cfg: CollectConfig,
                  log: Callable[[str], None] = print) -> list[PairReport]:
    """Collect every pair; `<out>/collection.json` sums up demos, failures and timings."""
    out = Path(out)
    summary_path = out / SUMMARY_FILE
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    summary.setdefault("pairs", {})
    summary["config"] = asdict(cfg)
    reports = []
    for pair in pairs:
        report = collect_pair(pair, out, cfg)
        reports.append(report)
        entry = summary["pairs"].get(pair.name, {})
        entry.update(demos=report.demos, failures=report.failures, dataset=report.dataset,
                     expert_success=report.success_rate, failed_seeds=report.failed_seeds)
        if report.attempts:
            entry["seconds_per_attempt_last_run"] = report.seconds / report.attempts
            entry["seconds_per_demo_last_run"] = report.seconds / max(report.kept_now, 1)
        summary["pairs"][pair.name] = entry
        write_json(summary_path, summary)
        short = " (fewer than asked: raise --max-attempts)" if report.demos < cfg.demos else ""
        log(f"{pair.name}: {report.demos} demos kept, {report.failures} failed attempts, "
            f"expert success {report.success_rate:.1%}{short}")
    return reports
