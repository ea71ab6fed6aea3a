"""The wire codec: msgpack with NumPy arrays encoded as openpi-client's `msgpack_numpy` does.

An array travels as the map ``{b"__ndarray__": True, b"data": bytes, b"dtype": str, b"shape":
[...]}`` and a NumPy scalar as ``{b"__npgeneric__": True, b"data": value, b"dtype": str}``, so
`openpi_client.websocket_client_policy.WebsocketClientPolicy` reads and writes our frames
unchanged. Decoding is strict and never runs code: msgpack has no pickle, object/void/complex
dtypes are refused, and the byte count must match the shape (a `WireError` otherwise).
Decoded arrays are writable copies (they outlive the frame's buffer).
"""

from __future__ import annotations

from typing import Any

import msgpack
import numpy as np

from motionprior.errors import DataError

_REFUSED_KINDS = ("O", "V", "c")  # object (would need pickle), void/structured, complex


class WireError(DataError):
    """A frame that is not a valid msgpack-numpy message."""


def _encode(obj: Any) -> Any:
    if isinstance(obj, np.ndarray | np.generic):
        if obj.dtype.kind in _REFUSED_KINDS:
            raise WireError(f"cannot send dtype {obj.dtype.str!r} (object, void and complex "
                            "arrays are refused)")
        if isinstance(obj, np.ndarray):
            return {b"__ndarray__": True, b"data": np.ascontiguousarray(obj).tobytes(),
                    b"dtype": obj.dtype.str, b"shape": list(obj.shape)}
        return {b"__npgeneric__": True, b"data": obj.item(), b"dtype": obj.dtype.str}
    raise TypeError(f"cannot serialize {type(obj).__name__}")


def _dtype(spec: Any) -> np.dtype:
    try:
        dtype = np.dtype(spec if isinstance(spec, str) else bytes(spec).decode())
    except (TypeError, ValueError, UnicodeDecodeError):
        raise WireError(f"array with an invalid dtype {spec!r}") from None
    if dtype.kind in _REFUSED_KINDS:
        raise WireError(f"array dtype {dtype.str!r} is not allowed (object, void and complex "
                        "arrays are refused; send numeric arrays)")
    return dtype


def _decode(obj: dict) -> Any:
    if b"__ndarray__" in obj:
        dtype = _dtype(obj.get(b"dtype"))
        shape, data = obj.get(b"shape"), obj.get(b"data")
        if not isinstance(shape, list | tuple) or not all(
                isinstance(n, int) and n >= 0 for n in shape):
            raise WireError(f"array with an invalid shape {shape!r}")
        if not isinstance(data, bytes):
            raise WireError("array without its bytes (b'data')")
        want = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if len(data) != want:
            raise WireError(f"array {dtype.str} {list(shape)} needs {want} bytes, got "
                            f"{len(data)}")
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    if b"__npgeneric__" in obj:
        dtype = _dtype(obj.get(b"dtype"))
        try:
            return dtype.type(obj.get(b"data"))
        except (TypeError, ValueError, OverflowError):
            raise WireError(f"invalid {dtype.str} scalar {obj.get(b'data')!r}") from None
    return obj


def packb(obj: Any) -> bytes:
    """Serialize a message (maps, lists, str, numbers, bytes, NumPy arrays and scalars)."""
    return msgpack.packb(obj, default=_encode, use_bin_type=True)


def unpackb(data: bytes) -> Any:
    """Parse a message; `WireError` with a one-line reason for anything malformed."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise WireError("expected a binary frame (msgpack); got a text frame")
    try:
        return msgpack.unpackb(data, object_hook=_decode, raw=False, strict_map_key=False)
    except WireError:
        raise
    except msgpack.ExtraData:
        raise WireError("malformed msgpack: extra bytes after the message") from None
    except (ValueError, msgpack.UnpackException, TypeError) as e:
        reason = " ".join(str(e).split()) or type(e).__name__
        raise WireError(f"malformed msgpack: {reason}") from None
