"""Training throughput of the action prior (chunks/s), H=16, D_max=32, synthetic data.

Measures optimizer steps (forward + backward + clip + AdamW) on batches taken from an
in-memory synthetic set, i.e. the model's cost without data loading; `--loop` instead runs the
full training loop (`motionprior.train.train`: DataLoader, collation, EMA, logging) for
`--steps` steps and reports its samples/s.

    .venv/bin/python benchmarks/bench_prior_train.py --preset quickstart
    .venv/bin/python benchmarks/bench_prior_train.py --preset quickstart --loop
    .venv/bin/python benchmarks/bench_prior_train.py --width 96 --decoder-layers 3
    # two CPU processes (DDP, gloo), one thread each:
    .venv/bin/accelerate launch --multi_gpu --num_processes 2 \
        benchmarks/bench_prior_train.py --loop --threads 1 --batch-size 128 --steps 200
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time

import torch

from motionprior.prior import ActionPrior, preset
from motionprior.prior.synthetic import SyntheticWindows
from motionprior.train import train
from motionprior.train.optim import build_optimizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quickstart")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--width", type=int)
    ap.add_argument("--encoder-layers", type=int)
    ap.add_argument("--decoder-layers", type=int)
    ap.add_argument("--patch", type=int)
    ap.add_argument("--mlp-ratio", type=float)
    ap.add_argument("--loop", action="store_true", help="time the full training loop")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = preset(args.preset)
    over = {k: v for k, v in {"width": args.width, "encoder_layers": args.encoder_layers,
                              "decoder_layers": args.decoder_layers, "patch": args.patch,
                              "mlp_ratio": args.mlp_ratio}.items() if v is not None}
    model_cfg = dataclasses.replace(cfg.model, **over)
    train_cfg = dataclasses.replace(cfg.train, batch_size=args.batch_size or cfg.train.batch_size)
    bs = train_cfg.batch_size
    torch.manual_seed(0)
    model = ActionPrior(model_cfg)
    n_params = sum(p.numel() for p in model.parameters())
    data = SyntheticWindows(max(4 * bs, 2048), horizon=model_cfg.horizon, d_max=model_cfg.d_max)
    print(f"load: {os.getloadavg()[0]:.2f}  threads: {args.threads}  params: {n_params}  "
          f"batch: {bs}  model: {over or args.preset}")
    if args.loop:
        total = args.warmup + args.steps
        tc = dataclasses.replace(train_cfg, steps=total, log_every=0, val_every=0,
                                 checkpoint_every=0)
        from accelerate.state import PartialState

        out = os.environ.get("BENCH_RUN_DIR") or tempfile.mkdtemp(prefix="bench_loop_")
        marks: dict[int, float] = {}

        def mark(info) -> None:  # time the steps after warm-up (no setup, no checkpoint)
            if info.step in (args.warmup, total):
                marks[info.step] = time.perf_counter()

        t0 = time.perf_counter()
        train(model, data, tc, out, run_config={}, progress=False, hooks=[mark])
        dt = time.perf_counter() - t0
        state = PartialState()
        if state.is_main_process:
            world = state.num_processes
            steady = (total - args.warmup) * bs * world / (marks[total] - marks[args.warmup])
            print(f"training loop, {world} process(es) x {args.threads} thread(s), batch {bs} "
                  f"per process: {steady:.0f} chunks/s over steps {args.warmup}-{total}; "
                  f"{total * bs * world / dt:.0f} chunks/s including setup and checkpoint "
                  f"({dt:.1f} s)")
        return
    opt = build_optimizer(model, train_cfg)
    gen = torch.Generator().manual_seed(0)
    model.train()
    times, cpu = [], []
    for i in range(args.warmup + args.steps):
        batch = data.batch(torch.randint(0, len(data), (bs,), generator=gen))
        t0, c0 = time.perf_counter(), time.process_time()
        loss, _ = model.compute_loss(batch, step=i, generator=gen)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if i >= args.warmup:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    times.sort()
    med = times[len(times) // 2]
    cpu_med = sorted(cpu)[len(cpu) // 2]
    print(f"step median {med * 1e3:.1f} ms -> {bs / med:.0f} chunks/s "
          f"(best {bs / times[0]:.0f}, mean {bs * len(times) / sum(times):.0f}); "
          f"CPU time per step {cpu_med * 1e3:.1f} ms = {bs / cpu_med:.0f} chunks per CPU-second")


if __name__ == "__main__":
    main()
