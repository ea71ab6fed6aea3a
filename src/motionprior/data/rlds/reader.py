"""Read RLDS (TensorFlow Datasets tfrecord) episodes into motionprior `Episode`s, no TensorFlow.

RLDS stores one episode per record: a `tf.train.Example` whose `steps/...` features hold every
step flattened (`steps/action` is `T * action_dim` floats, `steps/observation/image_0` is `T`
JPEG strings). A standardization entry (`standardize.py`) says which keys mean what.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from motionprior.data.embodiments import get_embodiment
from motionprior.data.episode import Episode
from motionprior.data.rlds.example import Value, parse_example
from motionprior.data.rlds.standardize import RLDSStandardization, get_standardization
from motionprior.data.rlds.tfrecord import read_records
from motionprior.errors import DataError


def shard_files(source: str | Path, split: str = "train") -> list[Path]:
    """The tfrecord shards of `split` in a TFDS folder (with dataset_info.json), or the file."""
    source = Path(source)
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise DataError(f"{source}: no such file or folder")
    info = source / "dataset_info.json"
    if info.is_file():
        try:
            splits = [s["name"] for s in json.loads(info.read_text()).get("splits", [])]
        except (json.JSONDecodeError, TypeError, KeyError) as e:
            raise DataError(f"{info}: malformed dataset_info.json ({e})") from None
        if splits and split not in splits:
            raise DataError(f"{source}: no split {split!r}; the dataset has {', '.join(splits)}")
    files = sorted(source.glob(f"*-{split}.tfrecord*"))
    if not files:
        raise DataError(f"{source}: no tfrecord shards for split {split!r} (*-{split}.tfrecord*)")
    return files


def read_rlds(source: str | Path, dataset: str = "bridge", split: str = "train",
              *, images: bool = True) -> Iterator[Episode]:
    """Yield the episodes of an RLDS dataset folder (or one tfrecord file) in stored order."""
    entry = get_standardization(dataset)
    for path in shard_files(source, split):
        for i, payload in enumerate(read_records(path)):
            where = f"{path}: record {i}"
            yield episode_from_example(parse_example(payload, where), entry, where, images=images)


def episode_from_example(features: dict[str, Value], entry: RLDSStandardization, where: str,
                         *, images: bool = True) -> Episode:
    """Map one RLDS episode (a parsed Example) to an `Episode` with the entry's meaning."""
    spec = get_embodiment(entry.embodiment)
    steps = len(_get(features, entry.is_first_key, where))
    if steps == 0:
        raise DataError(f"{where}: episode has no steps")
    actions = _matrix(features, entry.action_key, steps, spec.action_dim, where)
    state = _matrix(features, entry.state_key, steps, spec.state_dim, where)
    texts = _get(features, entry.instruction_key, where)
    if len(texts) != steps:
        raise DataError(f"{where}: {entry.instruction_key} has {len(texts)} values for "
                        f"{steps} steps")
    cams = {}
    for key, name in entry.cameras if images else ():
        frames = _get(features, f"steps/observation/{key}", where)
        if len(frames) != steps:
            raise DataError(f"{where}: {key} has {len(frames)} frames for {steps} steps")
        cams[name] = np.stack([_decode(b, f"{where} {key}") for b in frames])
    return Episode(actions=actions, state=state, instruction=texts[0].decode("utf-8").strip(),
                   embodiment=entry.embodiment, fps=entry.fps, images=cams, success=True)


def _get(features: dict[str, Value], key: str, where: str) -> Value:
    if key not in features:
        known = ", ".join(sorted(k for k in features if k.startswith("steps/")))
        raise DataError(f"{where}: missing feature {key!r}; the record has {known}")
    return features[key]


def _matrix(features: dict[str, Value], key: str, steps: int, dim: int, where: str) -> np.ndarray:
    flat = _get(features, key, where)
    if not isinstance(flat, np.ndarray) or flat.size != steps * dim:
        size = len(flat)
        raise DataError(f"{where}: {key} has {size} values, expected {steps} steps x {dim} dims")
    return flat.reshape(steps, dim).astype(np.float32)


def _decode(data: bytes, where: str) -> np.ndarray:
    try:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    except Exception as e:  # PIL raises several types for corrupt images
        raise DataError(f"{where}: undecodable image ({e})") from None
