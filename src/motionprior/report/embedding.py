"""Where a trained VLA's action and motion-word tokens sit among the language model's words.

METHOD.md's embedding picture: the rows of the model's token table (in the language model's
embedding space) for the 256 action tokens and for the motion-word pieces, against a fixed
sample of the language model's own vocabulary, projected on the two principal axes of all of
them, each group with its 95% confidence ellipse. The numbers: the distance of each group's
centroid from the language centroid, in units of the language sample's RMS radius (so 1 = at
the edge of the language cloud), in the full space (not the projection).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

CHI2_95_2D = 5.991  # 95% quantile of chi-square with 2 degrees of freedom
LANGUAGE_SAMPLE = 2000


def embedding_groups(model: Any, sample: int = LANGUAGE_SAMPLE, seed: int = 0
                     ) -> dict[str, np.ndarray]:
    """`{"language", "motion words", "action tokens"}` -> rows `[n, lm_hidden]`."""
    table = model.token_embed.detach().float().cpu().numpy()
    vocab = model.vocab
    words = model.language.word_embeddings().float().cpu().numpy()
    start = min(1000, len(words) // 2)  # skip BERT-style reserved and special rows
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(np.arange(start, len(words)), size=min(sample, len(words) - start),
                             replace=False))
    return {"language": words[idx], "motion words": table[vocab.motion_start:vocab.action_start],
            "action tokens": table[vocab.action_start:]}


def centroid_distances(groups: dict[str, np.ndarray]) -> dict[str, float]:
    """Each non-language group's centroid distance from the language centroid / its radius."""
    lang = groups["language"]
    centre = lang.mean(0)
    radius = float(np.sqrt(((lang - centre) ** 2).sum(1).mean()))
    return {name: float(np.linalg.norm(rows.mean(0) - centre) / radius)
            for name, rows in groups.items() if name != "language"}


def project(groups: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """2-D PCA coordinates of every group (axes fitted on all rows together)."""
    allrows = np.concatenate(list(groups.values()))
    mean = allrows.mean(0)
    _, _, vt = np.linalg.svd(allrows - mean, full_matrices=False)
    return {name: (rows - mean) @ vt[:2].T for name, rows in groups.items()}


def ellipse(points: np.ndarray, n: int = 100) -> np.ndarray:
    """The 95% confidence ellipse `[n, 2]` of 2-D points (Gaussian fit)."""
    cov = np.cov(points.T) if len(points) > 2 else np.eye(2) * 1e-6
    vals, vecs = np.linalg.eigh(cov)
    angle = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(angle), np.sin(angle)], 1)
    return points.mean(0) + circle * np.sqrt(np.maximum(vals, 0) * CHI2_95_2D) @ vecs.T


def plot_embeddings(panels: dict[str, dict[str, np.ndarray]], out: str | os.PathLike) -> None:
    """One panel per model (title -> its groups), side by side, into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from motionprior.atomic import atomic_path

    colours = {"language": "#9e9e9e", "motion words": "#1f77b4", "action tokens": "#d62728"}
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.6), squeeze=False)
    for ax, (title, groups) in zip(axes[0], panels.items(), strict=True):
        dist = centroid_distances(groups)
        for name, pts in project(groups).items():
            c = colours.get(name, "k")
            ax.scatter(pts[:, 0], pts[:, 1], s=4 if name == "language" else 10, c=c,
                       alpha=0.35 if name == "language" else 0.8,
                       label=name + (f" (d = {dist[name]:.2f})" if name in dist else ""))
            e = ellipse(pts)
            ax.plot(e[:, 0], e[:, 1], c=c, lw=1.5)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
        ax.legend(fontsize=8, loc="best")
    fig.suptitle("token embeddings in the language model's space (95% ellipses; d = centroid "
                 "distance / language radius)", fontsize=9)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
