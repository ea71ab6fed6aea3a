"""Checkpoint files: round trip, atomicity, rotation and clear errors."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from motionprior.errors import ConfigError, DataError
from motionprior.train import checkpoint as ck
from motionprior.train.config import TrainConfig
from motionprior.train.ema import EMA
from motionprior.train.optim import build_optimizer, build_scheduler


def _trained(seed: int):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    cfg = TrainConfig(steps=10, warmup_steps=2)
    opt, ema = build_optimizer(model, cfg), EMA(model, 0.9)
    sched = build_scheduler(opt, cfg)
    for step in range(3):
        model(torch.randn(4, 3)).pow(2).mean().backward()
        opt.step()
        sched.step()
        opt.zero_grad()
        ema.update(model, step + 1)
    return model, opt, sched, ema


def test_round_trip_restores_everything(tmp_path):
    model, opt, sched, ema = _trained(0)
    gen = torch.Generator().manual_seed(5)
    gen.manual_seed(5)
    torch.randn(3, generator=gen)
    path = ck.save_checkpoint(tmp_path, 3, model=model, model_type="mlp", config={"a": 1},
                              optimizer=opt, scheduler=sched, ema_state=ema.state_dict(),
                              rng=[ck.capture_rng(gen)], stats={"keys": {}})
    expected_next = torch.randn(4, generator=gen)
    torch_next = torch.rand(2)

    model2, opt2, sched2, ema2 = _trained(1)  # different weights and state everywhere
    gen2 = torch.Generator()
    model2.load_state_dict(ck.load_weights(path))
    ck.load_training_state(path, opt2, sched2)
    ema2.load_state_dict(ck.load_weights(path, ema=True))
    ck.restore_rng(ck.read_json(path, "rng.json")[0], gen2)
    for a, b in zip(model.state_dict().values(), model2.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    for k in ema.shadow:
        assert torch.equal(ema.shadow[k], ema2.shadow[k])
    s1, s2 = opt.state_dict(), opt2.state_dict()
    for i in s1["state"]:
        assert torch.equal(s1["state"][i]["exp_avg_sq"], s2["state"][i]["exp_avg_sq"])
    assert s1["param_groups"] == s2["param_groups"]
    assert sched2.last_epoch == sched.last_epoch == 3
    assert torch.equal(torch.randn(4, generator=gen2), expected_next)
    assert torch.equal(torch.rand(2), torch_next)  # the global torch RNG was restored too
    assert ck.read_meta(path) == {"format": 1, "model_type": "mlp", "step": 3, "world_size": 1}
    assert json.loads((path / "config.json").read_text()) == {"a": 1}


def test_latest_pointer_and_rotation(tmp_path):
    model = nn.Linear(2, 2)
    for step in (1, 2, 3):
        ck.save_checkpoint(tmp_path, step, model=model, model_type="m", config={}, keep=2)
    names = [p.name for p in ck.list_checkpoints(tmp_path)]
    assert names == ["step_00000002", "step_00000003"]
    assert ck.latest_checkpoint(tmp_path).name == "step_00000003"
    assert ck.resolve_checkpoint(tmp_path) == ck.resolve_checkpoint(tmp_path / "checkpoints"
                                                                    / "step_00000003")


def test_keep_every_spares_the_multiples_from_rotation(tmp_path):
    model = nn.Linear(2, 2)
    for step in (2, 4, 6, 8, 10):
        ck.save_checkpoint(tmp_path, step, model=model, model_type="m", config={}, keep=1,
                           keep_every=4)
    names = [p.name for p in ck.list_checkpoints(tmp_path)]
    assert names == ["step_00000004", "step_00000008", "step_00000010"]


def test_failed_write_leaves_previous_checkpoint(tmp_path):
    model = nn.Linear(2, 2)
    ck.save_checkpoint(tmp_path, 1, model=model, model_type="m", config={})

    class Broken(nn.Module):  # tied tensors: safetensors refuses them mid-write
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)
            self.b = self.a

    with pytest.raises(RuntimeError):
        ck.save_checkpoint(tmp_path, 2, model=Broken(), model_type="m", config={})
    assert [p.name for p in ck.list_checkpoints(tmp_path)] == ["step_00000001"]
    assert ck.latest_checkpoint(tmp_path).name == "step_00000001"
    leftovers = [p.name for p in (tmp_path / "checkpoints").iterdir()]
    assert sorted(leftovers) == ["latest", "step_00000001"]


def test_wrong_model_type_and_missing_checkpoint_are_errors(tmp_path):
    path = ck.save_checkpoint(tmp_path, 1, model=nn.Linear(2, 2), model_type="vla", config={})
    with pytest.raises(ConfigError, match="holds a 'vla' checkpoint, not 'action_prior'"):
        ck.read_meta(path, expected_model_type="action_prior")
    with pytest.raises(DataError, match="no checkpoint found"):
        ck.resolve_checkpoint(tmp_path / "elsewhere")
    with pytest.raises(DataError, match="ema.safetensors: missing"):
        ck.load_weights(path, ema=True)
