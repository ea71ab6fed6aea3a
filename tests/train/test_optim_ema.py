"""AdamW parameter groups, warmup + cosine schedule, EMA arithmetic."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from motionprior.errors import ConfigError
from motionprior.train.config import TrainConfig
from motionprior.train.ema import EMA
from motionprior.train.optim import build_optimizer, build_scheduler, lr_factor


def test_lr_factor_warmup_then_cosine():
    kw = {"warmup": 4, "total": 14, "min_ratio": 0.1}
    assert [lr_factor(s, **kw) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert lr_factor(4, **kw) == pytest.approx(1.0)
    assert lr_factor(9, **kw) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert lr_factor(14, **kw) == pytest.approx(0.1)
    assert lr_factor(100, **kw) == pytest.approx(0.1)  # past the end it stays at the floor


def test_scheduler_drives_optimizer_lr():
    cfg = TrainConfig(steps=10, lr=0.5, warmup_steps=2, min_lr_ratio=0.0)
    model = nn.Linear(2, 2)
    opt = build_optimizer(model, cfg)
    sched = build_scheduler(opt, cfg)
    seen = []
    for _ in range(10):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    expected = [0.5 * lr_factor(s, warmup=2, total=10, min_ratio=0.0) for s in range(10)]
    assert seen == pytest.approx(expected)


def test_weight_decay_only_on_matrices():
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Embedding(5, 4))
    opt = build_optimizer(model, TrainConfig(weight_decay=0.1))
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert [tuple(p.shape) for p in decay["params"]] == [(4, 3)]
    assert len(no_decay["params"]) == 4  # linear bias, norm weight and bias, embedding


def test_ema_matches_manual_average():
    model = nn.Linear(2, 1)
    ema = EMA(model, decay=0.9)
    start = model.weight.detach().clone()
    with torch.no_grad():
        model.weight.add_(1.0)
    ema.update(model, step=100)  # decay_at(100) = min(0.9, 101/110) = 0.9
    assert torch.allclose(ema.shadow["weight"], 0.9 * start + 0.1 * (start + 1.0))
    assert ema.decay_at(0) == pytest.approx(0.1)
    live = model.weight.detach().clone()
    with ema.applied(model):
        assert torch.equal(model.weight, ema.shadow["weight"])
    assert torch.equal(model.weight, live)


def test_train_config_rejects_bad_values():
    with pytest.raises(ConfigError, match="steps must be >= 1"):
        TrainConfig(steps=0)
    with pytest.raises(ConfigError, match="precision must be one of"):
        TrainConfig(precision="fp8")
    with pytest.raises(ConfigError, match="ema_decay must be in"):
        TrainConfig(ema_decay=1.0)
    with pytest.raises(ConfigError, match="keep_every must be >= 0, got -1"):
        TrainConfig(keep_every=-1)
    with pytest.raises(ConfigError, match="lr must be > 0"):
        TrainConfig(lr=0)
