"""Evaluation of an action prior on held-out windows.

- Reconstruction: the normalized masked MSE between a chunk and D(E(chunk)) (E's mean latent,
  then `sample_steps` Euler steps from seeded noise), per embodiment.
- Smoothness: mean squared jerk (third difference along time, normalized action units per
  step^3, only where four consecutive steps are valid) of the decoded chunks and of the data.
- Latent space: PCA of E's mean latents, coloured by embodiment and by task (a PNG).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from motionprior import atomic
from motionprior.prior.model import ActionPrior


def jerk_sq(x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Per-sample (sum of squared third differences along time, count of valid ones);
    `x`, `mask` `[B, H, D]`."""
    j = x[:, 3:] - 3 * x[:, 2:-1] + 3 * x[:, 1:-2] - x[:, :-3]
    m = (mask[:, 3:] & mask[:, 2:-1] & mask[:, 1:-2] & mask[:, :-3]).to(x.dtype)
    return (j.pow(2) * m).sum((1, 2)), m.sum((1, 2))


@torch.no_grad()
def evaluate_prior(prior: ActionPrior, batches: Iterable[Mapping[str, Any]], *,
                   steps: int | None = None, seed: int = 0,
                   embodiment_names: Callable[[Mapping[str, Any]], list[str]] | None = None,
                   ) -> dict[str, Any]:
    """Metrics over `batches` (collated window dicts); see the module docstring.

    Returns {"per_embodiment": {name: {...}}, "all": {...}, "latents": array, "embodiments":
    [names], "tasks": [labels]}; the last three feed `plot_latents`.
    """
    prior.eval()
    gen = torch.Generator().manual_seed(seed)
    acc: dict[str, np.ndarray] = {}
    zs, emb_names, tasks = [], [], []
    device = next(prior.parameters()).device
    for batch in batches:
        batch = {k: v.to(device) if isinstance(v, Tensor) else v for k, v in batch.items()}
        a, m = batch["actions"], batch["action_mask"]
        z = prior.encode(batch)
        recon = prior.decode(z, m, steps=steps, generator=gen,
                             embodiment_id=prior.embodiment_ids(batch))
        mf = m.to(a.dtype)
        se, n = ((recon - a).pow(2) * mf).sum((1, 2)), mf.sum((1, 2))
        jd, jn = jerk_sq(recon, m)
        ja, _ = jerk_sq(a, m)
        names = (embodiment_names(batch) if embodiment_names is not None
                 else _names(batch, prior))
        rows = torch.stack([se, n, jd, ja, jn], 1).double().cpu().numpy()
        for name, row in zip(names, rows, strict=True):
            acc[name] = acc.get(name, np.zeros(5)) + row
        zs.append(z.float().cpu().numpy())
        emb_names += names
        tasks += _tasks(batch, len(names))
    per = {name: _summary(v) for name, v in sorted(acc.items())}
    total = sum(acc.values()) if acc else np.zeros(5)
    return {"per_embodiment": per, "all": _summary(total),
            "latents": np.concatenate(zs) if zs else np.zeros((0, prior.cfg.latent_dim)),
            "embodiments": emb_names, "tasks": tasks}


def _summary(v: np.ndarray) -> dict[str, float]:
    se, n, jd, ja, jn = v.tolist()
    nan = float("nan")
    return {"recon_mse": se / n if n else nan, "jerk_decoded": jd / jn if jn else nan,
            "jerk_data": ja / jn if jn else nan, "elements": int(n)}


def _names(batch: Mapping[str, Any], prior: ActionPrior) -> list[str]:
    if "embodiment" in batch:
        return [str(x) for x in batch["embodiment"]]
    ids = batch["embodiment_id"].tolist()
    known = prior.cfg.embodiments
    return [known[i] if i < len(known) else f"id{i}" for i in ids]


def _tasks(batch: Mapping[str, Any], n: int) -> list[str]:
    if "instruction" in batch:
        return [str(x) for x in batch["instruction"]]
    if "task_index" in batch:
        return [f"task {int(i)}" for i in batch["task_index"]]
    return ["?"] * n


def pca_2d(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Projection of `z` [N, L] on its first two principal axes, and their variance ratios."""
    zc = z - z.mean(0, keepdims=True)
    if zc.shape[0] < 2:
        return np.zeros((zc.shape[0], 2)), np.zeros(2)
    _, s, vt = np.linalg.svd(zc, full_matrices=False)
    k = min(2, vt.shape[0])
    proj = np.zeros((zc.shape[0], 2))
    proj[:, :k] = zc @ vt[:k].T
    var = s**2
    ratio = np.zeros(2)
    ratio[:k] = var[:k] / max(var.sum(), 1e-12)
    return proj, ratio


def plot_latents(latents: np.ndarray, embodiments: list[str], tasks: list[str],
                 path: str | Path, max_tasks: int = 10) -> Path:
    """PNG with two panels: PCA of the latents coloured by embodiment and by task (the
    `max_tasks` most frequent tasks; the rest grey)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    proj, ratio = pca_2d(latents)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2))
    for ax, labels, title in ((axes[0], embodiments, "embodiment"), (axes[1], tasks, "task")):
        counts: dict[str, int] = {}
        for lab in labels:
            counts[lab] = counts.get(lab, 0) + 1
        shown = sorted(counts, key=lambda k: -counts[k])[:max_tasks]
        labels_arr = np.asarray(labels, dtype=object)
        other = ~np.isin(labels_arr, shown)
        if other.any():
            ax.scatter(proj[other, 0], proj[other, 1], s=4, c="lightgrey", label="other")
        cmap = plt.get_cmap("tab10")
        for i, lab in enumerate(shown):
            sel = labels_arr == lab
            ax.scatter(proj[sel, 0], proj[sel, 1], s=5, color=cmap(i % 10), alpha=0.7,
                       label=_short(lab))
        ax.set_title(f"latent z by {title} (PCA)")
        ax.set_xlabel(f"PC1 ({100 * ratio[0]:.0f}% var)")
        ax.set_ylabel(f"PC2 ({100 * ratio[1]:.0f}% var)")
        ax.legend(fontsize=7, markerscale=2, loc="best")
    fig.tight_layout()
    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path


def _short(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def metrics_json(result: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-ready part of `evaluate_prior`'s result (NaN becomes null)."""
    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v
    return clean({"per_embodiment": result["per_embodiment"], "all": result["all"],
                  "windows": len(result["embodiments"])})
