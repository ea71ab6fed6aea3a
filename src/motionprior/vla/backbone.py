"""Backbones over `[prefix | generated]` token sequences with the prefix-LM attention mask.

The mask (`prefix_lm_mask`): every token sees the valid prefix tokens; a prefix token sees no
generated token; a generated token sees itself and the generated tokens before it. Padded
tokens (invalid keys) are never seen.

- `Transformer` (`builtin`): pre-norm blocks with PyTorch's scaled-dot-product attention and a
  key/value cache, so greedy decoding runs the prefix once and then one token per step.
- `HFCausalLM` (`hf:/dir`): any Hugging Face causal LM (e.g. Qwen2.5-0.5B) run on input
  embeddings with the same mask given as a 4-D additive mask; its hidden size is projected from
  and to `width`. Decoding recomputes the sequence each step (no cache): fine on a GPU.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from motionprior.errors import ConfigError

Cache = list[tuple[Tensor, Tensor]]


def prefix_lm_mask(valid: Tensor, prefix_len: int) -> Tensor:
    """Boolean `[B, 1, T, T]` mask (True = may attend) for `valid` `[B, T]` tokens whose first
    `prefix_len` are the prefix. Every query row keeps at least itself, so no row is empty."""
    t = valid.shape[1]
    idx = torch.arange(t, device=valid.device)
    causal = idx[None, :] <= idx[:, None]  # key j <= query i
    in_prefix = idx[None, :] < prefix_len  # key j is a prefix token
    query_prefix = idx[:, None] < prefix_len
    allowed = torch.where(query_prefix, in_prefix, causal | in_prefix)  # [T, T]
    allowed = allowed[None] & valid[:, None, :]
    allowed = allowed | torch.eye(t, dtype=torch.bool, device=valid.device)[None]
    return allowed[:, None]


class Block(nn.Module):
    def __init__(self, width: int, heads: int, mlp_ratio: float, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))
        self.dropout = dropout

    def _split(self, x: Tensor) -> Tensor:
        b, t, w = x.shape
        return x.view(b, t, self.heads, w // self.heads).transpose(1, 2)

    def forward(self, x: Tensor, mask: Tensor, past: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = self._split(q), self._split(k), self._split(v)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        drop = self.dropout if self.training else 0.0
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=drop)
        x = x + self.proj(a.transpose(1, 2).reshape(x.shape))
        x = x + self.mlp(self.norm2(x))
        return x, (k, v)


class Transformer(nn.Module):
    """The built-in backbone."""

    def __init__(self, width: int, layers: int, heads: int, mlp_ratio: float,
                 dropout: float, max_len: int) -> None:
        super().__init__()
        self.pos = nn.Parameter(torch.randn(max_len, width) * 0.02)
        self.blocks = nn.ModuleList(Block(width, heads, mlp_ratio, dropout)
                                    for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.supports_cache = True

    def forward(self, x: Tensor, mask: Tensor, cache: Cache | None = None,
                start: int = 0) -> tuple[Tensor, Cache]:
        """Hidden states of `x` `[B, T, W]` at positions `start..start+T-1`; `mask`
        `[B, 1, T, start+T]`; `cache` holds the keys/values of positions `0..start-1`."""
        h = x + self.pos[start:start + x.shape[1]]
        new: Cache = []
        for i, block in enumerate(self.blocks):
            h, kv = block(h, mask, None if cache is None else cache[i])
            new.append(kv)
        return self.norm(h), new


class HFCausalLM(nn.Module):
    """A Hugging Face causal LM from a local directory, as a backbone over embeddings."""

    def __init__(self, path: str | Path, width: int) -> None:
        super().__init__()
        from transformers import AutoConfig, AutoModel

        path = Path(path)
        if not (path / "config.json").is_file():
            raise ConfigError(f"{path}: not a Hugging Face model directory (no config.json)")
        config = AutoConfig.from_pretrained(str(path))
        self.model = AutoModel.from_pretrained(str(path), config=config)
        hidden = int(config.hidden_size)
        self.inp = nn.Linear(width, hidden)
        self.out = nn.Linear(hidden, width)
        self.supports_cache = False

    def forward(self, x: Tensor, mask: Tensor, cache: Cache | None = None,
                start: int = 0) -> tuple[Tensor, Cache]:
        if cache is not None or start:
            raise ValueError("the HF backbone recomputes the whole sequence (no cache)")
        h = self.inp(x)
        additive = torch.zeros(mask.shape, dtype=h.dtype, device=h.device)
        additive = additive.masked_fill(~mask, torch.finfo(h.dtype).min)
        pos = torch.arange(x.shape[1], device=x.device)[None].expand(x.shape[0], -1)
        out = self.model(inputs_embeds=h, attention_mask=additive, position_ids=pos,
                         use_cache=False).last_hidden_state
        return self.out(out), []


def build_backbone(name: str, width: int, layers: int, heads: int, mlp_ratio: float,
                   dropout: float, max_len: int) -> nn.Module:
    if name == "builtin":
        return Transformer(width, layers, heads, mlp_ratio, dropout, max_len)
    return HFCausalLM(name.removeprefix("hf:"), width)
