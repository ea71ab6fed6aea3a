"""LeRobot-style statistics against numpy references (exact quantiles over all frames)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from motionprior.data.lerobot import (
    channel_histogram,
    histogram_stats,
    numeric_stats,
    open_dataset,
    write_dataset,
)

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from lerobot_cases import SO101, three_episodes  # noqa: E402

QS = [0.01, 0.10, 0.50, 0.90, 0.99]
Q_KEYS = ["q01", "q10", "q50", "q90", "q99"]


def test_numeric_stats_match_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1001, 4)).astype(np.float32)
    st = numeric_stats(x)
    ref = x.astype(np.float64)
    assert st["min"].dtype == np.float64 and np.array_equal(st["min"], ref.min(axis=0))
    assert np.array_equal(st["mean"], ref.mean(axis=0)) and np.array_equal(st["std"], ref.std(0))
    for key, q in zip(Q_KEYS, QS, strict=True):
        assert np.array_equal(st[key], np.quantile(ref, q, axis=0)), key
    assert st["count"].tolist() == [1001]
    ints = numeric_stats(np.arange(7, dtype=np.int64))
    assert ints["min"].dtype == np.int64 and ints["max"].tolist() == [6]
    assert ints["q50"].tolist() == [3.0] and ints["mean"].shape == (1,)


@pytest.mark.parametrize("shape", [(5, 7, 9, 3), (1, 1, 1, 3), (3, 2, 2, 3)])
def test_image_stats_from_histograms_equal_numpy_on_all_pixels(shape):
    rng = np.random.default_rng(sum(shape))
    frames = rng.integers(0, 256, shape, dtype=np.uint8)
    frames[..., 2] = np.clip(frames[..., 2], 40, 90)  # a channel with a narrow range
    st = histogram_stats(channel_histogram(frames), len(frames))
    pixels = frames.reshape(-1, 3).astype(np.float64) / 255.0
    for key in ("min", "max"):
        assert np.array_equal(st[key].ravel(), getattr(pixels, key)(axis=0)), key
    assert np.allclose(st["mean"].ravel(), pixels.mean(axis=0), rtol=1e-13, atol=0)
    assert np.allclose(st["std"].ravel(), pixels.std(axis=0), rtol=1e-11, atol=1e-15)
    for key, q in zip(Q_KEYS, QS, strict=True):
        ref = np.quantile(pixels, q, axis=0)
        assert np.allclose(st[key].ravel(), ref, rtol=1e-14, atol=1e-15), key
    assert all(v.shape == (3, 1, 1) for k, v in st.items() if k != "count")
    assert st["count"].tolist() == [len(frames)]


def test_stats_json_is_exact_and_shaped_like_lerobot(tmp_path):
    eps = three_episodes()
    root = write_dataset(tmp_path / "ds", eps, progress=False)
    stats = json.loads((root / "meta/stats.json").read_text())
    assert set(stats) == {"action", "observation.state", "observation.images.front",
                          "observation.images.wrist", "timestamp", "frame_index",
                          "episode_index", "index", "task_index"}  # strings get no stats
    if SO101.exists():
        real = json.loads((SO101 / "meta/stats.json").read_text())
        assert list(stats["action"]) == list(real["action"])
        assert np.array(stats["timestamp"]["q50"]).shape == np.array(real["timestamp"]["q50"]).shape
    actions = np.concatenate([e.actions for e in eps]).astype(np.float64)
    assert stats["action"]["q99"] == np.quantile(actions, 0.99, axis=0).tolist()
    assert stats["action"]["count"] == [26]
    wrist = np.concatenate([e.images["wrist"] for e in eps]).reshape(-1, 3) / 255.0
    assert np.allclose(np.ravel(stats["observation.images.wrist"]["q10"]),
                       np.quantile(wrist, 0.1, axis=0), rtol=1e-14)
    assert stats["frame_index"]["max"] == [10] and stats["task_index"]["mean"] == pytest.approx(
        [6 / 26])
    assert open_dataset(root).stats()["action"]["q99"].shape == (7,)
