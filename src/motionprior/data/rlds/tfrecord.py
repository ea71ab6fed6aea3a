"""TFRecord framing without TensorFlow: length-prefixed, CRC32C-checked records.

Each record is `uint64 length | uint32 masked_crc32c(length bytes) | data | uint32
masked_crc32c(data)`, little endian. Both checksums are verified; a corrupt or truncated file is
a one-line `DataError` naming the file, the record number and the byte offset.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import google_crc32c

from motionprior.errors import DataError

_MASK_DELTA = 0xA282EAD8


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC32C: rotate right by 15 bits, then add a constant (mod 2**32)."""
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def read_records(path: str | Path, *, verify: bool = True) -> Iterator[bytes]:
    """Yield the payload of every record of a tfrecord file (uncompressed)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: tfrecord file not found") from None
    view = memoryview(data)
    pos, index = 0, 0
    while pos < len(data):
        where = f"{path}: record {index} at byte {pos}"
        if pos + 12 > len(data):
            raise DataError(f"{where}: truncated header ({len(data) - pos} of 12 bytes)")
        header = bytes(view[pos : pos + 8])
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack_from("<I", data, pos + 8)
        if verify and masked_crc32c(header) != length_crc:
            raise DataError(f"{where}: length checksum mismatch (not a tfrecord, or corrupt)")
        end = pos + 12 + length
        if end + 4 > len(data):
            raise DataError(
                f"{where}: truncated record (needs {length + 4} bytes, {len(data) - pos - 12} left)"
            )
        payload = bytes(view[pos + 12 : end])
        (data_crc,) = struct.unpack_from("<I", data, end)
        if verify and masked_crc32c(payload) != data_crc:
            raise DataError(f"{where}: data checksum mismatch (corrupt record)")
        yield payload
        pos, index = end + 4, index + 1


def write_records(path: str | Path, payloads: list[bytes]) -> None:
    """Write payloads as a tfrecord file (used by tests to build fixtures)."""
    from motionprior import atomic

    out = bytearray()
    for p in payloads:
        header = struct.pack("<Q", len(p))
        out += header + struct.pack("<I", masked_crc32c(header))
        out += p + struct.pack("<I", masked_crc32c(p))
    atomic.write_bytes(path, bytes(out))
