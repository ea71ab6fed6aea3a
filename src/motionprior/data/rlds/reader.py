"""Read RLDS (TensorFlow Datasets tfrecord) episodes into motionprior `Episode`s, no TensorFlow.

    read_rlds(source, dataset="bridge", split="train")  -> Iterator[Episode]
    count_rlds(source, split="train")                   -> int (episodes; records not parsed)

RLDS stores one episode per record: a `tf.train.Example` whose `steps/...` features hold every
step flattened (`steps/action` is `T * action_dim` floats, `steps/observation/image_0` is `T`
JPEG strings). A standardization entry (`standardize.py`) says which keys mean what.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from motionprior.data.embodiments import get_embodiment
from motionprior.data.episode import Episode
from motionprior.data.rlds.example import Value, parse_example
from motionprior.data.rlds.shards import Shards, Source, resolve_shards, shard_files
from motionprior.data.rlds.standardize import (
    RLDSStandardization,
    get_standardization,
    standardization_for,
)
from motionprior.data.rlds.tfrecord import count_records, iter_records
from motionprior.errors import ConfigError, DataError

__all__ = ["count_rlds", "episode_from_example", "iter_parsed", "read_rlds", "shard_files"]


@dataclass(frozen=True)
class ParsedRecord:
    """One decoded record and where it came from (`file: record i at byte b`)."""

    where: str
    features: dict[str, Value]


def iter_parsed(shards: Shards) -> Iterator[ParsedRecord]:
    """Decode every record of `shards`; each shard's episode count is checked against TFDS."""
    for i, path in enumerate(shards.files):
        n = 0
        for record in iter_records(path):
            where = f"{path}: {record.where}"
            yield ParsedRecord(where, parse_example(record.data, where))
            n += 1
        if shards.lengths is not None and n != shards.lengths[i]:
            raise DataError(
                f"{path}: holds {n} episodes but {shards.info_path} says {shards.lengths[i]}"
            )


def read_rlds(source: Source, dataset: str = "bridge", split: str = "train", *,
              images: bool = True, cameras: Sequence[str] | None = None) -> Iterator[Episode]:
    """Yield the episodes of an RLDS split in stored order.

    `source`: a TFDS folder (with dataset_info.json), a folder of `*-{split}.tfrecord*` shards,
    one tfrecord file, or a list of them. `dataset` names the standardization entry; `cameras`
    picks cameras by RLDS key or camera name instead of the entry's defaults; `images=False`
    skips image decoding (the episodes then have no cameras).
    """
    entry = get_standardization(dataset)
    shards = resolve_shards(source, split)
    _check_dataset_name(shards, entry)
    chosen = entry.select_cameras(cameras)
    for rec in iter_parsed(shards):
        yield episode_from_example(rec.features, entry, rec.where, images=images,
                                   cameras=chosen)


def count_rlds(source: Source, split: str = "train") -> int:
    """Number of episodes of a split (records are counted, not parsed)."""
    return sum(count_records(path) for path in resolve_shards(source, split).files)


def episode_from_example(features: dict[str, Value], entry: RLDSStandardization, where: str,
                         *, images: bool = True,
                         cameras: tuple[tuple[str, str], ...] | None = None) -> Episode:
    """Map one RLDS episode (a parsed Example) to an `Episode` with the entry's meaning.

    Every per-step feature used must have the same number of steps; a missing key, a length
    mismatch or an undecodable image is a one-line `DataError` that starts with `where`.
    """
    spec = get_embodiment(entry.embodiment)
    _check_meaning(entry, spec.action_dim, spec.state_dim)
    if entry.is_first_key in features:
        steps = len(features[entry.is_first_key])
    else:
        steps = len(_get(features, entry.action_key, where)) // spec.action_dim
    if steps == 0:
        raise DataError(f"{where}: episode has no steps")
    actions = _matrix(features, entry.action_key, steps, spec.action_dim, where)
    state = _matrix(features, entry.state_key, steps, spec.state_dim, where)
    texts = _bytes(features, entry.instruction_key, where)
    if len(texts) != steps:
        raise DataError(
            f"{where}: {entry.instruction_key} has {len(texts)} values for {steps} steps"
        )
    cams = {}
    for key, name in (cameras if cameras is not None else entry.cameras) if images else ():
        frames = _bytes(features, f"steps/observation/{key}", where)
        if len(frames) != steps:
            raise DataError(f"{where}: {key} has {len(frames)} frames for {steps} steps")
        cams[name] = decode_frames(frames, f"{where} {key}")
    return Episode(actions=actions, state=state, instruction=instruction_text(texts, where),
                   embodiment=entry.embodiment, fps=entry.fps, images=cams, success=True)


def decode_frames(blobs: list[bytes], where: str) -> np.ndarray:
    """Decode encoded images (JPEG, PNG) to `[T, H, W, 3]` uint8; an empty blob is black."""
    decoded: list[np.ndarray | None] = []
    for t, blob in enumerate(blobs):
        if not blob:
            decoded.append(None)
            continue
        try:
            with Image.open(io.BytesIO(blob)) as im:
                decoded.append(np.asarray(im.convert("RGB")))
        except Exception as e:  # PIL raises several types for corrupt images
            raise DataError(f"{where}: undecodable image at step {t} ({e})") from None
    shapes = sorted({a.shape for a in decoded if a is not None})
    if not shapes:
        raise DataError(f"{where}: every frame is empty; leave this camera out (--cameras)")
    if len(shapes) > 1:
        raise DataError(f"{where}: frames differ in size {shapes}")
    out = np.zeros((len(decoded), *shapes[0]), dtype=np.uint8)
    for t, a in enumerate(decoded):
        if a is not None:
            out[t] = a
    return out


def _get(features: dict[str, Value], key: str, where: str) -> Value:
    if key not in features:
        raise DataError(
            f"{where}: missing feature {key!r}; the record has {', '.join(sorted(features))}"
        )
    return features[key]


def _bytes(features: dict[str, Value], key: str, where: str) -> list[bytes]:
    value = _get(features, key, where)
    if not isinstance(value, list):
        raise DataError(f"{where}: {key} holds {value.dtype} numbers, expected bytes (text or "
                        "encoded images)")
    return value


def _matrix(features: dict[str, Value], key: str, steps: int, dim: int, where: str) -> np.ndarray:
    flat = _get(features, key, where)
    if not isinstance(flat, np.ndarray) or flat.dtype != np.float32:
        kind = "bytes" if isinstance(flat, list) else flat.dtype
        raise DataError(f"{where}: {key} holds {kind} values, expected float32")
    if flat.size != steps * dim:
        raise DataError(
            f"{where}: {key} has {flat.size} values, expected {steps} steps x {dim} dims"
        )
    return flat.reshape(steps, dim).copy()  # a copy: the view would pin the whole record


def instruction_text(texts: list[bytes], where: str) -> str:
    """The first non-empty step's text (RLDS repeats the instruction on every step)."""
    for blob in texts:
        try:
            text = blob.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise DataError(f"{where}: the language instruction is not UTF-8 text") from None
        if text:
            return text
    return ""


def _check_meaning(entry: RLDSStandardization, action_dim: int, state_dim: int) -> None:
    for what, meaning, dim in (("action", entry.action_meaning, action_dim),
                               ("state", entry.state_meaning, state_dim)):
        if meaning and len(meaning) != dim:
            raise ConfigError(
                f"standardization {entry.name!r}: {len(meaning)} {what} dims named but "
                f"embodiment {entry.embodiment!r} has {dim}"
            )


def _check_dataset_name(shards: Shards, entry: RLDSStandardization) -> None:
    """A TFDS folder names its dataset; refuse reading it with another dataset's entry."""
    name = shards.dataset_name
    if name is None or name == entry.name or name in entry.aliases:
        return
    other = standardization_for(name)
    if other is not None:
        raise ConfigError(
            f"{shards.info_path} describes dataset {name!r}, but {entry.name!r} was requested; "
            f"use dataset={other.name!r} (--dataset {other.name})"
        )
