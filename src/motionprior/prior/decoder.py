"""The flow decoder D: the velocity of an action chunk `[B, H, D_max]` given z and the time t.

A DiT-style transformer over the H steps (one token per `patch` steps). Conditioning is a
vector `c = time(t) + W_z z (+ embodiment embedding) (+ added conditions)` that modulates every
block through adaLN-Zero. Stage 2 can add conditioning paths that start at exactly zero:
`add_condition(name, dim)` adds a zero-initialised linear map of a vector into `c`, and
`add_token_condition(name, dim)` adds zero-initialised cross-attention to a token sequence in
every block; at step 0 the decoder's output is bit-for-bit what it was after stage 1.

Mask-aware: padded dims enter as zeros next to the mask, steps whose dims are all padded are
never attended to, and the predicted velocity is zero on every padded element.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from motionprior.prior.config import PriorConfig
from motionprior.prior.layers import (
    Block,
    TimeEmbedding,
    masked_tokens,
    patchify,
    step_key_mask,
    unpatchify,
)

TokenConditions = Mapping[str, tuple[Tensor, Tensor | None]]


class FlowDecoder(nn.Module):
    def __init__(self, cfg: PriorConfig) -> None:
        super().__init__()
        self.cfg = cfg
        w, p, d = cfg.width, cfg.patch, cfg.d_max
        self.step_in = nn.Linear(2 * d * p, w)
        self.pos = nn.Parameter(torch.randn(cfg.horizon // p, w) * 0.02)
        self.time = TimeEmbedding(w)
        self.latent_in = nn.Linear(cfg.latent_dim, w)
        self.embodiment = (nn.Embedding(len(cfg.embodiments), w) if cfg.use_embodiment
                           else None)
        if self.embodiment is not None:  # small, like the other learned vectors
            nn.init.normal_(self.embodiment.weight, std=0.02)
        self.conditions = nn.ModuleDict()
        self.blocks = nn.ModuleList(
            Block(w, cfg.heads, cfg.mlp_ratio, cond_width=w) for _ in range(cfg.decoder_layers))
        self.final_norm = nn.LayerNorm(w, elementwise_affine=False)
        self.final_mod = nn.Linear(w, 2 * w)
        self.out = nn.Linear(w, d * p)
        for layer in (self.final_mod, self.out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    # -- stage-2 conditioning paths (all start at zero) --------------------------------------
    def add_condition(self, name: str, dim: int) -> None:
        """Add a vector condition `name` ([B, dim]) entering `c` through a zero-initialised map."""
        if name in self.conditions:
            raise ValueError(f"condition {name!r} already exists")
        layer = nn.Linear(dim, self.cfg.width)
        nn.init.zeros_(layer.weight)
        nn.init.zeros_(layer.bias)
        self.conditions[name] = layer.to(self.pos.device)

    def add_token_condition(self, name: str, dim: int) -> None:
        """Add zero-initialised cross-attention from every block to a token sequence `name`."""
        for block in self.blocks:
            block.add_cross_attention(name, dim, self.cfg.heads)
        self.to(self.pos.device)

    # -- forward -----------------------------------------------------------------------------
    def context(self, z: Tensor, embodiment_id: Tensor | None = None,
                conditions: Mapping[str, Tensor] | None = None) -> Tensor:
        """The time-independent part of the conditioning vector (compute once per chunk)."""
        ctx = self.latent_in(z)
        if self.embodiment is not None:
            if embodiment_id is None:
                raise ValueError("this decoder uses embodiment embeddings: pass embodiment_id")
            ctx = ctx + self.embodiment(embodiment_id)
        for name, layer in self.conditions.items():
            if conditions is not None and name in conditions:
                ctx = ctx + layer(conditions[name])
        return ctx

    def velocity(self, x_t: Tensor, t: Tensor, context: Tensor, mask: Tensor,
                 tokens: TokenConditions | None = None) -> Tensor:
        """Predicted velocity `[B, H, D]` at `x_t` (`[B, H, D]`) and times `t` (`[B]`)."""
        p = self.cfg.patch
        h = self.step_in(masked_tokens(x_t, mask, p)) + self.pos
        key_mask = step_key_mask(patchify(mask, p))
        cond = F.silu(context + self.time(t))
        tok = dict(tokens) if tokens else None
        for block in self.blocks:
            h = block(h, cond, key_mask=key_mask, tokens=tok)
        return self._head(h, self._final_mods(cond)) * mask.to(x_t.dtype)

    def forward(self, x_t: Tensor, t: Tensor, z: Tensor, mask: Tensor,
                embodiment_id: Tensor | None = None,
                conditions: Mapping[str, Tensor] | None = None,
                tokens: TokenConditions | None = None) -> Tensor:
        return self.velocity(x_t, t, self.context(z, embodiment_id, conditions), mask, tokens)

    @torch.no_grad()
    def sample(self, context: Tensor, mask: Tensor, noise: Tensor, steps: int,
               tokens: TokenConditions | None = None) -> Tensor:
        """Euler integration from t = 1 (`noise`) to t = 0, the same arithmetic as
        `flow.euler_sample(self.velocity, ...)` but with everything that does not depend on
        x_t (time embeddings, adaLN modulations, the mask's part of the input projection, the
        cross-attention keys and values of `tokens`) computed once for all steps: the fast
        path for inference. Returns `[B, H, D]`, zero on padded elements."""
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        p, b = self.cfg.patch, context.shape[0]
        m = mask.to(noise.dtype)
        times = torch.linspace(1.0, 0.0, steps + 1, dtype=torch.float64)[:-1]
        times = times.to(device=context.device, dtype=noise.dtype)
        cond = F.silu(context[None] + self.time(times)[:, None]).reshape(steps * b, -1)

        def per_step(mods: tuple[Tensor, ...]) -> list[tuple[Tensor, ...]]:
            split = [x.reshape(steps, b, *x.shape[1:]).unbind(0) for x in mods]
            return list(zip(*split, strict=True))

        block_mods = [per_step(block.modulations(cond)) for block in self.blocks]
        final_mods = per_step(self._final_mods(cond))
        width = p * self.cfg.d_max
        w_x, w_m = self.step_in.weight[:, :width], self.step_in.weight[:, width:]
        in_bias = F.linear(patchify(m, p), w_m, self.step_in.bias) + self.pos
        key_mask = step_key_mask(patchify(mask, p))
        tok = dict(tokens) if tokens else None
        block_tokens = [block.cross_cache(tok) for block in self.blocks]  # K/V once, not per step
        step_m = m * (-1.0 / steps)  # x <- x - dt * v, with v zero on padded elements
        bias2d, w_xt = in_bias.reshape(-1, in_bias.shape[-1]), w_x.t()
        x = noise * m
        for k in range(steps):
            h = torch.addmm(bias2d, patchify(x, p).reshape(-1, width), w_xt).view_as(in_bias)
            for i, block in enumerate(self.blocks):
                h = block(h, key_mask=key_mask, tokens=block_tokens[i], mods=block_mods[i][k])
            x = torch.addcmul(x, self._head(h, final_mods[k]), step_m)
        return x

    def _final_mods(self, cond: Tensor) -> tuple[Tensor, Tensor]:
        shift, scale = self.final_mod(cond)[:, None].chunk(2, -1)
        return shift, 1.0 + scale

    def _head(self, h: Tensor, mods: tuple[Tensor, Tensor]) -> Tensor:
        """The unmasked velocity `[B, H, D]` from the last hidden states."""
        h = torch.addcmul(mods[0], self.final_norm(h), mods[1])
        return unpatchify(self.out(h), self.cfg.patch)
