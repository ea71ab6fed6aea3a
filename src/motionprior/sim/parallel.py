"""Evaluation episodes in parallel worker processes (`EvalConfig.workers`, `eval --workers`).

Workers start with the `spawn` context (MuJoCo's EGL context and torch's thread pools do not
survive a fork). Each worker resolves the policy itself: a policy *name or checkpoint path* is
passed as a string and resolved with `resolve_policy` inside the worker, after importing the
modules that registered the parent's named policies and checkpoint loaders; a factory object is
passed pickled (`picklable_reason` says why one is not, and the caller then runs sequentially).
A worker keeps one `EpisodeRunner` (one simulator, one policy) for the pair it is on and builds
the next pair's when its tasks move on; it runs with one thread (`OMP_NUM_THREADS=1`,
`torch.set_num_threads(1)`), so N workers use N cores. Episode records equal the sequential
run's but for `seconds`: seeds are per episode, and so is the seeding of the global generators.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from motionprior.errors import MotionpriorError
from motionprior.policy.protocol import PolicyFactory, registered_modules, resolve_policy
from motionprior.sim.rollouts import EpisodeRunner
from motionprior.sim.suites import parse_pair

Task = tuple[str, int, int]  # pair name, episode index, seed


class WorkerError(MotionpriorError):
    """An evaluation worker could not build its simulator or policy."""


def picklable_reason(factory: PolicyFactory) -> str | None:
    """None if `factory` can be sent to a worker process, else why not (one line)."""
    try:
        pickle.dumps(factory)
    except Exception as e:  # pickle raises several types (PicklingError, AttributeError, ...)
        return f"the policy factory cannot be pickled ({type(e).__name__}: {e})"
    return None


def _single_thread() -> None:
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


_STATE: dict[str, Any] = {}


def _init(policy: str | bytes, imports: list[str], out: str, cfg: Any) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    _STATE.update(policy=policy, imports=imports, out=Path(out), cfg=cfg, runner=None,
                  factory=None)


def _factory() -> PolicyFactory:
    if _STATE["factory"] is None:
        import motionprior.sim.evaluate  # noqa: F401  registers "expert"

        for name in _STATE["imports"]:
            importlib.import_module(name)
        policy = _STATE["policy"]
        _STATE["factory"] = (resolve_policy(policy) if isinstance(policy, str)
                             else pickle.loads(policy))
    return _STATE["factory"]


def _run(task: Task) -> tuple[Task, str | None]:
    """Run one task in a worker; (task, None) when done, else (task, error text)."""
    name, episode, seed = task
    try:
        runner = _STATE["runner"]
        if runner is None or runner.pair.name != name:
            if runner is not None:
                runner.close()
            runner = EpisodeRunner(parse_pair(name), _factory(), _STATE["out"], _STATE["cfg"],
                                   on_build=_single_thread)
            _STATE["runner"] = runner
        runner.run(episode, seed)
    except MotionpriorError as e:
        return task, f"{name}: {e}"
    except Exception:
        return task, f"{name}: worker failed:\n{traceback.format_exc()}"
    return task, None


def run_parallel(policy: str | PolicyFactory, tasks: list[Task], out: Path, cfg: Any,
                 workers: int, on_done: Callable[[Task], None]) -> None:
    """Run `tasks` (pair-major order) on `workers` spawned processes; `on_done` per finished
    task. A worker's expected error (a bad checkpoint, an unknown camera) becomes a
    `WorkerError`; anything else a `RuntimeError` with the worker's traceback."""
    spec = policy if isinstance(policy, str) else pickle.dumps(policy)
    imports = [m for m in registered_modules() if m != "__main__"]
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init, initargs=(spec, imports, str(out), cfg)) as pool:
        results: Iterator[tuple[Task, str | None]] = pool.imap_unordered(_run, tasks)
        for task, error in results:
            if error is not None:
                pool.terminate()
                if "worker failed:\n" in error:
                    raise RuntimeError(error)
                raise WorkerError(error)
            on_done(task)
