"""Per-pair success table (markdown) of several closed-loop evaluations, side by side.

    python benchmarks/vla_table.py tokens=runs/exp/wrist12k/eval/tokens/d10_s0/summary.json \
        flow=benchmarks/results/wrist12k/flow_eval_summary.json,runs/exp/wrist12k/eval/flow/d10_s1/summary.json

Each column is `LABEL=SUMMARY[,SUMMARY...]`: one `eval` summary.json per seed of that arm.
Each cell is `k/n = p% [lo, hi]` over all its seeds' episodes (Wilson 95%). The last row is
the suite mean: with one seed, pooled over every episode of the 13 pairs (Wilson); with
several, the mean over seeds with the two-level bootstrap 95% interval over seeds and
episodes of `motionprior experiment` (`experiment.results.pool_seeds`), then each seed's
mean. Summaries that do not exist yet are skipped (a column with none is printed as `-`), so
a table can be written while some evaluations are still running.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from motionprior.experiment.results import pool_seeds
from motionprior.sim.evaluate import wilson_interval


def _short(pair: str) -> str:
    if pair.startswith("robosuite/"):  # robosuite/Lift/Panda@20hz -> rs/Lift_Panda_20hz
        task, robot = pair.removeprefix("robosuite/").split("/", 1)
        return f"rs/{task}_{robot.replace('@', '_')}"
    return pair.replace("metaworld/", "mw/")


def _cell(k: int, n: int) -> str:
    lo, hi = wilson_interval(k, n)
    return f"{k}/{n} = {k / n:.0%} [{lo:.0%}, {hi:.0%}]"


def _mean(pooled: dict, seeds: int) -> str:
    if seeds == 1:
        k = sum(r["successes"] for r in pooled["pairs"].values())
        n = sum(r["episodes"] for r in pooled["pairs"].values())
        lo, hi = wilson_interval(k, n)
        return f"**{k / n:.1%}** [{lo:.1%}, {hi:.1%}]"
    each = ", ".join(f"{m:.1%}" for m in pooled["per_seed"])
    return (f"**{pooled['mean']:.1%}** [{pooled['ci_low']:.1%}, {pooled['ci_high']:.1%}] "
            f"({seeds} seeds: {each})")


def table(columns: dict[str, list[dict]]) -> str:
    """Markdown table: one row per pair (in the first summary's order), one column per arm
    (its seeds pooled by `pool_seeds`)."""
    known = [seeds for seeds in columns.values() if seeds]
    if not known:
        raise SystemExit("error: none of the summaries exists yet")
    pairs = list(known[0][0]["pairs"])
    pooled = {label: pool_seeds(seeds) for label, seeds in columns.items() if seeds}
    lines = ["| pair | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for pair in pairs:
        cells = []
        for label in columns:
            row = pooled[label]["pairs"].get(pair) if label in pooled else None
            cells.append("-" if row is None else _cell(row["successes"], row["episodes"]))
        lines.append(f"| {_short(pair)} | " + " | ".join(cells) + " |")
    means = [_mean(pooled[label], len(seeds)) if seeds else "-"
             for label, seeds in columns.items()]
    lines.append(f"| **suite mean over {len(pairs)} pairs** (one seed: Wilson over all "
                 "episodes; several: mean over seeds, bootstrap over seeds and episodes) | "
                 + " | ".join(means) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("columns", nargs="+", metavar="LABEL=SUMMARY_JSON[,...]",
                        help="a column label and the summary.json of each seed's `eval`")
    args = parser.parse_args()
    columns: dict[str, list[dict]] = {}
    for spec in args.columns:
        label, sep, paths = spec.partition("=")
        if not sep:
            raise SystemExit(f"error: {spec!r} is not LABEL=SUMMARY_JSON[,...]")
        files = [Path(p) for p in paths.split(",")]
        columns[label] = [json.loads(f.read_text()) for f in files if f.is_file()]
        if any("pairs" not in summary for summary in columns[label]):
            raise SystemExit(f"error: {label}: {paths} holds a file that is not an `eval` "
                             "summary.json (no 'pairs')")
    try:
        print(table(columns))
    except ValueError as err:  # seeds of one column that evaluated different pairs
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
