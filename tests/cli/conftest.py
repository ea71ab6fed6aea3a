"""Fixtures of the CLI reliability tests: tiny datasets (valid, one episode, with a NaN) and
`expect_error`, which runs a verb and checks the one-line error, the exit status and that
nothing was written."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

import numpy as np
import pytest

from motionprior.cli import main


def _write(root: Path, episodes: int, seed: int = 0) -> Path:
    from motionprior.data import Episode
    from motionprior.data.lerobot import write_dataset

    rng = np.random.default_rng(seed)
    eps = [Episode(actions=rng.normal(0, 0.02, (40, 7)).astype(np.float32),
                   state=np.cumsum(rng.normal(0, 0.01, (40, 7)), 0).astype(np.float32),
                   instruction="pick up the cube", embodiment="widowx_bridge", fps=5.0)
           for _ in range(episodes)]
    return write_dataset(root, eps, progress=False)


@pytest.fixture(scope="session")
def datasets(tmp_path_factory) -> dict[str, Path]:
    """'ok' (3 episodes), 'one' (1 episode), 'nan' (a NaN in the actions of episode 1, step 5).
    Read-only by convention: tests copy what they change."""
    root = tmp_path_factory.mktemp("datasets")
    out = {"ok": _write(root / "ok", 3), "one": _write(root / "one", 1, seed=1)}
    out["nan"] = root / "nan"
    shutil.copytree(out["ok"], out["nan"])
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = sorted(glob.glob(str(out["nan"] / "data" / "*" / "*.parquet")))[0]
    table = pq.read_table(path)
    actions = np.array(table.column("action").to_pylist(), dtype=np.float32)
    actions[45, 2] = np.nan  # episode 1 starts at frame 40
    column = pa.array(actions.tolist(), type=table.schema.field("action").type)
    pq.write_table(table.set_column(table.schema.get_field_index("action"), "action", column),
                   path)
    return out


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` (hidden ones included) with file contents."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(Path(root).rglob("*"))}


@pytest.fixture
def expect_error(capsys, tmp_path):
    """`expect_error(argv, *fragments)`: the verb exits 2 with one line `motionprior VERB:
    error: ...` holding every fragment, and nothing under tmp_path changed; returns the line."""
    def run(argv: list[str], *fragments: str, watch: Path | None = None) -> str:
        watched = Path(watch or tmp_path)
        before = snapshot(watched)
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err
        line = err.split("\r")[-1]  # after an erased progress bar, if one was shown
        assert err.endswith("\n") and line.count("\n") == 1, err
        assert "Traceback" not in err
        assert line.startswith(f"motionprior {argv[0]}: error: "), line
        for fragment in fragments:
            assert fragment in line, (fragment, line)
        assert snapshot(watched) == before, "something was written"
        return line
    return run
