"""Per-pair success table (markdown) of several closed-loop evaluations, side by side.

    python benchmarks/vla_table.py tokens=runs/exp/wrist12k/eval/tokens/d10_s0/summary.json \
        flow=benchmarks/results/wrist12k/flow_eval_summary.json

Each cell is `k/n = p% [lo, hi]` (Wilson 95%); the last row pools every episode of the 13
pairs (Wilson over all of them). A column whose summary is missing is printed as `-`, so a
table can be written while some evaluations are still running.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from motionprior.sim.evaluate import wilson_interval


def _short(pair: str) -> str:
    if pair.startswith("robosuite/"):  # robosuite/Lift/Panda@20hz -> rs/Lift_Panda_20hz
        task, robot = pair.removeprefix("robosuite/").split("/", 1)
        return f"rs/{task}_{robot.replace('@', '_')}"
    return pair.replace("metaworld/", "mw/")


def _cell(k: int, n: int) -> str:
    lo, hi = wilson_interval(k, n)
    return f"{k}/{n} = {k / n:.0%} [{lo:.0%}, {hi:.0%}]"


def table(columns: dict[str, dict | None]) -> str:
    """Markdown table: one row per pair (in the first summary's order), one column per run."""
    known = [c for c in columns.values() if c is not None]
    if not known:
        raise SystemExit("error: none of the summaries exists yet")
    pairs = list(known[0]["pairs"])
    lines = ["| pair | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for pair in pairs:
        cells = []
        for summary in columns.values():
            row = None if summary is None else summary["pairs"].get(pair)
            cells.append("-" if row is None else _cell(row["successes"], row["episodes"]))
        lines.append(f"| {_short(pair)} | " + " | ".join(cells) + " |")
    means = []
    for summary in columns.values():
        if summary is None:
            means.append("-")
            continue
        k = sum(r["successes"] for r in summary["pairs"].values())
        n = sum(r["episodes"] for r in summary["pairs"].values())
        lo, hi = wilson_interval(k, n)
        means.append(f"**{k / n:.1%}** [{lo:.1%}, {hi:.1%}]")
    lines.append(f"| **mean over {len(pairs)} pairs** (Wilson over all episodes) | "
                 + " | ".join(means) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("columns", nargs="+", metavar="LABEL=SUMMARY_JSON",
                        help="a column label and the summary.json of an `eval` run")
    args = parser.parse_args()
    columns: dict[str, dict | None] = {}
    for spec in args.columns:
        label, sep, path = spec.partition("=")
        if not sep:
            raise SystemExit(f"error: {spec!r} is not LABEL=SUMMARY_JSON")
        file = Path(path)
        columns[label] = json.loads(file.read_text()) if file.is_file() else None
    print(table(columns))


if __name__ == "__main__":
    main()
