"""The one training loop of every stage (Hugging Face Accelerate).

A stage supplies a model that exposes its loss (`TrainableModel`), a map-style dataset of
examples, and a `TrainConfig`; the loop does the rest: data order (resumable, sharded across
processes), AdamW + warmup/cosine, gradient clipping, EMA, mixed precision, validation,
TensorBoard/CSV logs, a progress bar and atomic checkpoints. One process on a CPU by default;
`accelerate launch --multi_gpu --num_processes N script.py` runs DDP with no code change (on
GPUs with NCCL; on a machine without CUDA the same command runs N CPU processes with gloo).

Resume: `train(..., resume=True)` continues from the newest checkpoint of `run_dir`; the result
equals the uninterrupted run with the same configuration and seed (data order, noise, dropout,
optimizer and EMA state are all restored; the logs too when `checkpoint_every` is a multiple of
`log_every`). Steps are counted as completed optimizer steps. A different number of processes
is an error on resume (the data shards and per-process RNG streams would differ).

Validation (`val_data`, `validators`) runs on the main process only, with the EMA weights when
EMA is on; validators must not use collective operations. Train metrics are those of the main
process (not averaged over processes).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset
from torch.utils.data._utils.collate import default_collate
from tqdm.auto import tqdm

from motionprior.data.windows import worker_context
from motionprior.train import checkpoint as ckpt_io
from motionprior.train.config import TrainConfig
from motionprior.train.ema import EMA
from motionprior.train.logging import RunLogger
from motionprior.train.optim import build_optimizer, build_scheduler
from motionprior.train.resume import check_resume, prepare_run_dir
from motionprior.train.sampler import StepBatchSampler
from motionprior.train.validation import Validator, to_device, validate


@runtime_checkable
class TrainableModel(Protocol):
    """What the loop needs from a model: a type name (for checkpoints) and its loss."""

    model_type: str

    def compute_loss(self, batch: Mapping[str, Any], *, step: int,
                     generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        """Scalar loss and detached metrics; all randomness from `generator`."""
        ...


@dataclass
class StepInfo:
    """Passed to hooks after every optimizer step (all processes)."""

    step: int  # completed optimizer steps
    loss: float
    model: nn.Module
    batch: Mapping[str, Any]


@dataclass
class TrainResult:
    step: int
    checkpoint: Path
    train_metrics: dict[str, float] = field(default_factory=dict)
    val_metrics: dict[str, float] = field(default_factory=dict)


class _LossModule(nn.Module):
    """Routes `forward` to `compute_loss`, so DDP's forward hooks (gradient sync) apply."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, batch: Mapping[str, Any], step: int,
                generator: torch.Generator | None) -> tuple[Tensor, dict[str, Tensor]]:
        return self.model.compute_loss(batch, step=step, generator=generator)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (call before building the model)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def train(model: nn.Module, train_data: Dataset, cfg: TrainConfig, run_dir: str | Path, *,
          run_config: Mapping[str, Any], val_data: Dataset | None = None,
          validators: Sequence[Validator] = (), collate_fn: Callable | None = None,
          stats: Mapping[str, Any] | None = None, resume: bool = False,
          hooks: Sequence[Callable[[StepInfo], None]] = (), progress: bool = True,
          accelerator: Any = None, find_unused_parameters: bool = False) -> TrainResult:
    """Train `model` on `train_data` for `cfg.steps` optimizer steps; see the module docstring.

    run_config: the whole configuration of the run (JSON-ready), saved with every checkpoint and
    compared on resume (any difference is a ConfigError). stats: normalization statistics saved
    with every checkpoint. A run directory that already holds a run is never overwritten: pass
    `resume=True` to continue it.
    """
    if not isinstance(model, TrainableModel):
        raise TypeError(f"{type(model).__name__} lacks model_type / compute_loss")
    acc = accelerator or _make_accelerator(cfg, find_unused_parameters)
    rank, world, main = acc.process_index, acc.num_processes, acc.is_main_process
    run_dir = Path(run_dir)
    run_config = dict(run_config)
    resume_from = check_resume(run_dir, resume, model.model_type, run_config, world)
    acc.wait_for_everyone()
    if main:
        prepare_run_dir(run_dir, run_config, model.model_type)

    optimizer = build_optimizer(model, cfg)
    scheduler = build_scheduler(optimizer, cfg)
    generator = torch.Generator().manual_seed(_process_seed(cfg.seed, rank))
    start = 0
    if resume_from is not None:
        start = _restore(resume_from, model, optimizer, scheduler, generator, rank)
    else:
        seed_everything(_process_seed(cfg.seed, rank))
    model.to(acc.device)
    # under DDP, prepare() broadcasts rank 0's weights; the EMA starts from those
    wrapped, optimizer = acc.prepare(_LossModule(model), optimizer)
    ema = EMA(model, cfg.ema_decay) if cfg.ema else None
    if ema is not None and resume_from is not None:
        ema.load_state_dict(ckpt_io.load_weights(resume_from, ema=True))

    sampler = StepBatchSampler(len(train_data), cfg.batch_size, seed=cfg.seed,
                               start_step=start, end_step=cfg.steps, rank=rank, world=world)
    loader = DataLoader(train_data, batch_sampler=sampler, num_workers=cfg.num_workers,
                        collate_fn=collate_fn or default_collate,
                        generator=torch.Generator().manual_seed(cfg.seed),
                        persistent_workers=False, pin_memory=acc.device.type == "cuda",
                        multiprocessing_context=worker_context(cfg.num_workers))
    logger = RunLogger(run_dir, start_step=start, enabled=main)
    bar = tqdm(total=cfg.steps, initial=start, disable=not (progress and main),
               desc="train", dynamic_ncols=True)
    sums: dict[str, Tensor] = {}  # summed on the device; read back only when logging
    n_sum, t_last = 0, time.perf_counter()
    last_train: dict[str, float] = {}
    last_val: dict[str, float] = {}
    saved, saved_step = resume_from, start if resume_from is not None else -1
    step = start
    try:
        for batch in loader:
            batch = to_device(batch, acc.device)
            model.train()
            with acc.autocast():
                loss, metrics = wrapped(batch, step, generator)
            acc.backward(loss)
            grad_norm = (acc.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                         if cfg.grad_clip > 0 else None)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if ema is not None:
                ema.update(model, step)
            parts = {"loss": loss.detach(), **metrics}
            if grad_norm is not None:
                parts["grad_norm"] = grad_norm
            for k, v in parts.items():
                v = torch.as_tensor(v).detach().float()
                sums[k] = sums[k] + v if k in sums else v
            n_sum += 1
            for hook in hooks:
                hook(StepInfo(step, float(loss.detach()), model, batch))
            bar.update(1)
            if cfg.log_every and step % cfg.log_every == 0:
                now = time.perf_counter()
                last_train = {k: float(v) / n_sum for k, v in sums.items()}
                last_train["lr"] = scheduler.get_last_lr()[0]
                last_train["samples_per_s"] = n_sum * cfg.batch_size * world / (now - t_last)
                logger.log(step, "train", last_train)
                bar.set_postfix(loss=f"{last_train['loss']:.4f}")
                sums, n_sum, t_last = {}, 0, now
            if cfg.val_every and step % cfg.val_every == 0 and main:
                last_val = validate(model, ema, val_data, validators, cfg, collate_fn, acc,
                                    step)
                logger.log(step, "val", last_val)
            if step == cfg.steps or (cfg.checkpoint_every and step % cfg.checkpoint_every == 0):
                saved = _save(run_dir, step, model, optimizer, scheduler, ema, generator,
                              run_config, stats, cfg, acc)
                saved_step = step
    finally:
        bar.close()
        logger.close()
    if saved is None or saved_step != step:
        saved = _save(run_dir, step, model, optimizer, scheduler, ema, generator, run_config,
                      stats, cfg, acc)
    return TrainResult(step, saved, last_train, last_val)


def _make_accelerator(cfg: TrainConfig, find_unused: bool) -> Any:
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs

    kwargs = [DistributedDataParallelKwargs(find_unused_parameters=find_unused)]
    # Without CUDA, say so explicitly: Accelerate then runs several launched processes as
    # MULTI_CPU (gloo) instead of silently training them as independent single processes.
    def make() -> Any:
        return Accelerator(mixed_precision=cfg.precision, kwargs_handlers=kwargs,
                           cpu=not torch.cuda.is_available())

    try:
        return make()
    except ValueError:
        # Accelerate keeps one global state per process; a second single-process run with
        # another precision (a sweep, a notebook, tests) may replace it.
        from accelerate.state import AcceleratorState

        if AcceleratorState().num_processes > 1:
            raise
        AcceleratorState._reset_state()
        return make()


def _process_seed(seed: int, rank: int) -> int:
    return seed * 1000 + rank


def _restore(path: Path, model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: Any,
             generator: torch.Generator, rank: int) -> int:
    model.load_state_dict(ckpt_io.load_weights(path))
    ckpt_io.load_training_state(path, optimizer, scheduler)
    ckpt_io.restore_rng(ckpt_io.read_json(path, "rng.json")[rank], generator)
    return int(ckpt_io.read_meta(path)["step"])


def _save(run_dir: Path, step: int, model: nn.Module, optimizer: Any, scheduler: Any,
          ema: EMA | None, generator: torch.Generator, run_config: dict, stats: Any,
          cfg: TrainConfig, acc: Any) -> Path:
    from accelerate.utils import gather_object

    rng = gather_object([ckpt_io.capture_rng(generator)]) if acc.num_processes > 1 else [
        ckpt_io.capture_rng(generator)]
    path = ckpt_io.checkpoint_root(run_dir) / f"step_{step:08d}"
    if acc.is_main_process:
        inner = getattr(optimizer, "optimizer", optimizer)  # unwrap AcceleratedOptimizer
        path = ckpt_io.save_checkpoint(
            run_dir, step, model=model, model_type=model.model_type, config=run_config,
            optimizer=inner, scheduler=scheduler,
            ema_state=ema.state_dict() if ema is not None else None, rng=rng,
            stats=dict(stats) if stats is not None else None, world_size=acc.num_processes,
            keep=cfg.keep_checkpoints, keep_every=cfg.keep_every)
    acc.wait_for_everyone()
    return path


__all__ = ["TrainableModel", "TrainConfig", "StepInfo", "TrainResult", "Validator", "train",
           "seed_everything", "to_device"]
