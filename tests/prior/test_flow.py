"""Flow-matching math against hand-written references (t = 1 noise, t = 0 data)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from motionprior.prior.flow import (
    euler_sample,
    flow_matching_loss,
    interpolate,
    masked_mse,
    sample_time,
    velocity_target,
)


def test_interpolation_endpoints_and_velocity():
    g = torch.Generator().manual_seed(0)
    a, n = torch.randn(3, 4, 5, generator=g), torch.randn(3, 4, 5, generator=g)
    assert torch.equal(interpolate(a, n, torch.zeros(3)), a)
    assert torch.equal(interpolate(a, n, torch.ones(3)), n)
    t = torch.tensor([0.2, 0.5, 0.9], dtype=torch.float64)
    a64, n64 = a.double(), n.double()
    fd = (interpolate(a64, n64, t + 1e-6) - interpolate(a64, n64, t - 1e-6)) / 2e-6
    assert torch.allclose(fd, velocity_target(a64, n64), atol=1e-8)  # d x_t / dt = noise - a


@pytest.mark.parametrize("steps", [1, 3, 10])
def test_euler_integrates_a_constant_field_exactly(steps):
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(4, 6, 3, generator=g, dtype=torch.float64)
    c = torch.randn(6, 3, generator=g, dtype=torch.float64)
    out = euler_sample(lambda x, t: c.expand_as(x), noise, steps)
    assert torch.allclose(out, noise - c, atol=1e-12, rtol=0)


def test_euler_on_the_straight_path_field_recovers_the_data():
    """The exact conditional field (x_t - a) / t of flow matching is constant along each path,
    so Euler from pure noise at t = 1 lands exactly on the data at t = 0."""
    g = torch.Generator().manual_seed(2)
    a = torch.randn(5, 16, 4, generator=g, dtype=torch.float64)
    noise = torch.randn(5, 16, 4, generator=g, dtype=torch.float64)
    times = []

    def field(x, t):
        times.append(float(t[0]))
        return (x - a) / t.view(-1, 1, 1)

    out = euler_sample(field, noise, 10)
    assert torch.allclose(out, a, atol=1e-10, rtol=0)
    assert times == pytest.approx([1.0 - k / 10 for k in range(10)])


def test_time_sampling_favours_the_noisy_end():
    g = torch.Generator().manual_seed(0)
    t = sample_time(200_000, g).double().numpy()
    assert t.min() >= 0.001 and t.max() <= 1.0
    x = (t - 0.001) / 0.999
    for q in (0.1, 0.5, 0.9):  # Beta(1.5, 1) has CDF x^1.5
        assert np.mean(x <= q) == pytest.approx(q**1.5, abs=0.005)
    assert np.mean(t > 0.5) > 0.6


def test_general_beta_times_and_generator_isolation():
    state = torch.get_rng_state()
    g = torch.Generator().manual_seed(3)
    x = sample_time(100_000, g, alpha=2.0, beta=3.0, scale=1.0, offset=0.0).double().numpy()
    assert x.mean() == pytest.approx(0.4, abs=0.003)  # a / (a + b)
    assert x.var() == pytest.approx(0.04, abs=0.001)  # ab / ((a + b)^2 (a + b + 1))
    y = sample_time(1000, torch.Generator().manual_seed(3), alpha=0.5, beta=0.7, scale=1.0,
                    offset=0.0).double().numpy()
    assert y.mean() == pytest.approx(0.5 / 1.2, abs=0.03)
    assert torch.equal(torch.get_rng_state(), state)  # the global RNG was never touched
    a = sample_time(10, torch.Generator().manual_seed(9))
    b = sample_time(10, torch.Generator().manual_seed(9))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="Beta parameters must be > 0"):
        sample_time(3, g, alpha=0.0)


def test_masked_mse_matches_numpy_and_masked_entries_get_no_gradient():
    g = torch.Generator().manual_seed(4)
    pred = torch.randn(3, 5, 4, generator=g, requires_grad=True)
    target = torch.randn(3, 5, 4, generator=g)
    mask = torch.rand(3, 5, 4, generator=g) > 0.4
    loss = masked_mse(pred, target, mask)
    p, t, m = pred.detach().numpy(), target.numpy(), mask.numpy()
    assert float(loss.detach()) == pytest.approx(((p - t) ** 2)[m].mean(), rel=1e-6)
    loss.backward()
    assert torch.all(pred.grad[~mask] == 0) and torch.all(pred.grad[mask] != 0)
    assert float(masked_mse(pred, target, torch.zeros_like(mask))) == 0.0


def test_flow_loss_with_injected_noise_and_time():
    g = torch.Generator().manual_seed(5)
    a = torch.randn(2, 4, 3, generator=g)
    noise = torch.randn(2, 4, 3, generator=g)
    mask = torch.ones(2, 4, 3, dtype=torch.bool)
    mask[1, 2:] = False
    t = torch.tensor([0.25, 0.75])
    w = torch.randn(3, 3, generator=g)
    seen = {}

    def velocity(x, tt):
        seen["x"], seen["t"] = x, tt
        return x @ w

    loss = flow_matching_loss(velocity, a, mask, noise=noise, t=t)
    x_ref = (t.view(2, 1, 1) * noise + (1 - t.view(2, 1, 1)) * a) * mask
    assert torch.allclose(seen["x"], x_ref) and torch.equal(seen["t"], t)
    ref = ((x_ref @ w - (noise - a)) ** 2)[mask].mean()
    assert float(loss) == pytest.approx(float(ref), rel=1e-6)
