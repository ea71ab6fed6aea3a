"""Find the TFRecord shards of an RLDS split: from a TFDS `dataset_info.json` or given files."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from motionprior.errors import DataError

_DEFAULT_TEMPLATE = "{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}"
Source = str | os.PathLike | Sequence[str | os.PathLike]


@dataclass(frozen=True)
class Shards:
    """The files of one split, in order; `lengths` (episodes per file) when TFDS declares them."""

    files: tuple[Path, ...]
    lengths: tuple[int, ...] | None = None
    dataset_name: str | None = None
    info_path: Path | None = None


def resolve_shards(source: Source, split: str = "train") -> Shards:
    """The shards of `split` under `source`.

    `source` is a TFDS version directory (holding `dataset_info.json`), a directory of
    `*-{split}.tfrecord*` files, one TFRecord file, or a list of TFRecord files (then `split`
    is ignored).
    """
    if isinstance(source, (list, tuple)):
        files = tuple(Path(p) for p in source)
        if not files:
            raise DataError("no TFRecord files given")
        for f in files:
            if not f.is_file():
                raise DataError(f"{f}: no such TFRecord file")
        return Shards(files)
    path = Path(source)
    if path.is_file():
        return Shards((path,))
    if not path.is_dir():
        raise DataError(f"{path}: no such file or folder")
    info_path = path / "dataset_info.json"
    if info_path.is_file():
        return _from_info(path, info_path, split)
    files = tuple(sorted(path.glob(f"*-{split}.tfrecord*")))
    if not files:
        raise DataError(
            f"{path}: no tfrecord shards for split {split!r} (*-{split}.tfrecord*) and no "
            "dataset_info.json; pass a TFDS dataset folder or the .tfrecord files themselves"
        )
    return Shards(files)


def _from_info(root: Path, info_path: Path, split: str) -> Shards:
    try:
        info = json.loads(info_path.read_text())
        name = str(info["name"])
        splits = {str(s["name"]): s for s in info["splits"]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DataError(f"{info_path}: not a readable TFDS dataset_info.json ({e!r})") from None
    if split not in splits:
        raise DataError(f"{root}: no split {split!r}; the dataset has {', '.join(splits)}")
    entry = splits[split]
    try:
        lengths = tuple(int(n) for n in entry.get("shardLengths", []))
    except (TypeError, ValueError):
        raise DataError(f"{info_path}: split {split!r} has non-integer shardLengths") from None
    if not lengths:
        raise DataError(f"{info_path}: split {split!r} lists no shards (shardLengths is empty)")
    fmt = str(info.get("fileFormat", "tfrecord"))
    if fmt != "tfrecord":
        raise DataError(f"{info_path}: file format {fmt!r} is not supported (only tfrecord)")
    template = str(entry.get("filepathTemplate") or _DEFAULT_TEMPLATE)
    n = len(lengths)
    files = []
    for i in range(n):
        fname = (
            template.replace("{DATASET}", name)
            .replace("{SPLIT}", split)
            .replace("{FILEFORMAT}", fmt)
            .replace("{SHARD_X_OF_Y}", f"{i:05d}-of-{n:05d}")
            .replace("{SHARD_INDEX}", f"{i:05d}")
            .replace("{NUM_SHARDS}", f"{n:05d}")
        )
        f = root / fname
        if not f.is_file():
            raise DataError(
                f"{f}: shard {i + 1} of {n} of split {split!r} listed in {info_path} is missing"
            )
        files.append(f)
    return Shards(tuple(files), lengths, name, info_path)


def shard_files(source: Source, split: str = "train") -> list[Path]:
    """The tfrecord shards of `split`, in order (see `resolve_shards`)."""
    return list(resolve_shards(source, split).files)
