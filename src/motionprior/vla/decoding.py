"""Greedy decoding constrained to the token range due at each position, then the flow expert.

Where motion words are due, only motion-word tokens and the variant's closer (`<act>`,
`<flow>` or `<end>`) can be chosen (and only the closer once `max_motion_tokens` words are
out); where an action slot is due, only the 256 action tokens, so a decoded action is always a
valid bin. Slots of dims the embodiment lacks are not decoded (their input is `<pad>`, as in
training). With the built-in backbone the prefix runs once and each new token reuses the
key/value cache; an HF backbone recomputes the sequence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from motionprior.tokens.vocabulary import ACT, BOS, END, FLOW, PAD
from motionprior.vla.backbone import prefix_lm_mask
from motionprior.vla.layout import ROLE_CLOSE, ROLE_SLOT0, ROLE_WORDS


@dataclass
class Generated:
    actions: Tensor | None  # [B, chunk, D_max] normalized, 0 on padded dims (None: words only)
    motion: list[str]  # the emitted words ("" when the variant has none)
    tokens: list[list[int]]  # every decoded token id per sample


class _Runner:
    """Feeds one generated token at a time; keeps every hidden state and validity."""

    def __init__(self, model: Any, prefix: Tensor, pvalid: Tensor) -> None:
        self.model, self.p = model, prefix.shape[1]
        self.cached = bool(model.backbone.supports_cache)
        self.xs, self.valid = [prefix], [pvalid]
        self.hs: list[Tensor] = []
        self.cache = None
        if self.cached:
            h, self.cache = model.backbone(prefix, prefix_lm_mask(pvalid, self.p))
            self.hs.append(h)

    def step(self, ids: Tensor, roles: Tensor, valid: Tensor) -> Tensor:
        x = self.model.embed(ids[:, None], roles[:, None])
        self.xs.append(x)
        self.valid.append(valid[:, None])
        allv = torch.cat(self.valid, 1)
        if self.cached:
            mask = allv[:, None, None, :].clone()
            mask[:, :, :, -1] = True
            start = allv.shape[1] - 1
            h, self.cache = self.model.backbone(x, mask, self.cache, start=start)
            self.hs.append(h)
            return h[:, -1]
        h, _ = self.model.backbone(torch.cat(self.xs, 1), prefix_lm_mask(allv, self.p))
        self.hs = [h]
        return h[:, -1]

    def states(self) -> tuple[Tensor, Tensor]:
        return torch.cat(self.hs, 1), torch.cat(self.valid, 1)


@torch.no_grad()
def generate(model: Any, batch: Mapping[str, Any], action_dims: Tensor, *,
             noise: Tensor | None = None, generator: torch.Generator | None = None,
             flow_steps: int | None = None) -> Generated:
    """Decode a batch. `action_dims` `[B]`: the embodiment's action width per sample."""
    cfg, vocab = model.cfg, model.vocab
    prefix, pvalid = model.encode_prefix(batch)
    b, dev = prefix.shape[0], prefix.device
    run = _Runner(model, prefix, pvalid)
    n_slots, a_max = model.num_slots, cfg.action_dims
    motion_allowed = torch.zeros(vocab.size, dtype=torch.bool, device=dev)
    motion_allowed[vocab.motion_start:vocab.action_start] = True
    closer = FLOW if cfg.uses_flow else (ACT if cfg.uses_tokens else END)
    words: list[list[int]] = [[] for _ in range(b)]
    emitted: list[list[int]] = [[] for _ in range(b)]
    bins = torch.zeros(b, max(n_slots, 1), dtype=torch.long)
    slot_ok = torch.zeros(b, max(n_slots, 1), dtype=torch.bool)
    phase = ["words" if cfg.uses_motion else ("slots" if cfg.uses_tokens else "query")] * b
    slot = [0] * b
    query = torch.zeros(b, dtype=torch.long)
    first = FLOW if phase[0] == "query" else BOS
    role0 = ROLE_CLOSE if first == FLOW else (ROLE_WORDS if cfg.uses_motion else ROLE_SLOT0)
    ids = torch.full((b,), first, dtype=torch.long, device=dev)
    roles = torch.full((b,), role0, dtype=torch.long, device=dev)
    live = torch.ones(b, dtype=torch.bool, device=dev)
    while True:
        h = run.step(ids, roles, live)
        pos = run.states()[1].shape[1] - 1
        logits = model.logits(h)
        next_ids, next_roles, next_live = ids.clone(), roles.clone(), live.clone()
        for i in range(b):
            if not bool(live[i]):
                next_ids[i], next_roles[i] = PAD, ROLE_CLOSE
                continue
            if phase[i] == "query":  # this position was <flow>: its state queries D
                query[i] = pos
                phase[i] = "done"
            elif phase[i] == "words":
                allowed = motion_allowed.clone()
                if len(words[i]) >= cfg.max_motion_tokens:
                    allowed[:] = False
                allowed[closer] = True
                tok = int(logits[i].masked_fill(~allowed, float("-inf")).argmax())
                emitted[i].append(tok)
                next_ids[i] = tok
                if tok == closer:
                    phase[i] = {ACT: "slots", FLOW: "query", END: "done"}[tok]
                    next_roles[i] = ROLE_SLOT0 if tok == ACT else ROLE_CLOSE
                else:
                    words[i].append(tok)
                    next_roles[i] = ROLE_WORDS
            elif phase[i] == "slots":
                s = slot[i]
                if s % a_max < int(action_dims[i]):
                    lo = vocab.action_start
                    tok = lo + int(logits[i, lo:vocab.size].argmax())
                    bins[i, s], slot_ok[i, s] = tok - lo, True
                    emitted[i].append(tok)
                else:
                    tok = PAD
                next_ids[i] = tok
                slot[i] = s + 1
                next_roles[i] = ROLE_SLOT0 + s + 1 if s + 1 < n_slots else ROLE_CLOSE
                if s + 1 == n_slots:
                    phase[i] = "done"  # <end> follows the last slot by construction
                    emitted[i].append(END)
            if phase[i] == "done":  # nothing more to feed: later positions are padding
                next_ids[i], next_roles[i], next_live[i] = PAD, ROLE_CLOSE, False
        if all(p == "done" for p in phase):
            break
        ids, roles, live = next_ids, next_roles, next_live
    motion = [vocab.decode_motion(w) if w else "" for w in words]
    actions = None
    if cfg.uses_tokens:
        vals = model.tokenizer.decode(bins) * slot_ok
        actions = torch.zeros(b, cfg.token_chunk, cfg.d_max)
        actions[:, :, :a_max] = vals.reshape(b, cfg.token_chunk, a_max)
        actions = actions.to(dev)
    if cfg.uses_flow:
        h_all, valid_all = run.states()
        actions = sample_chunk(model, batch, h_all, valid_all, query.to(dev), action_dims,
                               noise=noise, generator=generator, steps=flow_steps)
    return Generated(actions, motion, emitted)


def sample_chunk(model: Any, batch: Mapping[str, Any], h: Tensor, valid: Tensor,
                 query: Tensor, action_dims: Tensor, *, noise: Tensor | None,
                 generator: torch.Generator | None, steps: int | None) -> Tensor:
    """D's chunk `[B, H, D_max]` for the query positions (normalized, 0 on padded dims)."""
    fc, d = model.cfg.flow, model.action_expert
    b = h.shape[0]
    mask = torch.arange(fc.d_max, device=h.device)[None, None] < action_dims.to(h.device)[
        :, None, None]
    mask = mask.expand(b, fc.horizon, fc.d_max)
    if noise is None:
        noise = torch.randn((b, fc.horizon, fc.d_max), generator=generator).to(h)
    z_hat, tokens = model.expert_conditions(h, valid, query)
    ctx = d.context(z_hat, model.expert_embodiment_ids(batch))
    return d.sample(ctx, mask, noise, steps or fc.sample_steps, tokens)
