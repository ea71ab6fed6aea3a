import json

import pytest

from motionprior import atomic
from motionprior.errors import DataError


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.json"
    atomic.write_json(target, {"v": 1})
    with pytest.raises(KeyboardInterrupt):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_atomic_directory_replaces_whole_or_nothing(tmp_path):
    target = tmp_path / "ds"
    with atomic.atomic_directory(target) as d:
        (d / "x").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_directory(target) as d:
            (d / "x").write_text("new-partial")
            raise RuntimeError("crash")
    assert (target / "x").read_text() == "old"
    with atomic.atomic_directory(target) as d:
        (d / "y").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["y"]
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_written_files_and_folders_get_umask_permissions(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        atomic.write_text(tmp_path / "f.txt", "x")
        with atomic.atomic_directory(tmp_path / "d") as d:
            (d / "y").write_text("y")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o755


# -- debris of killed writers ----------------------------------------------------------------
_WRITER = """
import sys, time
from motionprior import atomic
from motionprior.data.lerobot import write_dataset
sys.path.insert(0, {tests!r})
from conftest import make_episode

def episodes():
    for seed in range(2):
        yield make_episode(length=20, seed=seed, cameras=())
    print("ready", flush=True)
    time.sleep(60)

{body}
"""


def _start(tmp_path, body: str):
    import subprocess
    import sys
    from pathlib import Path

    code = _WRITER.format(tests=str(Path(__file__).parent), body=body)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _hidden(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_killed_dataset_write_leaves_debris_that_the_rerun_removes(tmp_path, episode_factory):
    from motionprior.data.lerobot import open_dataset, write_dataset

    proc = _start(tmp_path, "write_dataset('ds', episodes(), progress=False)")
    try:
        hidden = _hidden(tmp_path)
        assert len(hidden) == 1 and hidden[0].startswith(".ds.") and hidden[0].endswith(".tmp")
        atomic.write_json(tmp_path / "other.json", {})  # a live writer's temporary is kept
        assert _hidden(tmp_path) == hidden
    finally:
        proc.kill()
        proc.wait()
    assert not (tmp_path / "ds").exists()
    write_dataset(tmp_path / "ds", [episode_factory(length=20, cameras=())], progress=False)
    assert open_dataset(tmp_path / "ds").num_episodes == 1
    assert _hidden(tmp_path) == []  # the rerun removed the dead writer's temporary


def test_a_crash_between_the_two_renames_gets_the_old_copy_back(tmp_path):
    import warnings

    from motionprior.data.lerobot import open_dataset

    with atomic.atomic_directory(tmp_path / "ds") as d:
        (d / "x").write_text("old")
    crash = """
import os, signal
real = atomic.os.replace
calls = []
def replace(a, b):
    real(a, b)
    calls.append(b)
    if '.old-' in str(b):  # the old copy is aside, the new one not yet in place
        os.kill(os.getpid(), signal.SIGKILL)
atomic.os.replace = replace
print("ready", flush=True)
with atomic.atomic_directory('ds') as d:
    (d / 'x').write_text('new')
"""
    proc = _start(tmp_path, crash)
    proc.wait()
    assert not (tmp_path / "ds").exists()
    assert any(".ds.old-" in n for n in _hidden(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        atomic.sweep(tmp_path)
    assert "restored from .ds.old-" in str(caught[0].message)
    assert (tmp_path / "ds" / "x").read_text() == "old" and _hidden(tmp_path) == []
    # a reader finds it too: move it aside again by hand, as the crash did
    (tmp_path / "ds").rename(tmp_path / ".ds.old-h~1.abc")
    with pytest.raises(DataError, match=r"no such dataset directory; an interrupted write left "
                       r"a copy at .*\.ds\.old-h~1\.abc"):
        open_dataset(tmp_path / "ds")  # another host's (h) copy: named, never touched


def test_sweep_spares_live_writers_and_other_hosts(tmp_path):
    import os

    host = atomic._HOST
    live = tmp_path / f".a.{host}~1.keep.tmp"  # PID 1 started before this file was written
    reused = tmp_path / f".b.{host}~1.gone.tmp"  # ... but after this one: the PID was reused
    foreign = tmp_path / ".c.otherhost~999999.keep.tmp"
    dead = tmp_path / f".d.{host}~999999999.gone.tmp"
    legacy = tmp_path / ".e.abcd1234.tmp"  # written before PIDs were in the names
    for p in (live, reused, foreign, dead, legacy):
        p.write_text("x")
    os.utime(reused, (0, 0))
    atomic.sweep(tmp_path)
    assert _hidden(tmp_path) == sorted(p.name for p in (live, foreign, legacy))
