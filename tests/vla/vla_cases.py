"""Tiny VLA models and synthetic batches (the real MiniLM tokenizer and encoder)."""

from __future__ import annotations

import dataclasses

import torch

from motionprior.vla.config import preset
from motionprior.vla.training import build_model

LABELS = ["move forward down, close gripper", "stop", "move left", "rotate clockwise"]


def tiny_config(variant: str, **model):
    cfg = preset("debug", variant).model
    return dataclasses.replace(cfg, embodiments=("arm_a", "arm_b"), action_dims=4,
                               source_image_size=(32, 32), **model)


def make_model(variant: str, seed: int = 0, **model):
    torch.manual_seed(seed)
    return build_model(tiny_config(variant, **model))


def make_batch(b: int = 4, seed: int = 0, d_max: int = 32, chunk: int = 16,
               history: int = 8) -> dict:
    g = torch.Generator().manual_seed(seed)
    actions = torch.rand(b, chunk, d_max, generator=g) * 2 - 1
    mask = torch.zeros(b, chunk, d_max, dtype=torch.bool)
    mask[:, :, :4] = True
    mask[0, :, 3] = False  # sample 0: an embodiment with 3 action dims
    mask[1, chunk - 2:] = False  # sample 1: the episode ends inside the chunk
    actions = actions * mask
    state = torch.zeros(b, d_max)
    state[:, :5] = torch.rand(b, 5, generator=g)
    smask = torch.zeros(b, d_max, dtype=torch.bool)
    smask[:, :5] = True
    hist_actions = (torch.rand(b, history, d_max, generator=g) * 2 - 1)
    hist_mask = torch.zeros(b, history, d_max, dtype=torch.bool)
    hist_mask[:, :, :4] = True
    hist_mask[b - 1, : history // 2] = False  # the last sample: its episode began in the history
    hist_state = torch.rand(b, history, d_max, generator=g) * smask[:, None]
    return {"history_actions": hist_actions * hist_mask, "history_mask": hist_mask,
            "history_state": hist_state * hist_mask.any(-1, keepdim=True),
            "history_state_mask": smask[:, None] & hist_mask.any(-1, keepdim=True),
            "images": {"scene": torch.randint(0, 256, (b, 3, 32, 32), generator=g,
                                              dtype=torch.uint8)},
            "instruction": (["pick up the cube", "open the drawer", "pick up the cube",
                             "reach the goal"] * (b // 4 + 1))[:b],
            "state": state, "state_mask": smask, "actions": actions, "action_mask": mask,
            "embodiment_id": torch.tensor([0, 1] * (b // 2) + [0] * (b % 2)),
            "motion": (LABELS * (b // 4 + 1))[:b]}


def make_prior(flow_cfg, seed: int = 1, spread: float = 0.05):
    """A stage-1 prior of `flow_cfg`'s shape with every weight perturbed (D's zero-initialised
    output layers too, so it generates non-trivial chunks), as `read_prior` returns it."""
    from pathlib import Path

    from motionprior.prior.config import PriorRunConfig
    from motionprior.prior.model import ActionPrior
    from motionprior.prior.pretrain import LoadedPrior

    torch.manual_seed(seed)
    prior = ActionPrior(flow_cfg)
    with torch.no_grad():
        for p in prior.parameters():
            p.add_(torch.randn_like(p) * spread)
    return LoadedPrior(prior.eval(), PriorRunConfig(model=flow_cfg), None, Path("tiny-prior"), ())
