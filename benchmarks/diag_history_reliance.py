"""How much a history-token policy leans on its past steps: held-out action error with the
true history, with another moment's history of the same dataset, and with none.

A `+prior` policy sees the last K steps of state and action through the frozen stage-1
encoder (one prefix token). Past actions predict the next ones well offline, so a policy can
learn to continue its own motion instead of reading the goal from the image (copycat /
causal confusion in behaviour cloning). This decodes the chunks of held-out windows (the
validation episodes of training) three ways and prints, per dataset, the action MSE in the
data's own normalized units (as the training's validation curve, so policies trained with and
without a prior's statistics compare):

- `true`: the window's own history (what training and evaluation feed);
- `swapped`: the history of a random other held-out window of the same dataset (same robot,
  another moment or episode): an error far above `true` means the chunk follows the history;
- `none`: no history (mask all false, as at the first step of an episode).

    python benchmarks/diag_history_reliance.py \
        --policy /root/mp/wrist12k/runs/flow+prior/d10_s0_f1 --data /root/mp/wrist12k/data/demos/*/

Same seed, same noise for the three decodings; `--windows` held-out windows per dataset. A
policy without a history token (`flow`, `--no-history`) gets the `true` column only, on the
same windows, as the baseline.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from motionprior.prior.pretrain import collate
from motionprior.vla.data import load_vla_data
from motionprior.vla.training import decoded_chunk_error, load_vla

HISTORY = ("history_state", "history_actions", "history_mask")


def chunk_mse(model, batch: dict, seed: int, data, samples: list[int]) -> np.ndarray:
    """Per-window MSE of the decoded chunk over its valid action dims, in the data's own
    normalized units (`data.reference`, when the model works in a prior's)."""
    with torch.inference_mode():
        _, err, mask = decoded_chunk_error(model, batch, seed, reference=data.reference,
                                           windows=data.windows, samples=samples)
    return (err.sum((1, 2)) / mask.sum((1, 2)).clamp_min(1)).numpy()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--policy", required=True, help="a `train` run of a history-token variant")
    p.add_argument("--data", nargs="+", required=True, help="the datasets it was trained on")
    p.add_argument("--windows", type=int, default=48, help="held-out windows per dataset")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    loaded = load_vla(args.policy)
    uses_history = loaded.model.cfg.uses_history
    data = load_vla_data(args.data, loaded.config, normalizer=loaded.normalizer)
    windows, rng = data.windows, np.random.default_rng(args.seed)
    by_table: dict[int, list[int]] = {}
    for index in data.val_indices.tolist():
        by_table.setdefault(windows.locate(int(index))[0], []).append(int(index))
    print("| dataset | windows | MSE true history | MSE swapped history | MSE no history |")
    print("|---|---|---|---|---|")
    totals = {"true": [], "swapped": [], "none": []}
    for t, indices in sorted(by_table.items()):
        pick = np.linspace(0, len(indices) - 1, min(args.windows, len(indices))).astype(int)
        samples = [indices[i] for i in pick]
        batch = collate(windows.__getitems__(samples))
        others = collate(windows.__getitems__([int(rng.choice(indices)) for _ in samples]))
        swapped = {**batch, **{k: others[k] for k in HISTORY}}
        empty = {**batch, "history_mask": torch.zeros_like(batch["history_mask"])}
        ways = (("true", batch), ("swapped", swapped), ("none", empty))
        row = {name: chunk_mse(loaded.model, b, args.seed, data, samples)
               for name, b in ways[:3 if uses_history else 1]}
        for name, v in row.items():
            totals[name].append(v)
        name = Path(str(args.data[t]).rstrip("/")).name
        print(f"| {name} | {len(samples)} | " + " | ".join(
            f"{row[k].mean():.3f}" if k in row else "-" for k in totals) + " |")
    print("| **all** | " + str(sum(len(v) for v in totals["true"])) + " | " + " | ".join(
        f"**{np.concatenate(totals[k]).mean():.3f}**" if totals[k] else "-" for k in totals)
        + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
