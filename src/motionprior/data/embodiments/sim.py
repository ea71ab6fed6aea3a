"""Specs of simulated robots: Meta-World's Sawyer and robosuite's arms on OSC_POSE.

Only data lives here (no simulator import). The simulation adapters (`motionprior.sim`) produce
observations whose state is already in the canonical frame (+x forward away from the robot base,
+y left, +z up, origin at the robot base, meters; orientation as roll/pitch/yaw of the gripper
relative to its top-down home pose; gripper opening in [0, 1], 1 = open). Actions are stored raw,
exactly as the simulator consumes them; the action specs below map them to the canonical frame.

Meta-World (Sawyer, 80 Hz = 5 substeps of 2.5 ms): action `[dx, dy, dz, grip]` in [-1, 1]; the
mocap target moves by `action * 1 cm` along the simulator's axes, whose +x points to the robot's
right and +y forward, so canonical (x, y, z) = (raw y, -raw x, raw z); grip +1 closes, -1 opens.

robosuite (OSC_POSE, `input_ref_frame="base"`): action `[dx, dy, dz, rx, ry, rz, grip]` in
[-1, 1], a delta of the controller goal in the robot base frame (already x forward, y left, z up)
scaled by 5 cm and 0.5 rad per unit (axis-angle, read as roll/pitch/yaw for small angles);
grip +1 closes, -1 opens. The control rate is a free choice, so a robosuite embodiment is named
per robot and rate: `robosuite_<robot>_<rate>hz`; `robosuite_spec()` builds any of them.
"""

from __future__ import annotations

from motionprior.data.embodiment import EmbodimentSpec, VectorSpec

METAWORLD_FPS = 80.0
ROBOSUITE_METERS_PER_UNIT = 0.05
METAWORLD_METERS_PER_UNIT = 0.01  # mocap: action 1 moves the hand 1 cm per step
ROBOSUITE_RADIANS_PER_UNIT = 0.5
# Single-arm robosuite robots (robosuite's own spelling) and their default grippers: those
# whose waypoint expert is measured (Jaco's three-finger hand is left out: no expert for it).
ROBOSUITE_ROBOTS = {
    "Panda": "PandaGripper",
    "UR5e": "Robotiq85Gripper",
    "Kinova3": "Robotiq85Gripper",
    "IIWA": "Robotiq140Gripper",
    "XArm7": "XArm7Gripper",
    "Sawyer": "RethinkGripper",
}

_CANONICAL_POS = VectorSpec(
    names=("x", "y", "z", "gripper"), kind="absolute", translation=(0, 1, 2), gripper=3
)

METAWORLD_SAWYER = EmbodimentSpec(
    name="metaworld_sawyer",
    robot="sawyer",
    fps=METAWORLD_FPS,
    action=VectorSpec(
        names=("dx", "dy", "dz", "grip"),
        kind="delta",
        translation=(1, 0, 2),
        translation_sign=(1.0, -1.0, 1.0),
        translation_unit="cm",
        gripper=3,
        gripper_closed=1.0,
        gripper_open=-1.0,
    ),
    state=_CANONICAL_POS,
    description="Meta-World v3 Sawyer, mocap end-effector control, 1 cm per action unit, 80 Hz",
    extra={"simulator": "metaworld", "meters_per_action_unit": METAWORLD_METERS_PER_UNIT},
)


def robosuite_embodiment_name(robot: str, hz: float) -> str:
    """`robosuite_ur5e_10hz`; a fractional rate keeps its decimals with `p` (`12p5hz`)."""
    rate = f"{hz:g}".replace(".", "p")
    return f"robosuite_{robot.lower()}_{rate}hz"


def robosuite_spec(robot: str, hz: float) -> EmbodimentSpec:
    """The spec of robosuite robot `robot` (robosuite spelling) on OSC_POSE at `hz`."""
    return EmbodimentSpec(
        name=robosuite_embodiment_name(robot, hz),
        robot=robot.lower(),
        fps=float(hz),
        action=VectorSpec(
            names=("dx", "dy", "dz", "droll", "dpitch", "dyaw", "grip"),
            kind="delta",
            translation=(0, 1, 2),
            translation_unit="normalized",
            rotation=(3, 4, 5),
            rotation_unit="normalized",
            gripper=6,
            gripper_closed=1.0,
            gripper_open=-1.0,
        ),
        state=VectorSpec(
            names=("x", "y", "z", "roll", "pitch", "yaw", "gripper"),
            kind="absolute",
            translation=(0, 1, 2),
            rotation=(3, 4, 5),
            gripper=6,
        ),
        description=f"robosuite {robot} with {ROBOSUITE_ROBOTS.get(robot, 'its gripper')}, "
        f"OSC_POSE delta control, {hz:g} Hz",
        extra={
            "simulator": "robosuite",
            "controller": "OSC_POSE",
            "meters_per_action_unit": ROBOSUITE_METERS_PER_UNIT,
            "radians_per_action_unit": ROBOSUITE_RADIANS_PER_UNIT,
        },
    )


SPECS: tuple[EmbodimentSpec, ...] = (METAWORLD_SAWYER,) + tuple(
    robosuite_spec(robot, hz) for robot in ROBOSUITE_ROBOTS for hz in (20.0, 10.0)
)
