"""Shared fixtures: small valid episodes and the path of the real data samples."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

ROOT = Path(__file__).resolve().parents[1]


def _find_shared_data() -> Path:
    """$MOTIONPRIOR_SHARED_DATA, else ../shared/data beside the checkout, else /work/shared/data."""
    candidates = [ROOT.parent / "shared" / "data", Path("/work/shared/data")]
    if os.environ.get("MOTIONPRIOR_SHARED_DATA"):
        candidates.insert(0, Path(os.environ["MOTIONPRIOR_SHARED_DATA"]))
    return next((c for c in candidates if c.is_dir()), candidates[0])


SHARED_DATA = _find_shared_data()
os.environ["MOTIONPRIOR_SHARED_DATA"] = str(SHARED_DATA)  # seen by helper modules of tests


@pytest.fixture
def one_torch_thread():
    """One torch thread for tiny models: on a shared 2-core machine, two OpenMP threads competing
    with other processes can make small ops 100x slower (spin-waiting on a descheduled thread),
    and tiny models gain nothing from a second thread. tests/prior and tests/train use it for
    every test."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def shared_data() -> Path:
    """The real robot data samples; CI has them, a user's checkout may not."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data folder {SHARED_DATA} is missing in CI")
        pytest.skip(f"real data samples not found at {SHARED_DATA}")
    return SHARED_DATA


def make_episode(length: int = 12, seed: int = 0, cameras=("front",), size: int = 8,
                 instruction: str = "pick up the cube"):
    """A valid widowx_bridge episode with deterministic random content."""
    from motionprior.data import Episode

    rng = np.random.default_rng(seed)
    images = {c: rng.integers(0, 256, (length, size, size, 3), dtype=np.uint8) for c in cameras}
    return Episode(
        actions=rng.normal(size=(length, 7)).astype(np.float32),
        state=rng.normal(size=(length, 7)).astype(np.float32),
        instruction=instruction,
        embodiment="widowx_bridge",
        fps=5.0,
        images=images,
    )


@pytest.fixture
def episode_factory():
    return make_episode
