"""The shared training loop: learning, determinism, exact resume, never overwriting a run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from motionprior.errors import ConfigError
from motionprior.prior import ActionPrior, preset
from motionprior.prior.synthetic import SyntheticWindows
from motionprior.train import checkpoint as ck
from motionprior.train import train
from motionprior.train.config import TrainConfig, config_to_dict
from motionprior.train.logging import read_metrics


def _cfg(**kw) -> TrainConfig:
    base = dict(steps=12, batch_size=8, lr=0.02, warmup_steps=2, log_every=2, val_every=0,
                checkpoint_every=4, ema_decay=0.9, seed=7)
    return TrainConfig(**{**base, **kw})


def _run(toy, out, cfg=None, **kw):
    model_cls, data_cls = toy
    torch.manual_seed(0)
    model = model_cls()
    cfg = cfg or _cfg()
    result = train(model, data_cls(64), cfg, out, run_config={"train": config_to_dict(cfg)},
                   progress=False, **kw)
    return model, result


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _losses(run: Path) -> list[tuple]:
    return [(r["step"], r["split"], r["metric"], r["value"]) for r in read_metrics(run /
            "metrics.csv") if r["metric"] not in ("samples_per_s",)]


def test_toy_model_learns_and_logs(toy, tmp_path):
    model, result = _run(toy, tmp_path / "run", _cfg(steps=60, lr=0.05))
    rows = [r for r in read_metrics(tmp_path / "run" / "metrics.csv") if r["metric"] == "mse"]
    assert [r["step"] for r in rows] == list(range(2, 61, 2))
    assert rows[-1]["value"] < rows[0]["value"] / 10
    assert result.step == 60 and result.checkpoint.name == "step_00000060"
    assert (tmp_path / "run" / "tb").is_dir()


def test_two_runs_with_one_seed_are_identical(toy, tmp_path):
    a, _ = _run(toy, tmp_path / "a")
    b, _ = _run(toy, tmp_path / "b")
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(pa, pb), name
    assert _losses(tmp_path / "a") == _losses(tmp_path / "b")
    c, _ = _run(toy, tmp_path / "c", _cfg(num_workers=1))  # a loader worker: same batches
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                 c.state_dict().values(), strict=True))


def _prior_run(out, *, resume=False, hooks=()):
    cfg = preset("debug")
    tc = dataclasses.replace(cfg.train, steps=12, batch_size=8, checkpoint_every=4, log_every=2,
                             val_every=6, val_batches=1)
    torch.manual_seed(0)
    model = ActionPrior(cfg.model)
    res = train(model, SyntheticWindows(48, seed=1), tc, out, val_data=SyntheticWindows(16),
                run_config=config_to_dict(dataclasses.replace(cfg, train=tc)), resume=resume,
                hooks=hooks, progress=False)
    return model, res


def test_resume_equals_uninterrupted(tmp_path):
    full, _ = _prior_run(tmp_path / "full")

    def kill(info):
        if info.step == 10:  # after checkpoint 8: steps 9-10 are lost, as in a real kill
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _prior_run(tmp_path / "killed", hooks=[kill])
    assert ck.latest_checkpoint(tmp_path / "killed").name == "step_00000008"
    resumed, res = _prior_run(tmp_path / "killed", resume=True)
    assert res.step == 12
    for (name, a), b in zip(full.state_dict().items(), resumed.state_dict().values(),
                            strict=True):
        assert torch.equal(a, b), name
    ema_full = ck.load_weights(ck.latest_checkpoint(tmp_path / "full"), ema=True)
    ema_res = ck.load_weights(res.checkpoint, ema=True)
    assert all(torch.equal(ema_full[k], ema_res[k]) for k in ema_full)
    assert _losses(tmp_path / "full") == _losses(tmp_path / "killed")  # logs too
    leftovers = [p for p in (tmp_path / "killed").rglob(".*")]
    assert leftovers == []  # no temporaries left behind


def test_existing_run_is_never_overwritten(toy, tmp_path):
    _run(toy, tmp_path / "run")
    before = _snapshot(tmp_path / "run")
    with pytest.raises(ConfigError, match="already holds a run; pass --resume"):
        _run(toy, tmp_path / "run")
    with pytest.raises(ConfigError, match=r"configuration differs .*train.lr: 0.02 -> 0.03"):
        _run(toy, tmp_path / "run", _cfg(lr=0.03), resume=True)
    assert _snapshot(tmp_path / "run") == before


def test_resume_errors(toy, tmp_path):
    with pytest.raises(ConfigError, match="nothing to resume in"):
        _run(toy, tmp_path / "empty", resume=True)
    _run(toy, tmp_path / "toy")
    cfg = preset("debug")
    with pytest.raises(ConfigError, match="holds a 'toy' run, not 'action_prior'"):
        train(ActionPrior(cfg.model), SyntheticWindows(32), cfg.train, tmp_path / "toy",
              run_config={"train": config_to_dict(_cfg())}, resume=True, progress=False)


def test_model_without_a_loss_is_rejected(tmp_path, toy):
    with pytest.raises(TypeError, match="lacks model_type / compute_loss"):
        train(torch.nn.Linear(2, 2), toy[1](8), _cfg(), tmp_path, run_config={})


def test_validation_sees_ema_weights(toy, tmp_path):
    seen = {}

    def validator(model, step):
        seen[step] = model.net[0].weight.detach().clone()
        return {"w": float(model.net[0].weight[0, 0])}

    model, res = _run(toy, tmp_path / "run", _cfg(val_every=12), validators=[validator])
    ema = ck.load_weights(res.checkpoint, ema=True)["net.0.weight"]
    assert torch.equal(seen[12], ema) and not torch.equal(model.net[0].weight, ema)
    rows = [r for r in read_metrics(tmp_path / "run" / "metrics.csv") if r["split"] == "val"]
    assert rows == [{"step": 12, "split": "val", "metric": "w", "value": float(ema[0, 0])}]


def test_mixed_precision_runs_one_after_another(toy, tmp_path):
    _, bf16 = _run(toy, tmp_path / "bf16", _cfg(precision="bf16", steps=4))
    model, fp32 = _run(toy, tmp_path / "fp32", _cfg(steps=4))
    reference, _ = _run(toy, tmp_path / "fp32b", _cfg(steps=4))
    assert torch.isfinite(torch.tensor(bf16.train_metrics["loss"]))
    assert bf16.train_metrics["loss"] != fp32.train_metrics["loss"]  # bf16 autocast was on
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(),
                                                 reference.state_dict().values(), strict=True))
