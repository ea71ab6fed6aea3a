"""Stage 1 end to end: LeRobot datasets -> action windows -> trained prior -> evaluation.

Only actions and states are read (`images=False`); no image is ever decoded. Each dataset's
last `val_fraction` of episodes is held out for validation and evaluation; normalization
statistics are fitted on the training episodes only.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Subset
from torch.utils.data._utils.collate import default_collate

from motionprior import atomic
from motionprior.data.sources import check_width, distinct_datasets
from motionprior.data.split import split_by_episode, training_frames
from motionprior.data.stats import Normalizer
from motionprior.errors import ConfigError, DataError, UnknownNameError
from motionprior.prior.config import PriorRunConfig, with_embodiments
from motionprior.prior.evaluate import evaluate_prior, metrics_json, plot_latents
from motionprior.prior.model import MODEL_TYPE, ActionPrior
from motionprior.train import checkpoint as ckpt_io
from motionprior.train.config import config_from_dict, config_to_dict
from motionprior.train.loop import TrainResult, seed_everything, train


@dataclass
class PriorData:
    """Windows of one or more datasets with a train/validation split (by episode)."""

    windows: Any  # motionprior.data.windows.WindowDataset
    train_indices: np.ndarray
    val_indices: np.ndarray
    normalizer: Normalizer
    embodiments: tuple[str, ...]
    paths: tuple[str, ...]


def collate(batch: Any) -> Any:
    """Batches from `WindowDataset.__getitems__` arrive collated; anything else is collated."""
    return batch if isinstance(batch, Mapping) else default_collate(batch)


def load_windows(paths: Sequence[str | Path], cfg: PriorRunConfig,
                 normalizer: Normalizer | None = None) -> PriorData:
    """Open LeRobot datasets (actions and states only) and cut them into windows."""
    from motionprior.data.frames import FrameTable
    from motionprior.data.lerobot import open_dataset
    from motionprior.data.lerobot.finite import first_nonfinite
    from motionprior.data.windows import WindowConfig, WindowDataset, fit_normalizer

    resolved = distinct_datasets(paths)
    m = cfg.model
    tables = []
    for path in paths:
        reader = open_dataset(path)
        for key in ("action", "observation.state"):
            bad = first_nonfinite(reader, key)
            if bad is not None:
                raise DataError(f"{bad}; fix or drop that episode (training needs finite data)")
        table = FrameTable.from_reader(reader, images=False)
        check_width(table, m.d_max, path)
        tables.append(table)
    wc = WindowConfig(chunk=m.horizon, history=m.history_len, d_max=m.d_max, images=False)
    d = cfg.data
    if normalizer is None:  # statistics of the training episodes only: nothing leaks
        normalizer = fit_normalizer(tables, frames=[
            training_frames(t, d.val_fraction, d.train_episodes, d.train_fraction)
            for t in tables])
    windows = WindowDataset(tables, wc, normalizer=normalizer)
    train_idx, val_idx = split_by_episode(windows, d.val_fraction, d.stride, d.train_episodes,
                                          d.train_fraction)
    return PriorData(windows, train_idx, val_idx, windows.normalizer,
                     tuple(windows.embodiments), tuple(resolved))


def run_config_dict(cfg: PriorRunConfig, paths: Sequence[str]) -> dict[str, Any]:
    return {**config_to_dict(cfg), "datasets": list(paths)}


def pretrain_prior(paths: Sequence[str | Path], out: str | Path, cfg: PriorRunConfig, *,
                   resume: bool = False, progress: bool = True,
                   eval_windows: int = 2048) -> TrainResult:
    """Train an action prior on `paths` into run directory `out`, then evaluate it on the
    held-out episodes (`out/eval/metrics.json`, `out/eval/latents.png`)."""
    _check_windows("eval_windows", eval_windows)
    data = load_windows(paths, cfg)
    cfg = with_embodiments(cfg, data.embodiments)
    seed_everything(cfg.train.seed)
    model = ActionPrior(cfg.model)
    train_set = Subset(data.windows, data.train_indices.tolist())
    val_set = Subset(data.windows, data.val_indices.tolist()) if len(data.val_indices) else None
    if val_set is None:
        warnings.warn("no held-out episodes (each dataset has a single episode): training "
                      "without validation, and the final evaluation (eval/metrics.json) is "
                      "skipped; give datasets with at least 2 episodes", UserWarning, stacklevel=2)
    result = train(model, train_set, cfg.train, out,
                   run_config=run_config_dict(cfg, data.paths), val_data=val_set,
                   validators=[reconstruction_validator(val_set)] if val_set else [],
                   collate_fn=collate, stats=data.normalizer.to_dict(), resume=resume,
                   progress=progress)
    if val_set is not None and _is_main_process():
        loaded = load_prior(result.checkpoint)
        evaluate_to_dir(loaded.model, data.windows, _spread(data.val_indices, eval_windows),
                        Path(out) / "eval")
    return result


def _is_main_process() -> bool:
    from accelerate.state import PartialState

    return PartialState().is_main_process


def reconstruction_validator(val_set: Any, batches: int = 2, batch_size: int = 256):
    """A validator logging D(E(chunk)) reconstruction MSE on the first validation batches."""
    def validate(model: torch.nn.Module, step: int) -> dict[str, float]:
        loader = DataLoader(val_set, batch_size=batch_size, shuffle=False, collate_fn=collate)
        it = (b for i, b in enumerate(loader) if i < batches)
        return {"recon_mse": evaluate_prior(model, it, seed=step)["all"]["recon_mse"]}
    return validate


@dataclass
class LoadedPrior:
    model: ActionPrior
    config: PriorRunConfig
    normalizer: Normalizer | None
    checkpoint: Path
    datasets: tuple[str, ...]


def load_prior(path: str | Path, *, ema: bool = True) -> LoadedPrior:
    """An ActionPrior from a run directory or checkpoint (EMA weights when saved and `ema`)."""
    ckpt = ckpt_io.resolve_checkpoint(path)
    ckpt_io.read_meta(ckpt, expected_model_type=MODEL_TYPE)
    saved = ckpt_io.read_json(ckpt, "config.json")
    if not isinstance(saved, dict):
        raise ckpt_io.CheckpointError(ckpt / "config.json", "missing or not a JSON object")
    saved = dict(saved)
    datasets = tuple(saved.pop("datasets", ()))
    cfg = config_from_dict(PriorRunConfig, saved, f"{ckpt}/config.json")
    model = ActionPrior(cfg.model)
    use_ema = ema and (ckpt / "ema.safetensors").exists()
    weights = ckpt / ("ema.safetensors" if use_ema else "model.safetensors")
    ckpt_io.load_state_dict(model, ckpt_io.load_weights(ckpt, ema=use_ema), weights)
    stats = ckpt_io.read_json(ckpt, "stats.json")
    try:
        normalizer = Normalizer.from_dict(stats) if stats is not None else None
    except DataError as e:
        raise ckpt_io.CheckpointError(ckpt / "stats.json", str(e)) from None
    return LoadedPrior(model.eval(), cfg, normalizer, ckpt, datasets)


def evaluate_to_dir(model: ActionPrior, windows: Any, indices: np.ndarray, out: str | Path, *,
                    batch_size: int = 256, seed: int = 0) -> dict[str, Any]:
    """Evaluate on `windows[indices]`; writes metrics.json and latents.png into `out`."""
    names = model.cfg.embodiments
    subset = Subset(windows, indices.tolist())

    def remap(batch: Any) -> Any:
        batch = dict(collate(batch))
        if model.cfg.use_embodiment:
            try:
                ids = [names.index(e) for e in batch["embodiment"]]
            except ValueError:
                unknown = sorted(set(batch["embodiment"]) - set(names))
                raise UnknownNameError("embodiment of this prior", unknown[0], names) from None
            batch["embodiment_id"] = torch.tensor(ids)
        return batch

    loader = DataLoader(subset, batch_size=batch_size, shuffle=False, collate_fn=remap)
    result = evaluate_prior(model, loader, seed=seed)
    out = Path(out)
    metrics = metrics_json(result)
    atomic.write_json(out / "metrics.json", metrics)
    if len(result["embodiments"]):
        plot_latents(result["latents"], result["embodiments"], result["tasks"],
                     out / "latents.png")
    return metrics


def evaluate_run(checkpoint: str | Path, paths: Sequence[str | Path], out: str | Path, *,
                 max_windows: int = 4096, held_out_only: bool = True) -> dict[str, Any]:
    """`eval-prior`: evaluate a saved prior on datasets, normalized with its own statistics."""
    _check_windows("max_windows", max_windows)
    loaded = load_prior(checkpoint)
    if loaded.normalizer is None:
        raise ConfigError(f"{loaded.checkpoint} has no normalization statistics (stats.json)")
    data = load_windows(paths, loaded.config, normalizer=loaded.normalizer)
    if held_out_only and not len(data.val_indices):
        raise ConfigError("these datasets have no held-out episodes (one episode each?); "
                          "evaluate on all windows instead")
    idx = data.val_indices if held_out_only else np.arange(len(data.windows))
    return evaluate_to_dir(loaded.model, data.windows, _spread(idx, max_windows), out)


def _check_windows(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")


def _spread(indices: np.ndarray, k: int) -> np.ndarray:
    """At most `k` indices spread evenly over `indices` (deterministic)."""
    if len(indices) <= k:
        return indices
    return indices[np.linspace(0, len(indices) - 1, k).round().astype(np.int64)]
