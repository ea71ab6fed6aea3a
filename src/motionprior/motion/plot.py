"""Picture of one episode's labels: trajectory components over time, label segments coloured.

Rows: position x, y, z (in the trajectory's unit), then roll, pitch, yaw (radians, unwrapped)
and the gripper opening where present. Behind every row, each run of one label is a coloured
band; the legend names the labels (one colour per distinct label of the episode).
"""

from __future__ import annotations

import os

import numpy as np

from motionprior.atomic import atomic_path
from motionprior.errors import DataError
from motionprior.motion.trajectory import Trajectory


def label_segments(labels: list[str]) -> list[tuple[int, int, str]]:
    """Runs of equal labels as (start, end exclusive, label)."""
    out: list[tuple[int, int, str]] = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((start, i, labels[start]))
            start = i
    return out


def plot_labels(
    trajectory: Trajectory, labels: list[str], out: str | os.PathLike, *, title: str = ""
) -> None:
    """Draw `trajectory` with its per-step `labels` into the PNG file `out` (atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    if len(labels) != len(trajectory):
        raise DataError(f"{len(labels)} labels for a trajectory of {len(trajectory)} steps")
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
    distinct = list(dict.fromkeys(lab for _, _, lab in segments))
    cmap = plt.get_cmap("tab20")
    colour = {lab: cmap(i % 20) for i, lab in enumerate(distinct)}
    fig, axes = plt.subplots(len(rows), 1, figsize=(12, 2.4 * len(rows) + 1.2), sharex=True,
                             squeeze=False)
    dt = 1.0 / trajectory.fps
    for ax, (name, values, names) in zip(axes[:, 0], rows, strict=True):
        for s, e, lab in segments:
            ax.axvspan(s * dt, e * dt, color=colour[lab], alpha=0.35, linewidth=0)
        for k in range(values.shape[1]):
            ax.plot(t, values[:, k], label=names[k], linewidth=1.2)
        ax.set_ylabel(name)
        ax.legend(loc="upper right", fontsize=7)
    axes[-1, 0].set_xlabel("time [s]")
    handles = [Patch(color=colour[lab], alpha=0.5, label=lab) for lab in distinct[:24]]
    fig.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), fontsize=7,
               title="motion labels" + (" (first 24)" if len(distinct) > 24 else ""))
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06 + 0.025 * ((len(handles) + 3) // 4), 1, 1))
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
