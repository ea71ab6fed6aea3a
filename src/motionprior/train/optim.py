"""AdamW with decoupled weight decay on weight matrices only, and warmup + cosine decay."""

from __future__ import annotations

import math

import torch
from torch import nn

from motionprior.train.config import TrainConfig


def build_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW over the trainable parameters of `model`.

    Matrices (linear and attention weights) are decayed; biases, norms, embeddings, positional
    and query vectors are not (the usual transformer recipe). Parameter order is the module's.
    A model may scale the learning rate of some parameters with a method
    `lr_scale(name) -> float` (e.g. a pretrained part fine-tuned at a tenth of the rate); each
    scale gets its own pair of groups, which the scheduler's factor multiplies alike.
    """
    no_decay_modules = (nn.Embedding, nn.LayerNorm, nn.GroupNorm, nn.modules.batchnorm._NormBase)
    exempt = {id(p) for m in model.modules() if isinstance(m, no_decay_modules)
              for p in m.parameters(recurse=False)}
    scale_of = getattr(model, "lr_scale", None)
    groups: dict[tuple[float, bool], list[nn.Parameter]] = {(1.0, True): [], (1.0, False): []}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        leaf = name.rsplit(".", 1)[-1]
        is_matrix = p.ndim >= 2 and id(p) not in exempt and leaf not in ("pos", "query")
        scale = float(scale_of(name)) if scale_of is not None else 1.0
        groups.setdefault((scale, is_matrix), []).append(p)
    return torch.optim.AdamW(
        [{"params": params, "weight_decay": cfg.weight_decay if decayed else 0.0,
          "lr": cfg.lr * scale} for (scale, decayed), params in groups.items() if params],
        lr=cfg.lr, betas=cfg.betas)


def lr_factor(step: int, *, warmup: int, total: int, min_ratio: float) -> float:
    """Multiplier of the base learning rate at `step` (0-based): linear warmup from 1/warmup
    to 1 over `warmup` steps, then cosine decay to `min_ratio` at `total`."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    span = max(1, total - warmup)
    progress = min(1.0, (step - warmup) / span)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def build_scheduler(optimizer: torch.optim.Optimizer,
                    cfg: TrainConfig) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step LambdaLR applying `lr_factor` (step it once per optimizer step)."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(s, warmup=cfg.warmup_steps, total=cfg.steps,
                                       min_ratio=cfg.min_lr_ratio))
