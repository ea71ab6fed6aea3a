"""Checks on paths a command is about to write, done before any work starts.

`check_output(path, kind)` fails with a one-line `ConfigError` naming the path when it cannot be
written: a regular file where a folder is needed (or a folder where a file is needed), a folder
that is not writable, a missing parent that cannot be created, or a place inside a dataset.
`check_overwrite(path, force)` refuses to replace a file that motionprior did not write.
`describe_os_error(e)` turns an `OSError` into the same one-line form.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Literal

from motionprior.errors import ConfigError

OutputKind = Literal["dir", "dataset", "file", "any"]
PNG_MARKER = b"tEXtSoftware\x00motionprior"  # the PNG text chunk our plots carry
DATASET_MARKER = Path("meta") / "info.json"

_HINTS = {  # how to fix, after the system's own text
    errno.EACCES: "choose a writable location",
    errno.EPERM: "choose a writable location",
    errno.EROFS: "choose a writable location",
    errno.ENOTDIR: "a part of this path is a regular file, not a folder",
    errno.EISDIR: "a file is needed here, not a folder",
    errno.EEXIST: "choose another name",
    errno.ENOSPC: "free some space and rerun",
}


def check_output(path: str | os.PathLike, kind: OutputKind = "any", *, flag: str = "") -> Path:
    """`path` as a Path if it can be written as `kind`, else a ConfigError naming it.

    kind "dir": a folder (created if missing) that is not a dataset or inside one; "dataset":
    a dataset folder (may exist: appending) not inside another dataset; "file": a file not
    inside a dataset; "any": only the writability of the location is checked.
    """
    path = Path(path)
    where = f"{path}" + (f" ({flag})" if flag else "")
    if path.exists() or path.is_symlink():
        if kind in ("dir", "dataset") and not path.is_dir():
            raise ConfigError(f"{where}: is a regular file, but a folder is needed; "
                              "choose a folder path")
        if kind == "file" and path.is_dir():
            raise ConfigError(f"{where}: is a folder, but a file is needed; "
                              f"give a file name, e.g. {path / 'out.png'}")
        folder = path if path.is_dir() else path.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigError(f"{where}: folder {folder} is not writable; "
                              "choose a writable location")
    else:
        ancestor = path.parent
        while not (ancestor.exists() or ancestor.is_symlink()) and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise ConfigError(f"{where}: cannot be created: {ancestor} is a regular file, "
                              "not a folder")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise ConfigError(f"{where}: cannot be created: folder {ancestor} is not "
                              "writable; choose a writable location")
    if kind != "any":
        dataset = enclosing_dataset(path, include_self=kind == "dir")
        if dataset is not None:
            inside = "is the dataset" if dataset == path.absolute() else "is inside the dataset"
            raise ConfigError(f"{where}: {inside} {dataset}; write outside dataset folders")
    return path


def enclosing_dataset(path: str | os.PathLike, *, include_self: bool = True) -> Path | None:
    """The LeRobot dataset folder (holding meta/info.json) that `path` is inside, if any."""
    path = Path(path).absolute()
    candidates = ([path] if include_self else []) + list(path.parents)
    return next((p for p in candidates if (p / DATASET_MARKER).is_file()), None)


def written_by_us(path: str | os.PathLike) -> bool:
    """True if `path` is a PNG that motionprior wrote (it carries our Software text chunk)."""
    try:
        with open(path, "rb") as f:
            return PNG_MARKER in f.read(65536)
    except OSError:
        return False


def check_overwrite(path: str | os.PathLike, force: bool = False, *, flag: str = "") -> None:
    """A ConfigError if `path` is an existing file motionprior did not write (unless `force`)."""
    path = Path(path)
    if force or not path.is_file() or written_by_us(path):
        return
    where = f"{path}" + (f" ({flag})" if flag else "")
    raise ConfigError(f"{where}: exists and was not written by motionprior; pass --force to "
                      "overwrite it or choose another name (nothing was written)")


def describe_os_error(e: OSError) -> str:
    """A one-line `PATH: what is wrong` for an OSError (the path it names, if any)."""
    hint = _HINTS.get(e.errno or 0)
    what = f"{e.strerror or type(e).__name__}" + (f" ({hint})" if hint else "")
    if e.filename is None:
        return " ".join(str(e).split()) or type(e).__name__
    names = str(e.filename) + (f" -> {e.filename2}" if e.filename2 is not None else "")
    return f"{names}: {what}"
