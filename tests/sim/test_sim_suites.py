"""Pair grammar, suites, instructions and the simulated embodiment specs (no simulator run)."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.data.embodiments import get_embodiment
from motionprior.data.embodiments.sim import robosuite_embodiment_name, robosuite_spec
from motionprior.errors import ConfigError, UnknownNameError
from motionprior.sim.instructions import instructions_for, pick_instruction
from motionprior.sim.suites import METAWORLD_TASKS, SUITES, parse_pair, resolve_suite


@pytest.mark.parametrize("text, name, embodiment", [
    ("metaworld/pick-place-v3", "metaworld/pick-place-v3", "metaworld_sawyer"),
    ("MetaWorld/Pick-Place", "metaworld/pick-place-v3", "metaworld_sawyer"),
    ("robosuite/Lift/UR5e@10hz", "robosuite/Lift/UR5e@10hz", "robosuite_ur5e_10hz"),
    ("robosuite/lift/ur5e", "robosuite/Lift/UR5e@20hz", "robosuite_ur5e_20hz"),
    ("robosuite/Stack/xarm7@12.5HZ", "robosuite/Stack/XArm7@12.5hz", "robosuite_xarm7_12p5hz"),
])
def test_pair_names_parse_to_canonical_spelling(text, name, embodiment):
    pair = parse_pair(text)
    assert pair.name == name and pair.embodiment == embodiment
    assert parse_pair(pair.name) == pair  # canonical names round-trip
    assert "/" not in pair.slug and "@" not in pair.slug


@pytest.mark.parametrize("text, match", [
    ("metaworld/pick-place-v9", r"unknown metaworld task 'pick-place-v9'; known: .*reach-v3"),
    ("robosuite/Lift/UR6", r"unknown robosuite robot 'UR6'; known: IIWA, .*Panda.*UR5e"),
    ("robosuite/Wipe/Panda", r"unknown robosuite task 'Wipe'; known: Lift, Stack"),
    ("robosuite/Lift/Panda@fast", r"bad robot/rate 'Panda@fast' .* write e\.g\. 'UR5e@10hz'"),
    ("robosuite/Lift/Panda@0hz", r"control rate 0 Hz .* within 1\.\.500"),
    ("gazebo/Lift", r"bad pair name 'gazebo/Lift'.*robosuite/Lift/UR5e@10hz"),
])
def test_bad_pair_names_say_what_is_known(text, match):
    with pytest.raises((UnknownNameError, ConfigError), match=match):
        parse_pair(text)


def test_xemb13_is_the_thirteen_pairs_of_the_issue():
    names = [p.name for p in resolve_suite("xemb13")]
    assert len(names) == 13 == len(set(names))
    assert sum(n.startswith("metaworld/") for n in names) == 8
    assert {"robosuite/Lift/UR5e@10hz", "robosuite/Stack/IIWA@20hz",
            "robosuite/Lift/Kinova3@20hz"} <= set(names)
    assert all(isinstance(n, str) for n in SUITES["xemb13"])  # a suite is a plain list


def test_suites_and_pairs_mix_and_deduplicate():
    pairs = resolve_suite("smoke, metaworld/reach, robosuite/Lift/Panda@20hz,metaworld/push-v3")
    assert [p.name for p in pairs] == ["metaworld/reach-v3", "robosuite/Lift/Panda@20hz",
                                       "metaworld/push-v3"]
    assert len(resolve_suite("prior")) == 50 + 2 * 6 * 2
    with pytest.raises(UnknownNameError, match=r"unknown suite 'xemb12'; known: .*xemb13"):
        resolve_suite("xemb12")


def test_metaworld_task_list_matches_the_installed_metaworld():
    from metaworld.env_dict import ALL_V3_ENVIRONMENTS

    assert sorted(METAWORLD_TASKS) == sorted(ALL_V3_ENVIRONMENTS)


def test_every_task_has_several_distinct_paraphrases():
    for pair in resolve_suite("prior"):
        phrases = instructions_for(pair.simulator, pair.task)
        assert len(set(phrases)) == len(phrases) >= 3, pair
    phrases = instructions_for("robosuite", "Lift")
    assert [pick_instruction(phrases, s) for s in range(len(phrases))] == list(phrases)
    with pytest.raises(UnknownNameError, match="unknown metaworld task 'fly-v3'"):
        instructions_for("metaworld", "fly-v3")


def test_metaworld_action_axes_map_into_the_canonical_frame():
    spec = get_embodiment("metaworld_sawyer")
    # Meta-World +x is the robot's right, +y forward: raw (+1, +1, +1) is right-forward-up.
    moved = spec.action.canonical_translation(np.array([1.0, 1.0, 1.0, 0.0]))
    np.testing.assert_allclose(moved, [0.01, -0.01, 0.01])  # 1 cm per action unit
    assert spec.action.gripper_opening(np.array([0, 0, 0, -1.0])) == 1.0  # -1 opens
    assert spec.fps == 80.0 and spec.state.names == ("x", "y", "z", "gripper")


def test_robosuite_specs_exist_for_any_rate():
    spec = robosuite_spec("UR5e", 12.5)
    assert spec.name == robosuite_embodiment_name("UR5e", 12.5) == "robosuite_ur5e_12p5hz"
    assert spec.fps == 12.5 and spec.action_dim == 7 and spec.state_dim == 7
    assert get_embodiment("robosuite_ur5e_10hz").fps == 10.0
    assert spec.action.gripper_opening(np.array([0, 0, 0, 0, 0, 0, 1.0])) == 0.0  # +1 closes
