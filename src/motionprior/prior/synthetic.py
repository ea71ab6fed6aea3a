"""Synthetic action windows in the layout of `motionprior.data.windows.WindowDataset`.

For tests and benchmarks that must not depend on real data: smooth, structured trajectories
of a few made-up embodiments with different action widths and control rates, and a few tasks
whose motions differ (so the latent space has something to separate). Every window is a pure
function of (seed, index); the whole set is generated at construction (vectorised), so reading
an item costs only indexing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from motionprior.errors import ConfigError


@dataclass(frozen=True)
class SyntheticEmbodiment:
    name: str
    action_dim: int
    state_dim: int
    speed: float  # trajectory frequency scale (a slow, high-rate robot has small values)


DEFAULT_EMBODIMENTS = (
    SyntheticEmbodiment("synth_arm7", 7, 8, 1.0),
    SyntheticEmbodiment("synth_joint6", 6, 6, 0.5),
    SyntheticEmbodiment("synth_xyzg4", 4, 4, 2.0),
)
TASKS = ("reach", "push", "lift", "wave")


class SyntheticWindows(Dataset):
    """`n` windows; item i belongs to embodiment `i % len(embodiments)`."""

    def __init__(self, n: int, *, horizon: int = 16, history: int = 8, d_max: int = 32,
                 seed: int = 0, embodiments: tuple[SyntheticEmbodiment, ...] = DEFAULT_EMBODIMENTS,
                 end_padding_prob: float = 0.1) -> None:
        if n < 1:
            raise ConfigError(f"need at least one synthetic window, got n={n}")
        widest = max(max(e.action_dim, e.state_dim) for e in embodiments)
        if widest > d_max:
            raise ConfigError(f"a synthetic embodiment has {widest} dims > d_max {d_max}")
        self.embodiments = tuple(embodiments)
        self.names = tuple(e.name for e in embodiments)
        rng = np.random.default_rng(seed)
        length = history + horizon
        emb = np.arange(n) % len(embodiments)
        task = rng.integers(0, len(TASKS), n)
        t = np.arange(length, dtype=np.float64)[None, :, None] / length  # [1, L, 1]
        speed = np.array([e.speed for e in embodiments])[emb][:, None, None]
        freq = rng.uniform(0.3, 1.2, (n, 1, d_max)) * speed
        phase = rng.uniform(0, 2 * np.pi, (n, 1, d_max)) + rng.uniform(0, 1, (n, 1, 1)) * 6.0
        direction = np.where(np.arange(d_max)[None, None] % len(TASKS) == task[:, None, None],
                             1.0, -0.3)
        amp = 0.3 + 0.1 * task[:, None, None]
        traj = amp * np.sin(2 * np.pi * freq * t + phase) + 0.6 * direction * (t - 0.5)
        traj += 0.01 * rng.standard_normal(traj.shape)
        gripper = np.sign(np.sin(2 * np.pi * 0.5 * speed * t + phase[..., :1]))
        adim = np.array([e.action_dim for e in embodiments])[emb]
        sdim = np.array([e.state_dim for e in embodiments])[emb]
        traj[np.arange(n), :, adim - 1] = gripper[:, :, 0]
        dims = np.arange(d_max)[None]
        amask = dims < adim[:, None]  # [n, D]
        smask = dims < sdim[:, None]
        state = np.cumsum(traj, 1) / length
        act = np.clip(traj, -1, 1) * amask[:, None]
        st = np.clip(state, -1, 1) * smask[:, None]
        valid_steps = np.full(n, horizon)
        cut = rng.random(n) < end_padding_prob
        valid_steps[cut] = rng.integers(horizon // 2, horizon, int(cut.sum()))
        step_ok = np.arange(horizon)[None] < valid_steps[:, None]  # [n, H]
        chunk_mask = step_ok[:, :, None] & amask[:, None]
        self.actions = torch.from_numpy((act[:, history:] * chunk_mask).astype(np.float32))
        self.action_mask = torch.from_numpy(chunk_mask)
        self.state = torch.from_numpy(st[:, history].astype(np.float32))
        self.state_mask = torch.from_numpy(smask)
        self.history_actions = torch.from_numpy(act[:, :history].astype(np.float32))
        self.history_state = torch.from_numpy(st[:, :history].astype(np.float32))
        self.history_mask = torch.from_numpy(np.repeat(amask[:, None], history, 1))
        self.embodiment_id = torch.from_numpy(emb.astype(np.int64))
        self.task_index = torch.from_numpy(task.astype(np.int64))

    def __len__(self) -> int:
        return self.actions.shape[0]

    def __getitem__(self, i: int) -> dict:
        e = int(self.embodiment_id[i])
        return {
            "actions": self.actions[i], "action_mask": self.action_mask[i],
            "state": self.state[i], "state_mask": self.state_mask[i],
            "history_actions": self.history_actions[i],
            "history_state": self.history_state[i], "history_mask": self.history_mask[i],
            "instruction": TASKS[int(self.task_index[i])], "embodiment": self.names[e],
            "embodiment_id": e, "task_index": int(self.task_index[i]), "index": i,
        }

    def batch(self, indices: list[int] | np.ndarray | torch.Tensor) -> dict:
        """A collated batch without going through a DataLoader (fast path for benchmarks)."""
        idx = torch.as_tensor(np.asarray(indices), dtype=torch.long)
        return {"actions": self.actions[idx], "action_mask": self.action_mask[idx],
                "state": self.state[idx], "state_mask": self.state_mask[idx],
                "history_actions": self.history_actions[idx],
                "history_state": self.history_state[idx],
                "history_mask": self.history_mask[idx],
                "embodiment_id": self.embodiment_id[idx], "task_index": self.task_index[idx],
                "index": idx}
