"""The training configuration shared by every stage, and dict round trips of frozen configs."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from motionprior.errors import ConfigError

Precision = Literal["no", "bf16", "fp16"]


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and bookkeeping of one training run (any stage).

    `batch_size` is per process; with N processes the effective batch is N times larger and
    every process sees a disjoint shard of each epoch. Intervals are in optimizer steps; 0
    disables the periodic action (a final checkpoint is always written).
    """

    steps: int = 2000
    batch_size: int = 256
    lr: float = 1e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 100
    weight_decay: float = 0.01
    betas: tuple[float, float] = (0.9, 0.95)
    grad_clip: float = 1.0
    ema: bool = True
    ema_decay: float = 0.999
    log_every: int = 50
    val_every: int = 500
    val_batches: int = 8
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    keep_every: int = 0  # also keep the checkpoints at multiples of this step, for later evaluation
    seed: int = 0
    precision: Precision = "no"
    num_workers: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "betas", tuple(self.betas))
        _positive(self, "steps", "batch_size")
        _nonneg(self, "warmup_steps", "log_every", "val_every", "val_batches",
                "checkpoint_every", "num_workers", "seed")
        if not self.lr > 0:
            raise ConfigError(f"lr must be > 0, got {self.lr}")
        if not 0.0 <= self.min_lr_ratio <= 1.0:
            raise ConfigError(f"min_lr_ratio must be in [0, 1], got {self.min_lr_ratio}")
        if self.weight_decay < 0 or self.grad_clip < 0:
            raise ConfigError("weight_decay and grad_clip must be >= 0 (grad_clip 0 = off)")
        if len(self.betas) != 2 or not all(0.0 <= b < 1.0 for b in self.betas):
            raise ConfigError(f"betas must be two numbers in [0, 1), got {self.betas}")
        if not 0.0 < self.ema_decay < 1.0:
            raise ConfigError(f"ema_decay must be in (0, 1), got {self.ema_decay}")
        if self.keep_every < 0:
            raise ConfigError(f"keep_every must be >= 0, got {self.keep_every}")
        if self.keep_checkpoints < 1:
            raise ConfigError(f"keep_checkpoints must be >= 1, got {self.keep_checkpoints}")
        if self.precision not in typing.get_args(Precision):
            raise ConfigError(f"precision must be one of {typing.get_args(Precision)}, "
                              f"got {self.precision!r}")


def _positive(cfg: Any, *names: str) -> None:
    for n in names:
        if not getattr(cfg, n) >= 1:
            raise ConfigError(f"{type(cfg).__name__}.{n} must be >= 1, got {getattr(cfg, n)}")


def _nonneg(cfg: Any, *names: str) -> None:
    for n in names:
        if not getattr(cfg, n) >= 0:
            raise ConfigError(f"{type(cfg).__name__}.{n} must be >= 0, got {getattr(cfg, n)}")


T = TypeVar("T")


def config_to_dict(cfg: Any) -> dict[str, Any]:
    """A JSON-ready dict of a (nested) frozen dataclass config; tuples become lists."""
    def convert(v: Any) -> Any:
        if dataclasses.is_dataclass(v):
            return {f.name: convert(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, (tuple, list)):
            return [convert(x) for x in v]
        return v
    return convert(cfg)


def config_from_dict(cls: type[T], d: Any, where: str = "config") -> T:
    """Rebuild `cls` from `config_to_dict` output; unknown or ill-typed keys are ConfigErrors."""
    if not isinstance(d, dict):
        raise ConfigError(f"{where}: expected an object, got {type(d).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; known: {sorted(fields)}")
    kwargs = {}
    for name, value in d.items():
        tp = hints[name]
        if dataclasses.is_dataclass(tp):
            kwargs[name] = config_from_dict(tp, value, f"{where}.{name}")
        elif _is_tuple(tp):
            if not isinstance(value, (list, tuple)):
                raise ConfigError(f"{where}.{name}: expected a list, got {value!r}")
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise ConfigError(f"{where}: {e}") from None


def _is_tuple(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin is tuple:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_is_tuple(a) for a in typing.get_args(tp))
    return False


def config_diff(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two config dicts (for resume checks)."""
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k, "<missing>"), b.get(k, "<missing>")
        if isinstance(va, dict) and isinstance(vb, dict):
            out += config_diff(va, vb, f"{prefix}{k}.")
        elif va != vb:
            out.append(f"{prefix}{k}: {va!r} -> {vb!r}")
    return out
