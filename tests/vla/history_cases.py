"""A tiny untrained policy whose model reads the history token (`flow+prior`, a perturbed prior so
the history changes the chunk), its statistics and observations; used by tests/policy and
tests/serve."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch
from vla_cases import make_prior, tiny_config

from motionprior.data.stats import Normalizer, compute_stats
from motionprior.vla.config import VLARunConfig
from motionprior.vla.prior_transfer import attach_prior
from motionprior.vla.training import build_model

EMBODIMENT = "arm_a"
STATE_DIM, ACTION_DIM = 5, 4


@dataclasses.dataclass
class Loaded:
    """What `VLAPolicy` and `PolicyEngine` read of a `LoadedVLA`."""

    model: torch.nn.Module
    config: VLARunConfig
    normalizer: Normalizer
    checkpoint: Path = Path("tiny-history-policy")
    step: int = 0


def statistics() -> Normalizer:
    """Raw ranges far from [-1, 1], so a missed normalization shows."""
    norm, rng = Normalizer(), np.random.default_rng(0)
    for name, scale in (("arm_a", 3.0), ("arm_b", 50.0)):
        norm.add(name, "action", compute_stats(rng.uniform(-scale, scale, (500, ACTION_DIM))))
        norm.add(name, "state", compute_stats(rng.uniform(-scale, scale, (500, STATE_DIM))))
    return norm


def history_loaded(variant: str = "flow+prior", history: bool = True, seed: int = 0) -> Loaded:
    """An untrained `variant` policy (history token on unless `history=False`)."""
    cfg = tiny_config(variant, augment_shift=0)
    cfg = dataclasses.replace(cfg, transfer=dataclasses.replace(cfg.transfer, history=history))
    torch.manual_seed(seed)
    model = build_model(cfg)
    attach_prior(model, make_prior(cfg.flow))
    return Loaded(model.eval(), VLARunConfig(model=cfg), statistics())


def observation(which: int = 0, **changes) -> dict:
    """A valid `arm_a` observation (32x32 'scene' camera, raw 5-d state)."""
    rng = np.random.default_rng(100 + which)
    obs = {"images": {"scene": rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)},
           "state": rng.uniform(-2.5, 2.5, STATE_DIM).astype(np.float32),
           "instruction": "pick up the cube", "embodiment": EMBODIMENT, "step": which}
    obs.update(changes)
    return obs
