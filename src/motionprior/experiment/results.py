"""An experiment's numbers: success per arm and cell, intervals, per pair, learning curves.

Suite mean success of a cell = the mean over its pairs (equal episodes per pair). A group
(arm, demos, prior fraction) pools its seeds: the point estimate is the mean over seeds, and
its 95% interval is a two-level bootstrap over seeds and, within each seed and pair, over
episodes (binomial resampling), so it reflects both sources of noise; with one seed it is the
episode bootstrap alone. Per-pair rates carry Wilson 95% intervals over all their episodes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from motionprior.experiment.config import ExperimentConfig
from motionprior.experiment.plan import cells
from motionprior.sim.evaluate import wilson_interval


def bootstrap_interval(successes: np.ndarray, episodes: np.ndarray, *, draws: int = 4000,
                       seed: int = 0) -> tuple[float, float]:
    """95% interval of the suite mean from `[seeds, pairs]` success and episode counts."""
    rng = np.random.default_rng(seed)
    s, n = successes.shape
    rates = successes / np.maximum(episodes, 1)
    pick = rng.integers(0, s, size=(draws, s))  # seeds with replacement
    sim = rng.binomial(episodes[pick], rates[pick]) / np.maximum(episodes[pick], 1)
    means = sim.mean(axis=(1, 2))
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


def load_summaries(cfg: ExperimentConfig, root: str | Path) -> list[dict[str, Any]]:
    """One row per finished evaluation: the cell and its summary.json."""
    rows = []
    for cell in cells(cfg):
        path = Path(root) / "eval" / cell.arm / cell.key / "summary.json"
        if path.exists():
            rows.append({"cell": cell, "summary": json.loads(path.read_text())})
    return rows


def pool_seeds(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """One arm's evaluations over seeds (each an `eval` summary.json of the same pairs): the
    mean over seeds of the suite mean, its two-level bootstrap 95% interval, the per-seed
    means, and per pair the rate over all seeds' episodes with its Wilson 95% interval."""
    if not summaries:
        raise ValueError("pool_seeds needs at least one evaluation summary")
    pairs = sorted(summaries[0]["pairs"])
    for other in summaries[1:]:
        if sorted(other["pairs"]) != pairs:
            raise ValueError(f"summaries evaluate different pairs: {pairs} against "
                             f"{sorted(other['pairs'])}")
    k = np.array([[s["pairs"][p]["successes"] for p in pairs] for s in summaries])
    n = np.array([[s["pairs"][p]["episodes"] for p in pairs] for s in summaries])
    per_seed = (k / np.maximum(n, 1)).mean(axis=1)
    low, high = bootstrap_interval(k, n)
    per_pair = {}
    for j, p in enumerate(pairs):
        lo, hi = wilson_interval(int(k[:, j].sum()), int(n[:, j].sum()))
        per_pair[p] = {"success": float(k[:, j].sum() / max(n[:, j].sum(), 1)),
                       "ci_low": lo, "ci_high": hi, "episodes": int(n[:, j].sum()),
                       "successes": int(k[:, j].sum())}
    return {"mean": float(per_seed.mean()), "per_seed": per_seed.tolist(), "ci_low": low,
            "ci_high": high, "pairs": per_pair}


def group_results(cfg: ExperimentConfig, root: str | Path) -> list[dict[str, Any]]:
    """Per (arm, demos, fraction): seeds, suite mean and its interval, per-pair rates."""
    groups: dict[tuple, list[dict]] = {}
    for row in load_summaries(cfg, root):
        c = row["cell"]
        groups.setdefault((c.arm, c.demos, c.fraction), []).append(row)
    out = []
    for (arm, demos, fraction), rows in groups.items():
        out.append({"arm": arm, "demos": demos, "prior_fraction": fraction,
                    "seeds": [r["cell"].seed for r in rows],
                    **pool_seeds([r["summary"] for r in rows])})
    order = {a: i for i, a in enumerate(cfg.arms)}
    return sorted(out, key=lambda g: (g["demos"], order[g["arm"]], g["prior_fraction"] or 0))


def learning_curves(cfg: ExperimentConfig, root: str | Path) -> dict[str, list[dict]]:
    """Per run (`arm/cell`): the validation rows of its metrics.csv (step, metric, value)."""
    curves = {}
    for cell in cells(cfg):
        path = Path(root) / "runs" / cell.arm / cell.key / "metrics.csv"
        if path.exists():
            rows = [r for r in csv.DictReader(io.StringIO(path.read_text()))
                    if r.get("split") == "val"]
            curves[f"{cell.arm}/{cell.key}"] = [
                {"step": int(r["step"]), "metric": r["metric"], "value": float(r["value"])}
                for r in rows]
    return curves


def markdown_table(groups: list[dict[str, Any]]) -> str:
    """Suite means and per-pair success as a Markdown table (pairs as columns)."""
    if not groups:
        return "(no finished evaluation yet)"
    pairs = sorted(groups[0]["pairs"])
    short = [p.split("/", 1)[1].replace("-v3", "") for p in pairs]
    head = ["arm", "demos", "stage-1 data", "seeds", "suite mean [95% CI]", *short]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for g in groups:
        frac = "-" if g["prior_fraction"] is None else f"{g['prior_fraction']:g}"
        cells_ = [g["arm"], str(g["demos"]), frac, str(len(g["seeds"])),
                  f"**{g['mean']:.1%}** [{g['ci_low']:.1%}, {g['ci_high']:.1%}]"]
        cells_ += [f"{g['pairs'][p]['success']:.0%}" if p in g["pairs"] else "-" for p in pairs]
        lines.append("| " + " | ".join(cells_) + " |")
    return "\n".join(lines)
