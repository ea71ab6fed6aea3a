"""Worker of test_distributed.py, started twice by `accelerate launch --num_processes 2 --cpu`.

Each rank builds the prior from a different seed (DDP must broadcast rank 0's weights), trains
a few steps, and writes the indices it saw and its final parameters to OUT/rank<r>.*.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys

import torch
from accelerate.state import PartialState
from safetensors.torch import save_file

from motionprior.prior import ActionPrior, preset
from motionprior.prior.synthetic import SyntheticWindows
from motionprior.train import train
from motionprior.train.config import config_to_dict


def main(out: str) -> None:
    torch.set_num_threads(1)
    rank = int(os.environ["RANK"])
    cfg = preset("debug")
    tc = dataclasses.replace(cfg.train, steps=4, batch_size=4, log_every=2, val_every=0,
                             checkpoint_every=0)
    torch.manual_seed(100 + rank)
    model = ActionPrior(cfg.model)
    seen: list[list[int]] = []
    train(model, SyntheticWindows(32), tc, os.path.join(out, "run"),
          run_config=config_to_dict(dataclasses.replace(cfg, train=tc)),
          hooks=[lambda info: seen.append(info.batch["index"].tolist())], progress=False)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              os.path.join(out, f"rank{rank}.safetensors"))
    with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
        state = PartialState()
        json.dump({"rank": rank, "world": int(os.environ["WORLD_SIZE"]), "seen": seen,
                   "type": str(state.distributed_type.value), "backend": state.backend}, f)


if __name__ == "__main__":
    main(sys.argv[1])
