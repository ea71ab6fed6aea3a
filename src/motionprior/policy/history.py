"""The past steps of an episode, kept by a policy whose model reads a history token.

`StepHistory` holds the last K (state, action) pairs the policy saw and executed, normalized,
and lays them out exactly as training windows do (`motionprior.data.windows`): K steps
t-K..t-1, oldest first, steps before the episode start zero with mask False, dims beyond the
embodiment's width zero with mask False.

A caller that keeps the history itself (a robot talking to `motionprior serve`) sends it in the
observation instead: `history/state` `[K', S]` and `history/action` `[K', A]`, raw robot units,
oldest first, any K' (only the last K are used; K' = 0 at the episode start). `read_history`
checks those keys; `StepHistory.replace` holds the normalized steps.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from motionprior.errors import DataError

HISTORY_STATE_KEY = "history/state"
HISTORY_ACTION_KEY = "history/action"
HISTORY_KEYS = (HISTORY_STATE_KEY, HISTORY_ACTION_KEY)


class StepHistory:
    """`push(state, action)` after every executed step; `batch()` for the next query."""

    def __init__(self, length: int, d_max: int, state_dim: int, action_dim: int) -> None:
        if length < 1 or state_dim > d_max or action_dim > d_max:
            raise ValueError(f"history of {length} steps with state {state_dim} and action "
                             f"{action_dim} dims does not fit d_max {d_max}")
        self.length, self.d_max = length, d_max
        self.state_dim, self.action_dim = state_dim, action_dim
        self._steps: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=length)

    def reset(self) -> None:
        self._steps.clear()

    def __len__(self) -> int:
        return len(self._steps)

    def push(self, state: np.ndarray, action: np.ndarray) -> None:
        """One executed step: the normalized state it was taken in and the normalized action."""
        state, action = np.asarray(state, np.float32), np.asarray(action, np.float32)
        if state.shape != (self.state_dim,) or action.shape != (self.action_dim,):
            raise ValueError(f"history step must be state [{self.state_dim}] and action "
                             f"[{self.action_dim}], got {list(state.shape)} and "
                             f"{list(action.shape)}")
        self._steps.append((state, action))

    def replace(self, states: np.ndarray, actions: np.ndarray) -> None:
        """Hold the last `length` of these normalized steps (`[K', S]`, `[K', A]`, oldest
        first) instead of the pushed ones."""
        if len(states) != len(actions):
            raise ValueError(f"{len(states)} history states but {len(actions)} actions")
        self._steps.clear()
        for state, action in zip(states[-self.length:], actions[-self.length:], strict=True):
            self.push(state, action)

    def batch(self) -> dict[str, Any]:
        """`history_state`, `history_actions` `[1, K, D_max]` float and `history_mask`,
        `history_state_mask` `[1, K, D_max]` bool tensors."""
        import torch  # lazily, like the rest of motionprior.policy

        k, d = self.length, self.d_max
        states = np.zeros((1, k, d), np.float32)
        actions = np.zeros((1, k, d), np.float32)
        amask = np.zeros((1, k, d), bool)
        smask = np.zeros((1, k, d), bool)
        first = k - len(self._steps)
        for j, (state, action) in enumerate(self._steps, start=first):
            states[0, j, : self.state_dim] = state
            actions[0, j, : self.action_dim] = action
            smask[0, j, : self.state_dim] = True
            amask[0, j, : self.action_dim] = True
        return {"history_state": torch.from_numpy(states),
                "history_actions": torch.from_numpy(actions),
                "history_mask": torch.from_numpy(amask),
                "history_state_mask": torch.from_numpy(smask)}


def read_history(obs: Any, state_dim: int, action_dim: int,
                 embodiment: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The raw (float64) `history/state` `[K', S]` and `history/action` `[K', A]` of an
    observation, None when it carries neither; any bad shape or value is a one-line DataError.
    An empty 1-D array (``[]``) counts as K' = 0."""
    present = [k for k in HISTORY_KEYS if k in obs]
    if not present:
        return None
    want = {HISTORY_STATE_KEY: state_dim, HISTORY_ACTION_KEY: action_dim}
    expected = (f"'{HISTORY_STATE_KEY}' [K, {state_dim}] and '{HISTORY_ACTION_KEY}' "
                f"[K, {action_dim}] for {embodiment} (K past steps, oldest first, raw units)")
    if len(present) == 1:
        raise DataError(f"observation has {present[0]!r} without the other; send both "
                        f"{expected}")
    arrays = []
    for key in HISTORY_KEYS:
        try:
            x = np.asarray(obs[key], dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(f"observation[{key!r}] must be a numeric array; send "
                            f"{expected}") from None
        if x.ndim == 1 and x.size == 0:
            x = x.reshape(0, want[key])
        if x.ndim != 2 or x.shape[1] != want[key]:
            raise DataError(f"observation[{key!r}] must have shape [K, {want[key]}], got "
                            f"{list(x.shape)}; send {expected}")
        if not np.all(np.isfinite(x)):
            raise DataError(f"observation[{key!r}] holds NaN or inf")
        arrays.append(x)
    states, actions = arrays
    if len(states) != len(actions):
        raise DataError(f"observation has {len(states)} history states but {len(actions)} "
                        f"history actions; send {expected}")
    return states, actions
