"""Checks every training stage makes of the datasets it is given (one-line ConfigErrors)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from motionprior.errors import ConfigError


def distinct_datasets(paths: Sequence[str | Path]) -> list[str]:
    """The resolved paths of a non-empty list of datasets, none given twice."""
    if not paths:
        raise ConfigError("no dataset given: pass at least one LeRobot dataset (--data PATH)")
    resolved = [str(Path(p).resolve()) for p in paths]
    if len(set(resolved)) != len(resolved):
        raise ConfigError(f"a dataset is given twice: {[str(p) for p in paths]}")
    return resolved


def check_width(table: Any, d_max: int, path: str | Path) -> None:
    """A frame table's action and state widths fit the padded space `d_max`."""
    for what, width in (("action", table.actions.shape[1]), ("state", table.state.shape[1])):
        if width > d_max:
            raise ConfigError(f"{path}: {width} {what} dims (embodiment {table.embodiment!r}) "
                              f"exceed d_max={d_max}; use a config with a larger d_max")
