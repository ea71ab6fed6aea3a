"""Image encoders: camera images `uint8 [B, 3, H, W]` -> tokens `[B, cameras * grid^2, width]`.

Images are resized to the model's `image_size` here (antialiased bilinear), so the stored
resolution (128x128 from collection) and the training resolution are independent, and training
and inference see identical preprocessing. Training adds random-shift augmentation (pad by
`shift` pixels with edge replication, crop back at a random offset per image; DrQ's
augmentation, standard for image imitation from few demonstrations).

- `ConvEncoder`: stride-2 3x3 conv stages with GroupNorm and GELU, trained from scratch, then an
  adaptive average pool to a `grid x grid` map; one token per cell, with a learned position and
  camera embedding.
- `HFVisionEncoder`: any Hugging Face vision model saved in a local directory (`hf:/dir`, e.g.
  SigLIP); its last hidden states are pooled to `grid^2` tokens and projected to `width`.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from motionprior.errors import ConfigError

MEAN, STD = 0.5, 0.25


def preprocess(images: Tensor, size: int) -> Tensor:
    """uint8 `[B, 3, H, W]` -> float `[B, 3, size, size]`, roughly zero mean, unit scale."""
    if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
        raise ConfigError(f"images must be uint8 [B, 3, H, W], got {images.dtype} "
                          f"{tuple(images.shape)}")
    x = images.float() / 255.0
    if x.shape[-2:] != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True,
                          align_corners=False)
    return (x - MEAN) / STD


def random_shift(x: Tensor, shift: int, generator: torch.Generator | None) -> Tensor:
    """Pad by `shift` (edge replication) and crop back at a random offset per image."""
    if shift <= 0:
        return x
    b, _, h, w = x.shape
    padded = F.pad(x, (shift,) * 4, mode="replicate")
    offsets = torch.randint(0, 2 * shift + 1, (b, 2), generator=generator).to(x.device)
    rows = torch.arange(h, device=x.device)[None] + offsets[:, :1]  # [B, h]
    cols = torch.arange(w, device=x.device)[None] + offsets[:, 1:]  # [B, w]
    idx_b = torch.arange(b, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[idx_b, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2).contiguous()


class KeypointPool(nn.Module):
    """Spatial-softmax pooling (robomimic's image encoders): each of `k` attention maps over
    the feature map gives a token from its expected (x, y) position in [-1, 1] and the
    features it attends to, so a small object's exact place survives the pooling."""

    def __init__(self, channels: int, k: int, width: int) -> None:
        super().__init__()
        self.logits = nn.Conv2d(channels, k, 1)
        self.proj = nn.Linear(channels + 2, width)

    def forward(self, h: Tensor) -> Tensor:
        b, c, hh, ww = h.shape
        attn = self.logits(h).flatten(2).softmax(-1)  # [B, K, HW]
        ys, xs = torch.meshgrid(torch.linspace(-1, 1, hh, device=h.device),
                                torch.linspace(-1, 1, ww, device=h.device), indexing="ij")
        grid = torch.stack([xs.flatten(), ys.flatten()], -1).to(h.dtype)  # [HW, 2]
        feats = attn @ h.flatten(2).transpose(1, 2)  # [B, K, C]
        return self.proj(torch.cat([feats, attn @ grid], -1))


class ConvEncoder(nn.Module):
    """A small conv net per camera (weights shared across cameras) -> grid^2 tokens each:
    average-pooled cells (`pool="grid"`) or spatial-softmax keypoints (`pool="keypoints"`, the
    last stage keeps its resolution so the keypoints have a finer map to move on)."""

    def __init__(self, channels: tuple[int, ...], width: int, grid: int,
                 cameras: int, pool: str = "grid") -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        stages = (*channels, width)
        for i, c in enumerate(stages):
            stride = 1 if pool == "keypoints" and i == len(stages) - 1 else 2
            layers += [nn.Conv2d(c_in, c, 3, stride=stride, padding=1),
                       nn.GroupNorm(min(8, c), c), nn.GELU()]
            c_in = c
        self.net = nn.Sequential(*layers)
        self.grid = grid
        self.keypoints = KeypointPool(width, grid * grid, width) if pool == "keypoints" else None
        self.pos = nn.Parameter(torch.randn(grid * grid, width) * 0.02)
        self.camera = nn.Parameter(torch.randn(cameras, width) * 0.02)

    def forward(self, x: Tensor, camera: int) -> Tensor:
        """`[B, 3, S, S]` float -> `[B, grid^2, width]`."""
        h = self.net(x)
        if self.keypoints is not None:
            return self.keypoints(h) + self.pos + self.camera[camera]
        h = F.adaptive_avg_pool2d(h, self.grid)
        return h.flatten(2).transpose(1, 2) + self.pos + self.camera[camera]


class HFVisionEncoder(nn.Module):
    """A Hugging Face vision model from a local directory, pooled to grid^2 tokens."""

    def __init__(self, path: str | Path, width: int, grid: int, cameras: int) -> None:
        super().__init__()
        from transformers import AutoConfig, AutoModel

        path = Path(path)
        if not (path / "config.json").is_file():
            raise ConfigError(f"{path}: not a Hugging Face model directory (no config.json)")
        config = AutoConfig.from_pretrained(str(path))
        config = getattr(config, "vision_config", config)  # a full CLIP/SigLIP: its tower
        model = AutoModel.from_pretrained(str(path), config=config)
        self.model = getattr(model, "vision_model", model)
        hidden = int(config.hidden_size)
        self.image_size = int(getattr(config, "image_size", 224))
        self.grid = grid
        self.proj = nn.Linear(hidden, width)
        self.camera = nn.Parameter(torch.randn(cameras, width) * 0.02)

    def forward(self, x: Tensor, camera: int) -> Tensor:
        if x.shape[-1] != self.image_size:
            x = F.interpolate(x, size=(self.image_size,) * 2, mode="bilinear",
                              align_corners=False)
        h = self.model(pixel_values=x).last_hidden_state  # [B, N, hidden]
        h = F.adaptive_avg_pool1d(h.transpose(1, 2), self.grid * self.grid).transpose(1, 2)
        return self.proj(h) + self.camera[camera]


class VisionTokens(nn.Module):
    """All cameras of an observation -> one token sequence (cameras in config order)."""

    def __init__(self, vision: str, channels: tuple[int, ...], width: int, grid: int,
                 cameras: tuple[str, ...], image_size: int, shift: int,
                 pool: str = "grid") -> None:
        super().__init__()
        self.cameras, self.image_size, self.shift = cameras, image_size, shift
        if vision == "conv":
            self.encoder: nn.Module = ConvEncoder(channels, width, grid, len(cameras), pool)
        else:
            self.encoder = HFVisionEncoder(vision.removeprefix("hf:"), width, grid,
                                           len(cameras))
        self.tokens_per_camera = grid * grid

    def forward(self, images: dict[str, Tensor], *, augment: bool,
                generator: torch.Generator | None = None) -> Tensor:
        out = []
        for k, cam in enumerate(self.cameras):
            if cam not in images:
                raise ConfigError(f"observation lacks camera {cam!r}; the model was trained "
                                  f"on {list(self.cameras)}")
            x = preprocess(images[cam], self.image_size)
            if augment:
                x = random_shift(x, self.shift, generator)
            out.append(self.encoder(x, k))
        return torch.cat(out, dim=1)
