"""DataLoader throughput of training windows (samples/s), 128x128 images, chunk 16, history 8.

    python benchmarks/bench_dataloader.py --source memory --workers 2
    python benchmarks/bench_dataloader.py --source lerobot --workers 2
    python benchmarks/bench_dataloader.py --source video --workers 2 [--codec h264]

`memory` builds frames in RAM; `lerobot` writes the same episodes as a LeRobot v3 dataset in a
temporary folder and reads them back through the dataset reader: with the decoded-frame cache
(default; decoding once, then memory-mapped reads) or with `--no-cache` (PNG decoding on every
access). `video` writes the cameras as LeRobot mp4 video features (AV1 by default) and
also reports the write rate and the cold decode rate (filling the frame cache, frames/s over
both cameras); `--no-cache` then decodes video on every access.
Prints the median over --repeats timed passes of --batches batches each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from motionprior.data import Episode
from motionprior.data.frames import FrameTable
from motionprior.data.windows import WindowConfig, WindowDataset, make_dataloader


def synthetic_episodes(n: int, length: int, size: int) -> list[Episode]:
    rng = np.random.default_rng(0)
    eps = []
    for i in range(n):
        # smooth-ish images (like renders) so PNG sizes are realistic, not random noise
        base = rng.integers(0, 255, (1, size // 8, size // 8, 3), dtype=np.uint8)
        img = np.repeat(np.repeat(base, 8, 1), 8, 2).repeat(length, 0)
        eps.append(Episode(
            actions=rng.normal(size=(length, 7)).astype(np.float32),
            state=rng.normal(size=(length, 7)).astype(np.float32),
            instruction=f"task {i % 5}", embodiment="widowx_bridge", fps=5.0,
            images={"front": img, "wrist": img[:, ::-1].copy()}))
    return eps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--source", choices=["memory", "lerobot", "video"], default="memory")
    p.add_argument("--codec", default="libsvtav1", help="video codec (--source video)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--batches", type=int, default=60)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--episodes", type=int, default=20)
    p.add_argument("--length", type=int, default=100)
    p.add_argument("--no-cache", action="store_true", help="decode PNGs on every access")
    args = p.parse_args()
    torch.set_num_threads(1)
    episodes = synthetic_episodes(args.episodes, args.length, 128)
    if args.source == "memory":
        table = FrameTable.from_episodes(episodes)
    else:
        from motionprior.data.lerobot import open_dataset, write_dataset
        from motionprior.data.lerobot.video_encode import VideoConfig

        tmp = tempfile.mkdtemp()
        video = VideoConfig(codec=args.codec) if args.source == "video" else False
        t0 = time.perf_counter()
        write_dataset(tmp + "/ds", episodes, progress=False, video=video)
        t_write = time.perf_counter() - t0
        t0 = time.perf_counter()
        table = FrameTable.from_reader(open_dataset(tmp + "/ds"), cache_images=not args.no_cache,
                                       cache_dir=tmp + "/cache")
        t_cold = time.perf_counter() - t0
        frames = args.episodes * args.length * 2
        mb = sum(f.stat().st_size for f in Path(tmp, "ds").rglob("*") if f.is_file()) / 1e6
        print(f"write {frames / t_write:.0f} frames/s ({mb:.1f} MB on disk)"
              + (f"; cold decode into the cache {frames / t_cold:.0f} frames/s"
                 if not args.no_cache else ""))
    ds = WindowDataset([table], WindowConfig(chunk=16, history=8, d_max=32))
    loader = make_dataloader(ds, args.batch, seed=0, num_workers=args.workers)
    rates = []
    it = iter(loader)
    next(it)  # warm up workers
    for _ in range(args.repeats):
        t0, n = time.perf_counter(), 0
        for _ in range(args.batches):
            try:
                batch = next(it)
            except StopIteration:
                it = iter(loader)
                batch = next(it)
            n += batch["actions"].shape[0]
        rates.append(n / (time.perf_counter() - t0))
    codec = args.codec if args.source == "video" else "-"
    print(f"source={args.source} codec={codec} cache={not args.no_cache} workers={args.workers} "
          f"batch={args.batch} "
          f"samples/s median={statistics.median(rates):.0f} runs={[round(r) for r in rates]}")


if __name__ == "__main__":
    main()
