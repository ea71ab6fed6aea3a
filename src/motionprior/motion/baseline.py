"""The fixed-threshold baseline labeler (Embodied Chain-of-Thought style), as METHOD.md states it.

For each step t, with the raw state s = (x, y, z, roll, pitch, yaw, gripper):

1. `d = s[min(t + window, T - 1)] - s[t]` (window = 3 steps, raw units, no normalization);
2. if the L1 norm of `d[:3]` exceeds `3 * threshold`, rescale `d[:3]` to that norm (so an axis
   survives only if its share of the L1 norm exceeds one third);
3. divide the rotation deltas `d[3:6]` by `rotation_divisor` (10);
4. each of the 7 values becomes +1 / -1 / 0 by comparing with `+threshold` / `-threshold`;
5. tilt is the roll value, or the pitch value where roll is 0 ("roll wins over pitch");
6. `stop` when no part fires; the last step copies the label of the step before it.

Differences from the ECoT script, on purpose: labels follow our grammar (no leading ", " when
only a rotation fires); angles are differenced raw, without unwrapping, as in the original.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from motionprior.errors import ConfigError
from motionprior.motion.labeler_base import BatchLabeler
from motionprior.motion.trajectory import Batch, Trajectory
from motionprior.motion.vocabulary import values_to_codes


class FixedThresholdLabeler(BatchLabeler):
    """Fixed 3-step window, fixed raw threshold (default 0.03), no adaptation."""

    def __init__(
        self, threshold: float = 0.03, *, window: int = 3, rotation_divisor: float = 10.0
    ) -> None:
        if not (np.isfinite(threshold) and threshold > 0):
            raise ConfigError(f"baseline threshold must be > 0, got {threshold}")
        if int(window) != window or window < 1:
            raise ConfigError(f"baseline window must be a whole number of steps >= 1, got {window}")
        if not (np.isfinite(rotation_divisor) and rotation_divisor > 0):
            raise ConfigError(f"rotation_divisor must be > 0, got {rotation_divisor}")
        self.threshold = float(threshold)
        self.window = int(window)
        self.rotation_divisor = float(rotation_divisor)

    def __repr__(self) -> str:
        return f"FixedThresholdLabeler(threshold={self.threshold:g})"

    def fit(self, trajectories: Iterable[Trajectory]) -> FixedThresholdLabeler:
        """No statistics: the baseline is not adaptive. Returns self."""
        return self

    def codes(self, batch: Batch) -> np.ndarray:
        """[N] label codes of a batch (see `vocabulary`)."""
        s = batch.state
        n = len(batch)
        t = np.arange(n)
        d = s[np.minimum(t + self.window, batch.end)] - s
        thr = self.threshold
        l1 = np.abs(d[:, :3]).sum(axis=1)
        big = l1 > 3 * thr
        d[big, :3] *= (3 * thr / l1[big])[:, None]
        d[:, 3:6] /= self.rotation_divisor
        v = (d > thr).astype(np.int8) - (d < -thr).astype(np.int8)
        tilt = np.where(v[:, 3] != 0, v[:, 3], v[:, 4])
        values = np.stack([v[:, 0], v[:, 1], v[:, 2], tilt, v[:, 5], v[:, 6]], axis=1)
        last = t == batch.end
        values[last] = values[np.maximum(t[last] - 1, batch.start[last])]
        return values_to_codes(values)

