"""Collection: one demo per simulator, written, read back, reproducible and resumable."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from motionprior.data.lerobot import open_dataset
from motionprior.errors import ConfigError, DataError
from motionprior.sim.collect import (
    EVAL_SEED_BASE,
    PROGRESS_DIR,
    CollectConfig,
    collect_pair,
    collect_suite,
    read_sim_meta,
    rollout,
)


@pytest.mark.parametrize("which", ["mw_env", "rs_env"])
def test_one_demo_is_written_and_reads_back_as_the_rollout(which, request, tmp_path, borrow):
    env = request.getfixturevalue(which)
    cfg = CollectConfig(demos=1, cameras=("scene",), image_size=(32, 32), progress=False)
    report = collect_pair(env.pair, tmp_path, cfg, env_factory=lambda p: borrow(env))
    assert (report.demos, report.failures) == (1, 0)
    reader = open_dataset(tmp_path / env.pair.slug)
    assert reader.num_episodes == 1 and reader.embodiment == env.spec.name
    assert reader.fps == env.fps
    back = reader.episode(0)
    again = rollout(env, env.expert(), seed=0)  # demo 0 = the first successful seed, 0
    np.testing.assert_array_equal(back.actions, again.actions)
    np.testing.assert_array_equal(back.state, again.state)
    np.testing.assert_array_equal(back.images["scene"], again.images["scene"])
    assert back.instruction == again.instruction == env.instructions[0]
    assert back.images["scene"].shape == (len(back), 32, 32, 3)


def test_collection_resumes_without_repeating_and_refuses_other_flags(mw_env, tmp_path, borrow):
    factory = lambda p: borrow(mw_env)  # noqa: E731
    base = dict(cameras=(), progress=False, chunk=2)
    first = collect_pair(mw_env.pair, tmp_path, CollectConfig(demos=3, **base), factory)
    progress = tmp_path / PROGRESS_DIR / f"{mw_env.pair.slug}.json"
    seeds = json.loads(progress.read_text())["kept"]
    assert first.demos == 3 and seeds == [0, 1, 2]
    again = collect_pair(mw_env.pair, tmp_path, CollectConfig(demos=3, **base), factory)
    assert again.attempts == 0 and again.demos == 3  # nothing left to do
    more = collect_pair(mw_env.pair, tmp_path, CollectConfig(demos=4, **base), factory)
    assert more.attempts == 1 and json.loads(progress.read_text())["kept"] == [0, 1, 2, 3]
    reader = open_dataset(tmp_path / mw_env.pair.slug)
    assert reader.num_episodes == 4 and reader.cameras == []
    with pytest.raises(ConfigError, match=r"was collected with .*'cameras': \[\].*same --cameras"):
        collect_pair(mw_env.pair, tmp_path, CollectConfig(demos=5, cameras=("scene",),
                                                          progress=False), factory)


def test_a_crash_between_dataset_and_progress_is_recovered(mw_env, tmp_path, borrow):
    factory = lambda p: borrow(mw_env)  # noqa: E731
    cfg = CollectConfig(demos=2, cameras=(), progress=False, chunk=1)
    collect_pair(mw_env.pair, tmp_path, cfg, factory)
    progress = tmp_path / PROGRESS_DIR / f"{mw_env.pair.slug}.json"
    state = json.loads(progress.read_text())
    # As if the run died after appending demo 1 but before marking it done.
    state["kept"], state["pending"] = [0], {"kept": [1], "failed": []}
    progress.write_text(json.dumps(state))
    report = collect_pair(mw_env.pair, tmp_path, cfg, factory)
    assert report.demos == 2 and report.attempts == 0
    state["kept"], state["pending"] = [0], None  # progress that disagrees with the dataset
    progress.write_text(json.dumps(state))
    with pytest.raises(DataError, match="holds 2 episodes but .* records 1"):
        collect_pair(mw_env.pair, tmp_path, cfg, factory)


def test_a_dataset_left_aside_by_a_killed_append_is_put_back(mw_env, tmp_path, borrow):
    from motionprior import atomic

    factory = lambda p: borrow(mw_env)  # noqa: E731
    cfg = CollectConfig(demos=2, cameras=(), progress=False, chunk=1)
    collect_pair(mw_env.pair, tmp_path, cfg, factory)
    dataset = tmp_path / mw_env.pair.slug
    # As if killed between the two renames of an append: the old copy aside, no new one yet
    dataset.rename(tmp_path / f".{dataset.name}.old-{atomic._HOST}~999999999.abc")
    (tmp_path / f".{dataset.name}.{atomic._HOST}~999999999.xyz.tmp").mkdir()
    with pytest.warns(UserWarning, match="restored from"):
        report = collect_pair(mw_env.pair, tmp_path, CollectConfig(
            demos=3, cameras=(), progress=False, chunk=1), factory)
    assert report.demos == 3 and report.attempts == 1
    assert open_dataset(dataset).num_episodes == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [PROGRESS_DIR]


def test_failed_attempts_are_counted_and_skipped(mw_env, tmp_path, borrow):
    class Lazy:  # never reaches the goal
        def reset(self):
            pass

        def act(self, observation):
            return np.zeros(4)

    env = borrow(mw_env)
    env.expert = Lazy
    env.max_steps = 3
    cfg = CollectConfig(demos=1, cameras=(), progress=False, max_attempts=2)
    report = collect_pair(mw_env.pair, tmp_path, cfg, lambda p: env)
    assert (report.demos, report.failures, report.failed_seeds) == (0, 2, [0, 1])


def test_collect_config_keeps_collection_seeds_below_evaluation_seeds():
    with pytest.raises(ConfigError, match="seed offset .* below the evaluation seeds"):
        CollectConfig(seed_offset=EVAL_SEED_BASE - 5)
    with pytest.raises(ConfigError, match="demos must be >= 1"):
        CollectConfig(demos=0)


def test_cli_collect_action_only(tmp_path, capsys):
    from motionprior.cli import collect as verb

    parser = argparse.ArgumentParser()
    verb.register(parser.add_subparsers())
    args = parser.parse_args(["collect", "--suite", "metaworld/reach", "--demos", "2",
                              "--out", str(tmp_path), "--no-images", "--quiet"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "metaworld/reach-v3: 2 demos kept, 0 failed attempts, expert success 100.0%" in out
    summary = json.loads((tmp_path / "collection.json").read_text())
    assert summary["pairs"]["metaworld/reach-v3"]["demos"] == 2
    with pytest.raises(ConfigError, match="--image-size '12x'"):
        verb.parse_size("12x")
    assert verb.parse_cameras("none") == () and verb.parse_size("96x128") == (96, 128)


def test_collect_suite_reports_each_pair(mw_env, tmp_path, monkeypatch, borrow):
    import motionprior.sim.collect as collect

    monkeypatch.setattr(collect, "make_env", lambda *a, **k: borrow(mw_env))
    lines: list[str] = []
    cfg = CollectConfig(demos=1, cameras=(), progress=False)
    reports = collect_suite([mw_env.pair], tmp_path, cfg, log=lines.append)
    assert [r.demos for r in reports] == [1] and "expert success 100.0%" in lines[0]


def test_collect_with_video_writes_mp4_cameras_and_resumes(mw_env, tmp_path, borrow):
    factory = lambda p: borrow(mw_env)  # noqa: E731
    base = dict(cameras=("scene",), image_size=(32, 32), progress=False, chunk=1)
    cfg = CollectConfig(demos=2, video="libsvtav1", **base)
    assert collect_pair(mw_env.pair, tmp_path, cfg, factory).demos == 2
    root = tmp_path / mw_env.pair.slug
    mp4 = sorted(p.name for p in (root / "videos/observation.images.scene").rglob("*.mp4"))
    assert mp4 == ["file-000.mp4", "file-001.mp4"]  # one new file per append
    reader = open_dataset(root)
    assert reader.features["observation.images.scene"]["dtype"] == "video"
    back = reader.episode(1)
    again = rollout(mw_env, mw_env.expert(), seed=1)
    err = np.abs(back.images["scene"].astype(int) - again.images["scene"]).mean()
    assert back.images["scene"].shape == again.images["scene"].shape and err < 8, err
    with pytest.raises(ConfigError, match=r"this run asks for .*same --cameras/--image-size/"
                                          r"--seed-offset/--video"):
        collect_pair(mw_env.pair, tmp_path, CollectConfig(demos=3, **base), factory)
    with pytest.raises(ConfigError, match="video codec 'mpeg2' is not supported"):
        CollectConfig(video="mpeg2")


def test_the_goal_setting_is_recorded_in_the_dataset_and_a_mixed_resume_is_refused(tmp_path,
                                                                                   capsys):
    from motionprior.cli import collect as verb

    parser = argparse.ArgumentParser()
    verb.register(parser.add_subparsers())
    flags = ["collect", "--suite", "metaworld/reach", "--demos", "1", "--out", str(tmp_path),
             "--image-size", "16", "--quiet"]
    args = parser.parse_args(flags + ["--hide-goal"])
    assert args.show_goal is False and args.func(args) == 0
    meta = read_sim_meta(tmp_path / "metaworld_reach-v3")
    assert meta == {"pair": "metaworld/reach-v3", "cameras": ["scene"], "image_size": [16, 16],
                    "seed_offset": 0, "show_goal": False}
    assert open_dataset(tmp_path / "metaworld_reach-v3").num_episodes == 1
    again = parser.parse_args(flags[:4] + ["2"] + flags[5:])  # the default: marker shown
    assert again.show_goal is True
    with pytest.raises(ConfigError, match=r"'show_goal': False.*'show_goal': True.*--hide-goal"):
        again.func(again)
    assert read_sim_meta(tmp_path / "nothing") is None
