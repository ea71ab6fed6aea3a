"""Open-loop action error of a trained VLA policy on its own datasets, training vs held-out.

For every dataset, every `--every`-th frame of each episode is fed to the policy as an
observation (stored image, state and instruction) and the first `--k` actions of the predicted
chunk are compared with the recorded ones, in units of the dataset's per-dim action std.
Training episodes are the first ones (the last `ceil(val_fraction * episodes)` are held out,
as in training). An error near 1 on *training* episodes means the policy has not fitted its
own demonstrations (the predicted action is about the mean); near 0 on training but large on
held-out means it memorised without generalising.

    python benchmarks/diag_open_loop.py --policy runs/vla/flow --data runs/data/xemb13/*/
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from motionprior.data.lerobot.reader import open_dataset
from motionprior.data.split import held_out_count
from motionprior.policy.protocol import PolicyContext, resolve_policy


def episode_errors(policy, episode, every: int, k: int, std: np.ndarray) -> list[np.ndarray]:
    """|prediction - record| / std for the first k actions at every `every`-th frame."""
    errs = []
    for t in range(0, len(episode.actions), every):
        obs = {"images": {c: v[t] for c, v in episode.images.items()},
               "state": episode.state[t].astype(np.float32),
               "instruction": episode.instruction, "embodiment": episode.embodiment}
        chunk, _ = policy.predict_chunk(obs)
        n = min(k, len(episode.actions) - t)
        errs.append(np.abs(chunk[:n] - episode.actions[t:t + n]) / std)
    return errs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--policy", required=True, help="a VLA run directory or checkpoint")
    p.add_argument("--data", nargs="+", required=True, help="LeRobot datasets it trained on")
    p.add_argument("--every", type=int, default=8, help="query every N-th frame (default 8)")
    p.add_argument("--k", type=int, default=8, help="actions compared per query (default 8)")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--json", help="also write the table as JSON here")
    args = p.parse_args(argv)
    factory = resolve_policy(args.policy)
    table = {}
    print(f"{'dataset':34s} {'train err/std':>13s} {'held-out':>9s}  (1.0 = no better than "
          "the mean action)")
    for path in args.data:
        ds = open_dataset(path)
        n = ds.num_episodes
        episodes = [ds.episode(i) for i in range(n)]
        std = np.concatenate([e.actions for e in episodes]).std(0)
        std = np.where(std > 1e-6, std, np.inf)  # constant dims (e.g. a fixed gripper) score 0
        e0 = episodes[0]
        policy = factory(PolicyContext(pair=str(path), embodiment=e0.embodiment,
                                       action_dim=e0.actions.shape[1], fps=e0.fps,
                                       cameras=tuple(e0.images)))
        policy.reset()
        n_val = held_out_count(n, args.val_fraction)
        row = {}
        for split, eps in (("train", episodes[: n - n_val]), ("held_out", episodes[n - n_val:])):
            errs = [x for e in eps for x in episode_errors(policy, e, args.every, args.k, std)]
            finite = np.concatenate(errs)[:, np.isfinite(std)]
            row[split] = float(finite.mean())
        table[ds.root.name] = row
        print(f"{ds.root.name:34s} {row['train']:13.3f} {row['held_out']:9.3f}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(table, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
