"""Per-dataset standardization entries: how an RLDS dataset's keys map onto an `Episode`.

Open X-Embodiment datasets name their cameras, state and action differently; an entry says which
keys to read, what the cameras are called in motionprior, which embodiment the numbers belong to
and the control rate. Add an entry with `register_standardization` (no other code changes).
"""

from __future__ import annotations

from dataclasses import dataclass

from motionprior.errors import ConfigError, UnknownNameError


@dataclass(frozen=True)
class RLDSStandardization:
    """How to turn one RLDS dataset's steps into motionprior episodes.

    `cameras` maps the RLDS image key (under `steps/observation/`) to the motionprior camera name.
    `state_key`/`action_key` name the float features (flattened `[T * dim]`); their meaning is
    the registered `embodiment`'s spec. `fps` is the control rate.
    """

    name: str
    embodiment: str
    fps: float
    cameras: tuple[tuple[str, str], ...]
    state_key: str = "steps/observation/state"
    action_key: str = "steps/action"
    instruction_key: str = "steps/language_instruction"
    is_first_key: str = "steps/is_first"
    notes: str = ""

    def __post_init__(self) -> None:
        if self.fps <= 0:
            raise ConfigError(f"standardization {self.name!r}: fps must be > 0")


_REGISTRY: dict[str, RLDSStandardization] = {}


def register_standardization(entry: RLDSStandardization) -> RLDSStandardization:
    _REGISTRY[entry.name] = entry
    return entry


def get_standardization(name: str) -> RLDSStandardization:
    """The entry called `name`; an unknown name lists the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("RLDS dataset", name, list(_REGISTRY)) from None


# Bridge V1/V2 (WidowX 250, 5 Hz). image_0..image_2 are three fixed views (image_0 is Octo's
# "primary"); image_3 is all black in every episode of the shipped sample, so it is left out.
# Views absent from an episode are stored by Bridge as black frames, so every episode has the
# same cameras. The `has_image_*` metadata flags are unreliable (they read 0 on episodes whose
# images are real). features.json's action/state descriptions are wrong template text; the real
# meanings are the widowx_bridge embodiment spec: state = x, y, z, roll, pitch, yaw, gripper
# opening; action = delta xyz, delta roll/pitch/yaw, gripper (1 = open).
BRIDGE = register_standardization(RLDSStandardization(
    name="bridge",
    embodiment="widowx_bridge",
    fps=5.0,
    cameras=(("image_0", "primary"), ("image_1", "secondary"), ("image_2", "tertiary")),
    notes="Bridge teleoperation (WidowX 250, VR), 5 Hz",
))
