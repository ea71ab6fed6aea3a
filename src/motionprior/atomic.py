"""Atomic file and directory writes: a crash or Ctrl-C never leaves a half-written file.

Files are written to a temporary sibling and renamed over the target (`os.replace` is atomic on
POSIX within one filesystem). Directories are built in a temporary sibling and renamed into place.

Temporary names carry the writer's host and PID (`.NAME.<host>~<pid>.XXXX.tmp`, and
`.NAME.old-<host>~<pid>.XXXX` for the copy an atomic replace moves aside), so a later write in
the same folder can tell debris of a killed writer from a live writer's work: `sweep(folder)`
deletes the temporaries of writers that are gone and puts back an old copy whose replacement
never arrived. Every atomic write sweeps its folder first; readers may call `sweep` too.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_HOST = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname()) or "host"
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9_-]+)~(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp$")
_OLD = re.compile(r"^\.(?P<name>.+)\.old-(?P<host>[A-Za-z0-9_-]+)~(?P<pid>\d+)\.[A-Za-z0-9_]+$")


def _tag() -> str:
    return f"{_HOST}~{os.getpid()}."


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success it is renamed onto `target`.

    On any exception (KeyboardInterrupt included) the temporary file is removed and `target`
    is left exactly as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{_tag()}", suffix=".tmp",
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():  # mkstemp makes 0600 files; give the usual umask permissions
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | os.PathLike, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def write_json(target: str | os.PathLike, obj: Any, *, indent: int = 2) -> None:
    write_text(target, json.dumps(obj, indent=indent) + "\n")


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike) -> Iterator[Path]:
    """Build a directory in a temporary sibling; on success it replaces `target`.

    If `target` exists it is moved aside first and deleted only after the new directory is in
    place, so at every instant either the old or the new directory is complete at `target`
    (a crash between the two renames leaves the old one at `.<name>.old-*`, which the next
    `sweep` of the folder puts back).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{_tag()}", suffix=".tmp",
                                dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700 folders
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{_tag()}",
                                        dir=target.parent))
            old.rmdir()
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def sweep(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporaries that dead writers left in `folder` and restore interrupted
    replaces; returns what was removed or restored. Best effort: never raises OSError.

    Only names written by this module count, and only those of a writer on this host whose
    process is gone (or whose PID now belongs to a process started after the file was last
    changed); a live writer's temporaries are never touched.
    """
    folder = Path(folder)
    done: list[Path] = []
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(".")]
    except OSError:
        return done
    for entry in entries:
        temp, old = _TEMP.match(entry.name), _OLD.match(entry.name)
        found = temp or old
        if found is None or not _writer_gone(found["host"], int(found["pid"]), entry):
            continue
        path = Path(entry.path)
        try:
            target = folder / found["name"]
            if old is not None and not target.exists():
                os.replace(path, target)
                warnings.warn(f"{target}: restored from {path.name}, left by an interrupted "
                              "write", UserWarning, stacklevel=2)
            elif entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            done.append(path)
        except OSError:
            continue
    return done


def hidden_copies(target: str | os.PathLike) -> list[Path]:
    """Old copies of `target` that interrupted replaces moved aside (`.NAME.old-*`)."""
    target = Path(target)
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return sorted(target.parent / n for n in names
                  if (m := _OLD.match(n)) is not None and m["name"] == target.name)


def _writer_gone(host: str, pid: int, entry: os.DirEntry) -> bool:
    if host != _HOST or pid == os.getpid():
        return False  # another machine's writer (shared disk), or this process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    except OSError:
        return False
    started = _process_start(pid)
    try:
        changed = entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return False
    return started is not None and started > changed + 1.0  # the PID was reused since


def _process_start(pid: int) -> float | None:
    """Start time (seconds since the epoch) of process `pid`, from /proc; None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat[stat.rindex(")") + 2:].split()[19])
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, StopIteration, IndexError):
        return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
