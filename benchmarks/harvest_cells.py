"""Copy the compact results of an experiment's finished cells into `benchmarks/results/`.

    python benchmarks/harvest_cells.py /root/mp/wrist12k benchmarks/results/wrist12k

An experiment folder (`motionprior experiment ... --out EXP`) does not outlive the machine; its
compact results are committed instead. For every policy `EXP/runs/<arm>/<cell>` this writes
`DEST/<arm>_<cell>_train_metrics.csv` (training rows every `--train-every` steps),
`..._val_metrics.csv` (validation: losses and the closed-loop learning-curve points) and, once
its evaluation finished, `..._eval_summary.json`; for every stage-1 prior `EXP/prior/<f>`,
`DEST/prior_<f>_metrics.csv` (kept once written: stage 1 is deterministic, a regenerated
prior differs only in its throughput rows). Arm names become file names with `+` and `-`
turned into `_` (`flow+prior/d10_s0_f1` -> `flow_prior_d10_s0_f1_*`). Files are rewritten
only when their content changed; the list of what was written is printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from motionprior import atomic


def slug(text: str) -> str:
    return text.replace("+", "_").replace("-", "_")


def metric_rows(path: Path, keep) -> str:
    """The rows of a `metrics.csv` (step, split, metric, value) that `keep(step, split)`."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        if keep(int(row[0]), row[1]):
            writer.writerow(row)
    return out.getvalue()


def write_if_changed(path: Path, text: str, written: list[str]) -> None:
    if path.exists() and path.read_text() == text:
        return
    atomic.write_text(path, text)
    written.append(str(path))


def harvest(exp: Path, dest: Path, train_every: int) -> list[str]:
    dest.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for metrics in sorted(exp.glob("runs/*/*/metrics.csv")):
        run = metrics.parent
        name = f"{slug(run.parent.name)}_{run.name}"
        write_if_changed(dest / f"{name}_train_metrics.csv", metric_rows(
            metrics, lambda step, split: split == "train" and step % train_every == 0),
            written)
        write_if_changed(dest / f"{name}_val_metrics.csv",
                         metric_rows(metrics, lambda step, split: split == "val"), written)
        summary = exp / "eval" / run.parent.name / run.name / "summary.json"
        if summary.is_file():
            write_if_changed(dest / f"{name}_eval_summary.json", summary.read_text(), written)
    for metrics in sorted(exp.glob("prior/*/metrics.csv")):
        target = dest / f"prior_{metrics.parent.name}_metrics.csv"
        if not target.exists():  # a regenerated prior differs only in its throughput rows
            write_if_changed(target, metric_rows(metrics, lambda step, split: True), written)
    return written


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("exp", type=Path, help="the experiment folder (motionprior experiment --out)")
    p.add_argument("dest", type=Path, help="where the compact results go")
    p.add_argument("--train-every", type=int, default=500,
                   help="keep the training rows of every N-th step (default 500)")
    args = p.parse_args()
    if not (args.exp / "runs").is_dir() and not (args.exp / "prior").is_dir():
        print(f"harvest_cells: error: {args.exp} holds no runs/ or prior/ (not an experiment "
              "folder?)", file=sys.stderr)
        return 2
    for path in harvest(args.exp, args.dest, args.train_every):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
