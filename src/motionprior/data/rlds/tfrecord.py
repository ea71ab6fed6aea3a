"""TFRecord framing without TensorFlow: length-prefixed, CRC32C-checked records.

Each record is `uint64 length | uint32 masked_crc32c(length bytes) | data | uint32
masked_crc32c(data)`, little endian, with `masked(crc) = ((crc >> 15) | (crc << 17)) +
0xa282ead8 (mod 2**32)`. Both checksums are verified; a corrupt or truncated file is a one-line
`DataError` naming the file, the record number and the byte offset. Files are streamed record
by record (a shard is never loaded whole). CRC32C comes from `google-crc32c` (C, hardware
accelerated where the CPU has SSE4.2).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import google_crc32c

from motionprior.errors import DataError

_MASK_DELTA = 0xA282EAD8
_HEADER = struct.Struct("<QI")
_CRC = struct.Struct("<I")
_GZIP_MAGIC = b"\x1f\x8b"


def crc32c(data: bytes) -> int:
    """The CRC32C (Castagnoli) checksum of `data`, an unsigned 32-bit int."""
    return int(google_crc32c.value(bytes(data)))


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC32C: rotate right by 15 bits, then add a constant (mod 2**32)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


@dataclass(frozen=True)
class Record:
    """One record: its number in the file, the byte offset of its header, its payload."""

    index: int
    offset: int
    data: bytes

    @property
    def where(self) -> str:
        return f"record {self.index} at byte {self.offset}"


def iter_records(path: str | os.PathLike, *, verify: bool = True) -> Iterator[Record]:
    """Yield every record of an (uncompressed) TFRecord file, checking both CRCs if `verify`."""
    path = Path(path)
    with _open(path) as f:
        size = os.fstat(f.fileno()).st_size
        offset = index = 0
        while offset < size:
            length = _read_header(f, path, index, offset, size, verify)
            data = f.read(length)
            (data_crc,) = _CRC.unpack(f.read(_CRC.size))
            if verify and masked_crc32c(data) != data_crc:
                raise DataError(
                    f"{path}: record {index} at byte {offset}: data checksum mismatch "
                    "(corrupt record)"
                )
            yield Record(index, offset, data)
            offset += _HEADER.size + length + _CRC.size
            index += 1


def read_records(path: str | os.PathLike, *, verify: bool = True) -> Iterator[bytes]:
    """Yield the payload of every record of a TFRecord file (see `iter_records`)."""
    for record in iter_records(path, verify=verify):
        yield record.data


def count_records(path: str | os.PathLike) -> int:
    """Number of records in a TFRecord file; payloads are skipped, length CRCs still checked."""
    path = Path(path)
    with _open(path) as f:
        size = os.fstat(f.fileno()).st_size
        offset = count = 0
        while offset < size:
            length = _read_header(f, path, count, offset, size, True)
            offset += _HEADER.size + length + _CRC.size
            f.seek(offset)
            count += 1
    return count


def write_records(path: str | os.PathLike, payloads: Iterable[bytes]) -> Path:
    """Write payloads as a TFRecord file, atomically (tests and fixtures use it)."""
    from motionprior.atomic import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        for payload in payloads:
            payload = bytes(payload)
            header = struct.pack("<Q", len(payload))
            f.write(header + _CRC.pack(masked_crc32c(header)))
            f.write(payload + _CRC.pack(masked_crc32c(payload)))
    return path


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise DataError(f"{path}: tfrecord file not found") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read tfrecord file ({e.strerror})") from None


def _read_header(f: BinaryIO, path: Path, index: int, offset: int, size: int,
                 verify: bool) -> int:
    """Read and check one record header at `offset`; returns the payload length."""
    where = f"{path}: record {index} at byte {offset}"
    header = f.read(_HEADER.size)
    if offset == 0 and header[:2] == _GZIP_MAGIC:
        raise DataError(f"{where}: the file is GZIP-compressed; decompress it first (gunzip)")
    if len(header) < _HEADER.size:
        raise DataError(f"{where}: truncated header ({len(header)} of {_HEADER.size} bytes)")
    length, length_crc = _HEADER.unpack(header)
    if verify and masked_crc32c(header[:8]) != length_crc:
        raise DataError(f"{where}: length checksum mismatch (not a tfrecord, or corrupt)")
    left = size - offset - _HEADER.size
    if length + _CRC.size > left:
        raise DataError(
            f"{where}: truncated record (needs {length + _CRC.size} bytes, {left} left)"
        )
    return int(length)
