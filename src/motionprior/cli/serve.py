"""`motionprior serve`: a trained policy behind a websocket that openpi's client speaks.

    motionprior serve runs/vla --port 8000
    motionprior serve runs/vla --host 0.0.0.0 --api-key "$KEY"   # reachable from the robot
"""

from __future__ import annotations

import argparse
import os
import sys

from motionprior.cli.checks import count, number
from motionprior.serve.config import DEFAULT_MAX_MESSAGE_MB

API_KEY_ENV = "MOTIONPRIOR_API_KEY"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve", help="serve a trained policy over a websocket (openpi-client compatible)",
        description="Load a VLA checkpoint and answer observations with action chunks over a "
        "websocket (msgpack, openpi's protocol: openpi_client's WebsocketClientPolicy works "
        "unchanged). Sends the policy's metadata on connect; each reply holds 'actions' "
        "[H, A] in raw units, 'motion' (the words) and 'server_timing'. Bad requests get a "
        "JSON error text frame and the server keeps serving. GET /healthz answers 'ok'. "
        "Runs until Ctrl-C.")
    p.add_argument("checkpoint", help="a training run folder or one of its checkpoints")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 "
                   "listens on every interface, use it with --api-key)")
    count(p, "--port", minimum=0, maximum=65535, default=8000,
          help="TCP port (default 8000; 0 picks a free one)")
    p.add_argument("--api-key", default=os.environ.get(API_KEY_ENV),
                   help="refuse websocket connections without the header "
                   f"'Authorization: Api-Key KEY' (default: ${API_KEY_ENV}, else no key)")
    number(p, "--max-message-mb", minimum=0.0, strict=True, default=DEFAULT_MAX_MESSAGE_MB,
           help=f"largest request accepted, in MiB (default {DEFAULT_MAX_MESSAGE_MB:g}); "
           "a larger frame closes that connection with code 1009")
    count(p, "--max-batch", minimum=1, default=1,
          help="batch the requests of several clients into one forward pass of up to this "
          "many observations (default 1: no batching)")
    number(p, "--batch-window-ms", minimum=0.0, default=2.0,
           help="with --max-batch > 1, how long to wait for more requests (default 2 ms)")
    count(p, "--seed", minimum=0, default=0,
          help="flow-noise seed of every new connection (a request's 'seed' key re-seeds it)")
    count(p, "--threads", minimum=1, default=None,
          help="torch CPU threads for inference (default: torch's choice)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from motionprior.serve.background import load_engine, serve_forever
    from motionprior.serve.config import ServeConfig

    cfg = ServeConfig(host=args.host, port=args.port, api_key=args.api_key or None,
                      max_message_mb=args.max_message_mb, max_batch=args.max_batch,
                      batch_window_ms=args.batch_window_ms, seed=args.seed)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    engine = load_engine(args.checkpoint, seed=args.seed)
    if cfg.host not in ("127.0.0.1", "localhost", "::1") and cfg.api_key is None:
        print(f"motionprior serve: warning: listening on {cfg.host} without an API key; anyone "
              "who reaches this port can query the policy", file=sys.stderr)

    def ready(port: int) -> None:
        meta = engine.metadata()
        history = f", history of {meta['history_len']} steps" if meta["history_len"] else ""
        print(f"serving {meta['checkpoint']} (step {meta['step']}, {meta['variant']}{history}, "
              f"embodiments {', '.join(meta['embodiments'])}) on ws://{cfg.host}:{port} "
              f"(health: http://{cfg.host}:{port}/healthz; key: "
              f"{'required' if cfg.api_key else 'none'}); Ctrl-C stops", flush=True)

    try:
        serve_forever(engine, cfg, ready)
    except KeyboardInterrupt:
        print("motionprior serve: stopped", file=sys.stderr)
    return 0
