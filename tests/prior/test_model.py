"""ActionPrior behaviour: masks, zero-init conditioning, overfitting, sampling, config errors."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from motionprior.errors import ConfigError, UnknownNameError
from motionprior.prior import ActionPrior, PriorConfig, preset
from motionprior.prior.flow import euler_sample, flow_matching_loss
from motionprior.prior.model import latent_regularizer
from motionprior.prior.synthetic import SyntheticWindows

TINY = PriorConfig(width=32, heads=2, encoder_layers=1, decoder_layers=2, latent_dim=8)


def _perturbed(cfg: PriorConfig = TINY, seed: int = 0) -> ActionPrior:
    """A prior whose zero-initialised layers are non-zero, as after training."""
    torch.manual_seed(seed)
    model = ActionPrior(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


def _batch(n: int = 6, seed: int = 0) -> dict:
    return SyntheticWindows(n, seed=seed, end_padding_prob=0.5).batch(list(range(n)))


def test_masked_entries_get_zero_gradient_and_do_not_change_the_loss():
    model = _perturbed().train()
    batch = _batch()
    actions = batch["actions"].clone().requires_grad_(True)
    loss, _ = model.compute_loss({**batch, "actions": actions}, step=0,
                                 generator=torch.Generator().manual_seed(1))
    loss.backward()
    mask = batch["action_mask"]
    assert (~mask).sum() > 0 and torch.all(actions.grad[~mask] == 0)
    assert actions.grad[mask].abs().sum() > 0
    garbage = torch.where(mask, batch["actions"], torch.full_like(batch["actions"], 7.0))
    loss2, _ = model.compute_loss({**batch, "actions": garbage}, step=0,
                                  generator=torch.Generator().manual_seed(1))
    assert torch.equal(loss.detach(), loss2.detach())


def test_padded_steps_never_reach_valid_outputs():
    model = _perturbed()
    batch = _batch(seed=3)
    mask = batch["action_mask"].clone()
    mask[:, 12:] = False  # the last 4 steps are padding
    x = torch.randn(6, 16, 32)
    z, t = torch.randn(6, TINY.latent_dim), torch.rand(6)
    v1 = model.decoder(x, t, z, mask)
    v2 = model.decoder(torch.where(mask, x, torch.randn_like(x) * 5), t, z, mask)
    assert torch.allclose(v1, v2, atol=1e-6) and torch.all(v1[~mask] == 0)
    z1 = model.encoder(batch["actions"], mask, batch["state"], batch["state_mask"]).mean
    noisy = torch.where(mask, batch["actions"], torch.full_like(batch["actions"], 3.0))
    z2 = model.encoder(noisy, mask, batch["state"], batch["state_mask"]).mean
    assert torch.allclose(z1, z2, atol=1e-6)


def test_zero_init_conditions_leave_the_decoder_unchanged_but_can_learn():
    model = _perturbed(seed=4)
    dec = model.decoder
    x, t = torch.randn(3, 16, 32), torch.rand(3)
    z, mask = torch.randn(3, TINY.latent_dim), torch.ones(3, 16, 32, dtype=torch.bool)
    before = dec(x, t, z, mask)
    dec.add_condition("backbone", 20)
    dec.add_token_condition("words", 24)
    cond = {"backbone": torch.randn(3, 20)}
    tokens = {"words": (torch.randn(3, 5, 24), torch.tensor([[True] * 5, [True] * 2 + [False] * 3,
                                                              [True] * 5]))}
    after = dec(x, t, z, mask, conditions=cond, tokens=tokens)
    assert torch.equal(before, after)  # bit for bit
    after.pow(2).mean().backward()
    assert dec.conditions["backbone"].weight.grad.abs().sum() > 0
    assert dec.blocks[0].cross["words"]["attn"].out.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="condition 'backbone' already exists"):
        dec.add_condition("backbone", 20)


def test_tiny_model_overfits_a_fixed_batch():
    torch.manual_seed(0)
    model = ActionPrior(dataclasses.replace(TINY, latent_reg="none", encoder_prefix_prob=0.0))
    batch = _batch(8, seed=5)
    g = torch.Generator().manual_seed(0)
    noise, t = torch.randn(8, 16, 32, generator=g), torch.rand(8, generator=g)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)

    def loss_fn():
        z = model.encode(batch)
        ctx = model.decoder.context(z)
        return flow_matching_loss(lambda x, tt: model.decoder.velocity(x, tt, ctx,
                                                                       batch["action_mask"]),
                                  batch["actions"], batch["action_mask"], noise=noise, t=t)

    first = float(loss_fn().detach())
    for _ in range(150):
        loss = loss_fn()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert first > 0.5 and float(loss_fn().detach()) < 1e-3 * first


def test_fast_sampler_equals_the_reference_euler_loop():
    model = _perturbed(seed=6)
    batch = _batch(4, seed=6)
    z, mask = model.encode(batch), batch["action_mask"]
    noise = torch.randn(4, 16, 32, generator=torch.Generator().manual_seed(0))
    fast = model.decode(z, mask, noise=noise, steps=7)
    ctx = model.decoder.context(z)
    ref = euler_sample(lambda x, t: model.decoder.velocity(x, t, ctx, mask), noise * mask, 7)
    assert torch.allclose(fast, ref, atol=1e-5) and torch.all(fast[~mask] == 0)
    again = model.decode(z, mask, steps=7, generator=torch.Generator().manual_seed(0))
    assert torch.equal(again, fast)


def test_fast_sampler_with_cached_cross_attention_equals_the_reference_loop():
    model = _perturbed(seed=7)
    d = model.decoder
    d.add_token_condition("backbone", 12)
    with torch.no_grad():  # the new path starts at zero; make it matter
        for block in d.blocks:
            for p in block.cross.parameters():
                p.add_(0.1 * torch.randn_like(p))
    batch = _batch(3, seed=7)
    z, mask = model.encode(batch), batch["action_mask"]
    feats = torch.randn(3, 5, 12)
    valid = torch.tensor([[True] * 5, [True, True, True, False, False], [True] * 5])
    tokens = {"backbone": (feats, valid)}
    noise = torch.randn(3, 16, 32, generator=torch.Generator().manual_seed(1))
    ctx = d.context(z)
    fast = d.sample(ctx, mask, noise, 6, tokens)
    ref = euler_sample(lambda x, t: d.velocity(x, t, ctx, mask, tokens), noise * mask, 6)
    assert torch.allclose(fast, ref, atol=1e-5)
    without = d.sample(ctx, mask, noise, 6)
    assert not torch.allclose(fast, without, atol=1e-3)  # the tokens are really attended to
    changed = {"backbone": (feats.masked_fill(~valid[..., None], 9.0), valid)}
    assert torch.allclose(d.sample(ctx, mask, noise, 6, changed), fast, atol=1e-5)  # masked out


def test_latent_regularizers():
    model = _perturbed()
    lat = model.encode_latent(_batch())
    m, lv = lat.mean, lat.logvar
    ref = 0.5 * (m**2 + lv.exp() - 1 - lv).mean()
    assert torch.allclose(latent_regularizer(lat, "kl"), ref)
    assert torch.allclose(latent_regularizer(lat, "l2"), m.pow(2).mean())
    assert float(latent_regularizer(lat, "none")) == 0.0


def test_embodiment_switch_needs_ids():
    cfg = dataclasses.replace(TINY, use_embodiment=True, embodiments=("a", "b", "c"))
    model = _perturbed(cfg)
    batch = _batch()
    z_with = model.encode(batch)
    other = {**batch, "embodiment_id": (batch["embodiment_id"] + 1) % 3}
    assert not torch.allclose(z_with, model.encode(other))  # the embedding is used
    batch.pop("embodiment_id")
    with pytest.raises(ValueError, match="batch needs 'embodiment_id'"):
        model.encode(batch)


def test_config_errors_and_presets():
    with pytest.raises(ConfigError, match="width 30 must be divisible by heads 4"):
        PriorConfig(width=30)
    with pytest.raises(ConfigError, match="must be multiples of patch 3"):
        PriorConfig(patch=3)
    with pytest.raises(ConfigError, match="history_len 20 must be <= horizon 16"):
        PriorConfig(history_len=20)
    with pytest.raises(ConfigError, match="use_embodiment needs the embodiment names"):
        ActionPrior(PriorConfig(use_embodiment=True))
    with pytest.raises(UnknownNameError, match="unknown prior preset 'huge'; known: debug, paper"):
        preset("huge")
    sizes = {name: sum(p.numel() for p in ActionPrior(preset(name).model).parameters())
             for name in ("debug", "quickstart")}
    assert sizes["debug"] < 100_000 < sizes["quickstart"] < 3_000_000
    paper = preset("paper")
    assert paper.model.width == 512 and paper.train.precision == "bf16"


def test_paper_preset_is_the_documented_size_and_trains():
    torch.manual_seed(0)
    model = ActionPrior(preset("paper").model)
    assert 51_000_000 < sum(p.numel() for p in model.parameters()) < 53_000_000  # "52M"
    batch = _batch(2)
    loss, metrics = model.compute_loss(batch, step=0, generator=torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss) and model.decoder.out.weight.grad.abs().sum() > 0
    z = model.eval().encode(batch)
    assert z.shape == (2, 256)
