"""Lazy images: a camera renders when first read, the episode is the same bit for bit, and a
frame is never rendered for a later state than its observation's."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.sim.lazy_images import StaleObservationError

STEPS = 12


def _actions(env, n: int) -> list[np.ndarray]:
    """Raw actions that move the arm in view (the gripper too)."""
    rng = np.random.default_rng(3)
    return [rng.uniform(-0.6, 0.6, env.action_dim) for _ in range(n)]


def _rollout(env, actions, read_every: int | None):
    """States of every step and the frames read (every step when `read_every` is None)."""
    obs = env.reset(11)
    states, frames = [], {}
    for t, action in enumerate(actions + [None]):
        states.append(obs["state"].copy())
        if read_every is None or t % read_every == 0:
            frames[t] = obs["images"]["scene"].copy()
        if action is not None:
            obs, _ = env.step(action)
    return states, frames


@pytest.mark.parametrize("which", ["mw_env", "rs_env"])
def test_lazy_rendering_leaves_the_episode_and_its_frames_unchanged(which, request):
    env = request.getfixturevalue(which)
    actions = _actions(env, STEPS)
    try:
        env.lazy_images = False
        eager_states, eager_frames = _rollout(env, actions, None)
        env.lazy_images = True
        lazy_states, lazy_frames = _rollout(env, actions, read_every=5)
    finally:
        env.lazy_images = False
    assert sorted(lazy_frames) == [0, 5, 10]
    for t in range(STEPS + 1):  # rendering or not, the physics is the same
        np.testing.assert_array_equal(lazy_states[t], eager_states[t])
    for t, frame in lazy_frames.items():
        np.testing.assert_array_equal(frame, eager_frames[t])
    assert not np.array_equal(eager_frames[0], eager_frames[10])  # the arm moved in view


def test_lazy_images_render_once_per_camera_on_first_read(mw_env):
    mw_env.lazy_images = True
    try:
        obs = mw_env.reset(0)
        images = obs["images"]
        assert list(images) == ["scene"] and len(images) == 1 and "scene" in images
        assert "wrist" not in images and images.rendered() == ()  # keys cost no render
        first = images["scene"]
        assert images.rendered() == ("scene",) and images["scene"] is first  # cached
        with pytest.raises(KeyError):
            images["wrist"]
        assert first.dtype == np.uint8 and first.shape == (32, 32, 3)
    finally:
        mw_env.lazy_images = False


@pytest.mark.parametrize("move", ["step", "reset"])
def test_reading_an_observations_images_after_the_simulator_moved_is_an_error(mw_env, move):
    mw_env.lazy_images = True
    try:
        old = mw_env.reset(0)
        read_before = mw_env.reset(0)
        kept = read_before["images"]["scene"]
        if move == "step":
            mw_env.step(np.zeros(mw_env.action_dim))
        else:
            mw_env.reset(1)
        with pytest.raises(StaleObservationError,
                           match="camera 'scene' of the observation of step 0 was read after "
                                 "the simulator moved on"):
            old["images"]["scene"]
        assert read_before["images"]["scene"] is kept  # a frame read in time stays readable
    finally:
        mw_env.lazy_images = False


def test_a_rejected_action_does_not_make_the_observation_stale(mw_env):
    from motionprior.sim.env import ActionError

    mw_env.lazy_images = True
    try:
        obs = mw_env.reset(0)
        with pytest.raises(ActionError):
            mw_env.step(np.full(mw_env.action_dim, np.nan))
        assert obs["images"]["scene"].shape == (32, 32, 3)
    finally:
        mw_env.lazy_images = False


def test_render_of_a_subset_equals_the_full_render(mw_env):
    from motionprior.errors import UnknownNameError

    mw_env.reset(2)
    full = mw_env.render()
    np.testing.assert_array_equal(mw_env.render(cameras=("scene",))["scene"], full["scene"])
    with pytest.raises(UnknownNameError, match="wrist"):
        mw_env.render(cameras=("wrist",))
