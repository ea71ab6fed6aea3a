"""Per-dataset standardization entries: how an RLDS dataset's keys map onto an `Episode`.

RLDS episodes in TFRecords are flattened: one `tf.train.Example` per episode whose keys are
feature paths (`steps/action`, `steps/observation/image_0`, `episode_metadata/file_path`, ...);
a per-step feature of shape `[d]` is one list of `T * d` values. Open X-Embodiment datasets name
their cameras, state and action differently; an entry says which keys to read, what the cameras
are called in motionprior, what each state/action dim means, which embodiment the numbers belong
to and the control rate. Add an entry with `register_standardization` (no other code changes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from motionprior.errors import ConfigError, UnknownNameError


@dataclass(frozen=True)
class RLDSStandardization:
    """How to turn one RLDS dataset's steps into motionprior episodes.

    `cameras` maps the RLDS image key (under `steps/observation/`) to the motionprior camera
    name; these are the cameras read by default. `state_key`/`action_key` name the float
    features (flattened `[T * dim]`); `state_meaning`/`action_meaning` name each dim and must
    match the registered `embodiment`'s spec in length. `instruction_key` is a per-step text
    feature (the first non-empty step is the instruction); `is_first_key` fixes the step count
    (when absent from a record, the action length does). `aliases` are other names of the
    dataset (e.g. the TFDS builder name in dataset_info.json), accepted when checking that a
    folder holds the requested dataset. `fps` is the control rate.
    """

    name: str
    embodiment: str
    fps: float
    cameras: tuple[tuple[str, str], ...]
    state_key: str = "steps/observation/state"
    action_key: str = "steps/action"
    instruction_key: str = "steps/language_instruction"
    is_first_key: str = "steps/is_first"
    state_meaning: tuple[str, ...] = ()
    action_meaning: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self) -> None:
        if not self.fps > 0:
            raise ConfigError(f"standardization {self.name!r}: fps must be > 0")
        names = [name for _, name in self.cameras]
        if len(set(names)) != len(names):
            raise ConfigError(f"standardization {self.name!r}: duplicate camera names {names}")

    def select_cameras(self, chosen: Sequence[str] | None) -> tuple[tuple[str, str], ...]:
        """(RLDS key, camera name) pairs for `chosen` cameras, each given by RLDS key
        (`image_0`) or camera name (`primary`); None keeps the defaults. An RLDS key that is
        not a default camera keeps its own name (e.g. `image_3` -> `image_3`)."""
        if chosen is None:
            return self.cameras
        by_key = dict(self.cameras)
        by_name = {name: key for key, name in self.cameras}
        pairs = []
        for c in chosen:
            key = by_name.get(c, c)
            pairs.append((key, by_key.get(key, key)))
        names = [name for _, name in pairs]
        if len(set(names)) != len(names):
            raise ConfigError(f"a camera is chosen twice in {list(chosen)}")
        return tuple(pairs)


_REGISTRY: dict[str, RLDSStandardization] = {}


def register_standardization(entry: RLDSStandardization) -> RLDSStandardization:
    """Register `entry` under its name (re-registering replaces it)."""
    _REGISTRY[entry.name] = entry
    return entry


def get_standardization(name: str) -> RLDSStandardization:
    """The entry called `name`; an unknown name lists the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("RLDS dataset", name, list(_REGISTRY)) from None


def known_standardizations() -> list[str]:
    return sorted(_REGISTRY)


def standardization_for(dataset_name: str) -> RLDSStandardization | None:
    """The entry whose name or alias is `dataset_name` (a TFDS builder name), or None."""
    for entry in _REGISTRY.values():
        if dataset_name == entry.name or dataset_name in entry.aliases:
            return entry
    return None


# Bridge V1/V2 (WidowX 250, 5 Hz), TFDS builder name "bridge_dataset". Checked on the shipped
# sample (/work/shared/data/bridge_rlds_sample, 2 x 25 episodes):
# - features.json's action/state descriptions are wrong template text. Real meanings: state =
#   absolute end-effector x, y, z (m, base frame: x forward, y left, z up), roll, pitch, yaw
#   (rad), gripper opening (0.1..1.0, ~1 = open); action = per-step deltas of those six, then
#   the gripper command in [0, 1] (1 = open; 241 of the 250 steps are exactly 0 or 1, the rest
#   lie in between). That is the widowx_bridge embodiment spec, which names every dim (so this
#   entry sets no state_meaning/action_meaning of its own).
# - Four fixed image slots. image_0..image_2 hold three distinct real views in every sample
#   episode (image_0 is the over-the-shoulder camera, Octo's "primary"); image_3 is all black in
#   every episode, so it is left out by default. Views absent from a recording are stored as
#   black frames, so every episode has the same cameras and a LeRobot dataset keeps one camera
#   set (a black placeholder stays a black frame). The `episode_metadata/has_image_*` flags are
#   unreliable (0 on episodes whose images are real) and are not used. `cameras=` on read_rlds
#   (`--cameras` at the CLI) picks another set; `summarize_rlds(..., images=True)` counts black
#   frames per slot to check a new shard.
BRIDGE = register_standardization(RLDSStandardization(
    name="bridge",
    embodiment="widowx_bridge",
    fps=5.0,
    cameras=(("image_0", "primary"), ("image_1", "secondary"), ("image_2", "tertiary")),
    aliases=("bridge_dataset",),
    notes="Bridge teleoperation (WidowX 250, VR), 5 Hz; image_3 (placeholder) left out",
))
