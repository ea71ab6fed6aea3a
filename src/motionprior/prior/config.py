"""Configuration of the action prior (model, data, training) and its named presets.

Presets:
- `debug`: a tiny model and a few steps, for tests and smoke runs (seconds on a CPU).
- `quickstart`: the default size, sized for this project's 2-core CPU (>= 2,000 training
  chunks/s is the target; see benchmarks/RESULTS_prior.md for the measured figure).
- `paper`: a GPU-sized model (width 512, 4 encoder + 8 decoder layers, 52M parameters),
  batch 512 per GPU, bf16, 200k steps; launch with `accelerate launch` for several GPUs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from motionprior.data.split import check_split
from motionprior.errors import ConfigError, UnknownNameError
from motionprior.train.config import TrainConfig

LatentReg = Literal["kl", "l2", "none"]


@dataclass(frozen=True)
class PriorConfig:
    """The action encoder E and flow decoder D.

    horizon: chunk length H; d_max: padded action width; patch: consecutive steps per token.
    latent_dim: size of z. latent_reg: "kl" (default) treats E's output as a diagonal Gaussian,
    trains with a reparameterised sample and adds `latent_reg_weight * KL(q(z|chunk) || N(0, I))`
    (mean over dims): it anchors z at unit scale, so stage 2 regresses a well-conditioned target,
    and makes the decoder robust to small errors in z, so nearby latents decode to nearby chunks.
    "l2" only penalises `|z|^2` (scale, no smoothing); "none" is for ablations.
    use_state: E also sees the proprioceptive state at the window's first step.
    use_embodiment: a learned embodiment embedding enters E (query token) and D (conditioning);
    `embodiments` names the ids (filled in from the training data by `pretrain_prior`).
    history_len: K, the history window of `encode_history`;
    encoder_prefix_prob: the probability that E sees only the first K steps of a training chunk
    (D still reconstructs all H steps), so K-step histories are in E's training distribution.
    """

    horizon: int = 16
    d_max: int = 32
    width: int = 64
    heads: int = 4
    encoder_layers: int = 2
    decoder_layers: int = 3
    mlp_ratio: float = 4.0
    patch: int = 2
    latent_dim: int = 64
    latent_reg: LatentReg = "kl"
    latent_reg_weight: float = 1e-3
    use_state: bool = True
    use_embodiment: bool = False
    embodiments: tuple[str, ...] = ()
    history_len: int = 8
    encoder_prefix_prob: float = 0.2
    time_alpha: float = 1.5
    time_beta: float = 1.0
    sample_steps: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "embodiments", tuple(self.embodiments))
        for name in ("horizon", "d_max", "width", "heads", "encoder_layers", "decoder_layers",
                     "patch", "latent_dim", "history_len", "sample_steps"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ConfigError(f"PriorConfig.{name} must be an integer >= 1, "
                                  f"got {getattr(self, name)!r}")
        if self.width % self.heads:
            raise ConfigError(f"width {self.width} must be divisible by heads {self.heads}")
        if self.horizon % self.patch or self.history_len % self.patch:
            raise ConfigError(f"horizon {self.horizon} and history_len {self.history_len} must "
                              f"be multiples of patch {self.patch}")
        if self.history_len > self.horizon:
            raise ConfigError(f"history_len {self.history_len} must be <= horizon {self.horizon}")
        if self.latent_reg not in ("kl", "l2", "none"):
            raise ConfigError(f"latent_reg must be 'kl', 'l2' or 'none', got {self.latent_reg!r}")
        if self.latent_reg_weight < 0 or not 0.0 <= self.encoder_prefix_prob <= 1.0:
            raise ConfigError("latent_reg_weight must be >= 0 and encoder_prefix_prob in [0, 1]")
        if self.time_alpha <= 0 or self.time_beta <= 0 or self.mlp_ratio <= 0:
            raise ConfigError("time_alpha, time_beta and mlp_ratio must be > 0")
        if len(set(self.embodiments)) != len(self.embodiments):
            raise ConfigError(f"embodiment names repeat: {self.embodiments}")


@dataclass(frozen=True)
class PriorDataConfig:
    """Windows for stage 1: action chunks (and states), never images.

    val_fraction: share of each dataset's episodes held out (the last ones, deterministic).
    stride: steps between consecutive window starts inside an episode.
    train_episodes: train on the first N of the other episodes of each dataset (None: all);
    train_fraction: then on the first ceil(share) of those (`motionprior.data.split`).
    """

    val_fraction: float = 0.1
    stride: int = 1
    train_episodes: int | None = None
    train_fraction: float = 1.0

    def __post_init__(self) -> None:
        check_split(self.val_fraction, self.train_episodes, self.train_fraction)
        if self.stride < 1:
            raise ConfigError(f"stride must be >= 1, got {self.stride}")


@dataclass(frozen=True)
class PriorRunConfig:
    """Everything a `pretrain-prior` run needs; saved with every checkpoint."""

    model: PriorConfig = field(default_factory=PriorConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    data: PriorDataConfig = field(default_factory=PriorDataConfig)
    preset: str = "quickstart"


def _presets() -> dict[str, PriorRunConfig]:
    debug = PriorRunConfig(
        model=PriorConfig(width=32, heads=2, encoder_layers=1, decoder_layers=1, latent_dim=16,
                          patch=2),
        train=TrainConfig(steps=20, batch_size=16, warmup_steps=2, log_every=5, val_every=10,
                          val_batches=2, checkpoint_every=10, ema_decay=0.9),
        preset="debug",
    )
    quickstart = PriorRunConfig(preset="quickstart")
    paper = PriorRunConfig(
        model=PriorConfig(width=512, heads=8, encoder_layers=4, decoder_layers=8, patch=1,
                          latent_dim=256),
        train=TrainConfig(steps=200_000, batch_size=512, lr=3e-4, warmup_steps=2000,
                          weight_decay=0.05, ema_decay=0.9999, log_every=100, val_every=5000,
                          val_batches=32, checkpoint_every=5000, keep_checkpoints=3,
                          precision="bf16", num_workers=8),
        preset="paper",
    )
    return {"debug": debug, "quickstart": quickstart, "paper": paper}


PRESETS: tuple[str, ...] = ("debug", "quickstart", "paper")


def preset(name: str) -> PriorRunConfig:
    """The named preset (`debug`, `quickstart`, `paper`)."""
    table = _presets()
    if name not in table:
        raise UnknownNameError("prior preset", name, list(table))
    return table[name]


def with_embodiments(cfg: PriorRunConfig, names: tuple[str, ...]) -> PriorRunConfig:
    """`cfg` with the model's embodiment names set (ids are positions in `names`)."""
    return dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, embodiments=names))
