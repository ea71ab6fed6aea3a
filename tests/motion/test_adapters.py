"""Episode + EmbodimentSpec -> Trajectory: state preferred, delta actions integrated."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.data import EmbodimentSpec, Episode, VectorSpec, get_embodiment
from motionprior.errors import DataError
from motionprior.motion.adapters import trajectory_from_arrays, trajectory_from_episode


def test_widowx_episode_uses_the_end_effector_state():
    rng = np.random.default_rng(0)
    state = rng.uniform(0, 1, (6, 7)).astype(np.float32)
    actions = rng.normal(size=(6, 7)).astype(np.float32)
    ep = Episode(actions=actions, state=state, instruction="x", embodiment="widowx_bridge", fps=5)
    tr = trajectory_from_episode(ep)
    assert tr.fps == 5.0
    np.testing.assert_allclose(tr.position, state[:, :3], rtol=1e-6)
    np.testing.assert_allclose(tr.rotation, state[:, 3:6], rtol=1e-6)
    np.testing.assert_allclose(tr.gripper, state[:, 6], rtol=1e-6)


def _spec(action: VectorSpec, state: VectorSpec) -> EmbodimentSpec:
    return EmbodimentSpec(name="adapter_test", robot="test", fps=10.0, action=action, state=state)


def test_delta_actions_are_integrated_in_canonical_units_when_the_state_has_no_pose():
    action = VectorSpec(names=("dx", "dy", "dz", "dyaw", "g"), kind="delta", translation=(1, 0, 2),
                        translation_sign=(1, -1, 1), translation_unit="cm",
                        rotation=(None, None, 3), rotation_unit="deg", gripper=4,
                        gripper_closed=1.0, gripper_open=0.0)
    state = VectorSpec(names=("j1", "j2"))
    actions = np.array([[1.0, 2.0, 0.0, 90.0, 0.0], [1.0, 0.0, -1.0, 0.0, 1.0],
                        [0.0, 0.0, 0.0, 0.0, 1.0]])
    tr = trajectory_from_arrays(np.zeros((3, 2)), actions, _spec(action, state), 10.0)
    # canonical x = raw dim 1, y = -raw dim 0, z = raw dim 2, all in cm -> m; p[t+1] = p[t] + a[t]
    np.testing.assert_allclose(tr.position, [[0, 0, 0], [0.02, -0.01, 0], [0.02, -0.02, -0.01]])
    np.testing.assert_allclose(tr.rotation[:, 2], [0, np.pi / 2, np.pi / 2])
    np.testing.assert_allclose(tr.gripper, [1.0, 0.0, 0.0])  # 1 = closed in raw units


def test_source_action_integrates_the_actions_even_when_the_state_has_a_pose():
    rng = np.random.default_rng(1)
    state = rng.uniform(0, 1, (5, 7))
    actions = rng.normal(size=(5, 7)) * 0.01
    wx = get_embodiment("widowx_bridge")  # state: x y z r p y g; actions: deltas of them
    by_state = trajectory_from_arrays(state, actions, wx, 5.0)
    by_action = trajectory_from_arrays(state, actions, wx, 5.0, source="action")
    np.testing.assert_allclose(by_state.position, state[:, :3])
    expected = np.concatenate([np.zeros((1, 3)), np.cumsum(actions[:-1, :3], axis=0)])
    np.testing.assert_allclose(by_action.position, expected)
    np.testing.assert_allclose(by_action.gripper, by_state.gripper)  # the opening: state
    with pytest.raises(DataError, match="source must be 'state' or 'action', got 'video'"):
        trajectory_from_arrays(state, actions, wx, 5.0, source="video")


def test_absolute_actions_are_the_pose_reached_one_step_later():
    action = VectorSpec(names=("x", "y", "z"), kind="absolute", translation=(0, 1, 2))
    state = VectorSpec(names=("j1",))
    actions = np.array([[0.0, 0, 0], [1.0, 0, 0], [2.0, 0, 0]])
    tr = trajectory_from_arrays(np.zeros((3, 1)), actions, _spec(action, state), 10.0)
    np.testing.assert_allclose(tr.position[:, 0], [0.0, 0.0, 1.0])
    assert tr.rotation is None and tr.gripper is None


def test_joint_space_embodiments_and_wrong_shapes_are_errors():
    spec = get_embodiment("so101_follower")
    with pytest.raises(DataError, match="'so101_follower' has no end-effector translation"):
        trajectory_from_arrays(np.zeros((4, 6)), np.zeros((4, 6)), spec, 30.0)
    wx = get_embodiment("widowx_bridge")
    with pytest.raises(DataError, match=r"state must have shape \[T, 7\] .* got \(4, 6\)"):
        trajectory_from_arrays(np.zeros((4, 6)), np.zeros((4, 7)), wx, 5.0)
    with pytest.raises(DataError, match=r"actions must have shape \[T, 7\] .* got \(4,\)"):
        trajectory_from_arrays(np.zeros((4, 7)), np.zeros(4), wx, 5.0)
