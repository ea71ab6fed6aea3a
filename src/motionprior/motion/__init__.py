"""Motion language: vocabulary, the adaptive labeler, the fixed-threshold baseline, evaluation.

    from motionprior.motion import MotionLabeler, Trajectory, trajectory_from_episode

    trajectories = [trajectory_from_episode(ep) for ep in episodes]  # or Trajectory(pos, fps, ...)
    labeler = MotionLabeler().fit(trajectories)   # per-dataset normalization
    labels = labeler.label(trajectories[0])        # one label per step, e.g. "move forward left"
    all_labels = labeler.label_many(trajectories)  # batched: much faster for many short episodes

`FixedThresholdLabeler(threshold=0.03)` has the same `fit`/`label`/`label_many` API. Whole
LeRobot datasets: `motionprior.motion.dataset.label_dataset` (`motionprior label DATASET`).
Scoring against annotations: `motionprior.motion.evaluate`, file format in
`motionprior.motion.annotations` (`motionprior label-eval`).
"""

from motionprior.motion.adapters import trajectory_from_arrays, trajectory_from_episode
from motionprior.motion.adaptive import MotionLabeler, Scales
from motionprior.motion.baseline import FixedThresholdLabeler
from motionprior.motion.params import LabelerParams
from motionprior.motion.trajectory import Trajectory
from motionprior.motion.vocabulary import MotionLabel, format_label, parse_label

__all__ = [
    "FixedThresholdLabeler",
    "LabelerParams",
    "MotionLabel",
    "MotionLabeler",
    "Scales",
    "Trajectory",
    "format_label",
    "parse_label",
    "trajectory_from_arrays",
    "trajectory_from_episode",
]
