"""Closed-loop evaluation harness: expert success, failures with reasons, resume, summary."""

from __future__ import annotations

import argparse
import json
import re

import numpy as np
import pytest

from motionprior.errors import ConfigError
from motionprior.sim.collect import EVAL_SEED_BASE
from motionprior.sim.evaluate import EvalConfig, evaluate, evaluate_pair, run_episode


class Scripted:
    """A policy that misbehaves in a chosen way after `after` steps."""

    def __init__(self, mode: str, after: int = 0) -> None:
        self.mode, self.after, self.t, self.calls = mode, after, 0, 0

    def reset(self) -> None:
        self.t = 0

    def act(self, observation):
        self.t += 1
        self.calls += 1
        if self.t <= self.after:
            return np.zeros(4)
        if self.mode == "shape":
            return np.zeros(7)
        if self.mode == "nan":
            return np.array([0.0, 0.0, np.nan, 0.0])
        raise RuntimeError("checkpoint has no head for this embodiment")


@pytest.mark.parametrize("mode, reason, error", [
    ("shape", r"bad action at step 2: action has shape \(7,\), but metaworld_sawyer takes "
              r"shape \(4,\) \['dx', 'dy', 'dz', 'grip'\]", None),
    ("nan", r"bad action at step 2: action is not finite \(NaN or inf in dims \[2\]\)", None),
    ("raise", r"policy\.act\(\) raised at step 2", "RuntimeError: checkpoint has no head"),
])
def test_a_bad_policy_ends_its_episode_as_a_failure_with_the_reason(mw_env, mode, reason, error):
    record, _ = run_episode(mw_env, Scripted(mode, after=2), seed=EVAL_SEED_BASE)
    assert record["success"] is False and record["steps"] == 2
    assert record["seconds"] > 0
    assert re.fullmatch(reason, record["reason"]), record["reason"]
    assert (record["error"] or "").startswith(error or "")


def test_expert_passes_the_harness_and_a_crash_does_not_stop_it(mw_env, rs_env, tmp_path,
                                                                 borrow):
    cfg = EvalConfig(episodes=3, cameras=("scene",), image_size=(32, 32), videos=1,
                     progress=False)
    from motionprior.policy.protocol import resolve_policy

    expert = resolve_policy("expert")
    crashing = lambda p: borrow(mw_env, fail_at=(1, 5))  # noqa: E731  episode 1, step 5
    records = evaluate_pair(mw_env.pair, expert, tmp_path, cfg, env_factory=crashing)
    assert [r["success"] for r in records] == [True, False, True]
    assert records[1]["reason"] == "simulator crashed at step 5"
    assert "unstable (injected)" in records[1]["error"]
    assert [r["seed"] for r in records] == [EVAL_SEED_BASE + i for i in range(3)]
    assert len(list((tmp_path / mw_env.pair.slug / "videos").glob("*.gif"))) == 1
    one = EvalConfig(episodes=1, cameras=("scene",), image_size=(32, 32), videos=0,
                     progress=False)
    rs = evaluate_pair(rs_env.pair, expert, tmp_path, one, env_factory=lambda p: borrow(rs_env))
    assert rs[0]["success"] and rs[0]["instruction"] in rs_env.instructions


def test_summary_and_resume(mw_env, tmp_path, monkeypatch, borrow):
    import motionprior.sim.rollouts as rollouts

    monkeypatch.setattr(rollouts, "make_env", lambda *a, **k: borrow(mw_env))
    made: list[Scripted] = []

    def factory(ctx):
        assert ctx.embodiment == "metaworld_sawyer" and ctx.action_dim == 4
        made.append(Scripted("nan", after=1))
        return made[-1]

    cfg = EvalConfig(episodes=2, cameras=("scene",), image_size=(32, 32), videos=0,
                     progress=False)
    lines: list[str] = []
    summary = evaluate(factory, [mw_env.pair], tmp_path, cfg, log=lines.append)
    pair = summary["pairs"]["metaworld/reach-v3"]
    assert (pair["success_rate"], pair["episodes"], pair["ci_low"]) == (0.0, 2, 0.0)
    assert pair["ci_high"] == pytest.approx(0.6576, abs=1e-4)  # Wilson, 0 of 2
    assert summary["mean_success"] == 0.0
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk["pairs"] == summary["pairs"] and "mean success" in lines[-1]
    evaluate(factory, [mw_env.pair], tmp_path, cfg, log=lines.append)
    assert sum(p.calls for p in made) == 4  # 2 episodes x 2 calls; the re-run did nothing
    with pytest.raises(ConfigError, match="holds an evaluation with .*same flags to resume"):
        evaluate(factory, [mw_env.pair], tmp_path,
                 EvalConfig(episodes=2, cameras=(), progress=False), log=lines.append)
    with pytest.raises(ConfigError, match="holds an evaluation with .*'show_goal': True"):
        evaluate(factory, [mw_env.pair], tmp_path,
                 EvalConfig(episodes=2, cameras=("scene",), image_size=(32, 32),
                            show_goal=False, progress=False), log=lines.append)
    # A closure cannot be sent to a worker process: the run says so and stays sequential.
    more = EvalConfig(episodes=4, cameras=("scene",), image_size=(32, 32), videos=0,
                      progress=False, workers=2)
    evaluate(factory, [mw_env.pair], tmp_path, more, log=lines.append)
    assert sum(p.calls for p in made) == 8
    assert any(re.match(r"running 1 worker instead of 2: the policy factory cannot be pickled",
                        line) for line in lines), lines


def test_collection_scenes_replay_the_demonstrations_scenes(mw_env, tmp_path, monkeypatch,
                                                            borrow):
    import motionprior.sim.rollouts as rollouts

    monkeypatch.setattr(rollouts, "make_env", lambda *a, **k: borrow(mw_env))
    first_states: list[np.ndarray] = []  # the goal is in the privileged part

    class Recorder(Scripted):
        def act(self, observation):
            if self.t == 0:
                first_states.append(np.array(observation["privileged"]))
            return super().act(observation)

    cfg = EvalConfig(episodes=2, cameras=("scene",), image_size=(32, 32), videos=0,
                     progress=False, collection_scenes=True, seed_offset=3)
    summary = evaluate(lambda ctx: Recorder("nan", after=1), [mw_env.pair], tmp_path, cfg,
                       log=lambda line: None)
    assert (summary["scenes"], summary["seeds"]) == ("collection", "3...4")
    assert sorted(p.name for p in (tmp_path / "metaworld_reach-v3" / "episodes").iterdir()) \
        == ["3.json", "4.json"]
    for seed, state in zip((3, 4), first_states, strict=True):  # collection seed 3's scene
        np.testing.assert_array_equal(state, mw_env.reset(seed)["privileged"])
    assert not np.array_equal(first_states[0], mw_env.reset(EVAL_SEED_BASE + 3)["privileged"])
    with pytest.raises(ConfigError, match=r"collection scenes end below seed 1000000000: "
                       r"seed offset 999999999 \+ 2 episodes is past it"):
        EvalConfig(episodes=2, collection_scenes=True, seed_offset=EVAL_SEED_BASE - 1)


def test_cli_eval_rejects_an_unknown_policy_before_running(tmp_path):
    from motionprior.cli import evaluate as verb
    from motionprior.errors import ConfigError, UnknownNameError

    parser = argparse.ArgumentParser()
    verb.register(parser.add_subparsers())
    args = parser.parse_args(["eval", "--policy", "runs/nothing-here.ckpt", "--suite", "smoke",
                              "--episodes", "1", "--out", str(tmp_path / "ev")])
    with pytest.raises(ConfigError, match=r"runs/nothing-here\.ckpt: no such checkpoint"):
        args.func(args)  # a path that does not exist: said so, not "unknown policy"
    args.policy = "expurt"
    with pytest.raises(UnknownNameError, match=r"unknown policy 'expurt'; known: .*expert"):
        args.func(args)
    assert not (tmp_path / "ev").exists()


def test_cameras_follow_the_policy_and_errors_are_reported(mw_env, tmp_path, monkeypatch,
                                                           borrow):
    import motionprior.sim.rollouts as rollouts

    rendered: list[tuple] = []

    def make_env(pair, cameras, *a, **k):
        rendered.append(tuple(cameras))
        return borrow(mw_env)

    monkeypatch.setattr(rollouts, "make_env", make_env)

    def factory(ctx):
        return Scripted("raise")

    factory.cameras = ("scene", "wrist")
    lines: list[str] = []
    cfg = EvalConfig(episodes=1, cameras=None, image_size=(32, 32), videos=0, progress=False)
    evaluate(factory, [mw_env.pair], tmp_path / "a", cfg, log=lines.append)
    assert rendered == [("scene", "wrist")]
    assert json.loads((tmp_path / "a" / "config.json").read_text())["cameras"] == [
        "scene", "wrist"]
    assert re.match(r"1 episode\(s\) ended in an error, counted as failures; first, "
                    r"metaworld/reach-v3: RuntimeError: checkpoint has no head", lines[-1])
    with pytest.raises(ConfigError, match=r"needs cameras scene,wrist but the evaluation "
                       r"renders scene: pass --cameras scene,wrist or leave --cameras out"):
        evaluate(factory, [mw_env.pair], tmp_path / "b",
                 EvalConfig(episodes=1, cameras=("scene",), progress=False), log=lines.append)
    assert not (tmp_path / "b").exists()
    del factory.cameras  # a policy that does not say gets the scene camera
    evaluate(factory, [mw_env.pair], tmp_path / "c", cfg, log=lines.append)
    assert rendered[-1] == ("scene",)
