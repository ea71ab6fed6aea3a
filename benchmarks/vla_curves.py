"""Learning curves of several trainings side by side (markdown), and steps to a counterpart.

    python benchmarks/vla_curves.py flow=benchmarks/results/wrist12k/flow_val_metrics.csv \
        flow+prior=benchmarks/results/wrist12k/flow_prior_d10_s0_f1_val_metrics.csv \
        --versus flow+prior:flow

Each `LABEL=CSV[,CSV...]` names one `metrics.csv` (or a harvested `*_val_metrics.csv`, see
`harvest_cells.py`) per seed of that arm; several seeds are averaged at the steps all of them
reached (missing files are skipped). The `val` rows hold `success` (closed-loop success on the
curve episodes, `--eval-every`) and `action_mse` (the decoded chunk against the held-out
episodes, normalized units). The table has one row per curve step. `--versus ARM:BASE` adds the
first curve step at which ARM's success reaches BASE's success at BASE's last curve step: "the
steps ARM needs to reach the final success of its counterpart" (`-` if it never does); on a few
curve episodes per pair these points are noisy, so read them with the episode count beside
them. It also prints the first validation step at which ARM's action MSE is at most BASE's last
one.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path


def read_curves(path: Path) -> dict[str, dict[int, float]]:
    """metric -> {step: value} of the validation rows."""
    out: dict[str, dict[int, float]] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row["split"] == "val":
                out.setdefault(row["metric"], {})[int(row["step"])] = float(row["value"])
    return out


def mean_over_seeds(seeds: list[dict[str, dict[int, float]]]) -> dict[str, dict[int, float]]:
    """metric -> {step: mean over seeds}, at the steps every seed has."""
    out: dict[str, dict[int, float]] = {}
    for metric in set.intersection(*(set(c) for c in seeds)):
        steps = set.intersection(*(set(c[metric]) for c in seeds))
        out[metric] = {s: sum(c[metric][s] for c in seeds) / len(seeds) for s in sorted(steps)}
    return out


def steps_to_reach(curve: dict[int, float], target: float, *, lower_is_better: bool = False
                   ) -> int | None:
    """The first step whose value is at least (or, `lower_is_better`, at most) `target`."""
    def reached(v: float) -> bool:
        return v <= target + 1e-9 if lower_is_better else v >= target - 1e-9
    return next((step for step in sorted(curve) if reached(curve[step])), None)


def table(runs: dict[str, dict[str, dict[int, float]]], names: dict[str, str]) -> str:
    """One row per curve step: each run's success, then each run's action MSE."""
    steps = sorted({s for r in runs.values() for s in r.get("success", {})})
    head = ["step"] + [f"success {names[k]}" for k in runs] + [f"MSE {names[k]}" for k in runs]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for step in steps:
        cells = [f"{step:,}"]
        for key in ("success", "action_mse"):
            for r in runs.values():
                v = r.get(key, {}).get(step)
                cells.append("-" if v is None else (f"{v:.0%}" if key == "success"
                                                    else f"{v:.3f}"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", metavar="LABEL=CSV[,CSV...]",
                   help="a label and the metrics CSV of each seed of that arm")
    p.add_argument("--versus", action="append", default=[], metavar="ARM:BASE",
                   help="steps ARM needs to reach BASE's final curve success (repeatable)")
    args = p.parse_args()
    runs, names = {}, {}
    for item in args.runs:
        label, sep, paths = item.partition("=")
        if not sep:
            raise SystemExit(f"error: {item!r} is not LABEL=CSV[,CSV...]")
        seeds = [read_curves(Path(f)) for f in paths.split(",") if Path(f).is_file()]
        if not seeds:
            raise SystemExit(f"error: {label}: none of {paths} exists")
        runs[label] = mean_over_seeds(seeds)
        names[label] = f"{label} ({len(seeds)} seeds)" if len(seeds) > 1 else label
    print(table(runs, names))
    for pair in args.versus:
        arm, _, base = pair.partition(":")
        if arm not in runs or base not in runs:
            raise SystemExit(f"error: --versus {pair}: both must be among {list(runs)}")
        final_step = max(runs[base]["success"])
        target = runs[base]["success"][final_step]
        step = steps_to_reach(runs[arm]["success"], target)
        print(f"\n{arm} reaches {base}'s final curve success ({target:.0%} at step "
              f"{final_step:,}) at step {'-' if step is None else f'{step:,}'}")
        mse_base, mse_arm = runs[base].get("action_mse"), runs[arm].get("action_mse")
        if mse_base and mse_arm:
            last = max(mse_base)
            step = steps_to_reach(mse_arm, mse_base[last], lower_is_better=True)
            print(f"{arm} reaches {base}'s final validation action MSE "
                  f"({mse_base[last]:.3f} at step {last:,}) at step "
                  f"{'-' if step is None else f'{step:,}'}")


if __name__ == "__main__":
    main()
