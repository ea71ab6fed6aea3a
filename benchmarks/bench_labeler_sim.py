"""Labeler accuracy on simulated robots: expert task demos (`--data task`, truth from the
expert's phases) or scripted motion primitives (`--data script`, truth = the commanded segment;
see `motionprior.sim.motion_script`, pairs `SCRIPT_PAIRS`). The rest of this docstring
describes the task data.

Data: action-only (no images) demos of the robosuite waypoint expert
(`motionprior.sim.experts_robosuite`) on Lift/Panda@20hz, Lift/UR5e@10hz, Lift/Kinova3@20hz and
Stack/Panda@20hz. Only successful episodes are kept (as in `motionprior collect`). The
trajectory the labelers read is the measured end-effector state (position, roll/pitch/yaw,
gripper opening) through `motionprior.motion.trajectory_from_arrays`, as `motionprior label`
does. Per pair: a tuning split (the first N successful seeds from 0) and a held-out split (the
first N successful seeds from 1000).

True label of step t (the motion that starts at step t), from `expert.command` of action t:

- translation: in a moving phase (above, descend, lift, carry, lower, up) the arm moves while
  the remaining distance to the phase's target is at least the phase's own tolerance (the
  expert's "reached" test). The direction is the phase's commanded displacement, target minus
  end-effector at the phase's first step, in the canonical frame; an axis is named when its
  component is at least SHARE (default 0.4) of the largest component. In close/open the target
  is the held position: no translation.
- rotation: `rotate counterclockwise/clockwise` while the yaw component of the expert's rotation
  error is at least ROT_TOL = 0.08 rad (the expert's own alignment tolerance), signed
  (counterclockwise = yaw increases). Tilt: `tilt up/down` while the pitch (else roll) error is
  at least ROT_TOL. The expert corrects orientation proportionally (an exponential approach),
  so when a correction "ends" is a convention: `--rot-tol 0.03` shows the effect of a smaller
  tolerance.
- gripper: `close gripper` over the close phase, `open gripper` over the open phase (the whole
  time budget the expert gives the gripper, `GripperProfile.close_seconds/open_seconds`).
  robosuite resets the gripper half open and the expert commands "open" from the first step,
  so when the opening at step 0 is below 0.9, the first `open_seconds` of the episode are
  `open gripper` too (the same budget as the open phase).
- otherwise `stop`.

Transitions: the truth switches at the step where the expert switches its command; the arm
follows with some lag, and no step is dropped or relabeled. The report gives the accuracy on
all steps and, separately, on the steps more than 0.2 s away from a change of the true label.

Protocol: the adaptive labeler runs with its defaults (never tuned on these data); `fit` is run
on the held-out split it labels. The baseline's threshold is tuned per pair on the tuning split
(81 log-spaced values, as in bench_labeler_accuracy.py) and scored on the held-out split.

Usage:
    python benchmarks/bench_labeler_sim.py [--data task|script] [--episodes 8] [--share 0.4]
        [--truth commanded|executed] [--cache /tmp/sim.pkl]
        [--write-annotations /tmp/sim_heldout.jsonl.gz]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import time
from dataclasses import replace

import numpy as np
from bench_labeler_accuracy import (  # the same protocol
    boundary_distance,
    per_episode,
    print_segment_table,
    segment_scores,
    tune_baseline,
)

from motionprior.atomic import atomic_path
from motionprior.motion import FixedThresholdLabeler, MotionLabeler, trajectory_from_arrays
from motionprior.motion.annotations import AnnotatedTrajectory, save_annotations
from motionprior.motion.evaluate import format_score, score_codes
from motionprior.motion.trajectory import Batch
from motionprior.motion.vocabulary import MotionLabel, format_label, labels_to_codes, parse_label
from motionprior.sim.env import make_env
from motionprior.sim.experts_robosuite import Phase
from motionprior.sim.motion_script import scripted_episodes

PAIRS = ("robosuite/Lift/Panda@20hz", "robosuite/Lift/UR5e@10hz",
         "robosuite/Lift/Kinova3@20hz", "robosuite/Stack/Panda@20hz")
HELD_OUT_SEED = 1000
ROT_TOL = 0.08  # rad, the expert's alignment tolerance
MOVING = ("above", "descend", "lift", "carry", "lower", "up")


def truth_label(phase: Phase, target: np.ndarray, eef: np.ndarray, direction: np.ndarray,
                rot_error: np.ndarray, share: float, rot_tol: float = ROT_TOL) -> str:
    """The true label of one step (definition in the module docstring)."""
    v = [0] * 6
    if phase.name in MOVING and np.linalg.norm(target - eef) >= phase.tolerance:
        big = np.max(np.abs(direction))
        for k in range(3):
            if big > 0 and abs(direction[k]) >= share * big:
                v[k] = int(np.sign(direction[k]))
    tilt = rot_error[1] if abs(rot_error[1]) >= rot_tol else rot_error[0]
    if abs(tilt) >= rot_tol:
        v[3] = int(np.sign(tilt))
    if abs(rot_error[2]) >= rot_tol:
        v[4] = int(np.sign(rot_error[2]))
    if phase.name == "close":
        v[5] = -1
    elif phase.name == "open":
        v[5] = 1
    return format_label(MotionLabel(*v))


def run_episode(env, expert, seed: int):
    """One rollout; (states [T, S], per-step commands + eef) or None if it failed."""
    obs = env.reset(seed)
    expert.reset()
    states, steps = [], []
    for _ in range(env.max_steps):
        action = env.check_action(expert.act(obs))
        cmd = expert.command
        states.append(obs["state"].astype(np.float64))
        steps.append((cmd, obs["privileged"]["eef_pos"].copy()))
        obs, success = env.step(action)
        if success:
            return np.asarray(states), steps
    return None


def truth_labels(expert, steps, share: float, rot_tol: float, opening0: float) -> list[str]:
    phases = {p.name: p for p in expert.phases}
    labels, direction, last = [], np.zeros(3), None
    for cmd, eef in steps:
        if cmd.phase != last:  # the phase's commanded displacement, fixed at its first step
            direction, last = cmd.target - eef, cmd.phase
        labels.append(truth_label(phases[cmd.phase], cmd.target, eef, direction,
                                  cmd.rot_error, share, rot_tol))
    if opening0 < 0.9:  # the gripper starts half open and is commanded open
        for t in range(min(len(labels), max(1, round(expert.profile.open_seconds * expert.hz)))):
            label = parse_label(labels[t])
            labels[t] = format_label(replace(label, gripper=1))
    return labels


BOOTSTRAP = 2000


def bootstrap_mean_of_pairs(episodes: list[list[tuple[int, int, int]]], seed: int = 0
                            ) -> tuple[tuple[float, float], tuple[float, float]]:
    """95% percentile intervals of the mean over pairs of the adaptive accuracy and of its
    margin over the baseline, resampling each pair's episodes (correct adaptive, correct
    baseline, steps) with replacement."""
    rng = np.random.default_rng(seed)
    means, margins = np.zeros(BOOTSTRAP), np.zeros(BOOTSTRAP)
    for eps in episodes:
        counts = np.asarray(eps, dtype=float)  # [E, 3]
        pick = rng.integers(0, len(counts), (BOOTSTRAP, len(counts)))
        a, b, n = (counts[pick, k].sum(axis=1) for k in range(3))
        means += a / n / len(episodes)
        margins += (a - b) / n / len(episodes)
    return (tuple(np.percentile(means, [2.5, 97.5])), tuple(np.percentile(margins, [2.5, 97.5])))


def _env(pair: str, osc_kp: float | None):
    """The pair's env without cameras; `osc_kp` applies to robosuite pairs only."""
    return make_env(pair, cameras=(), osc_kp=osc_kp if pair.startswith("robosuite") else None)


def collect(pair: str, episodes: int, share: float, rot_tol: float, osc_kp: float | None,
            held_out_seed: int = HELD_OUT_SEED):
    """{split: (trajectories, labels)} of `pair`, split = "tune" / "held_out"."""
    out = {}
    with _env(pair, osc_kp) as env:
        expert = env.expert()
        for split, start in (("tune", 0), ("held_out", held_out_seed)):
            trajs, labels, seed = [], [], start
            while len(trajs) < episodes and seed < start + 3 * episodes + 5:
                got = run_episode(env, expert, seed)
                seed += 1
                if got is None:
                    continue
                states, steps = got
                actions = np.zeros((len(states), env.action_dim))
                trajs.append(trajectory_from_arrays(states, actions, env.spec, env.fps))
                labels.append(truth_labels(expert, steps, share, rot_tol, states[0, -1]))
            out[split] = (trajs, labels)
    return out


SCRIPT_PAIRS = ("robosuite/Lift/Panda@20hz", "robosuite/Lift/UR5e@10hz",
                "robosuite/Lift/Kinova3@20hz", "robosuite/Lift/Sawyer@40hz",
                "robosuite/Lift/IIWA@20hz", "robosuite/Lift/Panda@5hz", "metaworld/reach-v3")


def collect_script(pair: str, episodes: int, osc_kp: float | None,
                   held_out_seed: int = HELD_OUT_SEED):
    """{split: (trajectories, labels)} of scripted motion primitives on `pair`."""
    out = {}
    with _env(pair, osc_kp) as env:
        for split, start in (("tune", 0), ("held_out", held_out_seed)):
            got, rejected = scripted_episodes(env, start, episodes)
            print(f"{pair} {split}: kept seeds {[e.seed for e in got]}, rejected {rejected} "
                  "(arm strayed from the command)", flush=True)
            trajs = [trajectory_from_arrays(e.states, np.zeros((len(e.states), env.action_dim)),
                                            env.spec, env.fps) for e in got]
            out[split] = (trajs, [e.commanded for e in got])
            out[f"{split}_executed"] = (trajs, [e.executed for e in got])
            out[f"{split}_action"] = ([trajectory_from_arrays(e.states, e.actions, env.spec,
                                                              env.fps, source="action")
                                       for e in got], [e.commanded for e in got])
    return out


def cached(path: str, key: str, make):
    """`make()`, stored in the pickle file `path` under `key` (simulation is slow)."""
    store = {}
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            store = pickle.load(f)
    if key not in store:
        store[key] = make()
        if path:
            with atomic_path(path) as tmp, open(tmp, "wb") as f:
                pickle.dump(store, f)
    return store[key]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--episodes", type=int, default=8, help="successful episodes per split")
    ap.add_argument("--share", type=float, default=0.4, help="axis share that names an axis")
    ap.add_argument("--rot-tol", type=float, default=ROT_TOL,
                    help="rotation error (rad) below which a correction counts as ended")
    ap.add_argument("--data", choices=("task", "script"), default="task",
                    help="task: Lift/Stack expert demos, truth from its phases; script: "
                    "scripted motion primitives (motionprior.sim.motion_script)")
    ap.add_argument("--truth", choices=("commanded", "executed"), default="commanded",
                    help="script data: the label of the commanded segment, or of the segment "
                    "the arm executes (the commanded one delayed by its measured response delay)")
    ap.add_argument("--pairs", default="", help="comma-separated pair names (default: "
                    "the 4 task pairs, or the 7 script pairs)")
    ap.add_argument("--source", choices=("state", "action"), default="state",
                    help="script data: label the measured end-effector states, or the "
                    "integrated actions (commands) as a pseudo-trajectory")
    ap.add_argument("--osc-kp", type=float, default=None,
                    help="stiffness of robosuite's OSC controller (default: robosuite's 150); "
                    "higher tracks the commands more tightly")
    ap.add_argument("--held-out-seed", type=int, default=HELD_OUT_SEED,
                    help="first seed of the held-out episodes (another value: another "
                    "independent held-out set)")
    ap.add_argument("--cache", default="", help="pickle file that keeps simulated data")
    ap.add_argument("--write-annotations", default="", help="write the held-out data here")
    ap.add_argument("--params", default="{}", help="JSON dict of labeler parameters that "
                    "override the defaults (exploration only: reported figures use the defaults)")
    args = ap.parse_args()
    params = json.loads(args.params)
    t0 = time.time()
    rows, seg_rows, items, episodes = [], [], [], []
    pooled = {"truth": [], "adaptive": [], "baseline": [], "far": []}
    kp = f" kp{args.osc_kp:g}" if args.osc_kp is not None else ""
    if args.held_out_seed != HELD_OUT_SEED:
        kp += f" heldout{args.held_out_seed}"
    pairs = args.pairs or ",".join(PAIRS if args.data == "task" else SCRIPT_PAIRS)
    for pair in pairs.split(","):
        if args.data == "task":
            key = f"task {pair} {args.episodes} {args.share} {args.rot_tol}{kp}"
            data = cached(args.cache, key, lambda pair=pair: collect(
                pair, args.episodes, args.share, args.rot_tol, args.osc_kp, args.held_out_seed))
        else:
            key = f"script {pair} {args.episodes}{kp}"
            data = cached(args.cache, key, lambda pair=pair: collect_script(
                pair, args.episodes, args.osc_kp, args.held_out_seed))
        suffix = "_executed" if args.data == "script" and args.truth == "executed" else ""
        if args.data == "script" and args.source == "action":
            suffix = "_action"
        (ttr, tlab), (htr, hlab) = data["tune" + suffix], data["held_out" + suffix]
        thr = tune_baseline(ttr, tlab)
        true = labels_to_codes([x for ep in hlab for x in ep])
        codes = {"adaptive": MotionLabeler(**params).fit(htr).codes(Batch.of(htr)),
                 "baseline": FixedThresholdLabeler(thr).codes(Batch.of(htr)),
                 "default": FixedThresholdLabeler(0.03).codes(Batch.of(htr))}
        far = boundary_distance(hlab, htr[0].fps) > 0.2
        acc = {k: float(np.mean(c == true)) for k, c in codes.items()}
        acc_far = {k: float(np.mean(c[far] == true[far])) for k, c in codes.items()}
        rows.append((pair, htr[0].fps, len(htr), true.size, acc, acc_far, thr, far.mean()))
        seg_rows.append((pair, acc["adaptive"], acc["baseline"],
                         segment_scores(codes["adaptive"], hlab, htr[0].fps),
                         segment_scores(codes["baseline"], hlab, htr[0].fps)))
        episodes.append([(np.sum(a == t), np.sum(b == t), t.size) for a, b, t in zip(
            per_episode(codes["adaptive"], hlab), per_episode(codes["baseline"], hlab),
            per_episode(true, hlab), strict=True)])
        for k in ("adaptive", "baseline"):
            pooled[k].append(codes[k])
        pooled["truth"].append(true)
        pooled["far"].append(far)
        items += [AnnotatedTrajectory(tr, lab, pair) for tr, lab in zip(htr, hlab, strict=True)]
        print(f"{pair}: done ({time.time() - t0:.0f} s)", flush=True)
    print(f"\ntruth: axis share {args.share}, rotation tolerance {args.rot_tol} rad; "
          f"{args.episodes} tuning + {args.episodes} held-out episodes per pair; scores on the "
          "held-out episodes\n")
    print("| pair | fps | held-out episodes / steps | adaptive (defaults) | baseline, thr tuned "
          "| baseline 0.03 | steps > 0.2 s from a label change | adaptive there "
          "| baseline (tuned) there |")
    print("|---|---|---|---|---|---|---|---|---|")
    for pair, fps, n_ep, n, acc, acc_far, thr, frac in rows:
        print(f"| {pair} | {fps:g} | {n_ep} / {n} | {acc['adaptive']:.1%} | {acc['baseline']:.1%}"
              f" (thr {thr:.3g}) | {acc['default']:.1%} | {frac:.0%} | {acc_far['adaptive']:.1%}"
              f" | {acc_far['baseline']:.1%} |")
    mean = np.mean([[r[4]["adaptive"], r[4]["baseline"], r[4]["default"]] for r in rows], 0)
    print(f"| **mean of {len(rows)} pairs** | | | **{mean[0]:.1%}** | **{mean[1]:.1%}** "
          f"| {mean[2]:.1%} | | | |")
    (lo, hi), (mlo, mhi) = bootstrap_mean_of_pairs(episodes)
    print(f"\nmean of pairs, 95% interval from {BOOTSTRAP} resamples of each pair's held-out "
          f"episodes: adaptive [{lo:.1%}, {hi:.1%}], adaptive minus tuned baseline "
          f"[{mlo:+.1%}, {mhi:+.1%}]")
    print_segment_table(seg_rows)
    true = np.concatenate(pooled["truth"])
    for k, title in (("adaptive", "adaptive (defaults)"), ("baseline", "baseline, tuned thr")):
        print()
        print(format_score(score_codes(np.concatenate(pooled[k]), true), top=8,
                           title=f"{title}, pooled over {true.size} held-out steps:"))
    if args.write_annotations:
        save_annotations(args.write_annotations, items)
        print(f"\nwrote {len(items)} annotated episodes to {args.write_annotations}")
    print(f"\n({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
