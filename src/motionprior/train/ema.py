"""Exponential moving average of model weights."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn


class EMA:
    """Shadow copies of the floating-point parameters and buffers of a model.

    `decay_at(step) = min(decay, (1 + step) / (10 + step))`: early averages forget the random
    initialisation quickly, later ones converge to `decay`.
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in _state(model).items()}

    def decay_at(self, step: int) -> float:
        return min(self.decay, (1.0 + step) / (10.0 + step))

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        d = self.decay_at(step)
        for k, v in _state(model).items():
            self.shadow[k].lerp_(v.detach(), 1.0 - d)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return dict(self.shadow)

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        missing = set(self.shadow) ^ set(state)
        if missing:
            raise KeyError(f"EMA state does not match the model: {sorted(missing)[:5]}")
        for k, v in state.items():
            self.shadow[k].copy_(v)

    @contextlib.contextmanager
    def applied(self, model: nn.Module) -> Iterator[nn.Module]:
        """Temporarily load the averaged weights into `model` (restored on exit)."""
        current = {k: v.detach().clone() for k, v in _state(model).items()}
        live = _state(model)
        with torch.no_grad():
            for k, v in self.shadow.items():
                live[k].copy_(v)
        try:
            yield model
        finally:
            with torch.no_grad():
                for k, v in current.items():
                    live[k].copy_(v)


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v for k, v in model.state_dict(keep_vars=True).items()
            if v.dtype.is_floating_point}
