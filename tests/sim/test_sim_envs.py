"""Simulator adapters: upright images, the canonical frame, seeding, action checks."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from motionprior.errors import UnknownNameError
from motionprior.sim.env import ActionError, make_env


def _row_height_correlation(env) -> float:
    """Correlation of pixel row with the world height of the geom seen there (upright < 0)."""
    model, data = env._mj()
    seg = env.render(segmentation=True)["scene"]
    rows = np.broadcast_to(np.arange(seg.shape[0])[:, None], seg.shape)
    solid = np.flatnonzero(model.geom_type != mujoco.mjtGeom.mjGEOM_PLANE)
    seen = (seg >= 0) & np.isin(seg, solid)
    return float(np.corrcoef(rows[seen], data.geom_xpos[seg[seen], 2])[0, 1])


@pytest.mark.parametrize("which", ["mw_env", "rs_env"])
def test_scene_images_are_upright(which, request):
    env = request.getfixturevalue(which)
    obs = env.reset(0)
    img = obs["images"]["scene"]
    assert img.dtype == np.uint8 and img.shape == (32, 32, 3)
    # Higher things must appear higher in the image: strong negative correlation.
    assert _row_height_correlation(env) < -0.3


def test_metaworld_corner_camera_is_turned_the_right_way_up(mw_env):
    """Meta-World's corner camera is mounted upside down: raw renders are flipped."""
    mw_env.reset(0)
    model, data = mw_env._mj()
    raw = mujoco.Renderer(model, 32, 32)
    try:
        raw.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = 0
        raw.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = 0
        raw.update_scene(data, camera="corner4")
        upside_down = raw.render()
    finally:
        raw.close()
    mw_env.show_goal = False  # the raw render has no goal marker
    try:
        ours = mw_env.render()["scene"]
    finally:
        mw_env.show_goal = True
    np.testing.assert_array_equal(ours, upside_down[::-1, ::-1])


def _world_eef(env) -> np.ndarray:
    if env.pair.simulator == "metaworld":
        return env._env.data.body("hand").xpos.copy()
    return env._sim.data.site_xpos[env._robot.eef_site_id["right"]].copy()


def _world_base(env) -> np.ndarray:
    if env.pair.simulator == "metaworld":
        return env._env.data.body("base").xpos.copy()
    return env._base()[0]


def _push(env, axis: int, sign: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Move along canonical `axis` using the spec's raw mapping; canonical and world motion."""
    spec = env.spec.action
    action = np.zeros(env.action_dim)
    action[spec.gripper] = spec.gripper_open
    action[spec.translation[axis]] = sign * spec.translation_sign[axis] * 0.6
    obs = env.reset(1)
    state0, world0 = obs["state"].copy(), _world_eef(env)
    for _ in range(steps):
        obs, _ = env.step(action)
    return obs["state"][:3] - state0[:3], _world_eef(env) - world0


@pytest.mark.parametrize("which, steps", [("mw_env", 12), ("rs_env", 6)])
def test_state_and_actions_use_the_canonical_frame(which, steps, request):
    env = request.getfixturevalue(which)
    moves = {}
    for axis in range(3):
        canonical, world = _push(env, axis, +1.0, steps)
        assert np.argmax(np.abs(canonical)) == axis and canonical[axis] > 0.01
        moves[axis] = world / np.linalg.norm(world)
    # Physical meaning, from world coordinates alone: x leads away from the robot base, z up,
    # and y completes a right-handed frame (so it points to the robot's left).
    outward = _world_eef(env) - _world_base(env)
    outward[2] = 0.0
    assert moves[0] @ outward > 0 and moves[2][2] > 0.9
    assert np.cross(moves[2], moves[0]) @ moves[1] > 0.9


@pytest.mark.parametrize("which", ["mw_env", "rs_env"])
def test_gripper_opening_follows_the_gripper_action(which, request):
    env = request.getfixturevalue(which)
    spec = env.spec.action
    env.reset(2)
    for value, check in ((spec.gripper_closed, lambda g: g < 0.3),
                         (spec.gripper_open, lambda g: g > 0.7)):
        action = np.zeros(env.action_dim)
        action[spec.gripper] = value
        for _ in range(round(env.fps * 0.6)):
            obs, _ = env.step(action)
        assert check(obs["state"][-1]), obs["state"]


def test_robosuite_positive_yaw_turns_counterclockwise_seen_from_above(rs_env):
    obs = rs_env.reset(3)
    yaw0 = obs["state"][5]
    x0 = rs_env._sim.data.site_xmat[rs_env._robot.eef_site_id["right"]].reshape(3, 3)[:, 0].copy()
    action = np.r_[np.zeros(5), 0.5, -1.0]
    for _ in range(6):
        obs, _ = rs_env.step(action)
    x1 = rs_env._sim.data.site_xmat[rs_env._robot.eef_site_id["right"]].reshape(3, 3)[:, 0]
    assert obs["state"][5] - yaw0 > 0.1 and np.cross(x0, x1)[2] > 0


def test_gripper_opening_is_calibrated_the_same_at_any_control_rate():
    """robosuite moves the finger target a fixed amount per control step, so at 5 Hz a full
    close takes about 2 s: a calibration that waited 1 s took a half-closed hand for "closed"
    (the opening then read 0 for the last half of every close and the first half of every
    open)."""
    ends = []
    for pair in ("robosuite/Lift/Panda@5hz", "robosuite/Lift/Panda@20hz"):
        with make_env(pair, cameras=()) as env:
            ends.append((env._grip_open, env._grip_closed))
            env.reset(0)
            for _ in range(round(2.5 * env.fps)):  # close for 2.5 s, then half a step of opening
                obs, _ = env.step(env.cartesian_action(np.zeros(3), np.zeros(3), grip=-1))
            assert obs["state"][-1] < 0.02
            obs, _ = env.step(env.cartesian_action(np.zeros(3), np.zeros(3), grip=1))
            assert obs["state"][-1] > 0.02, "the opening moves on the first step of opening"
    np.testing.assert_allclose(ends[0], ends[1], atol=2e-3)


@pytest.mark.parametrize("which", ["mw_env", "rs_env"])
def test_a_seed_fixes_the_scene(which, request):
    env = request.getfixturevalue(which)
    a = env.reset(7)
    b = env.reset(7)
    c = env.reset(8)
    np.testing.assert_array_equal(a["state"], b["state"])
    np.testing.assert_array_equal(a["images"]["scene"], b["images"]["scene"])
    assert a["instruction"] == b["instruction"] != c["instruction"]
    assert not np.array_equal(a["images"]["scene"], c["images"]["scene"])


def test_bad_actions_are_rejected_with_the_reason(mw_env):
    mw_env.reset(0)
    with pytest.raises(ActionError, match=r"shape \(3,\), but metaworld_sawyer takes shape \(4,\)"):
        mw_env.step(np.zeros(3))
    with pytest.raises(ActionError, match=r"not finite \(NaN or inf in dims \[1\]\)"):
        mw_env.step(np.array([0.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ActionError, match="not a numeric array"):
        mw_env.step(["left", "up", 0, 0])
    assert mw_env.steps == 0  # nothing was applied


def test_unknown_camera_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match=r"unknown camera 'top'; known: scene, wrist"):
        make_env("metaworld/reach-v3", cameras=("top",))
