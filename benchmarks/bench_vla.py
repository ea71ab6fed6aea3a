"""VLA speed at a preset: training samples/s per variant and `act()` latency of one query.

    python benchmarks/bench_vla.py --data runs/data/xemb13/* --preset cpu --threads 2

Training: forward + backward + AdamW on real windows of the given datasets (batch of the
preset), median over `--steps` steps after 2 warm-up steps. act(): one observation of the
first dataset, chunk generation included, median over `--queries` queries with the model in
eval mode, on `--query-threads` intra-op threads (the policy switches to them and back for
every query, so the switch is inside the timing); the per-step cost at query period k is the
query cost / k.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", required=True, help="labeled LeRobot datasets")
    p.add_argument("--preset", default="cpu", help="VLA preset (default cpu)")
    p.add_argument("--variants", default="tokens,motion+tokens,flow")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--query-threads", type=int, default=1,
                   help="intra-op threads of each act() query (the policy's default 1; 0 = "
                   "the process's --threads)")
    p.add_argument("--steps", type=int, default=10, help="timed training steps per variant")
    p.add_argument("--queries", type=int, default=30, help="timed act() queries per variant")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    from motionprior.policy.vla_policy import VLAPolicy
    from motionprior.prior.pretrain import collate
    from motionprior.vla.config import preset
    from motionprior.vla.data import load_vla_data, with_data
    from motionprior.vla.training import LoadedVLA, build_model

    results = {}
    for variant in args.variants.split(","):
        cfg = preset(args.preset, variant)
        data = load_vla_data(args.data, cfg)
        cfg = with_data(cfg, data)
        model = build_model(cfg.model)
        params = sum(p.numel() for p in model.parameters())
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        order = np.random.default_rng(0).permutation(data.train_indices)
        bs = cfg.train.batch_size
        times = []
        for k in range(args.steps + 2):
            batch = collate(data.windows.__getitems__(order[k * bs:(k + 1) * bs].tolist()))
            t = time.perf_counter()
            loss, _ = model.compute_loss(batch, step=k, generator=torch.Generator()
                                         .manual_seed(k))
            loss.backward()
            opt.step()
            opt.zero_grad()
            times.append(time.perf_counter() - t)
        step = statistics.median(times[2:])
        model.eval()
        table = data.windows.tables[0]
        obs = {"images": {c: table.image_fn(np.array([0]), c)[0] for c in cfg.model.cameras},
               "state": table.state[0], "instruction": table.instructions[0],
               "embodiment": table.embodiment}
        loaded = LoadedVLA(model, cfg, data.normalizer, "bench", 0)
        policy = VLAPolicy(loaded, table.embodiment,
                           query_threads=args.query_threads or None)
        lat = []
        with torch.inference_mode():
            for _ in range(args.queries + 3):
                t = time.perf_counter()
                policy.predict_chunk(obs)
                lat.append(time.perf_counter() - t)
        query = statistics.median(lat[3:])
        results[variant] = {"params_M": params / 1e6, "train_step_ms": 1000 * step,
                            "train_samples_per_s": bs / step, "act_query_ms": 1000 * query,
                            "chunk": cfg.model.chunk,
                            "per_step_ms_period8": 1000 * query / min(8, cfg.model.chunk)}
        print(variant, json.dumps({k: round(v, 2) for k, v in results[variant].items()}),
              flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
