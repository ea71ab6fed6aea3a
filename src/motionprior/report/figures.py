"""The report's plots (matplotlib, Agg): each function draws one PNG atomically.

Inputs are the plain structures of `motionprior.experiment.results` (groups, curves), so every
plot is drawn from real runs and can be tested on small hand-made ones.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, out: str | os.PathLike) -> None:
    from motionprior.atomic import atomic_path

    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    _plt().close(fig)


def short_pair(pair: str) -> str:
    return pair.split("/", 1)[-1].replace("-v3", "").replace("@20hz", "")


def success_per_pair(groups: Sequence[Mapping[str, Any]], out: str | os.PathLike) -> None:
    """Grouped bars: success per pair and arm with Wilson 95% intervals, suite mean last."""
    plt = _plt()
    pairs = sorted({p for g in groups for p in g["pairs"]})
    labels = [short_pair(p) for p in pairs] + ["suite mean"]
    width = 0.8 / max(len(groups), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(labels) * len(groups) ** 0.5 + 2), 4.6))
    x = np.arange(len(labels))
    for i, g in enumerate(groups):
        vals = [g["pairs"].get(p, {}).get("success", np.nan) for p in pairs] + [g["mean"]]
        lo = [g["pairs"].get(p, {}).get("ci_low", np.nan) for p in pairs] + [g["ci_low"]]
        hi = [g["pairs"].get(p, {}).get("ci_high", np.nan) for p in pairs] + [g["ci_high"]]
        v = np.array(vals)
        err = np.array([v - np.array(lo), np.array(hi) - v])
        ax.bar(x + (i - (len(groups) - 1) / 2) * width, v, width, yerr=err, capsize=2,
               label=group_label(g))
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("success rate")
    ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    ax.set_title("closed-loop success per pair", fontsize=10)
    _save(fig, out)


def group_label(g: Mapping[str, Any]) -> str:
    frac = "" if g.get("prior_fraction") in (None, 1.0) else f", stage-1 x{g['prior_fraction']:g}"
    return f"{g['arm']} ({g['demos']} demos{frac})"


def learning_curves(curves: Mapping[str, Sequence[Mapping[str, Any]]], metric: str,
                    out: str | os.PathLike, *, ylabel: str = "") -> bool:
    """`metric` against training step, one line per arm (mean over its runs, seeds shaded
    min-max). Returns False (and draws nothing) when no run logged the metric."""
    by_arm: dict[str, dict[int, list[float]]] = {}
    for run, rows in curves.items():
        arm = run.split("/", 1)[0]
        for r in rows:
            if r["metric"] == metric:
                by_arm.setdefault(arm, {}).setdefault(r["step"], []).append(r["value"])
    if not by_arm:
        return False
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for arm, points in sorted(by_arm.items()):
        steps = sorted(points)
        mean = [np.mean(points[s]) for s in steps]
        ax.plot(steps, mean, marker="o", ms=3, label=arm)
        ax.fill_between(steps, [min(points[s]) for s in steps], [max(points[s]) for s in steps],
                        alpha=0.15)
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel or metric)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    _save(fig, out)
    return True


def success_against(groups: Sequence[Mapping[str, Any]], key: str, out: str | os.PathLike,
                    *, xlabel: str) -> bool:
    """Suite mean (with its interval) against `key` (demos or prior_fraction), one line per
    arm; False when fewer than two values of `key` exist."""
    by_arm: dict[str, list[tuple[float, Mapping]]] = {}
    for g in groups:
        if g.get(key) is not None:
            by_arm.setdefault(g["arm"], []).append((float(g[key]), g))
    if len({x for pts in by_arm.values() for x, _ in pts}) < 2:
        return False
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for arm, pts in sorted(by_arm.items()):
        pts.sort(key=lambda t: t[0])
        xs = [x for x, _ in pts]
        ax.errorbar(xs, [g["mean"] for _, g in pts],
                    yerr=[[g["mean"] - g["ci_low"] for _, g in pts],
                          [g["ci_high"] - g["mean"] for _, g in pts]],
                    marker="o", capsize=3, label=arm)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("suite mean success")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    _save(fig, out)
    return True


def label_distribution(counts: Mapping[str, Counter], out: str | os.PathLike,
                       top: int = 12) -> None:
    """Horizontal bars of the most frequent motion labels per embodiment (share of steps)."""
    plt = _plt()
    rows = max(min(top, len(c)) for c in counts.values())
    fig, axes = plt.subplots(1, len(counts), figsize=(3.6 * len(counts), 1.0 + 0.28 * rows),
                             squeeze=False)
    for ax, (emb, c) in zip(axes[0], sorted(counts.items()), strict=True):
        total = sum(c.values()) or 1
        common = c.most_common(top)[::-1]
        ax.barh([lab[:28] for lab, _ in common], [n / total for _, n in common])
        ax.set_title(f"{emb} ({total} steps)", fontsize=8)
        ax.tick_params(labelsize=6)
        ax.set_xlabel("share of steps", fontsize=7)
    _save(fig, out)
