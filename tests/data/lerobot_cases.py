"""Small episodes for the LeRobot v3 tests (imported by tests/data/test_lerobot_*.py)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from motionprior.data import Episode

# tests/conftest.py resolves the shared data folder and exports it in this variable.
_SHARED = Path(os.environ.get("MOTIONPRIOR_SHARED_DATA", "/work/shared/data"))
SO101 = _SHARED / "so101_lerobot_v3_sample"


def so101_path() -> Path:
    """The real SO-101 sample; skip (fail in CI) when the shared data folder is absent."""
    if not SO101.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data sample {SO101} is missing in CI")
        pytest.skip(f"real data sample not found at {SO101}")
    return SO101


def make_episode(length: int, seed: int, *, instruction: str = "pick up the cube",
                 success: bool = True, motion: bool = False, size: int = 12,
                 cameras: tuple[str, ...] = ("front", "wrist")) -> Episode:
    """A widowx_bridge episode with random actions/state/frames (full float32 mantissas)."""
    rng = np.random.default_rng(seed)
    labels = None
    if motion:
        words = ["stop", "move forward", "move left up, close gripper", "open gripper"]
        labels = tuple(words[i % len(words)] for i in range(length))
    return Episode(
        actions=rng.normal(size=(length, 7)).astype(np.float32),
        state=(rng.normal(size=(length, 7)) * 100).astype(np.float32),
        instruction=instruction,
        embodiment="widowx_bridge",
        fps=5.0,
        images={c: rng.integers(0, 256, (length, size, size, 3), dtype=np.uint8) for c in cameras},
        success=success,
        motion=labels,
    )


def three_episodes() -> list[Episode]:
    """Two tasks, mixed success, motion labels on two of three episodes, two cameras."""
    return [
        make_episode(9, 1, instruction="pick up the cube", success=True, motion=True),
        make_episode(6, 2, instruction="open the drawer", success=False, motion=False),
        make_episode(11, 3, instruction="pick up the cube", success=True, motion=True),
    ]


def assert_same_episode(got: Episode, want: Episode) -> None:
    """Bit-exact equality of everything an Episode carries."""
    assert got.actions.dtype == np.float32 and got.state.dtype == np.float32
    assert np.array_equal(got.actions, want.actions)
    assert np.array_equal(got.state, want.state)
    assert sorted(got.images) == sorted(want.images)
    for cam, frames in want.images.items():
        assert got.images[cam].dtype == np.uint8
        assert np.array_equal(got.images[cam], frames), cam
    assert got.instruction == want.instruction
    assert got.success == want.success
    assert got.motion == want.motion
    assert got.embodiment == want.embodiment and got.fps == want.fps


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` (relative path -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def smooth_frames(length: int, h: int, w: int, seed: int) -> np.ndarray:
    """`[T, H, W, 3]` frames a video codec compresses well: gradients and a moving square."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 200 // max(w - 1, 1) + 20, y * 200 // max(h - 1, 1) + 20,
                     np.full_like(x, 40 * (seed % 5) + 30)], axis=-1).astype(np.uint8)
    out = np.repeat(base[None], length, axis=0)
    s = max(h // 4, 4)
    for t in range(length):
        top, left = (t + seed) % (h - s), (2 * t + 3 * seed) % (w - s)
        out[t, top:top + s, left:left + s] = (230, 200, 90)
    return out


def video_episode(length: int, seed: int, *, size: tuple[int, int] = (32, 48),
                  cameras: tuple[str, ...] = ("front", "wrist"), **kw) -> Episode:
    """`make_episode` with smooth frames of `size` (H, W) instead of random pixels."""
    ep = make_episode(length, seed, cameras=(), **kw)
    images = {c: smooth_frames(length, *size, seed + 7 * i) for i, c in enumerate(cameras)}
    return Episode(actions=ep.actions, state=ep.state, instruction=ep.instruction,
                   embodiment=ep.embodiment, fps=ep.fps, images=images, success=ep.success,
                   motion=ep.motion)
