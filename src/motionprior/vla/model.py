"""VLAModel: the pure policy model (tensors in, tensors out; no normalization, no queues).

Sequence: `[vision tokens | instruction tokens | state token]` (the prefix, bidirectional)
followed by the generated tokens of the variant (`motionprior.vla.layout`, causal). Token
embeddings live in the language model's embedding space (`[vocab, lm_hidden]`): motion-word
tokens start as the language model's own embeddings of those word pieces, the specials and the
256 action tokens are new rows drawn at the scale of the language embeddings; a linear map
takes them to the backbone width, and the output logits are tied to the same table.

The flow variant's action expert is a `motionprior.prior.FlowDecoder` (the stage-1 class):
z-hat = a linear map of the `<flow>` query token's state; D is conditioned on z-hat through its
latent input and on the backbone's output tokens through zero-initialised cross-attention
(`add_token_condition("backbone")`), so stage-1 weights can be loaded into it unchanged.

`+prior` variants (`motionprior.vla.prior_transfer` loads the weights) also hold the frozen
stage-1 encoder E (`prior_encoder`: never trained, always in eval mode). It gives the early
distillation target `E(ground-truth chunk)` and, with `transfer.history`, one prefix token
summarising the past `flow.history_len` steps of state and action (after the state token).

Batch keys (`motionprior.data.windows` plus): `images {camera: uint8 [B, 3, H, W]}`,
`instruction` (strings), `state`/`state_mask` `[B, D_max]`, `embodiment_id` `[B]` (index in
`cfg.embodiments`), `actions`/`action_mask` `[B, >=chunk, D_max]` (normalized), and for motion
variants `motion` (one label string per sample).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from motionprior.errors import ConfigError
from motionprior.prior.decoder import FlowDecoder
from motionprior.prior.encoder import ActionEncoder
from motionprior.prior.flow import flow_matching_loss
from motionprior.prior.history import encode_history
from motionprior.tokens import ActionTokenizer, ModelVocabulary
from motionprior.vla.backbone import build_backbone, prefix_lm_mask
from motionprior.vla.config import MODEL_TYPE, VLAConfig
from motionprior.vla.language import LanguageModel
from motionprior.vla.layout import IGNORE, ROLE_SLOT0, Layout, build_layout
from motionprior.vla.prior_transfer import embodiment_map, is_stage2_path
from motionprior.vla.vision import VisionTokens


class VLAModel(nn.Module):
    model_type = MODEL_TYPE

    def __init__(self, cfg: VLAConfig, vocab: ModelVocabulary, language: LanguageModel,
                 *, init_embeddings: bool = True) -> None:
        super().__init__()
        if not cfg.embodiments:
            raise ConfigError("VLAConfig.embodiments is empty: fill it from the training data")
        self.cfg, self.vocab = cfg, vocab
        object.__setattr__(self, "language", language)  # not a child module: never trained
        self.tokenizer = ActionTokenizer(vocab.bins)
        w, lm = cfg.width, language.hidden
        self.vision = VisionTokens(cfg.vision, cfg.vision_channels, w, cfg.vision_grid,
                                   cfg.cameras, cfg.image_size, cfg.augment_shift,
                                   cfg.vision_pool)
        self.lang_proj = nn.Linear(lm, w)
        self.state_proj = nn.Linear(2 * cfg.d_max, w)
        self.embodiment = nn.Embedding(len(cfg.embodiments), w)
        self.token_embed = nn.Parameter(torch.zeros(vocab.size, lm))
        self.embed_proj = nn.Linear(lm, w)
        self.num_slots = cfg.token_chunk * cfg.action_dims if cfg.uses_tokens else 0
        self.role = nn.Embedding(ROLE_SLOT0 + max(self.num_slots, 1), w)
        self.prefix_len = (len(cfg.cameras) * cfg.vision_grid ** 2
                           + cfg.max_instruction_tokens + 1 + int(cfg.uses_history))
        self.max_generated = cfg.max_motion_tokens + self.num_slots + 3
        self.backbone = build_backbone(cfg.backbone, w, cfg.layers, cfg.heads, cfg.mlp_ratio,
                                       cfg.dropout, self.prefix_len + self.max_generated)
        self.head = nn.Linear(w, lm)
        if cfg.uses_flow:
            self.z_head = nn.Linear(w, cfg.flow.latent_dim)
            self.action_expert = FlowDecoder(cfg.flow)
            self.action_expert.add_token_condition("backbone", w)
        self.prior_encoder: ActionEncoder | None = None
        if cfg.uses_prior:
            self.prior_encoder = ActionEncoder(cfg.flow).requires_grad_(False).eval()
            if cfg.transfer.freeze_decoder:
                for name, p in self.action_expert.named_parameters():
                    p.requires_grad_(is_stage2_path(name))
        if cfg.uses_history:
            self.history_proj = nn.Linear(cfg.flow.latent_dim, w)
        ids = embodiment_map(cfg) if cfg.uses_prior else None
        self.register_buffer("expert_embodiment",
                             torch.tensor(ids if ids is not None else range(len(cfg.embodiments)),
                                          dtype=torch.long), persistent=False)
        if init_embeddings:
            self.init_token_embeddings(language.word_embeddings())

    @torch.no_grad()
    def init_token_embeddings(self, table: Tensor) -> None:
        """Motion words from the LM's embeddings of their word pieces; the rest new, drawn
        with the mean and spread of the LM's table (so they start inside its cloud)."""
        gen = torch.Generator().manual_seed(0)
        mean, std = table.mean(0), table.std(0)
        new = mean + std * torch.randn(self.vocab.size, table.shape[1], generator=gen)
        new[self.vocab.motion_start:self.vocab.action_start] = table[list(self.vocab.lm_ids)]
        self.token_embed.copy_(new)

    def train(self, mode: bool = True) -> VLAModel:
        super().train(mode)
        if self.prior_encoder is not None:  # frozen: no dropout or noise, ever
            self.prior_encoder.eval()
        return self

    def lr_scale(self, name: str) -> float:
        """Learning-rate multiplier of parameter `name` for the optimizer: a reused stage-1
        decoder's own weights train at `transfer.decoder_lr_mult`, everything else at 1."""
        t = self.cfg.transfer
        if (self.cfg.uses_prior and t.reuse_decoder and name.startswith("action_expert.")
                and not is_stage2_path(name.removeprefix("action_expert."))):
            return t.decoder_lr_mult
        return 1.0

    def expert_embodiment_ids(self, batch: Mapping[str, Any]) -> Tensor | None:
        """D's embodiment ids for the batch (None when D has no embodiment embeddings)."""
        if self.cfg.flow.use_embodiment and "embodiment_id" in batch:
            return self.expert_embodiment[batch["embodiment_id"]]
        return None

    @torch.no_grad()
    def prior_latent(self, batch: Mapping[str, Any]) -> Tensor:
        """E's mean latent of the ground-truth chunk `[B, latent_dim]` (the distillation
        target; E is frozen)."""
        h = self.cfg.flow.horizon
        state = batch["state"] if self.cfg.flow.use_state else None
        return self.prior_encoder(batch["actions"][:, :h], batch["action_mask"][:, :h], state,
                                  batch.get("state_mask"), self.expert_embodiment_ids(batch)).mean

    def history_token(self, batch: Mapping[str, Any], *, augment: bool = False,
                      generator: torch.Generator | None = None) -> Tensor:
        """The prefix token `[B, W]` of E's summary of the past steps. With `augment`
        (training) each sample's history is hidden with probability
        `transfer.history_dropout` (one draw per sample from `generator`)."""
        missing = [k for k in ("history_state", "history_actions", "history_mask")
                   if k not in batch]
        if missing:
            raise ConfigError(f"this policy uses the history token: the batch needs {missing}")
        mask, rate = batch["history_mask"], self.cfg.transfer.history_dropout
        if augment and rate > 0:  # no draw at rate 0: runs without dropout stay bit-identical
            keep = torch.rand(mask.shape[0], generator=generator) >= rate
            mask = mask & keep.to(mask.device).view(-1, *([1] * (mask.dim() - 1)))
        z = encode_history(self.prior_encoder, batch["history_state"],
                           batch["history_actions"], mask,
                           state_mask=batch.get("state_mask"),
                           embodiment_id=self.expert_embodiment_ids(batch))
        return self.history_proj(z)

    # -- pieces ------------------------------------------------------------------------------
    def encode_prefix(self, batch: Mapping[str, Any], *, augment: bool = False,
                      generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """Prefix tokens `[B, P, W]` and their validity `[B, P]`."""
        vis = self.vision(batch["images"], augment=augment, generator=generator)
        if "instruction_features" in batch:
            feats, mask = batch["instruction_features"], batch["instruction_mask"]
        else:
            feats, mask = self.language.features(list(batch["instruction"]))
        feats, mask = feats.to(vis), mask.to(vis.device)
        state = torch.cat([batch["state"], batch["state_mask"].to(batch["state"].dtype)], -1)
        st = self.state_proj(state.to(vis)) + self.embodiment(batch["embodiment_id"])
        parts = [vis, self.lang_proj(feats), st[:, None]]
        if self.cfg.uses_history:
            parts.append(self.history_token(batch, augment=augment, generator=generator)
                         .to(vis)[:, None])
        x = torch.cat(parts, dim=1)
        extra = x.shape[1] - vis.shape[1] - mask.shape[1]
        valid = torch.cat([torch.ones(vis.shape[:2], dtype=torch.bool, device=vis.device),
                           mask, torch.ones_like(mask[:, :1]).expand(-1, extra)], dim=1)
        return x, valid

    def embed(self, ids: Tensor, roles: Tensor) -> Tensor:
        return self.embed_proj(self.token_embed[ids]) + self.role(roles)

    def logits(self, h: Tensor) -> Tensor:
        return self.head(h) @ self.token_embed.t()

    def action_slots(self, batch: Mapping[str, Any]) -> tuple[Tensor, Tensor]:
        """Bins `[B, N]` and validity `[B, N]` of the action slots (step-major)."""
        c, a = self.cfg.token_chunk, self.cfg.action_dims
        acts, mask = batch["actions"][:, :c, :a], batch["action_mask"][:, :c, :a]
        bins = self.tokenizer.encode(acts.detach().cpu()).to(acts.device)
        return bins.reshape(len(bins), -1), mask.reshape(len(mask), -1)

    def motion_ids(self, labels: list[str]) -> list[list[int]]:
        cache = self.__dict__.setdefault("_motion_cache", {})
        out = []
        for label in labels:
            if label not in cache:
                ids = self.vocab.encode_motion(label, self.language.tokenize)
                cache[label] = ids[: self.cfg.max_motion_tokens]
            out.append(cache[label])
        return out

    def layout(self, batch: Mapping[str, Any]) -> Layout:
        cfg = self.cfg
        if cfg.uses_motion and "motion" not in batch:
            raise ConfigError(f"variant {cfg.variant!r} needs motion labels (batch['motion'])")
        bins, ok = self.action_slots(batch) if cfg.uses_tokens else (None, None)
        return build_layout(
            motion=self.motion_ids(list(batch["motion"])) if cfg.uses_motion else None,
            action_bins=bins, slot_mask=ok, action_start=self.vocab.action_start,
            flow=cfg.uses_flow, batch_size=len(batch["state"]))

    def forward_sequence(self, batch: Mapping[str, Any], layout: Layout, *,
                         augment: bool = False, generator: torch.Generator | None = None
                         ) -> tuple[Tensor, Tensor]:
        """Backbone states of `[prefix | generated]` `[B, P + G, W]` and their validity."""
        prefix, pvalid = self.encode_prefix(batch, augment=augment, generator=generator)
        dev = prefix.device
        gen = self.embed(layout.inputs.to(dev), layout.roles.to(dev))
        valid = torch.cat([pvalid, layout.valid.to(dev)], dim=1)
        h, _ = self.backbone(torch.cat([prefix, gen], 1), prefix_lm_mask(valid, prefix.shape[1]))
        return h, valid

    def expert_conditions(self, h: Tensor, valid: Tensor, query: Tensor
                          ) -> tuple[Tensor, dict[str, tuple[Tensor, Tensor]]]:
        """z-hat `[B, latent]` from the query positions `[B]` and D's token conditions."""
        z_hat = self.z_head(h[torch.arange(len(h), device=h.device), query])
        return z_hat, {"backbone": (h, valid)}

    # -- training ----------------------------------------------------------------------------
    def compute_loss(self, batch: Mapping[str, Any], *, step: int,
                     generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        cfg = self.cfg
        layout = self.layout(batch)
        h, valid = self.forward_sequence(batch, layout, augment=self.training,
                                         generator=generator)
        p = self.prefix_len
        loss = h.new_zeros(())
        metrics: dict[str, Tensor] = {}
        targets = layout.targets.to(h.device)
        if bool((targets != IGNORE).any()):
            logits = self.logits(h[:, p:])
            ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                 ignore_index=IGNORE)
            loss = loss + ce
            metrics["token_ce"] = ce.detach()
            metrics.update(token_accuracy(logits.detach(), targets,
                                          layout.is_motion_target.to(h.device),
                                          self.vocab.action_start))
        if cfg.uses_flow:
            z_hat, tokens = self.expert_conditions(h, valid, p + layout.flow_pos.to(h.device))
            flow = self.flow_loss(batch, z_hat, tokens, generator)
            loss = loss + flow
            metrics["flow"] = flow.detach()
            lam = self.cfg.transfer.distill_lambda(step) if self.cfg.uses_prior else 0.0
            if lam > 0:
                distill = (z_hat - self.prior_latent(batch)).pow(2).mean()
                loss = loss + lam * distill
                metrics["distill"], metrics["distill_weight"] = distill.detach(), h.new_tensor(lam)
        return loss, metrics

    def flow_loss(self, batch: Mapping[str, Any], z_hat: Tensor,
                  tokens: dict[str, tuple[Tensor, Tensor]],
                  generator: torch.Generator | None) -> Tensor:
        d, horizon = self.action_expert, self.cfg.flow.horizon
        ctx = d.context(z_hat, self.expert_embodiment_ids(batch))
        actions, mask = batch["actions"][:, :horizon], batch["action_mask"][:, :horizon]

        def velocity(x: Tensor, t: Tensor) -> Tensor:
            return d.velocity(x, t, ctx, mask, tokens)

        return flow_matching_loss(velocity, actions, mask, generator=generator,
                                  alpha=self.cfg.flow.time_alpha, beta=self.cfg.flow.time_beta)


def token_accuracy(logits: Tensor, targets: Tensor, is_motion: Tensor,
                   action_start: int) -> dict[str, Tensor]:
    """Greedy accuracy of motion-word targets (the words and their closer) and of action-token
    targets."""
    pred = logits.argmax(-1)
    has = targets != IGNORE
    out = {}
    for name, sel in (("motion_acc", has & is_motion),
                      ("action_token_acc", has & (targets >= action_start))):
        if bool(sel.any()):
            out[name] = (pred[sel] == targets[sel]).float().mean()
    return out
