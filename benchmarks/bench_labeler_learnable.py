"""How much of the validation truth can any labeler that reads the trajectory recover?

A diagnostic for issue 4's accuracy target, not a labeler of the library. A supervised model
is trained to predict the true labels from the trajectory, on the *tuning* data the adaptive
labeler's defaults were chosen on (the synthetic tuning profiles and the tuning episodes of the
simulator robots `SIM_TUNE_ROBOTS`), then scored on the same held-out data as the adaptive
labeler. If a model trained on the truth itself stays below 90% there, the missing steps are
not in the states (ramps hidden in sensor noise, arms that do not do what the command says),
and no hand-made rule will find them either.

Model: per step and per part (x, y, z, tilt, rotate, gripper) a 3-way classifier
(-1 / none / +1); input: the normalized displacements P(t + d) - P(t) of the 7 channels at 13
time offsets d from -0.4 s to +0.8 s (interpolated, so the input means the same at any rate;
the normalization is the adaptive labeler's own unsupervised `fit`), plus two flags (rotation
and gripper present). A 2-layer MLP (256 units, GELU), AdamW, cosine schedule, 3000 steps of
2048 samples, every dataset weighted equally, seed 0.

With `--robots all` the model also trains on the tuning episodes of every simulated robot
(the held-out episodes stay unseen): the optimistic, in-distribution version of the question.
Its outputs get the same jitter suppression as the adaptive labeler (runs shorter than 0.2 s
per part and 0.3 s per label join the nearest long run), so both are judged as labelers.

Usage (needs the simulator cache of bench_labeler_sim.py with --data script and --data task):

    python benchmarks/bench_labeler_learnable.py --sim-cache /tmp/sim.pkl [--robots all]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from bench_labeler_accuracy import (
    HELD_OUT_SEED,
    SIM_TUNE_ROBOTS,
    TEST_PROFILES,
    TUNE_PROFILES,
    adaptive_codes,
    load,
    load_sim_cache,
    truth_codes,
)

from motionprior.motion import LabelerParams, MotionLabeler
from motionprior.motion.adaptive import GROUPS, _unwrapped
from motionprior.motion.smoothing import merge_short_runs
from motionprior.motion.trajectory import Batch
from motionprior.motion.vocabulary import labels_to_values, values_to_codes

OFFSETS = np.array([-0.4, -0.3, -0.2, -0.1, -0.05, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8])
CHANNEL_GROUP = (0, 0, 0, 1, 1, 2, 3)  # x y z roll pitch yaw gripper -> GROUPS


def features(trajectories) -> np.ndarray:
    """[N, 7 * len(OFFSETS) + 2] inputs of every step of `trajectories` (one dataset)."""
    scales = MotionLabeler().fit(trajectories).scales.as_array()
    assert len(scales) == len(GROUPS)
    per_channel = scales[list(CHANNEL_GROUP)]
    out = []
    for tr in trajectories:
        pos = _unwrapped(Batch.of([tr])) / per_channel
        n = len(pos)
        at = np.clip(np.arange(n)[:, None] + OFFSETS[None, :] * tr.fps, 0, n - 1)
        lo = np.floor(at).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        w = (at - lo)[..., None]
        shifted = pos[lo] * (1 - w) + pos[hi] * w  # [n, offsets, 7]
        flags = np.tile([tr.rotation is not None, tr.gripper is not None], (n, 1))
        out.append(np.c_[(shifted - pos[:, None, :]).reshape(n, -1), flags])
    return np.concatenate(out).astype(np.float32)


def targets(labels) -> np.ndarray:
    return labels_to_values([x for ep in labels for x in ep]).astype(np.int64) + 1


def train(sets, steps: int, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    x = torch.from_numpy(np.concatenate([features(tr) for tr, _ in sets]))
    y = torch.from_numpy(np.concatenate([targets(lab) for _, lab in sets]))
    sizes = [sum(len(t) for t in tr) for tr, _ in sets]
    weight = torch.from_numpy(np.concatenate([np.full(n, 1.0 / n) for n in sizes]))
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 256), torch.nn.GELU(),
                                torch.nn.Linear(256, 256), torch.nn.GELU(),
                                torch.nn.Linear(256, 18))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for i in range(steps):
        idx = torch.multinomial(weight, 2048, replacement=True)
        loss = torch.nn.functional.cross_entropy(model(x[idx]).view(-1, 3), y[idx].view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if i % 1000 == 0:
            print(f"step {i}: loss {loss.item():.4f}", flush=True)
    return model


def learned_codes(model: torch.nn.Module, trajectories) -> np.ndarray:
    """The model's labels, with the adaptive labeler's jitter suppression (defaults)."""
    with torch.no_grad():
        logits = model(torch.from_numpy(features(trajectories))).view(-1, 6, 3)
    parts = (logits.argmax(-1).numpy() - 1).astype(np.int8).T  # [6, N]
    p, fps = LabelerParams(), trajectories[0].fps
    offsets = np.cumsum([0] + [len(t) for t in trajectories])
    min_len = np.full(6, p.steps(p.min_duration, fps))
    min_len[5] = p.steps(p.gripper_min_duration, fps)
    parts = merge_short_runs(parts, offsets, min_len)
    codes = values_to_codes(parts.T)
    return merge_short_runs(codes[None], offsets, np.array([p.steps(p.label_min_duration,
                                                                    fps)]))[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sim-cache", required=True, help="cache of bench_labeler_sim.py --cache")
    ap.add_argument("--steps", type=int, default=3000, help="training steps")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--episodes", type=int, default=20, help="synthetic episodes per split")
    ap.add_argument("--robots", choices=("tune", "all"), default="tune",
                    help="simulator tuning episodes to train on: the SIM_TUNE_ROBOTS only "
                    "(as the adaptive defaults), or every robot (in-distribution)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    t0 = time.time()
    store = load_sim_cache(args.sim_cache)
    sim_tune = [store[k]["tune"] for k in sorted(store) if args.robots == "all"
                or any(f"/{r} " in k for r in SIM_TUNE_ROBOTS)]
    model = train(load(TUNE_PROFILES, args.episodes, 0, 2) + sim_tune, args.steps, args.seed)
    print(f"trained on the tuning data ({time.time() - t0:.0f} s)\n")
    print("| held-out data | adaptive (defaults) | supervised model (trained on the tuning "
          "data's truth) |")
    print("|---|---|---|")
    held = [(f"synthetic {pr.name}", tr, lab) for pr, (tr, lab) in
            zip(TEST_PROFILES, load(TEST_PROFILES, args.episodes, HELD_OUT_SEED, 2),
                strict=True)]
    held += [(k, *store[k]["held_out"]) for k in sorted(store)]
    means: dict[str, list] = {}
    for name, tr, lab in held:
        true = truth_codes(lab)
        a, m = np.mean(adaptive_codes(tr) == true), np.mean(learned_codes(model, tr) == true)
        means.setdefault(name.split()[0], []).append((a, m))
        print(f"| {name} | {a:.1%} | {m:.1%} |")
    for kind, v in means.items():
        a, m = np.mean(v, axis=0)
        below = sum(x[1] < 0.9 for x in v)
        print(f"| **mean, {kind} ({len(v)} sets; model below 90% on {below})** | **{a:.1%}** "
              f"| **{m:.1%}** |")
    print(f"\n({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
