"""Change an existing dataset atomically: stage a linked copy, edit it, swap it into place.

`staged_copy(root, skip)` yields a temporary sibling of `root` holding hard links to every file
of `root` except the relative paths in `skip` (those the caller rewrites). Linking costs no disk
space or copying, and is safe because every motionprior write creates a *new* file (written to a
temporary name and renamed, see `motionprior.atomic`), so a link is never written through.
On success the staged directory replaces `root` (`atomic_directory`); on any exception,
Ctrl-C included, it is deleted and `root` is untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from motionprior.atomic import atomic_directory


def link_tree(src: Path, dst: Path, skip: set[str]) -> None:
    """Hard-link (or copy, across filesystems) the files of `src` into `dst`, minus `skip`."""
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_dir() or rel.as_posix() in skip or any(p.startswith(".") for p in rel.parts):
            continue  # hidden names are leftovers of interrupted atomic writes
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


@contextlib.contextmanager
def staged_copy(root: Path, skip: set[str]) -> Iterator[Path]:
    """Yield a linked copy of `root` (without `skip`) that replaces `root` on success."""
    with atomic_directory(root) as tmp:
        link_tree(root, tmp, skip)
        yield tmp
