"""Training windows over frame tables, in the unified padded action space of METHOD.md.

For a step t of an episode [s, e) a sample holds: the observation at t (state, images), the
action chunk t..t+H-1 and the history t-K..t-1 of state and action, all normalized and padded to
width `D_max` with masks. Chunk steps past the episode end repeat the last action (mask False);
history steps before the episode start are zeros (mask False); dims beyond the embodiment's
width are zeros (mask False). Padded entries never contribute to a loss.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from motionprior.data.frames import FrameTable
from motionprior.data.stats import Normalizer, compute_stats, normalize
from motionprior.errors import ConfigError


@dataclass(frozen=True)
class WindowConfig:
    """Shape of a training window. `image_size` resizes images (None keeps stored size)."""

    chunk: int = 16
    history: int = 8
    d_max: int = 32
    images: bool = True
    cameras: tuple[str, ...] | None = None
    image_size: int | None = None

    def __post_init__(self) -> None:
        if self.chunk < 1:
            raise ConfigError(f"chunk must be >= 1, got {self.chunk}")
        if self.history < 0:
            raise ConfigError(f"history must be >= 0, got {self.history}")
        if self.d_max < 1:
            raise ConfigError(f"d_max must be >= 1, got {self.d_max}")
        if self.image_size is not None and self.image_size < 8:
            raise ConfigError(f"image_size must be >= 8 pixels, got {self.image_size}")


def fit_normalizer(tables: Sequence[FrameTable], gripper_mask: bool = False,
                   frames: Sequence[np.ndarray] | None = None) -> Normalizer:
    """Exact statistics of action and state per key (tables sharing a key are pooled).

    With `gripper_mask`, gripper dims (from the embodiment spec) are excluded from
    normalization and pass through in raw units. `frames` (one index array per table) limits
    the statistics to those frames, e.g. the training episodes only.
    """
    from motionprior.data.embodiments import get_embodiment

    if frames is not None and len(frames) != len(tables):
        raise ConfigError(f"{len(frames)} frame selections for {len(tables)} tables")
    rows = list(frames) if frames is not None else [slice(None)] * len(tables)
    normalizer = Normalizer()
    for key in sorted({t.key for t in tables}):
        group = [(t, r) for t, r in zip(tables, rows, strict=True) if t.key == key]
        spec = get_embodiment(group[0][0].embodiment)
        for feature, vec in (("action", spec.action), ("state", spec.state)):
            x = np.concatenate([(t.actions if feature == "action" else t.state)[r]
                                for t, r in group])
            mask = np.ones(x.shape[1], dtype=bool)
            if gripper_mask and vec.gripper is not None:
                mask[vec.gripper] = False
            normalizer.add(key, feature, compute_stats(x, mask))
    return normalizer


class WindowDataset(torch.utils.data.Dataset):
    """Every step of every episode of the given tables, as a padded, normalized window."""

    def __init__(
        self,
        tables: Sequence[FrameTable],
        config: WindowConfig = WindowConfig(),
        normalizer: Normalizer | None = None,
    ) -> None:
        if not tables:
            raise ConfigError("WindowDataset needs at least one dataset")
        for t in tables:
            width = max(t.actions.shape[1], t.state.shape[1])
            if width > config.d_max:
                raise ConfigError(
                    f"dataset {t.key!r} has {width} action/state dims, more than d_max="
                    f"{config.d_max}; raise d_max"
                )
            if config.images and config.cameras:
                missing = set(config.cameras) - set(t.cameras)
                if missing:
                    raise ConfigError(f"dataset {t.key!r} lacks cameras {sorted(missing)}; "
                                      f"it has {list(t.cameras)}")
        self.tables = list(tables)
        self.config = config
        self.normalizer = normalizer or fit_normalizer(self.tables)
        self.embodiments = sorted({t.embodiment for t in self.tables})
        self._offsets = np.cumsum([0] + [t.num_frames for t in self.tables])
        self._episode_of = [t.episode_of_frame for t in self.tables]
        self._norm = [(self.normalizer.get(t.key, "action"), self.normalizer.get(t.key, "state"))
                      for t in self.tables]

    def __len__(self) -> int:
        return int(self._offsets[-1])

    def locate(self, index: int) -> tuple[int, int]:
        """(table number, frame index in that table) of a global sample index."""
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        k = int(np.searchsorted(self._offsets, index, side="right") - 1)
        return k, int(index - self._offsets[k])

    def __getitem__(self, index: int) -> dict:
        batch = self.__getitems__([index])
        return {k: _first(v) for k, v in batch.items()}

    def __getitems__(self, indices: Sequence[int]) -> dict:
        """A whole collated batch, gathered with vectorized indexing (what DataLoader calls)."""
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= len(self)):
            raise IndexError(f"index out of range for {len(self)} samples")
        which = np.searchsorted(self._offsets, indices, side="right") - 1
        parts, order = [], []
        for k in np.unique(which):
            sel = np.nonzero(which == k)[0]
            parts.append(self._gather(int(k), indices[sel] - self._offsets[k]))
            order.append(sel)
        return _merge(parts, np.concatenate(order))

    def _gather(self, k: int, t: np.ndarray) -> dict:
        table, cfg = self.tables[k], self.config
        episode = self._episode_of[k][t]
        start, end = table.starts[episode][:, None], table.ends[episode][:, None]
        action_stats, state_stats = self._norm[k]
        chunk_idx = t[:, None] + np.arange(cfg.chunk)
        chunk_valid = chunk_idx < end
        chunk = normalize(action_stats, table.actions[np.minimum(chunk_idx, end - 1)])
        hist_idx = t[:, None] + np.arange(-cfg.history, 0)
        hist_valid = hist_idx >= start
        hist_rows = np.maximum(hist_idx, start)
        hist_actions = normalize(action_stats, table.actions[hist_rows]) * hist_valid[..., None]
        hist_state = normalize(state_stats, table.state[hist_rows]) * hist_valid[..., None]
        a_dim, s_dim = table.actions.shape[1], table.state.shape[1]
        batch = {
            "actions": _pad(chunk, cfg.d_max),
            "action_mask": _mask(chunk_valid, a_dim, cfg.d_max),
            "state": _pad(normalize(state_stats, table.state[t]), cfg.d_max),
            "state_mask": _mask(np.ones(len(t), bool), s_dim, cfg.d_max),
            "history_actions": _pad(hist_actions, cfg.d_max),
            "history_state": _pad(hist_state, cfg.d_max),
            "history_mask": _mask(hist_valid, a_dim, cfg.d_max),
            "history_state_mask": _mask(hist_valid, s_dim, cfg.d_max),
            "instruction": [table.instructions[e] for e in episode],
            "embodiment": [table.embodiment] * len(t),
            "embodiment_id": torch.full((len(t),), self.embodiments.index(table.embodiment)),
            "task_index": torch.from_numpy(table.task_index[episode]),
            "episode_index": torch.from_numpy(episode),
            "frame_index": torch.from_numpy(t - start[:, 0]),
        }
        if cfg.images:
            batch["images"] = self._images(table, t)
        if table.motion is not None:
            batch["motion"] = table.motion[t].tolist()
        return batch

    def _images(self, table: FrameTable, frames: np.ndarray) -> dict[str, torch.Tensor]:
        if table.image_fn is None:
            raise ConfigError(f"dataset {table.key!r} has no images; use images=False")
        out = {}
        size = self.config.image_size
        for cam in self.config.cameras or table.cameras:
            imgs = table.image_fn(frames, cam)  # [B, H, W, 3] uint8
            if size is not None and imgs.shape[1:3] != (size, size):
                imgs = np.stack([np.asarray(Image.fromarray(i).resize((size, size),
                                                                      Image.BILINEAR))
                                 for i in imgs])
            out[cam] = torch.from_numpy(imgs).permute(0, 3, 1, 2).contiguous()
        return out


def _first(value):
    if isinstance(value, dict):
        return {k: v[0] for k, v in value.items()}
    return value[0]


def _merge(parts: list[dict], order: np.ndarray) -> dict:
    """Concatenate per-table batches and restore the requested sample order."""
    if len(parts) == 1:
        return parts[0]
    inverse = torch.from_numpy(np.argsort(order))
    out = {}
    for key, first in parts[0].items():
        if isinstance(first, dict):
            out[key] = {c: torch.cat([p[key][c] for p in parts])[inverse] for c in first}
        elif isinstance(first, list):
            flat = [x for p in parts for x in p[key]]
            out[key] = [flat[i] for i in inverse.tolist()]
        else:
            out[key] = torch.cat([p[key] for p in parts])[inverse]
    return out


def _pad(x: np.ndarray, width: int) -> torch.Tensor:
    out = np.zeros(x.shape[:-1] + (width,), dtype=np.float32)
    out[..., : x.shape[-1]] = x
    return torch.from_numpy(out)


def _mask(step_valid: np.ndarray, dim: int, width: int) -> torch.Tensor:
    out = np.zeros(np.shape(step_valid) + (width,), dtype=bool)
    out[..., :dim] = np.asarray(step_valid)[..., None]
    return torch.from_numpy(out)


def make_dataloader(
    dataset: torch.utils.data.Dataset,
    batch_size: int,
    *,
    seed: int = 0,
    shuffle: bool = True,
    num_workers: int = 0,
    drop_last: bool = True,
) -> torch.utils.data.DataLoader:
    """A DataLoader whose order depends only on `seed` (any number of workers)."""
    generator = torch.Generator().manual_seed(seed)
    # WindowDataset.__getitems__ returns collated batches; other datasets use default_collate.
    collate = _keep_batch if hasattr(dataset, "__getitems__") else None
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=num_workers,
        drop_last=drop_last,
        generator=generator,
        persistent_workers=num_workers > 0,
        collate_fn=collate,
        multiprocessing_context=worker_context(num_workers),
    )


def worker_context(num_workers: int) -> multiprocessing.context.BaseContext | None:
    """How DataLoader workers start: from a fork server, never by forking this process.

    A process that has read parquet (pyarrow's jemalloc and thread pool), run OpenMP or
    rendered with Mesa holds native threads; a worker forked from it can inherit a lock one of
    them held and hang for ever (seen in the test suite). The fork server is a fresh process,
    Python 3.14's default on Linux. The price: each worker receives a pickled copy of the
    dataset instead of sharing the parent's pages.
    """
    return multiprocessing.get_context("forkserver") if num_workers > 0 else None


def _keep_batch(batch):
    return batch
