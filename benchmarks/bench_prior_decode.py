"""Latency of decoding one action chunk (batch 1, 10 Euler steps) on one CPU thread.

Reports wall-clock percentiles and the median CPU time of the process (on a machine shared with
other jobs, wall time includes time spent descheduled; CPU time does not).

    .venv/bin/python benchmarks/bench_prior_decode.py --preset quickstart
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import torch

from motionprior.prior import ActionPrior, preset


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quickstart")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=10, help="Euler steps")
    ap.add_argument("--repeats", type=int, default=300)
    ap.add_argument("--width", type=int)
    ap.add_argument("--decoder-layers", type=int)
    ap.add_argument("--patch", type=int)
    ap.add_argument("--mlp-ratio", type=float)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = preset(args.preset).model
    over = {k: v for k, v in {"width": args.width, "decoder_layers": args.decoder_layers,
                              "patch": args.patch, "mlp_ratio": args.mlp_ratio}.items()
            if v is not None}
    cfg = dataclasses.replace(cfg, **over)
    torch.manual_seed(0)
    model = ActionPrior(cfg).eval()
    z = torch.randn(1, cfg.latent_dim)
    mask = torch.zeros(1, cfg.horizon, cfg.d_max, dtype=torch.bool)
    mask[..., :7] = True
    gen = torch.Generator().manual_seed(0)
    times, cpu = [], []
    with torch.inference_mode():
        for i in range(args.repeats + 20):
            t0, c0 = time.perf_counter(), time.process_time()
            model.decode(z, mask, steps=args.steps, generator=gen)
            if i >= 20:
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
    times.sort()
    cpu.sort()
    print(f"load {os.getloadavg()[0]:.2f}  threads {args.threads}  model {over or args.preset}: "
          f"decode 1 chunk x {args.steps} Euler steps: median {times[len(times) // 2] * 1e3:.2f} "
          f"ms, p10 {times[len(times) // 10] * 1e3:.2f} ms, p90 "
          f"{times[9 * len(times) // 10] * 1e3:.2f} ms; CPU time median "
          f"{cpu[len(cpu) // 2] * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
