"""The history token and the prior's evaluation metrics."""

from __future__ import annotations

import dataclasses

import matplotlib.image
import numpy as np
import pytest
import torch

from motionprior.prior import ActionPrior, PriorConfig
from motionprior.prior.evaluate import evaluate_prior, jerk_sq, pca_2d, plot_latents
from motionprior.prior.history import HistoryEncoder, compact_history, encode_history
from motionprior.prior.synthetic import SyntheticWindows

CFG = PriorConfig(width=32, heads=2, encoder_layers=1, decoder_layers=1, latent_dim=8)


def _prior(cfg: PriorConfig = CFG) -> ActionPrior:
    torch.manual_seed(0)
    return ActionPrior(cfg).eval()


def test_compact_history_moves_valid_steps_to_the_front():
    states = torch.arange(2 * 4 * 3, dtype=torch.float32).view(2, 4, 3)
    actions = states + 100
    mask = torch.ones(2, 4, 3, dtype=torch.bool)
    mask[0, :2] = False  # first two steps before the episode start
    acts, amask, first_state, any_valid = compact_history(states, actions, mask)
    assert torch.equal(acts[0, :2], actions[0, 2:]) and torch.all(acts[0, 2:] == 0)
    assert torch.equal(amask[0].any(-1), torch.tensor([True, True, False, False]))
    assert torch.equal(acts[1], actions[1]) and torch.equal(first_state[0], states[0, 2])
    assert torch.equal(first_state[1], states[1, 0]) and any_valid.all()


def test_left_padded_history_gives_the_token_of_its_valid_steps():
    prior = _prior()
    data = SyntheticWindows(4, seed=2)
    b = data.batch([0, 1, 2, 3])
    hs, ha, hm = b["history_state"], b["history_actions"], b["history_mask"].clone()
    hm[:, :3] = False  # 3 missing steps at the start
    token = encode_history(prior, hs, ha, hm, state_mask=b["state_mask"])
    # reference: the 5 valid steps placed first, the rest padding, state of the first valid step
    ref_a = torch.zeros_like(ha)
    ref_a[:, :5] = ha[:, 3:]
    ref_m = torch.zeros_like(hm)
    ref_m[:, :5] = hm[:, 3:]
    sm = b["state_mask"]
    ref = prior.encoder(ref_a * ref_m, ref_m, hs[:, 3] * sm, sm).mean
    assert torch.allclose(token, ref, atol=1e-6)
    assert token.shape == (4, CFG.latent_dim)
    with pytest.raises(ValueError, match=r"history must be states and actions of shape"):
        encode_history(prior, hs[:, :, :10], ha[:, :, :10])


def test_history_encoder_is_frozen():
    enc = HistoryEncoder(_prior())
    enc.train()
    assert not enc.prior.training
    assert not any(p.requires_grad for p in enc.parameters())
    b = SyntheticWindows(3).batch([0, 1, 2])
    out = enc(b)
    assert out.shape == (3, CFG.latent_dim) and not out.requires_grad


def test_jerk_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 8, 3)).astype(np.float32)
    mask = np.ones((2, 8, 3), dtype=bool)
    mask[1, 6:] = False
    s, n = jerk_sq(torch.from_numpy(x), torch.from_numpy(mask))
    j = x[:, 3:] - 3 * x[:, 2:-1] + 3 * x[:, 1:-2] - x[:, :-3]
    ok = mask[:, 3:] & mask[:, :-3]
    assert n.tolist() == [15.0, 9.0]
    assert s.numpy() == pytest.approx([(j[i] ** 2)[ok[i]].sum() for i in range(2)], rel=1e-5)
    t = np.arange(8, dtype=np.float32)  # a quadratic has zero jerk
    q = torch.from_numpy(np.tile((t**2)[None, :, None], (1, 1, 2)))
    assert float(jerk_sq(q, torch.ones_like(q, dtype=torch.bool))[0]) == 0.0


def test_pca_finds_the_planted_direction():
    rng = np.random.default_rng(1)
    direction = np.array([3.0, 4.0, 0.0]) / 5.0
    z = rng.normal(size=(500, 1)) * 10 * direction + rng.normal(size=(500, 3)) * 0.1
    proj, ratio = pca_2d(z)
    assert ratio[0] > 0.99 and ratio.sum() <= 1.0 + 1e-9
    assert abs(np.corrcoef(proj[:, 0], z @ direction)[0, 1]) > 0.999


def test_evaluate_prior_per_embodiment_and_plot(tmp_path):
    prior = _prior(dataclasses.replace(CFG, embodiments=("synth_arm7", "synth_joint6",
                                                          "synth_xyzg4")))
    data = SyntheticWindows(12, seed=4)
    batch = data.batch(list(range(12)))
    result = evaluate_prior(prior, [batch], seed=3)
    assert sorted(result["per_embodiment"]) == ["synth_arm7", "synth_joint6", "synth_xyzg4"]
    recon = prior.reconstruct(batch, generator=torch.Generator().manual_seed(3))
    m = batch["action_mask"]
    assert result["all"]["recon_mse"] == pytest.approx(
        float(((recon - batch["actions"]) ** 2)[m].mean()), rel=1e-5)
    sel = batch["embodiment_id"] == 1
    assert result["per_embodiment"]["synth_joint6"]["recon_mse"] == pytest.approx(
        float(((recon - batch["actions"])[sel] ** 2)[m[sel]].mean()), rel=1e-5)
    png = plot_latents(result["latents"], result["embodiments"], result["tasks"],
                       tmp_path / "z.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.image.imread(png).shape[:2] == (572, 1320)
