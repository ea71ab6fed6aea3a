"""Run logs: a long-format CSV (`step,split,metric,value`) and TensorBoard events.

On resume, rows and events after the resumed step (written by the killed run after its last
checkpoint) are dropped, so the logs of a resumed run read like those of an uninterrupted one.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from pathlib import Path

from motionprior import atomic

CSV_NAME = "metrics.csv"
_HEADER = ("step", "split", "metric", "value")


class RunLogger:
    """Writes metrics of the main process; a disabled logger (other ranks) does nothing."""

    def __init__(self, run_dir: str | Path, *, start_step: int = 0, enabled: bool = True,
                 tensorboard: bool = True) -> None:
        self.enabled = enabled
        self.path = Path(run_dir) / CSV_NAME
        self._tb = None
        if not enabled:
            return
        self._truncate_after(start_step)
        if not self.path.exists():
            atomic.write_text(self.path, ",".join(_HEADER) + "\n")
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(Path(run_dir) / "tb"),
                                     purge_step=start_step + 1 if start_step else None)

    def log(self, step: int, split: str, metrics: Mapping[str, float]) -> None:
        if not self.enabled or not metrics:
            return
        with self.path.open("a", newline="") as f:
            w = csv.writer(f)
            for name, value in metrics.items():
                w.writerow((step, split, name, _fmt(value)))
        if self._tb is not None:
            for name, value in metrics.items():
                if math.isfinite(float(value)):
                    self._tb.add_scalar(f"{split}/{name}", float(value), step)
            self._tb.flush()

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
            self._tb = None

    def _truncate_after(self, step: int) -> None:
        if not self.path.exists():
            return
        rows = read_metrics(self.path)
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(_HEADER)
        for r in rows:
            if r["step"] <= step:
                w.writerow((r["step"], r["split"], r["metric"], _fmt(r["value"])))
        atomic.write_text(self.path, buf.getvalue())


def read_metrics(path: str | Path) -> list[dict]:
    """Rows of a metrics CSV as dicts with int step and float value."""
    with Path(path).open(newline="") as f:
        return [{"step": int(r["step"]), "split": r["split"], "metric": r["metric"],
                 "value": float(r["value"])} for r in csv.DictReader(f)]


def _fmt(value: float) -> str:
    return repr(float(value))
