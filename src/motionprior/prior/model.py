"""ActionPrior: the encoder E and the flow decoder D, trained jointly on action chunks alone.

Training loss for a batch of windows (the dict layout of `motionprior.data.windows`):
`flow_matching_loss(D(. | z), chunk) + latent_reg_weight * reg(z)` with `z ~ q(z | E(chunk))`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from motionprior.errors import ConfigError
from motionprior.prior.config import PriorConfig
from motionprior.prior.decoder import FlowDecoder, TokenConditions
from motionprior.prior.encoder import ActionEncoder, Latent
from motionprior.prior.flow import flow_matching_loss

MODEL_TYPE = "action_prior"


class ActionPrior(nn.Module):
    """E and D with the training loss (`compute_loss`), encoding and sampling."""

    model_type = MODEL_TYPE

    def __init__(self, cfg: PriorConfig) -> None:
        super().__init__()
        if cfg.use_embodiment and not cfg.embodiments:
            raise ConfigError("use_embodiment needs the embodiment names (PriorConfig."
                              "embodiments) to size the embedding table")
        self.cfg = cfg
        self.encoder = ActionEncoder(cfg)
        self.decoder = FlowDecoder(cfg)

    # -- encoding ----------------------------------------------------------------------------
    def encode_latent(self, batch: Mapping[str, Any], actions_key: str = "actions",
                      mask_key: str = "action_mask") -> Latent:
        """E's latent distribution for the chunks of `batch` (state used when configured)."""
        return self.encoder(batch[actions_key], batch[mask_key], batch.get("state"),
                            batch.get("state_mask"), self.embodiment_ids(batch))

    def encode(self, batch: Mapping[str, Any]) -> Tensor:
        """The deterministic latent (the mean) of each chunk: `[B, latent_dim]`."""
        return self.encode_latent(batch).mean

    # -- decoding ----------------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, z: Tensor, mask: Tensor, *, steps: int | None = None,
               noise: Tensor | None = None, generator: torch.Generator | None = None,
               embodiment_id: Tensor | None = None,
               conditions: Mapping[str, Tensor] | None = None,
               tokens: TokenConditions | None = None) -> Tensor:
        """Sample chunks `[B, H, D_max]` from D given z (Euler, t = 1 -> 0); padded elements
        of `mask` (`[B, H, D_max]`) are exactly 0. `noise` defaults to a draw from
        `generator`; `conditions`/`tokens` feed conditioning paths added in stage 2."""
        cfg = self.cfg
        shape = (z.shape[0], cfg.horizon, cfg.d_max)
        if noise is None:
            noise = torch.randn(shape, generator=generator).to(z)
        ctx = self.decoder.context(z, embodiment_id, conditions)
        return self.decoder.sample(ctx, mask, noise, steps or cfg.sample_steps, tokens)

    @torch.no_grad()
    def reconstruct(self, batch: Mapping[str, Any], *, steps: int | None = None,
                    generator: torch.Generator | None = None) -> Tensor:
        """D(E(chunk)): each chunk of `batch` encoded to its mean latent and decoded."""
        z = self.encode(batch)
        return self.decode(z, batch["action_mask"], steps=steps, generator=generator,
                           embodiment_id=self.embodiment_ids(batch))

    # -- training ----------------------------------------------------------------------------
    def compute_loss(self, batch: Mapping[str, Any], *, step: int,
                     generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        """The training loss and its parts (detached) for one batch."""
        del step  # the prior's loss does not depend on the step
        cfg = self.cfg
        actions, mask = batch["actions"], batch["action_mask"]
        enc_mask = mask
        if self.training and cfg.encoder_prefix_prob > 0 and cfg.history_len < cfg.horizon:
            short = torch.rand(actions.shape[0], generator=generator) < cfg.encoder_prefix_prob
            keep = torch.arange(cfg.horizon) < cfg.history_len
            cut = short[:, None] & ~keep[None]  # [B, H]: steps hidden from E
            enc_mask = mask & ~cut.to(mask.device)[:, :, None]
        latent = self.encoder(actions, enc_mask, batch.get("state"), batch.get("state_mask"),
                              self.embodiment_ids(batch))
        z = latent.sample(generator) if self.training else latent.mean
        ctx = self.decoder.context(z, self.embodiment_ids(batch))

        def velocity(x: Tensor, t: Tensor) -> Tensor:
            return self.decoder.velocity(x, t, ctx, mask)

        flow = flow_matching_loss(velocity, actions, mask, generator=generator,
                                  alpha=cfg.time_alpha, beta=cfg.time_beta)
        reg = latent_regularizer(latent, cfg.latent_reg)
        loss = flow + cfg.latent_reg_weight * reg
        metrics = {"flow": flow.detach(), "latent_reg": reg.detach(),
                   "z_norm": latent.mean.detach().pow(2).mean(-1).sqrt().mean()}
        return loss, metrics

    def embodiment_ids(self, batch: Mapping[str, Any]) -> Tensor | None:
        if not self.cfg.use_embodiment:
            return None
        if "embodiment_id" not in batch:
            raise ValueError("this prior uses embodiment embeddings: the batch needs "
                             "'embodiment_id'")
        return batch["embodiment_id"]


def latent_regularizer(latent: Latent, kind: str) -> Tensor:
    """KL(q || N(0, I)) averaged over dims and batch ("kl"), mean |z|^2 ("l2"), or 0."""
    if kind == "kl":
        mean, logvar = latent.mean, latent.logvar
        return 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).mean()
    if kind == "l2":
        return latent.mean.pow(2).mean()
    return latent.mean.new_zeros(())
