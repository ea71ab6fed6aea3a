"""A cache of decoded camera frames, so training never decodes the same PNG/video frame twice.

The first use of a dataset camera decodes every frame once into an uncompressed `.npy` file
(`[N, H, W, 3] uint8`) under the cache folder; later reads are memory-mapped slices. The file
name carries a fingerprint of the dataset (its `meta/info.json` and data file sizes and times),
so an edited dataset is decoded again. Files are written atomically.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from tqdm import tqdm

from motionprior import atomic


def default_cache_dir() -> Path:
    """`$MOTIONPRIOR_CACHE`, else `~/.cache/motionprior`."""
    env = os.environ.get("MOTIONPRIOR_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "motionprior"


def dataset_fingerprint(root: str | Path) -> str:
    """Hash of info.json and the size and modification time of every data/video file."""
    root = Path(root)
    h = hashlib.sha256((root / "meta" / "info.json").read_bytes())
    for sub in ("data", "videos"):
        for f in sorted((root / sub).rglob("*")) if (root / sub).is_dir() else []:
            st = f.stat()
            h.update(f"{f.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


class CachedFrames:
    """Picklable `(frames, camera) -> [B, H, W, 3]` lookup over decoded-frame files.

    Decoding happens in the constructor (with a progress bar) for cameras not cached yet; each
    DataLoader worker opens the memory maps lazily.
    """

    def __init__(self, reader, cameras: list[str], cache_dir: str | Path | None = None,
                 chunk: int = 256, progress: bool = True) -> None:
        folder = Path(cache_dir or default_cache_dir()) / "frames"
        fingerprint = dataset_fingerprint(reader.root)
        stem = f"{Path(reader.root).name}-{fingerprint}"
        self.paths = {c: folder / f"{stem}-{c}.npy" for c in cameras}
        for camera, path in self.paths.items():
            if not path.exists():
                _decode_all(reader, camera, path, chunk, progress)
        self._maps: dict[str, np.ndarray] = {}

    def __call__(self, frames: np.ndarray, camera: str) -> np.ndarray:
        if camera not in self._maps:
            self._maps[camera] = np.load(self.paths[camera], mmap_mode="r")
        return np.asarray(self._maps[camera][np.asarray(frames)])

    def __getstate__(self) -> dict:
        return {"paths": self.paths, "_maps": {}}


def _decode_all(reader, camera: str, path: Path, chunk: int, progress: bool) -> None:
    n = int(reader.num_frames)
    first = reader.frame_images(np.array([0]), camera)
    with atomic.atomic_path(path) as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8,
                                        shape=(n,) + first.shape[1:])
        bar = tqdm(total=n, desc=f"decoding {camera}", unit="frame", disable=not progress)
        for s in range(0, n, chunk):
            idx = np.arange(s, min(s + chunk, n))
            out[idx] = reader.frame_images(idx, camera)
            bar.update(len(idx))
        bar.close()
        out.flush()
        del out
