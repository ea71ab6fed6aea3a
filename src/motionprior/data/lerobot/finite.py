"""Where a dataset's numbers are not finite: the file, column, episode, step and dimension."""

from __future__ import annotations

import numpy as np


def first_nonfinite(reader, key: str) -> str | None:
    """None if numeric column `key` of an open dataset is finite everywhere, else a one-line
    description of its first NaN or inf: `FILE: column 'action' holds NaN at episode E, step S
    (dim D; N non-finite values in all)`."""
    values = np.asarray(reader.column(key))
    flat = values.reshape(len(values), -1)
    bad = ~np.isfinite(flat)
    if not bad.any():
        return None
    frame = int(np.argmax(bad.any(axis=1)))
    dim = int(np.argmax(bad[frame]))
    starts, _ = reader.episode_bounds()
    episode = int(np.searchsorted(starts, frame, side="right") - 1)
    file_index, _ = reader._locate(np.array([frame]))
    path = reader.root / reader.files[int(file_index[0])]
    kind = "NaN" if np.isnan(flat[frame, dim]) else "inf"
    return (f"{path}: column {key!r} holds {kind} at episode {episode}, step "
            f"{frame - int(starts[episode])} (dim {dim}; {int(bad.sum())} non-finite values "
            "in all)")
