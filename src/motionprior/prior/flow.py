"""Flow matching, in the one convention of METHOD.md.

t = 1 is noise and t = 0 is data: `x_t = t * noise + (1 - t) * actions`; the network predicts the
velocity `dx_t/dt = noise - actions`; sampling integrates from t = 1 down to t = 0 with Euler
steps. Training times favour the noisy end: `t = scale * Beta(alpha, beta) + offset` (defaults
`0.999 * Beta(1.5, 1) + 0.001`). Noise and time are injectable everywhere; when they are not
given they come from an explicit `torch.Generator`, never from hidden global state.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

VelocityFn = Callable[[Tensor, Tensor], Tensor]
"""`velocity(x_t [B, ...], t [B]) -> v [B, ...]`."""


def interpolate(actions: Tensor, noise: Tensor, t: Tensor) -> Tensor:
    """`x_t = t * noise + (1 - t) * actions`, with `t` of shape `[B]` broadcast over the rest."""
    tb = _bcast(t, actions)
    return tb * noise + (1.0 - tb) * actions


def velocity_target(actions: Tensor, noise: Tensor) -> Tensor:
    """The regression target `noise - actions` (the constant velocity of the straight path)."""
    return noise - actions


def sample_time(
    n: int,
    generator: torch.Generator | None,
    *,
    alpha: float = 1.5,
    beta: float = 1.0,
    scale: float = 0.999,
    offset: float = 0.001,
) -> Tensor:
    """`n` training times `scale * Beta(alpha, beta) + offset` (float32, on CPU).

    Beta(alpha, 1) is drawn by inversion (`u ** (1 / alpha)`, one uniform per sample); a general
    Beta is drawn as a ratio of Gamma variates. Both use only `generator`.
    """
    if alpha <= 0 or beta <= 0:
        raise ValueError(f"Beta parameters must be > 0, got alpha={alpha}, beta={beta}")
    if beta == 1.0:
        u = torch.rand(n, generator=generator, dtype=torch.float64)
        x = u ** (1.0 / alpha)
    else:
        ga = _gamma(n, alpha, generator)
        gb = _gamma(n, beta, generator)
        x = ga / (ga + gb)
    return (scale * x + offset).float()


def _gamma(n: int, shape: float, generator: torch.Generator | None) -> Tensor:
    """Gamma(shape, 1) variates with `generator` (Marsaglia and Tsang, 2000), float64."""
    boost = shape < 1.0
    a = shape + 1.0 if boost else shape
    d = a - 1.0 / 3.0
    c = 1.0 / (9.0 * d) ** 0.5
    out = torch.empty(n, dtype=torch.float64)
    todo = torch.arange(n)
    while todo.numel():
        m = todo.numel()
        x = torch.randn(m, generator=generator, dtype=torch.float64)
        u = torch.rand(m, generator=generator, dtype=torch.float64)
        v = (1.0 + c * x) ** 3
        ok = (v > 0) & (torch.log(u) < 0.5 * x**2 + d - d * v + d * torch.log(v.clamp_min(1e-300)))
        out[todo[ok]] = (d * v)[ok]
        todo = todo[~ok]
    if boost:  # Gamma(a) = Gamma(a + 1) * U^(1/a)
        out = out * torch.rand(n, generator=generator, dtype=torch.float64) ** (1.0 / shape)
    return out


def masked_mse(pred: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """Mean of `(pred - target)^2` over the elements where `mask` is true.

    Masked elements are multiplied by zero, so they get exactly zero gradient; an all-false mask
    gives 0 (not NaN).
    """
    m = mask.to(pred.dtype)
    return ((pred - target) ** 2 * m).sum() / m.sum().clamp_min(1.0)


def flow_matching_loss(
    velocity: VelocityFn,
    actions: Tensor,
    mask: Tensor,
    *,
    noise: Tensor | None = None,
    t: Tensor | None = None,
    generator: torch.Generator | None = None,
    alpha: float = 1.5,
    beta: float = 1.0,
) -> Tensor:
    """The masked flow-matching loss of `velocity` on `actions` (`[B, ...]`, mask the same shape).

    `noise` (same shape as `actions`) and `t` (`[B]`) default to draws from `generator`.
    Padded entries of the noisy input are zeroed so that padding carries no signal.
    """
    if noise is None:
        noise = torch.randn(actions.shape, generator=generator).to(actions)
    if t is None:
        t = sample_time(actions.shape[0], generator, alpha=alpha, beta=beta).to(actions.device)
    m = mask.to(actions.dtype)
    x_t = interpolate(actions, noise, t) * m
    return masked_mse(velocity(x_t, t), velocity_target(actions, noise), mask)


@torch.no_grad()
def euler_sample(velocity: VelocityFn, noise: Tensor, steps: int = 10) -> Tensor:
    """Integrate `dx/dt = velocity(x, t)` from t = 1 (x = `noise`) to t = 0 with `steps` Euler
    steps of size 1/steps; returns x at t = 0. Exact for a velocity field constant along the
    path (the straight paths of flow matching)."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    x = noise
    dt = 1.0 / steps
    times = torch.linspace(1.0, 0.0, steps + 1, dtype=torch.float64)[:-1]
    for tk in times.tolist():
        t = torch.full((x.shape[0],), tk, dtype=x.dtype, device=x.device)
        x = x - dt * velocity(x, t)
    return x


def _bcast(t: Tensor, like: Tensor) -> Tensor:
    if t.ndim != 1 or t.shape[0] != like.shape[0]:
        raise ValueError(f"t must have shape [{like.shape[0]}], got {tuple(t.shape)}")
    return t.to(like.dtype).view(-1, *([1] * (like.ndim - 1)))
