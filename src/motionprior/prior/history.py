"""The history token of stage 2: the frozen encoder E summarises the past K steps.

`encode_history(prior, states, actions, mask)` returns one latent per sample (E's mean, the
same space as the chunk latents). Histories near an episode's start have missing steps; the
valid steps are moved to the front (E is trained on windows whose padding is at the end), and E
sees the state at the first valid history step, as it sees the state at a chunk's first step
during training. Stage 1 trains E on K-step prefixes too (`encoder_prefix_prob`), so K-step
histories are in its training distribution.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from motionprior.prior.encoder import ActionEncoder
from motionprior.prior.model import ActionPrior


def compact_history(states: Tensor, actions: Tensor,
                    mask: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Move each sample's valid steps (any dim valid) to the front, keeping their order.

    Returns (actions, action_mask, first_state, first_state_valid) with the first two
    `[B, K, D]` and the last two `[B, D]` / `[B]`.
    """
    valid = mask.any(-1)  # [B, K]
    k = valid.shape[1]
    # stable sort: valid steps first, in their original order
    key = (~valid).to(torch.int64) * k + torch.arange(k, device=mask.device)[None]
    order = key.argsort(dim=1)
    idx = order[:, :, None].expand_as(actions)
    actions_c = actions.gather(1, idx)
    mask_c = mask.gather(1, idx)
    first = order[:, 0]
    rows = torch.arange(states.shape[0], device=states.device)
    return actions_c * mask_c.to(actions.dtype), mask_c, states[rows, first], valid.any(1)


@torch.no_grad()
def encode_history(prior: ActionPrior | ActionEncoder, states: Tensor, actions: Tensor,
                   mask: Tensor | None = None, *, state_mask: Tensor | None = None,
                   embodiment_id: Tensor | None = None) -> Tensor:
    """One token `[B, latent_dim]` from the past K steps of state and action.

    states, actions: `[B, K, D_max]` (normalized, padded); mask: `[B, K, D_max]` bool for the
    actions (default: all valid); state_mask: `[B, D_max]` bool (default: the dims where the
    action mask of the first valid step is true is NOT assumed; all state dims are valid).
    A sample with no valid step gets the latent of an empty window. `prior` is a whole
    `ActionPrior` or just its encoder E.
    """
    encoder = prior.encoder if isinstance(prior, ActionPrior) else prior
    cfg = encoder.cfg
    b, k, d = actions.shape
    if k > cfg.horizon or k % cfg.patch or d != cfg.d_max or states.shape != actions.shape:
        raise ValueError(f"history must be states and actions of shape [B, K, {cfg.d_max}] "
                         f"with K <= {cfg.horizon} a multiple of {cfg.patch}; got states "
                         f"{tuple(states.shape)}, actions {tuple(actions.shape)}")
    if mask is None:
        mask = torch.ones_like(actions, dtype=torch.bool)
    acts, amask, first_state, any_valid = compact_history(states, actions, mask)
    if state_mask is None:
        state_mask = torch.ones(b, d, dtype=torch.bool, device=actions.device)
    state_mask = state_mask & any_valid[:, None]
    latent = encoder(acts, amask, first_state * state_mask.to(acts.dtype), state_mask,
                           embodiment_id)
    return latent.mean


class HistoryEncoder(nn.Module):
    """A frozen copy of E for stage 2: `forward(batch) -> [B, latent_dim]` from the batch's
    "history_state", "history_actions", "history_mask", "state_mask" (the embodiment's state
    dims) and, when the prior uses it, "embodiment_id"."""

    def __init__(self, prior: ActionPrior) -> None:
        super().__init__()
        self.prior = prior
        self.prior.requires_grad_(False)
        self.prior.eval()

    def train(self, mode: bool = True) -> HistoryEncoder:  # stays in eval mode: it is frozen
        super().train(mode)
        self.prior.eval()
        return self

    def forward(self, batch: dict) -> Tensor:
        hs, ha, hm = batch["history_state"], batch["history_actions"], batch["history_mask"]
        emb = batch.get("embodiment_id") if self.prior.cfg.use_embodiment else None
        return encode_history(self.prior, hs, ha, hm, state_mask=batch.get("state_mask"),
                              embodiment_id=emb)
