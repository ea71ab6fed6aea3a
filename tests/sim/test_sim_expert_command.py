"""The robosuite expert's `command` hook: what each action was computed for (phase, target)."""

from __future__ import annotations

import numpy as np

from motionprior.sim.experts_robosuite import WaypointExpert


def test_command_records_phase_target_and_rotation_error(rs_env):
    obs = rs_env.reset(3)
    expert = rs_env.expert()
    assert expert.command is None
    phases, rot = [], []
    for _ in range(40):
        action = expert.act(obs)
        cmd = expert.command
        phases.append(cmd.phase)
        rot.append(float(np.linalg.norm(cmd.rot_error)))
        if cmd.phase == "above":
            cube = obs["privileged"]["objects"]["cube"][0]
            np.testing.assert_allclose(cmd.target, cube + [0.0, 0.0, expert.hover])
        if cmd.phase == "descend":
            break
        obs, _ = rs_env.step(action)
    assert phases[0] == "above"
    order = [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p]
    assert order == ["above", "descend"]
    # "above" ends early (well within its 4 s budget) only once the wrist is aligned
    assert len(phases) < 60 and rot[-2] < 0.08 <= max(rot)
    expert.reset()
    assert expert.command is None


def test_command_does_not_change_actions(rs_env):
    """Two experts, one whose command is read, act identically."""
    obs = rs_env.reset(5)
    a, b = rs_env.expert(), WaypointExpert("Lift", rs_env.gripper_name, rs_env.pair.hz)
    for _ in range(5):
        x = a.act(obs)
        _ = a.command
        np.testing.assert_array_equal(x, b.act(obs))
        obs, _ = rs_env.step(x)
