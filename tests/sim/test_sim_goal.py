"""Goal visibility: the marker shows where the goal is, only in images, and only when asked."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.sim.collect import EVAL_SEED_BASE
from motionprior.sim.env import make_env
from motionprior.sim.metaworld_env import GOAL_MARKER_TASKS
from motionprior.sim.render import project_point

SIZE = (64, 64)


def _yellow(pixel: np.ndarray) -> bool:
    r, g, b = (int(v) for v in pixel)
    return r > 180 and g > 140 and b < 110


def _rollout(env, seed: int) -> tuple[list[np.ndarray], list[np.ndarray], bool]:
    """The expert's episode: images of the scene camera, states, success."""
    obs, expert, success = env.reset(seed), env.expert(), False
    images, states = [obs["images"]["scene"]], [obs["state"]]
    for _ in range(env.max_steps):
        obs, success = env.step(expert.act(obs))
        images.append(obs["images"]["scene"])
        states.append(obs["state"])
        if success:
            break
    return images, states, success


@pytest.mark.parametrize("task", ["reach-v3", "push-v3", "pick-place-v3"])
def test_the_goal_marker_shows_the_goal_at_64px_and_changes_no_physics(task):
    shown = make_env(f"metaworld/{task}", image_size=SIZE)
    hidden = make_env(f"metaworld/{task}", image_size=SIZE, show_goal=False)
    try:
        assert shown.show_goal and not hidden.show_goal
        seed = EVAL_SEED_BASE + 1
        on, on_states, on_success = _rollout(shown, seed)
        off, off_states, off_success = _rollout(hidden, seed)
        assert on_success and off_success  # the expert still succeeds with the marker
        np.testing.assert_array_equal(np.stack(on_states), np.stack(off_states))  # visual only
        model, data = shown._mj()
        shown.reset(seed)
        row, col = project_point(model, data, shown.CAMERAS["scene"], shown.goal_position, SIZE)
        r, c = int(row), int(col)
        assert 0 <= r < SIZE[0] and 0 <= c < SIZE[1]
        patch_on, patch_off = on[0][r - 1:r + 2, c - 1:c + 2], off[0][r - 1:r + 2, c - 1:c + 2]
        assert sum(_yellow(p) for p in patch_on.reshape(-1, 3)) >= 5, patch_on
        assert not any(_yellow(p) for p in patch_off.reshape(-1, 3)), patch_off
        # Away from the goal the two images agree (only the marker differs).
        differ = np.any(on[0] != off[0], axis=-1)
        rows, cols = np.nonzero(differ)
        assert differ.sum() >= 6 and np.abs(cols - col).max() <= 8
        assert np.all(rows >= row - 4)  # the sphere and, for an aerial goal, its pole below
    finally:
        shown.close()
        hidden.close()


def test_the_reset_image_shows_this_episodes_goal_not_the_last_one():
    env = make_env("metaworld/reach-v3", image_size=SIZE)
    try:
        env.reset(EVAL_SEED_BASE)
        first = env.reset(EVAL_SEED_BASE + 1)["images"]["scene"]
        model, data = env._mj()
        row, col = project_point(model, data, env.CAMERAS["scene"], env.goal_position, SIZE)
        assert _yellow(first[int(row), int(col)])
        assert env._env.model.site("goal").rgba[3] == 0.0  # Meta-World's stale site is hidden
    finally:
        env.close()


def test_robosuite_tasks_show_their_goal_objects_and_need_no_marker(rs_env):
    assert rs_env.goal_markers() == ()
    assert not any(t.startswith(("Lift", "Stack")) for t in GOAL_MARKER_TASKS)
