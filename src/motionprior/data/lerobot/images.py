"""Camera frames as PNG bytes (lossless), the way LeRobot's `image` features store them."""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
from PIL import Image

from motionprior.data.lerobot.schema import IMAGE_TYPE
from motionprior.errors import DataError

PNG_LEVEL = 1  # zlib level: PNG is lossless at every level; 1 encodes fast at ~the same size
_ENCODE_THREADS = min(4, os.cpu_count() or 1)  # PIL releases the GIL while encoding


def encode_png(frame: np.ndarray) -> bytes:
    """One `[H, W, 3] uint8` frame as PNG bytes."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(frame)).save(buf, format="PNG", compress_level=PNG_LEVEL)
    return buf.getvalue()


def decode_png(data: bytes, where: str) -> np.ndarray:
    """PNG (or any PIL-readable) bytes as an `[H, W, 3] uint8` RGB array."""
    try:
        img = Image.open(io.BytesIO(data))
        if img.mode != "RGB":
            img = img.convert("RGB")
        return np.asarray(img)
    except (OSError, ValueError, SyntaxError) as e:
        raise DataError(f"{where}: cannot decode image ({' '.join(str(e).split())})") from None


def image_column(frames: np.ndarray) -> pa.Array:
    """`[T, H, W, 3] uint8` frames as an Arrow struct column {bytes: PNG, path: null}."""
    if len(frames) >= 8 and _ENCODE_THREADS > 1:
        with ThreadPoolExecutor(_ENCODE_THREADS) as pool:
            encoded = list(pool.map(encode_png, frames))
    else:
        encoded = [encode_png(f) for f in frames]
    data = pa.array(encoded, type=pa.binary())
    paths = pa.nulls(len(frames), type=pa.string())
    return pa.StructArray.from_arrays([data, paths], fields=list(IMAGE_TYPE))


def image_bytes(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The `bytes` child of an image column (combined into one array)."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_struct(arr.type):
        return arr.field("bytes")
    if pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type):
        return arr
    raise DataError(f"image column has unexpected Arrow type {arr.type}")
