"""Executing action chunks (METHOD.md): receding horizon or temporal ensembling.

- `RecedingHorizon(k)`: query a chunk, execute its first k actions, query again.
- `TemporalEnsemble(m)`: query every step; the action at step t averages every chunk that
  covers t with weights `exp(-m * i)`, i = 0 for the oldest chunk (ACT's rule: m > 0 favours
  older predictions, m = 0 is the plain mean).

Both take a `query()` that returns a chunk `[H, A]` and hand out one action per `act` call.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from motionprior.errors import ConfigError

Query = Callable[[], np.ndarray]


class RecedingHorizon:
    """Execute `period` actions of each chunk, then re-plan."""

    def __init__(self, period: int) -> None:
        if period < 1:
            raise ConfigError(f"query period must be >= 1, got {period}")
        self.period = period
        self._queue: deque[np.ndarray] = deque()

    def reset(self) -> None:
        self._queue.clear()

    def act(self, query: Query) -> np.ndarray:
        if not self._queue:
            chunk = np.asarray(query())
            if len(chunk) < 1:
                raise ConfigError("the policy returned an empty chunk")
            self._queue.extend(chunk[: self.period])
        return self._queue.popleft()


class TemporalEnsemble:
    """Query every step and average the overlapping predictions for the current step."""

    def __init__(self, decay: float = 0.01) -> None:
        if decay < 0:
            raise ConfigError(f"ensemble decay must be >= 0, got {decay}")
        self.decay = decay
        self._chunks: deque[tuple[int, np.ndarray]] = deque()
        self._t = 0

    def reset(self) -> None:
        self._chunks.clear()
        self._t = 0

    def act(self, query: Query) -> np.ndarray:
        t = self._t
        self._chunks.append((t, np.asarray(query())))
        while self._chunks and self._chunks[0][0] + len(self._chunks[0][1]) <= t:
            self._chunks.popleft()
        preds = np.stack([chunk[t - start] for start, chunk in self._chunks])  # oldest first
        w = np.exp(-self.decay * np.arange(len(preds)))
        self._t += 1
        return (w[:, None] * preds).sum(0) / w.sum()


def make_executor(mode: str, period: int, decay: float) -> RecedingHorizon | TemporalEnsemble:
    if mode == "receding":
        return RecedingHorizon(period)
    if mode == "ensemble":
        return TemporalEnsemble(decay)
    raise ConfigError(f"unknown execution mode {mode!r}; known: receding, ensemble")
