"""Throughput of the RLDS reader on the Bridge fixture (2 x 25 episodes, 10 steps, 4 cameras).

    .venv/bin/python benchmarks/bench_rlds.py [--repeat 5]

Reports episodes/s for: framing + CRC only, Example parsing (raw view + np.frombuffer vs the
typed protobuf classes with per-float Python lists), read_rlds without and with JPEG decoding
(3 default cameras), and the full convert to LeRobot v3 (PNG images).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from motionprior.data.convert import rlds_to_lerobot
from motionprior.data.rlds import iter_records, parse_example, read_rlds
from motionprior.data.rlds.example import Example

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bridge_rlds_sample"


def _typed_parse(payload: bytes) -> dict:
    out = {}
    for key, feat in Example.FromString(payload).features.feature.items():
        kind = feat.WhichOneof("kind")
        values = getattr(feat, kind).value
        out[key] = list(values) if kind == "bytes_list" else np.asarray(values)
    return out


def _rate(fn, episodes: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return episodes / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (best kept)")
    args = parser.parse_args()
    shard = DATA / "bridge_dataset-train.tfrecord-00000-of-00001"
    payloads = [r.data for r in iter_records(shard)]
    n = len(payloads)
    rows = [
        ("framing + both CRCs", _rate(lambda: list(iter_records(shard)), n, args.repeat)),
        ("parse_example (raw view, frombuffer)",
         _rate(lambda: [parse_example(p) for p in payloads], n, args.repeat)),
        ("typed Example + np.asarray(list)",
         _rate(lambda: [_typed_parse(p) for p in payloads], n, args.repeat)),
        ("read_rlds, images=False", _rate(lambda: list(read_rlds(DATA, images=False)), n,
                                          args.repeat)),
        ("read_rlds, 3 cameras decoded", _rate(lambda: list(read_rlds(DATA)), n, args.repeat)),
    ]

    def convert() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            rlds_to_lerobot(DATA, Path(tmp) / "out", progress=False)

    rows.append(("convert to LeRobot v3 (PNG)", _rate(convert, n, min(args.repeat, 3))))
    print(f"{n} episodes x 10 steps, best of {args.repeat}")
    for name, rate in rows:
        print(f"{name:40s} {rate:10.1f} episodes/s")


if __name__ == "__main__":
    main()
