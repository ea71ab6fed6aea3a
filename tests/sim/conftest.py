"""Shared simulator fixtures: one Meta-World and one robosuite env per test session.

Building a robosuite env takes seconds, so tests borrow the shared envs through a proxy whose
`close()` does nothing (the session closes them at the end).
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

SIZE = (32, 32)


class Borrowed:
    """Delegates to a shared env; `close()` is a no-op; `fail_at` makes one step raise."""

    def __init__(self, env, fail_at: tuple[int, int] | None = None) -> None:
        self._env, self._fail_at, self._episode = env, fail_at, -1

    def __getattr__(self, name):
        return getattr(self._env, name)

    def reset(self, seed):
        self._episode += 1
        return self._env.reset(seed)

    def step(self, action):
        if self._fail_at == (self._episode, self._env.steps):
            raise RuntimeError("MuJoCo simulation became unstable (injected)")
        return self._env.step(action)

    def close(self) -> None:
        pass


@pytest.fixture(scope="session")
def mw_env():
    from motionprior.sim.env import make_env

    env = make_env("metaworld/reach-v3", cameras=("scene",), image_size=SIZE)
    yield env
    env.close()


@pytest.fixture(scope="session")
def rs_env():
    from motionprior.sim.env import make_env

    env = make_env("robosuite/Lift/Panda@20hz", cameras=("scene",), image_size=SIZE)
    yield env
    env.close()


@pytest.fixture
def borrow():
    return Borrowed
