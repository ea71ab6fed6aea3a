"""Load test of `motionprior serve` on localhost: N concurrent openpi clients for S seconds.

    OMP_WAIT_POLICY=PASSIVE MUJOCO_GL=egl .venv/bin/python benchmarks/bench_serve_load.py \
        --clients 8 --seconds 60 --max-batch 1,8

The server is the real CLI (`python -m motionprior serve CKPT --port 0 --threads 1`), one
process per setting; the clients are threads of this process, each with its own
`openpi_client.websocket_client_policy.WebsocketClientPolicy` (the robot side, unchanged),
sending one observation, waiting for its chunk, sending the next (a robot loop without the
robot). Client c cycles through K observations of its own, each with its own `seed` and a
unique `request_id`; every reply must echo the request id and hold exactly the chunk an
in-process `VLAPolicy(seed).predict_chunk` gives for that observation (computed here first;
with batching, equal to 1e-5), so a lost reply or another client's chunk is counted. Without
`--checkpoint` a debug VLA is trained first (collect 2 demos, label, train 4 steps).
Latency is the client's round trip (send to reply decoded).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

K = 4  # observations per client


def debug_checkpoint(root: Path) -> Path:
    data = root / "data" / "metaworld_reach-v3"
    run = [sys.executable, "-m", "motionprior"]
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run([*run, "collect", "--suite", "metaworld/reach-v3", "--demos", "2", "--out",
                    str(root / "data"), "--image-size", "32", "--quiet"], check=True, **quiet)
    subprocess.run([*run, "label", str(data)], check=True, **quiet)
    subprocess.run([*run, "train", "--variant", "flow", "--data", str(data), "--out",
                    str(root / "flow"), "--preset", "debug", "--no-progress"], check=True, **quiet)
    return root / "flow"


def observations(meta: dict, clients: int) -> dict[tuple[int, int], dict]:
    emb = meta["embodiments"][0]
    out = {}
    for c in range(clients):
        for k in range(K):
            rng = np.random.default_rng(1000 * c + k)
            out[c, k] = {"images": {cam: rng.integers(0, 256, meta["image_shape"], np.uint8)
                                    for cam in meta["cameras"]},
                         "state": rng.uniform(-0.2, 0.2, meta["state_dims"][emb]).astype(
                             np.float32),
                         "instruction": "reach the goal", "embodiment": emb,
                         "seed": 1000 * c + k}
    return out


def expected_chunks(checkpoint: Path, obs: dict) -> dict:
    from motionprior.policy.vla_policy import VLAPolicy, load_policy_model

    loaded = load_policy_model(checkpoint)
    return {key: VLAPolicy(loaded, o["embodiment"], seed=o["seed"]).predict_chunk(o)[0]
            for key, o in obs.items()}


def start_server(checkpoint: Path, max_batch: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "motionprior", "serve", str(checkpoint),
                             "--port", "0", "--threads", "1", "--max-batch", str(max_batch)],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    found = re.search(r"on (ws://[\d.]+:\d+)", line)
    if not found:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, found.group(1)


def client_loop(c: int, url: str, obs: dict, expect: dict, deadline: float, exact: bool,
                result: dict) -> None:
    from openpi_client.websocket_client_policy import WebsocketClientPolicy

    client = WebsocketClientPolicy(url)
    lat, infer, batch, bad, sent, got, n = [], [], [], 0, 0, 0, 0
    while time.perf_counter() < deadline:
        k = n % K
        rid = f"{c}-{n}"
        start = time.perf_counter()
        sent += 1
        try:
            reply = client.infer({**obs[c, k], "request_id": rid})
        except Exception as e:  # noqa: BLE001  (an error reply or a dropped connection)
            print(f"client {c}: request {rid} failed: {e}", file=sys.stderr)
            break
        lat.append(time.perf_counter() - start)
        got += 1
        same = (np.array_equal(reply["actions"], expect[c, k]) if exact else
                np.allclose(reply["actions"], expect[c, k], rtol=1e-4, atol=1e-5))
        bad += int(reply.get("request_id") != rid or not same)
        infer.append(reply["server_timing"]["infer_ms"])
        batch.append(reply["server_timing"]["batch_size"])
        n += 1
    result[c] = {"lat": lat, "infer": infer, "batch": batch, "bad": bad, "sent": sent,
                 "got": got}


def run_setting(checkpoint: Path, clients: int, seconds: float, max_batch: int,
                obs: dict, expect: dict) -> dict:
    proc, url = start_server(checkpoint, max_batch)
    try:
        load = os.getloadavg()[0]
        result: dict[int, dict] = {}
        deadline = time.perf_counter() + seconds
        begin = time.perf_counter()
        threads = [threading.Thread(target=client_loop, args=(c, url, obs, expect, deadline,
                                                              max_batch == 1, result))
                   for c in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - begin
    finally:
        proc.terminate()
        proc.wait(30)
    lat = np.concatenate([r["lat"] for r in result.values()]) * 1000
    batches = np.concatenate([r["batch"] for r in result.values()])
    return {"max_batch": max_batch, "clients": clients, "wall": wall, "load": load,
            "requests": int(lat.size), "rps": lat.size / wall,
            "p50": float(np.percentile(lat, 50)), "p99": float(np.percentile(lat, 99)),
            "max": float(lat.max()),
            "infer": float(np.median(np.concatenate([r["infer"] for r in result.values()]))),
            "batch": float(batches.mean()),
            "lost": sum(r["sent"] - r["got"] for r in result.values()) + clients - len(result),
            "wrong": sum(r["bad"] for r in result.values()),
            "per_client": [r["got"] for _, r in sorted(result.items())]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", type=Path, default=None, help="a VLA run (default: train "
                   "a debug one in a scratch folder)")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients")
    p.add_argument("--seconds", type=float, default=60.0, help="duration of each setting")
    p.add_argument("--max-batch", default="1,8", help="comma-separated --max-batch settings")
    args = p.parse_args()
    import torch

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="bench_serve_") as tmp:
        ckpt = args.checkpoint or debug_checkpoint(Path(tmp))
        from motionprior.serve.background import load_engine

        meta = load_engine(ckpt).metadata()
        obs = observations(meta, args.clients)
        expect = expected_chunks(ckpt, obs)
        rows = [run_setting(ckpt, args.clients, args.seconds, int(b), obs, expect)
                for b in args.max_batch.split(",")]
    print(f"checkpoint: {meta['variant']} step {meta['step']}, chunk {meta['chunk']}, "
          f"images {meta['image_shape']} x {len(meta['cameras'])}; cpus {os.cpu_count()}")
    print("| --max-batch | clients | seconds | requests | requests/s | p50 ms | p99 ms | max ms "
          "| server infer ms (median) | mean batch | lost | wrong chunk or id | load before |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['max_batch']} | {r['clients']} | {r['wall']:.1f} | {r['requests']} | "
              f"{r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | "
              f"{r['infer']:.1f} | {r['batch']:.2f} | {r['lost']} | {r['wrong']} | "
              f"{r['load']:.2f} |")
    for r in rows:
        print(f"replies per client (--max-batch {r['max_batch']}): {r['per_client']}")


if __name__ == "__main__":
    main()
