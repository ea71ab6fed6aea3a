"""Speed of the LeRobot v3 writer and reader on synthetic episodes.

    .venv/bin/python benchmarks/bench_lerobot_io.py --episodes 20 --length 100 --size 128

Camera frames are smooth gradients plus noise (PNG compresses them about as well as a rendered
scene, unlike pure noise). Prints one line per measurement; results go to
benchmarks/RESULTS_lerobot_compat.md.
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from motionprior.data import Episode
from motionprior.data.lerobot import open_dataset, write_dataset


def episodes(n: int, length: int, size: int, noise: int = 24) -> list[Episode]:
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 200, size, dtype=np.float32)
    base = (ramp[None, :, None] + ramp[:, None, None] * 0.2).astype(np.float32)
    out = []
    for e in range(n):
        cams = {}
        for c in ("front", "wrist"):
            jitter = rng.integers(0, noise + 1, (length, size, size, 3))
            cams[c] = np.clip(base[None] + jitter, 0, 255).astype(np.uint8)
        out.append(Episode(
            actions=rng.normal(size=(length, 7)).astype(np.float32),
            state=rng.normal(size=(length, 7)).astype(np.float32),
            instruction=f"task {e % 3}", embodiment="widowx_bridge", fps=5.0, images=cams))
    return out


def timed(label: str, fn, count: int, unit: str):
    t0 = time.perf_counter()
    result = fn()
    dt = time.perf_counter() - t0
    print(f"{label}: {dt * 1e3:.1f} ms ({count / dt:,.0f} {unit}/s)")
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--episodes", type=int, default=20)
    p.add_argument("--length", type=int, default=100)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--batch", type=int, default=256, help="random frames per frame_images call")
    p.add_argument("--noise", type=int, default=24, help="pixel noise amplitude (PNG size)")
    args = p.parse_args()
    eps = episodes(args.episodes, args.length, args.size, args.noise)
    frames = args.episodes * args.length
    tmp = Path(tempfile.mkdtemp())
    try:
        root = tmp / "ds"
        timed("write_dataset", lambda: write_dataset(root, eps, progress=False), frames, "frames")
        size_mb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 2**20
        print(f"dataset size: {size_mb:.1f} MB for {frames} frames x 2 cameras "
              f"{args.size}x{args.size}")
        reader = timed("open_dataset", lambda: open_dataset(root), 1, "opens")
        timed("column('action') cold", lambda: reader.column("action"), frames, "frames")
        timed("column('action') warm", lambda: reader.column("action"), frames, "frames")
        idx = np.random.default_rng(1).integers(0, frames, args.batch)
        timed("frame_images, first call (reads the camera column)",
              lambda: reader.frame_images(idx, "front"), args.batch, "frames")
        idx2 = np.random.default_rng(2).integers(0, frames, args.batch)
        timed("frame_images, column cached (PNG decode only)",
              lambda: reader.frame_images(idx2, "front"), args.batch, "frames")
        timed("episode(0) with images", lambda: reader.episode(0), args.length, "frames")
        clone = pickle.loads(pickle.dumps(reader))
        timed("unpickled reader frame_images", lambda: clone.frame_images(idx, "front"),
              args.batch, "frames")
        timed("append 1 episode", lambda: write_dataset(root, eps[:1], append=True,
                                                        progress=False), args.length, "frames")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
