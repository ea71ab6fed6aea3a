"""Picture of one episode's labels: trajectory components over time, label segments coloured.

Rows: position x, y, z (in the trajectory's unit), then roll, pitch, yaw (radians, unwrapped)
and the gripper opening where present. Behind every row, each run of one label is a coloured
band; the legend names the labels (one colour per distinct label of the episode).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from motionprior.atomic import atomic_path
from motionprior.errors import DataError
from motionprior.motion.trajectory import Trajectory
from motionprior.paths import check_overwrite

T = TypeVar("T")


def label_segments(labels: Sequence[T]) -> list[tuple[int, int, T]]:
    """Runs of equal labels (or any equal values) as (start, end exclusive, value)."""
    out: list[tuple[int, int, T]] = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((start, i, labels[start]))
            start = i
    return out


def plot_labels(
    trajectory: Trajectory, labels: list[str], out: str | os.PathLike, *, title: str = "",
    reference: list[str] | None = None, reference_name: str = "annotation", force: bool = False,
) -> None:
    """Draw `trajectory` with its per-step `labels` into the PNG file `out` (atomically).

    An existing `out` is replaced only if motionprior wrote it (the PNG carries a `Software:
    motionprior` text chunk), or with `force`; otherwise it is a ConfigError.

    With `reference` (e.g. annotated labels), a strip at the bottom shows both label sequences
    one above the other and marks in red the steps where they differ."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    check_overwrite(out, force)
    if len(labels) != len(trajectory):
        raise DataError(f"{len(labels)} labels for a trajectory of {len(trajectory)} steps")
    if reference is not None and len(reference) != len(trajectory):
        raise DataError(f"{len(reference)} reference labels for a trajectory of "
                        f"{len(trajectory)} steps")
    t = np.arange(len(trajectory)) / trajectory.fps
    rows: list[tuple[str, np.ndarray, tuple[str, ...]]] = [
        ("position", trajectory.position, ("x (forward)", "y (left)", "z (up)"))
    ]
    if trajectory.rotation is not None:
        rows.append(("rotation [rad]", np.unwrap(trajectory.rotation, axis=0),
                     ("roll", "pitch", "yaw")))
    if trajectory.gripper is not None:
        rows.append(("gripper opening", trajectory.gripper[:, None], ("gripper",)))
    segments = label_segments(list(labels))
    distinct = list(dict.fromkeys([lab for _, _, lab in segments] + list(reference or [])))
    palette = [plt.get_cmap(name)(k) for name in ("tab20", "tab20b", "tab20c")
               for k in range(20)]  # 60 distinct colours before any repeats
    colour = {lab: palette[i % len(palette)] for i, lab in enumerate(distinct)}
    heights = [2.4] * len(rows) + ([0.9] if reference is not None else [])
    fig, axes = plt.subplots(len(heights), 1, figsize=(12, sum(heights) + 1.2), sharex=True,
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    dt = 1.0 / trajectory.fps
    for ax, (name, values, names) in zip(axes[: len(rows), 0], rows, strict=True):
        for s, e, lab in segments:
            ax.axvspan(s * dt, e * dt, color=colour[lab], alpha=0.35, linewidth=0)
        for k in range(values.shape[1]):
            ax.plot(t, values[:, k], label=names[k], linewidth=1.2)
        ax.set_ylabel(name)
        ax.legend(loc="upper right", fontsize=7)
    if reference is not None:
        _comparison_strip(axes[-1, 0], labels, reference, reference_name, colour, dt)
    axes[-1, 0].set_xlabel("time [s]")
    handles = [Patch(color=colour[lab], alpha=0.5, label=lab) for lab in distinct[:40]]
    fig.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), fontsize=7,
               title="motion labels" + (" (first 40)" if len(distinct) > 40 else ""))
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06 + 0.025 * ((len(handles) + 3) // 4), 1, 1))
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": "motionprior"})
    plt.close(fig)


def _comparison_strip(ax, labels: list[str], reference: list[str], reference_name: str,
                      colour: dict, dt: float) -> None:
    """Rows of label bands, bottom to top: reference, labeler, and red where they differ."""
    differ = [a != b for a, b in zip(labels, reference, strict=True)]
    rows = ((0.05, 0.33, reference), (0.38, 0.66, labels))
    for low, high, seq in rows:
        for s, e, lab in label_segments(list(seq)):
            ax.axvspan(s * dt, e * dt, ymin=low, ymax=high, color=colour[lab], alpha=0.6,
                       linewidth=0)
    for s, e, flag in label_segments(differ):
        if flag:
            ax.axvspan(s * dt, e * dt, ymin=0.72, ymax=0.95, color="red", linewidth=0)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.19, 0.52, 0.835])
    ax.set_yticklabels([reference_name, "labeler", "differ"], fontsize=7)
    agree = 1.0 - sum(differ) / max(len(differ), 1)
    ax.set_ylabel(f"agree {agree:.0%}", fontsize=8)
