"""VLA training data: LeRobot datasets -> image windows (with motion labels) and a split.

Each dataset's last `val_fraction` of episodes is held out (validation and its curves);
normalization statistics come from the training episodes only and are keyed by embodiment.
Images stay at their stored size here (decoded once into the frame cache); the model resizes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motionprior.data.sources import check_width, distinct_datasets
from motionprior.data.split import split_by_episode, training_frames
from motionprior.data.stats import Normalizer
from motionprior.errors import ConfigError
from motionprior.vla.config import VLARunConfig


@dataclass
class VLAData:
    windows: object  # motionprior.data.windows.WindowDataset
    train_indices: np.ndarray
    val_indices: np.ndarray
    normalizer: Normalizer
    paths: tuple[str, ...]
    reference: Normalizer | None = None  # the data's own statistics when `normalizer` is not

    @property
    def own_normalizer(self) -> Normalizer:
        """Statistics fitted on these datasets' training episodes (validation MSE is reported
        in these units for every variant, so arms with and without a prior compare)."""
        return self.normalizer if self.reference is None else self.reference


def load_vla_data(paths: Sequence[str | Path], cfg: VLARunConfig,
                  normalizer: Normalizer | None = None,
                  normalizer_source: str | None = None) -> VLAData:
    """Open the datasets (images, and motion labels when the variant uses words). A given
    `normalizer` (e.g. a stage-1 prior's, named by `normalizer_source`) must know every
    dataset's embodiment; otherwise statistics are fitted on the training episodes."""
    from motionprior.data.frames import FrameTable
    from motionprior.data.lerobot import open_dataset
    from motionprior.data.windows import WindowConfig, WindowDataset, fit_normalizer

    resolved = distinct_datasets(paths)
    m = cfg.model
    tables = []
    for path in paths:
        reader = open_dataset(path)
        missing = [c for c in m.cameras if c not in reader.cameras]
        if missing:
            raise ConfigError(f"{path}: no camera {missing[0]!r} (it has "
                              f"{list(reader.cameras) or 'none'}); pass --cameras with the "
                              "dataset's cameras, or collect it with images")
        if m.uses_motion and "motion" not in reader.features:  # before decoding any image
            raise ConfigError(f"{path}: no 'motion' column; label the dataset first: "
                              f"motionprior label {path}")
        table = FrameTable.from_reader(reader, images=True, motion=m.uses_motion)
        check_width(table, m.d_max, path)
        tables.append(table)
    chunk = max(m.chunk, m.token_chunk, 1)
    wc = WindowConfig(chunk=chunk, history=m.flow.history_len, d_max=m.d_max, images=True,
                      cameras=m.cameras)
    d = cfg.data
    if normalizer is not None:
        unknown = sorted({t.key for t in tables} - set(normalizer.keys))
        if unknown:
            source = normalizer_source or "the given normalizer"
            knows = ", ".join(sorted(normalizer.keys)) or "none"
            raise ConfigError(f"{source} has no statistics for embodiment {unknown[0]!r} (it "
                              f"knows {knows}); pretrain it with data of this robot too")
    own = fit_normalizer(tables, frames=[
        training_frames(t, d.val_fraction, d.train_episodes, d.train_fraction) for t in tables])
    used = own if normalizer is None else normalizer
    windows = WindowDataset(tables, wc, normalizer=used)
    train_idx, val_idx = split_by_episode(windows, d.val_fraction, d.stride, d.train_episodes,
                                          d.train_fraction)
    return VLAData(windows, train_idx, val_idx, used, tuple(resolved),
                   reference=None if normalizer is None else own)


def with_data(cfg: VLARunConfig, data: VLAData) -> VLARunConfig:
    """`cfg` with the data-dependent model fields filled in (embodiments, action width, the
    stored image size)."""
    tables = data.windows.tables
    first = tables[0].image_fn(np.array([0]), cfg.model.cameras[0])
    model = dataclasses.replace(
        cfg.model, embodiments=tuple(data.windows.embodiments),
        action_dims=max(t.actions.shape[1] for t in tables),
        source_image_size=tuple(int(v) for v in first.shape[1:3]))
    return dataclasses.replace(cfg, model=model)
