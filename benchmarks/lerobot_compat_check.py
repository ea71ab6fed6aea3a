"""Load a motionprior-written dataset with LeRobot's own `LeRobotDataset`; print what it returns.

Runs in an environment that has lerobot (motionprior is not needed there):

    HF_HUB_OFFLINE=1 /tmp/lerobot-venv/bin/python benchmarks/lerobot_compat_check.py DATASET_DIR

Prints one JSON object: dataset sizes, a few frames (arrays as lists, camera frames converted
back to uint8), a DataLoader batch with `delta_timestamps`, and the stats keys LeRobot loaded.
tests/data/test_lerobot_compat.py compares it with the episodes that were written.
"""

from __future__ import annotations

import json
import sys

import torch
from lerobot.datasets.lerobot_dataset import LeRobotDataset


def _plain(value):
    if isinstance(value, torch.Tensor):
        if value.dtype.is_floating_point and value.ndim == 3 and value.shape[0] == 3:
            return (value * 255).round().to(torch.uint8).permute(1, 2, 0).tolist()  # CHW -> HWC
        return value.tolist()
    return value


def main(root: str, frames: list[int]) -> dict:
    ds = LeRobotDataset(repo_id="motionprior/compat", root=root)
    out = {
        "lerobot_len": len(ds),
        "num_episodes": ds.num_episodes,
        "fps": ds.fps,
        "camera_keys": ds.meta.camera_keys,
        "stats_keys": sorted(ds.meta.stats),
        "tasks": list(ds.meta.tasks.index),
        "frames": {str(i): {k: _plain(v) for k, v in ds[i].items()} for i in frames},
    }
    chunked = LeRobotDataset(repo_id="motionprior/compat", root=root,
                             delta_timestamps={"action": [k / ds.fps for k in range(4)]})
    loader = torch.utils.data.DataLoader(chunked, batch_size=4, shuffle=False)
    batch = next(iter(loader))
    out["batch_action_shape"] = list(batch["action"].shape)
    out["batch_action_is_pad"] = batch["action_is_pad"].tolist()
    last = chunked[len(chunked) - 1]
    out["last_action_is_pad"] = last["action_is_pad"].tolist()
    return out


if __name__ == "__main__":
    indices = [int(a) for a in sys.argv[2:]] or [0]
    print(json.dumps(main(sys.argv[1], indices)))
