"""Specs of real robots whose datasets we read (Bridge WidowX, LeRobot SO-101)."""

from __future__ import annotations

from motionprior.data.embodiment import EmbodimentSpec, VectorSpec

_POSE7 = ("x", "y", "z", "roll", "pitch", "yaw", "gripper")

# Bridge V1/V2 (WidowX 250, 5 Hz). The robot base frame is already x forward, y left, z up.
# State: absolute EE pose + gripper opening; action: EE delta pose + gripper (1 = open).
WIDOWX_BRIDGE = EmbodimentSpec(
    name="widowx_bridge",
    robot="widowx250",
    fps=5.0,
    action=VectorSpec(
        names=("dx", "dy", "dz", "droll", "dpitch", "dyaw", "gripper"),
        kind="delta",
        translation=(0, 1, 2),
        rotation=(3, 4, 5),
        gripper=6,
    ),
    state=VectorSpec(
        names=_POSE7, kind="absolute", translation=(0, 1, 2), rotation=(3, 4, 5), gripper=6
    ),
    description="Bridge teleoperation data, WidowX 250, VR control, 5 Hz",
)

_SO101_JOINTS = (
    "shoulder_pan.pos",
    "shoulder_lift.pos",
    "elbow_flex.pos",
    "wrist_flex.pos",
    "wrist_roll.pos",
    "gripper.pos",
)

# LeRobot SO-101 follower (30 Hz): joint positions in LeRobot's calibrated units
# (about -100..100; gripper 0 = closed .. 100 = open). Joint space: no EE translation.
SO101_FOLLOWER = EmbodimentSpec(
    name="so101_follower",
    robot="so101",
    fps=30.0,
    action=VectorSpec(names=_SO101_JOINTS, kind="absolute", gripper=5, gripper_open=100.0),
    state=VectorSpec(names=_SO101_JOINTS, kind="absolute", gripper=5, gripper_open=100.0),
    description="LeRobot SO-101 leader/follower teleoperation, joint positions, 30 Hz",
)

SPECS = (WIDOWX_BRIDGE, SO101_FOLLOWER)
