"""Lay committed cell results back out as an experiment folder, to rebuild its report.

    python benchmarks/restore_cells.py benchmarks/prior_comparison.toml /tmp/prior_report \
        --from benchmarks/results/wrist12k \
        --alias flow/d10_s0=flow --alias tokens/d10_s0=tokens \
        --alias motion+tokens/d10_s0=motion_tokens
    motionprior experiment benchmarks/prior_comparison.toml --out /tmp/prior_report --report-only

The inverse of `harvest_cells.py`: for every cell of the experiment's plan whose harvested
files exist (`<arm slug>_<cell>_*`, or the prefix an `--alias ARM/CELL=PREFIX` names, for cells
harvested under another name), it writes `OUT/eval/<arm>/<cell>/summary.json` and
`OUT/runs/<arm>/<cell>/metrics.csv` (training and validation rows merged by step), so
`--report-only` pools the seeds, draws the curves and finds the steps to threshold. Nothing
else is restored (no checkpoints, videos or job states): the folder is for reports, not for
running jobs. Existing files are left as they are; the list of what was written is printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from harvest_cells import slug

from motionprior import atomic
from motionprior.errors import ConfigError
from motionprior.experiment.config import load_experiment
from motionprior.experiment.plan import cells


def merged_metrics(*paths: Path) -> str | None:
    """The rows of harvested metric files, one header, ordered by step (stable)."""
    header, rows = None, []
    for path in paths:
        if path.is_file():
            reader = csv.reader(io.StringIO(path.read_text()))
            header = next(reader)
            rows += list(reader)
    if header is None:
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(sorted(rows, key=lambda r: int(r[0])))
    return out.getvalue()


def restore(config: str, out: Path, source: Path, aliases: dict[str, str]) -> list[str]:
    cfg = load_experiment(config)
    unknown = set(aliases) - {f"{c.arm}/{c.key}" for c in cells(cfg)}
    if unknown:
        raise ConfigError(f"--alias names cells not in {config}: {sorted(unknown)}")
    written = []
    for cell in cells(cfg):
        name = f"{cell.arm}/{cell.key}"
        prefix = source / aliases.get(name, f"{slug(cell.arm)}_{cell.key}")
        summary = Path(f"{prefix}_eval_summary.json")
        metrics = merged_metrics(Path(f"{prefix}_train_metrics.csv"),
                                 Path(f"{prefix}_val_metrics.csv"))
        for target, text in ((out / "eval" / name / "summary.json",
                              summary.read_text() if summary.is_file() else None),
                             (out / "runs" / name / "metrics.csv", metrics)):
            if text is not None and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic.write_text(target, text)
                written.append(str(target))
    return written


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", help="the experiment preset or TOML file the cells belong to")
    p.add_argument("out", type=Path, help="the folder to lay the cells out in")
    p.add_argument("--from", dest="source", type=Path, required=True,
                   help="the harvested results (harvest_cells.py DEST)")
    p.add_argument("--alias", action="append", default=[], metavar="ARM/CELL=PREFIX",
                   help="a cell harvested under another file prefix (repeatable)")
    args = p.parse_args()
    aliases = {}
    for item in args.alias:
        cell, sep, prefix = item.partition("=")
        if not sep:
            print(f"restore_cells: error: --alias {item!r} is not ARM/CELL=PREFIX",
                  file=sys.stderr)
            return 2
        aliases[cell] = prefix
    if not args.source.is_dir():
        print(f"restore_cells: error: {args.source} is not a folder of harvested results",
              file=sys.stderr)
        return 2
    try:
        written = restore(args.config, args.out, args.source, aliases)
    except ConfigError as err:
        print(f"restore_cells: error: {err}", file=sys.stderr)
        return 2
    print("\n".join(written) or "nothing to restore (all present, or no harvested cell)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
