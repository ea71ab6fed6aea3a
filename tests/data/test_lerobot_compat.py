"""LeRobot's own `LeRobotDataset` loads a dataset motionprior wrote (skipped without lerobot).

lerobot is not a motionprior dependency (it pins other torch/numpy versions). The test runs
benchmarks/lerobot_compat_check.py with a Python that can import lerobot: this interpreter if it
can, else `$MOTIONPRIOR_LEROBOT_PYTHON` (e.g. a throwaway venv, see
benchmarks/RESULTS_lerobot_compat.md).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from motionprior.data.lerobot import open_dataset, write_dataset, write_frame_column

sys.path.insert(0, str(Path(__file__).parent))  # tests run with --import-mode=importlib
from lerobot_cases import three_episodes, video_episode  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "lerobot_compat_check.py"


def _lerobot_python() -> str:
    if importlib.util.find_spec("lerobot") is not None:
        return sys.executable
    other = os.environ.get("MOTIONPRIOR_LEROBOT_PYTHON")
    if other and Path(other).exists():
        return other
    pytest.skip("lerobot is not importable (set MOTIONPRIOR_LEROBOT_PYTHON to a Python with "
                "lerobot installed to run this check)")


def test_lerobot_dataset_loads_what_motionprior_writes(tmp_path):
    python = _lerobot_python()
    eps = three_episodes()
    root = write_dataset(tmp_path / "ds", eps[:2], progress=False)
    write_dataset(root, eps[2:], append=True, progress=False)  # a second data + episodes file
    assert (root / "data/chunk-000/file-001.parquet").exists()
    reward = np.linspace(0, 1, 26, dtype=np.float32)
    write_frame_column(root, "next.reward", reward)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_LEROBOT_HOME": str(tmp_path / "home")}
    run = subprocess.run([python, str(SCRIPT), str(root), "0", "12", "25"], env=env,
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["lerobot_len"] == 26 and out["num_episodes"] == 3 and out["fps"] == 5
    assert out["tasks"] == ["pick up the cube", "open the drawer"]
    assert out["camera_keys"] == ["observation.images.front", "observation.images.wrist"]
    assert "observation.images.front" in out["stats_keys"] and "motion" not in out["stats_keys"]
    # global frame -> (episode, step): 0 -> (0, 0), 12 -> (1, 3), 25 -> (2, 10)
    for frame, (e, t) in {"0": (0, 0), "12": (1, 3), "25": (2, 10)}.items():
        item = out["frames"][frame]
        ep = eps[e]
        assert np.array_equal(np.float32(item["action"]), ep.actions[t])
        assert np.array_equal(np.float32(item["observation.state"]), ep.state[t])
        for cam in ("front", "wrist"):
            img = np.asarray(item[f"observation.images.{cam}"], dtype=np.uint8)
            assert np.array_equal(img, ep.images[cam][t]), (frame, cam)
        assert item["task"] == ep.instruction
        assert item["motion"] == (ep.motion[t] if ep.motion else None)
        assert (item["episode_index"], item["frame_index"], item["index"]) == (e, t, int(frame))
        assert np.float32(item["next.reward"]) == reward[int(frame)]
    assert out["batch_action_shape"] == [4, 4, 7]
    assert out["last_action_is_pad"] == [False, True, True, True]


def test_lerobot_dataset_loads_motionprior_video(tmp_path):
    """A motionprior-written AV1 video dataset (two video files per camera, the second from an
    append) loads in LeRobotDataset with the frames motionprior decodes, bit for bit."""
    python = _lerobot_python()
    eps = [video_episode(9, 1, size=(32, 48)), video_episode(6, 2, size=(32, 48)),
           video_episode(11, 3, size=(32, 48), instruction="open the drawer")]
    root = write_dataset(tmp_path / "ds", eps[:2], video=True, progress=False)
    write_dataset(root, eps[2:], video=True, append=True, progress=False)
    assert (root / "videos/observation.images.front/chunk-000/file-001.mp4").exists()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_LEROBOT_HOME": str(tmp_path / "home")}
    frames = [str(i) for i in range(26)]
    run = subprocess.run([python, str(SCRIPT), str(root), *frames], env=env,
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["lerobot_len"] == 26 and out["num_episodes"] == 3 and out["fps"] == 5
    assert out["camera_keys"] == ["observation.images.front", "observation.images.wrist"]
    reader = open_dataset(root)
    for cam in ("front", "wrist"):
        ours = reader.frame_images(np.arange(26), cam)
        theirs = np.stack([np.asarray(out["frames"][i][f"observation.images.{cam}"], np.uint8)
                           for i in frames])
        np.testing.assert_array_equal(theirs, ours)
    assert out["last_action_is_pad"] == [False, True, True, True]
