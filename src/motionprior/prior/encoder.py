"""The action encoder E: a window of normalized, padded, masked actions -> one latent z.

Tokens: a learned query token (plus the embodiment embedding when switched on), an optional
state token (the proprioceptive state at the window's first step), and one token per `patch`
steps built from the masked actions and the mask itself (so a padded dim differs from a dim
that is zero). A step whose dims are all masked is not attended to. The query token's output
gives the mean and log-variance of z. Windows shorter than H (histories) are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from motionprior.prior.config import PriorConfig
from motionprior.prior.layers import Block, masked_tokens, patchify, step_key_mask


@dataclass
class Latent:
    """E's output: mean and log-variance of z (`[B, latent_dim]`); `logvar` is None unless the
    latent regulariser is the KL term."""

    mean: Tensor
    logvar: Tensor | None = None

    def sample(self, generator: torch.Generator | None) -> Tensor:
        """A reparameterised draw `mean + exp(logvar / 2) * eps` (the mean when no logvar)."""
        if self.logvar is None:
            return self.mean
        eps = torch.randn(self.mean.shape, generator=generator).to(self.mean)
        return self.mean + torch.exp(0.5 * self.logvar) * eps


class ActionEncoder(nn.Module):
    def __init__(self, cfg: PriorConfig) -> None:
        super().__init__()
        self.cfg = cfg
        w, p, d = cfg.width, cfg.patch, cfg.d_max
        self.step_in = nn.Linear(2 * d * p, w)
        self.pos = nn.Parameter(torch.randn(cfg.horizon // p, w) * 0.02)
        self.query = nn.Parameter(torch.randn(w) * 0.02)
        self.state_in = nn.Linear(2 * d, w) if cfg.use_state else None
        self.embodiment = (nn.Embedding(len(cfg.embodiments), w) if cfg.use_embodiment
                           else None)
        if self.embodiment is not None:  # small, like the other learned vectors
            nn.init.normal_(self.embodiment.weight, std=0.02)
        self.blocks = nn.ModuleList(
            Block(w, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.encoder_layers))
        self.norm = nn.LayerNorm(w)
        out = 2 * cfg.latent_dim if cfg.latent_reg == "kl" else cfg.latent_dim
        self.head = nn.Linear(w, out)

    def forward(self, actions: Tensor, action_mask: Tensor, state: Tensor | None = None,
                state_mask: Tensor | None = None,
                embodiment_id: Tensor | None = None) -> Latent:
        """`actions`/`action_mask` [B, T, D] with T <= H and T a multiple of `patch`;
        `state`/`state_mask` [B, D] (required when the config uses state);
        `embodiment_id` [B] long (required when the config uses the embodiment embedding)."""
        cfg = self.cfg
        b, t, d = actions.shape
        if d != cfg.d_max or t > cfg.horizon or t % cfg.patch:
            raise ValueError(f"actions must be [B, T<={cfg.horizon}, {cfg.d_max}] with T a "
                             f"multiple of {cfg.patch}, got {tuple(actions.shape)}")
        steps = masked_tokens(actions, action_mask, cfg.patch)
        steps = self.step_in(steps) + self.pos[: steps.shape[1]]
        key_mask = step_key_mask(patchify(action_mask, cfg.patch))
        query = self.query.expand(b, 1, -1)
        if self.embodiment is not None:
            if embodiment_id is None:
                raise ValueError("this encoder uses embodiment embeddings: pass embodiment_id")
            query = query + self.embodiment(embodiment_id)[:, None]
        tokens = [query]
        if self.state_in is not None:
            if state is None or state_mask is None:
                raise ValueError("this encoder uses the state: pass state and state_mask")
            sm = state_mask.to(actions.dtype)
            tokens.append(self.state_in(torch.cat([state * sm, sm], -1))[:, None])
        n_extra = len(tokens)
        x = torch.cat([*tokens, steps], 1)
        if key_mask is not None:
            key_mask = torch.cat([key_mask.new_ones(b, n_extra), key_mask], 1)
        for block in self.blocks:
            x = block(x, key_mask=key_mask)
        out = self.head(self.norm(x[:, 0]))
        if cfg.latent_reg == "kl":
            mean, logvar = out.chunk(2, -1)
            return Latent(mean, logvar.clamp(-10.0, 5.0))
        return Latent(out)
