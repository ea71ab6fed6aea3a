"""Periodic validation of the training loop (main process only)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torch.utils.data._utils.collate import default_collate

from motionprior.train.config import TrainConfig
from motionprior.train.ema import EMA

Validator = Callable[[nn.Module, int], Mapping[str, float]]
"""`validator(model, step) -> metrics`; model is in eval mode with EMA weights (if on)."""


def to_device(batch: Any, device: torch.device) -> Any:
    """Move the tensors of a (nested) batch to `device`; other values stay as they are."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)) and batch and isinstance(batch[0], torch.Tensor):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


@torch.no_grad()
def validate(model: nn.Module, ema: EMA | None, val_data: Dataset | None,
             validators: Sequence[Validator], cfg: TrainConfig, collate_fn: Callable | None,
             acc: Any, step: int) -> dict[str, float]:
    """Validation loss on the first `val_batches` batches of `val_data` with a fixed generator
    (the same noise every time, so the curve is comparable), then the validators."""
    out: dict[str, float] = {}
    was_training = model.training
    model.eval()
    try:
        with ema.applied(model) if ema is not None else contextlib.nullcontext():
            if val_data is not None and len(val_data) > 0 and cfg.val_batches > 0:
                gen = torch.Generator().manual_seed(cfg.seed + 7919)
                loader = DataLoader(val_data, batch_size=cfg.batch_size, shuffle=False,
                                    collate_fn=collate_fn or default_collate)
                sums: dict[str, float] = {}
                n = 0
                for i, batch in enumerate(loader):
                    if i >= cfg.val_batches:
                        break
                    with acc.autocast():
                        loss, metrics = model.compute_loss(to_device(batch, acc.device),
                                                           step=step, generator=gen)
                    for k, v in {"loss": loss, **metrics}.items():
                        sums[k] = sums.get(k, 0.0) + float(v)
                    n += 1
                out.update({k: v / max(n, 1) for k, v in sums.items()})
            for validator in validators:
                out.update(validator(model, step))
    finally:
        model.train(was_training)
    return out
