"""What every labeler shares: labels from per-step codes, one trajectory or many at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from motionprior.errors import DataError
from motionprior.motion.trajectory import Batch, Trajectory, batches_by_fps
from motionprior.motion.vocabulary import codes_to_labels


class BatchLabeler:
    """Base of the labelers: subclasses implement `codes(batch)` ([N] label codes)."""

    def codes(self, batch: Batch) -> np.ndarray:
        raise NotImplementedError

    def label(self, trajectory: Trajectory) -> list[str]:
        """One label per step of `trajectory`."""
        if not isinstance(trajectory, Trajectory):
            raise DataError(f"label() needs a Trajectory, got {type(trajectory).__name__}")
        return codes_to_labels(self.codes(Batch.of([trajectory])))

    def label_many(self, trajectories: Sequence[Trajectory]) -> list[list[str]]:
        """Label several trajectories in one vectorized pass per fps (same result as `label`)."""
        out: list[list[str]] = [[] for _ in trajectories]
        for idx, batch in batches_by_fps(trajectories):
            labels = codes_to_labels(self.codes(batch))
            for i, a, b in zip(idx, batch.offsets[:-1], batch.offsets[1:], strict=True):
                out[i] = labels[a:b]
        return out
