import json

import pytest

from motionprior import atomic


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
