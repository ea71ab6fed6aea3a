"""Transformer pieces shared by the action encoder and the flow decoder.

`Block` is a pre-norm transformer block. With `cond_width` it becomes a DiT block with
adaLN-Zero modulation: shift, scale and gate of both sub-layers come from a conditioning vector
through a zero-initialised linear map, so a freshly built block is the identity. Blocks can grow
zero-initialised cross-attention layers (`add_cross_attention`), so a conditioning path added
later (stage 2) leaves the block's output exactly unchanged until it is trained.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Attention(nn.Module):
    """Multi-head attention: self-attention (fused qkv) or, with `kv_width`, cross-attention."""

    def __init__(self, width: int, heads: int, kv_width: int | None = None) -> None:
        super().__init__()
        if width % heads:
            raise ValueError(f"width {width} is not divisible by heads {heads}")
        self.heads = heads
        self.cross = kv_width is not None
        if self.cross:
            self.q = nn.Linear(width, width)
            self.kv = nn.Linear(kv_width, 2 * width)
        else:
            self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)

    def keys_values(self, kv: Tensor) -> tuple[Tensor, Tensor]:
        """Cross-attention keys and values `[B, heads, S, W/heads]` of `kv` [B, S, Wkv]: what
        `forward(..., cached=...)` takes, so a fixed token sequence is projected only once."""
        b, s, _ = kv.shape
        h = self.heads
        k, v = self.kv(kv).view(b, s, 2, h, -1).permute(2, 0, 3, 1, 4)
        return k, v

    def forward(self, x: Tensor, kv: Tensor | None = None, key_mask: Tensor | None = None,
                cached: tuple[Tensor, Tensor] | None = None) -> Tensor:
        """`x` [B, T, W]; `kv` [B, S, Wkv] or its `cached` `keys_values` (cross-attention
        only); `key_mask` [B, S] bool (True = attend)."""
        b, t, w = x.shape
        h, dh = self.heads, w // self.heads
        if self.cross:
            q = self.q(x).view(b, t, h, dh).transpose(1, 2)
            k, v = cached if cached is not None else self.keys_values(kv)
        else:
            q, k, v = self.qkv(x).view(b, t, 3, h, dh).permute(2, 0, 3, 1, 4)
        mask = None if key_mask is None else key_mask[:, None, None, :]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.out(y.transpose(1, 2).reshape(b, t, w))


class Block(nn.Module):
    """Pre-norm transformer block; adaLN-Zero conditioned when `cond_width` is given."""

    def __init__(self, width: int, heads: int, mlp_ratio: float = 4.0,
                 cond_width: int | None = None) -> None:
        super().__init__()
        affine = cond_width is None
        self.norm1 = nn.LayerNorm(width, elementwise_affine=affine)
        self.attn = Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=affine)
        hidden = int(round(width * mlp_ratio))
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.SiLU(),
                                 nn.Linear(hidden, width))
        self.cross = nn.ModuleDict()
        self.modulation = None
        if cond_width is not None:
            self.modulation = nn.Linear(cond_width, 6 * width)
            nn.init.zeros_(self.modulation.weight)
            nn.init.zeros_(self.modulation.bias)

    def add_cross_attention(self, name: str, token_width: int, heads: int) -> None:
        """A zero-initialised cross-attention path to a named token sequence."""
        if name in self.cross:
            raise ValueError(f"cross-attention {name!r} already exists")
        width = self.norm1.normalized_shape[0]
        layer = nn.ModuleDict({"norm": nn.LayerNorm(width),
                               "attn": Attention(width, heads, kv_width=token_width)})
        nn.init.zeros_(layer["attn"].out.weight)
        nn.init.zeros_(layer["attn"].out.bias)
        self.cross[name] = layer

    def modulations(self, cond: Tensor) -> tuple[Tensor, ...]:
        """(shift1, 1 + scale1, gate1, shift2, 1 + scale2, gate2), each `[B, 1, W]`, from the
        conditioning vector `cond` [B, Wc] (already passed through SiLU)."""
        s1, c1, g1, s2, c2, g2 = self.modulation(cond)[:, None].chunk(6, -1)
        return s1, 1.0 + c1, g1, s2, 1.0 + c2, g2

    def forward(self, x: Tensor, cond: Tensor | None = None, key_mask: Tensor | None = None,
                tokens: dict[str, tuple[Tensor, Tensor | None]] | None = None,
                mods: tuple[Tensor, ...] | None = None) -> Tensor:
        """`x` [B, T, W]; `cond` [B, Wc] (SiLU applied) or precomputed `mods`; `key_mask`
        [B, T]; `tokens` maps a cross-attention name to (tokens [B, S, Wk], mask [B, S] or
        None)."""
        if self.modulation is None:
            x = x + self.attn(self.norm1(x), key_mask=key_mask)
            x = self._cross(x, tokens)
            return x + self.mlp(self.norm2(x))
        s1, c1, g1, s2, c2, g2 = self.modulations(cond) if mods is None else mods
        h = torch.addcmul(s1, self.norm1(x), c1)
        x = torch.addcmul(x, g1, self.attn(h, key_mask=key_mask))
        x = self._cross(x, tokens)
        h = torch.addcmul(s2, self.norm2(x), c2)
        return torch.addcmul(x, g2, self.mlp(h))

    def cross_cache(self, tokens: dict[str, tuple[Tensor, Tensor | None]] | None
                    ) -> dict[str, tuple[Tensor, Tensor | None]] | None:
        """`tokens` with each sequence replaced by its projected (keys, values): pass the result
        as `tokens` again and the projection is not repeated (the decoder's Euler steps)."""
        if tokens is None:
            return None
        return {name: (layer["attn"].keys_values(tokens[name][0]), tokens[name][1])
                for name, layer in self.cross.items() if name in tokens}

    def _cross(self, x: Tensor, tokens: dict[str, tuple[Tensor, Tensor | None]] | None) -> Tensor:
        for name, layer in self.cross.items():
            if tokens is None or name not in tokens:
                continue  # an absent condition contributes nothing
            kv, mask = tokens[name]
            attn, h = layer["attn"], layer["norm"](x)
            if isinstance(kv, tuple):  # projected by cross_cache
                x = x + attn(h, key_mask=mask, cached=kv)
            else:
                x = x + attn(h, kv=kv, key_mask=mask)
        return x


class TimeEmbedding(nn.Module):
    """Sinusoidal features of the flow time t in [0, 1], then a small MLP."""

    def __init__(self, width: int, freqs: int = 32, max_period: float = 1000.0) -> None:
        super().__init__()
        # angular frequencies spaced geometrically from 1 to max_period (t is in [0, 1])
        freq = torch.exp(torch.linspace(0.0, math.log(max_period), freqs))
        self.register_buffer("freq", freq, persistent=False)
        self.mlp = nn.Sequential(nn.Linear(2 * freqs, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, t: Tensor) -> Tensor:
        angle = t.float()[:, None] * self.freq[None]
        return self.mlp(torch.cat([angle.sin(), angle.cos()], -1).to(self.mlp[0].weight.dtype))


def step_key_mask(mask: Tensor) -> Tensor | None:
    """Per-token attention mask from a per-element mask `[B, T, D]`: a token with no valid
    element is ignored as a key. Returns None when every token is valid (the fast path); a
    sample with no valid token keeps all keys, so attention never sees an empty row."""
    valid = mask.any(-1)
    if bool(valid.all()):
        return None
    return valid | ~valid.any(-1, keepdim=True)


def masked_tokens(x: Tensor, mask: Tensor, patch: int) -> Tensor:
    """Token features `[B, T / patch, 2 * patch * D]`: the masked values of `patch` consecutive
    steps, then their mask (so a padded dim differs from a dim that is zero)."""
    m = mask.to(x.dtype)
    return torch.cat([patchify(x * m, patch), patchify(m, patch)], -1)


def patchify(x: Tensor, patch: int) -> Tensor:
    """`[B, T, D]` -> `[B, T / patch, patch * D]` (consecutive steps side by side)."""
    b, t, d = x.shape
    return x.reshape(b, t // patch, patch * d)


def unpatchify(x: Tensor, patch: int) -> Tensor:
    b, n, pd = x.shape
    return x.reshape(b, n * patch, pd // patch)
