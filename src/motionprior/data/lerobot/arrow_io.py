"""Parquet files in and out: one-line errors for bad files, Arrow columns to numpy arrays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from motionprior import atomic
from motionprior.errors import DataError


def _problem(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def read_metadata(path: Path) -> pq.FileMetaData:
    """The footer of a parquet file; a missing or corrupt file is a DataError naming it."""
    try:
        return pq.read_metadata(path)
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except (OSError, pa.ArrowException) as e:
        raise DataError(f"{path}: corrupt or truncated parquet file ({_problem(e)})") from None


def read_table(path: Path, columns: list[str] | None = None) -> pa.Table:
    """Read `columns` of a parquet file (all if None) with DataError on a bad file."""
    try:
        return pq.read_table(path, columns=columns)
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except (OSError, pa.ArrowException) as e:
        raise DataError(f"{path}: corrupt or truncated parquet file ({_problem(e)})") from None


def write_table(path: Path, table: pa.Table, *, dictionary: bool = True) -> None:
    """Write a parquet file atomically (a new file, never rewritten in place)."""
    with atomic.atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="snappy", use_dictionary=dictionary)


def to_numpy(column: pa.ChunkedArray | pa.Array, shape: tuple[int, ...], where: str) -> np.ndarray:
    """A numeric column as `[N, *shape]` (or `[N]` for shape `(1,)` scalar columns).

    Fixed-size and variable lists (any nesting) are flattened without Python loops; a null, or a
    list whose length does not match `shape`, is a DataError naming `where`.
    """
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(arr)
    if arr.null_count:
        raise DataError(f"{where}: {arr.null_count} null values in a numeric column")
    depth = 0
    while pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type) or (
        pa.types.is_fixed_size_list(arr.type)
    ):
        arr = arr.flatten()
        depth += 1
    values = arr.to_numpy(zero_copy_only=False)
    if depth == 0:
        return values if tuple(shape) in ((1,), ()) else values.reshape(n, *shape)
    if values.size != n * int(np.prod(shape)):
        raise DataError(f"{where}: values do not match the declared shape {list(shape)}")
    return values.reshape(n, *shape)


def to_strings(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A string column as an object array (None where null)."""
    return np.array(column.to_pylist(), dtype=object)


def from_numpy(values: np.ndarray, type_: pa.DataType) -> pa.Array:
    """A `[N, ...]` numeric array as an Arrow column of `type_` (scalars or nested fixed lists)."""
    if not pa.types.is_fixed_size_list(type_):
        return pa.array(np.ascontiguousarray(values).reshape(len(values)), type=type_)
    flat = np.ascontiguousarray(values).reshape(-1)
    arr: pa.Array = pa.array(flat, type=_leaf(type_))
    sizes = []
    t = type_
    while pa.types.is_fixed_size_list(t):
        sizes.append(t.list_size)
        t = t.value_type
    for size in reversed(sizes):
        arr = pa.FixedSizeListArray.from_arrays(arr, size)
    return arr.cast(type_)


def _leaf(type_: pa.DataType) -> pa.DataType:
    while pa.types.is_fixed_size_list(type_):
        type_ = type_.value_type
    return type_


def nested_list_type(value: np.ndarray) -> pa.DataType:
    """Arrow type of a statistic stored as nested lists (float64, or int64 for integers)."""
    leaf = pa.int64() if np.issubdtype(value.dtype, np.integer) else pa.float64()
    out: pa.DataType = leaf
    for _ in range(value.ndim):
        out = pa.list_(out)
    return out


def stat_column(values: list[np.ndarray]) -> pa.Array:
    """One statistic for many episodes as a column of nested lists."""
    return pa.array([v.tolist() for v in values], type=nested_list_type(values[0]))


def json_ready(obj: Any) -> Any:
    """numpy arrays and scalars inside `obj` turned into plain lists and numbers."""
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray | np.generic):
        return obj.tolist()
    return obj
