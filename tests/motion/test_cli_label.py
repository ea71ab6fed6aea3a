"""`motionprior label`, `label-plot`, `label-eval` on small datasets written to a temp dir."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from motionprior.cli import VERB_MODULES
from motionprior.cli import label as label_cli
from motionprior.cli.checks import check_args
from motionprior.errors import ConfigError, DataError
from motionprior.motion import MotionLabeler
from motionprior.motion import dataset as ds
from motionprior.motion.annotations import save_annotations
from motionprior.motion.synthetic import Profile, make_episode

PROFILE = Profile("widowx_like", 5, "m", 0.06, 0.5, "full", True, 3e-4, 2e-3, 0.2, 0.1)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="motionprior")
    label_cli.register(parser.add_subparsers(dest="verb"))
    args = parser.parse_args(argv)
    check_args(args)  # what motionprior.cli.main does before every verb
    return args.func(args)


@pytest.fixture(scope="module")
def items():
    return [make_episode(PROFILE, seed, duration=10.0) for seed in range(3)]


@pytest.fixture
def dataset(tmp_path, items):
    from motionprior.data import Episode
    from motionprior.data.lerobot import write_dataset

    episodes = []
    for it in items:
        tr = it.trajectory
        state = np.concatenate([tr.position, tr.rotation, tr.gripper[:, None]], 1)
        actions = np.zeros_like(state)
        actions[:-1, :6] = np.diff(state[:, :6], axis=0)
        actions[:, 6] = tr.gripper > 0.5
        episodes.append(Episode(actions=actions.astype(np.float32),
                                state=state.astype(np.float32), instruction="pick it up",
                                embodiment="widowx_bridge", fps=5.0))
    return write_dataset(tmp_path / "wx", episodes, progress=False)


def test_the_verbs_are_registered():
    assert "motionprior.cli.label" in VERB_MODULES


def test_label_writes_the_motion_column_and_prints_the_distribution(dataset, capsys):
    from motionprior.data.lerobot import open_dataset

    assert run(["label", str(dataset)]) == 0
    out = capsys.readouterr().out
    assert "with the adaptive labeler; wrote column 'motion'" in out
    assert "label distribution (" in out and "stop" in out
    reader = open_dataset(dataset)
    column = reader.column("motion").tolist()
    trajectories = ds.dataset_trajectories(reader)
    expected = [x for labels in MotionLabeler().fit(trajectories).label_many(trajectories)
                for x in labels]
    assert column == expected and len(column) == reader.num_frames
    assert reader.episode(1, images=False).motion == tuple(expected[len(trajectories[0]):][
        : len(trajectories[1])])
    # the baseline replaces the column
    assert run(["label", str(dataset), "--method", "baseline", "--threshold", "0.01"]) == 0
    assert "with the baseline labeler" in capsys.readouterr().out
    assert open_dataset(dataset).column("motion").tolist() != column


def test_dry_run_writes_nothing_and_params_are_checked(dataset, capsys):
    from motionprior.data.lerobot import open_dataset

    assert run(["label", str(dataset), "--dry-run", "--param", "min_duration=0.2"]) == 0
    assert "dry run, nothing written" in capsys.readouterr().out
    assert "motion" not in open_dataset(dataset).features
    with pytest.raises(ConfigError, match="--param expects NAME=NUMBER, got 'min_duration'"):
        run(["label", str(dataset), "--param", "min_duration"])
    with pytest.raises(ConfigError, match="unknown labeler parameter\\(s\\) nope"):
        run(["label", str(dataset), "--param", "nope=1"])
    with pytest.raises(ConfigError, match="--workers must be >= 1, got 0"):
        run(["label", str(dataset), "--workers", "0"])
    with pytest.raises(ConfigError, match="baseline labeler takes only a threshold"):
        run(["label", str(dataset), "--method", "baseline", "--param", "beta=1"])


def test_label_plot_writes_a_png(dataset, tmp_path, capsys):
    out = tmp_path / "plots" / "ep1.png"
    assert run(["label-plot", str(dataset), "--episode", "1", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "labels from the adaptive labeler" in capsys.readouterr().out
    run(["label", str(dataset)])
    assert run(["label-plot", str(dataset), "--episode", "0", "--out", str(out)]) == 0
    assert "labels from the dataset's motion column" in capsys.readouterr().out
    with pytest.raises(DataError, match="episode 7 out of range"):
        run(["label-plot", str(dataset), "--episode", "7", "--out", str(out)])


def test_label_eval_scores_an_annotation_file(items, dataset, tmp_path, capsys):
    path = tmp_path / "ann.jsonl"
    save_annotations(path, items)
    assert run(["label-eval", "--annotations", str(path)]) == 0
    out = capsys.readouterr().out
    assert "adaptive labeler on" in out and "3 episodes in 1 group(s)" in out
    accuracy = float(out.split("per-step exact match: ")[1].split("%")[0])
    assert accuracy > 80.0
    tolerant = float(out.split("within 0.1 s of a true label: ")[1].split("%")[0])
    assert accuracy <= tolerant <= 100.0 and "segmental F1@10/25/50: " in out
    assert run(["label-eval", "--annotations", str(path), "--tolerance", "0"]) == 0
    assert f"within 0 s of a true label: {accuracy:.1f}%" in capsys.readouterr().out
    with pytest.raises(ConfigError, match="--tolerance must be >= 0, got -0.5"):
        run(["label-eval", "--annotations", str(path), "--tolerance", "-0.5"])
    assert run(["label-eval", "--annotations", str(path), "--method", "baseline"]) == 0
    baseline = float(capsys.readouterr().out.split("per-step exact match: ")[1].split("%")[0])
    assert baseline < accuracy
    # an annotation line may point at a dataset episode instead of holding the trajectory
    ref = tmp_path / "ref.jsonl"
    ref.write_text(json.dumps({"dataset": str(dataset), "episode": 2,
                               "labels": items[2].labels}) + "\n")
    assert run(["label-eval", "--annotations", str(ref)]) == 0
    assert "1 episodes in 1 group(s)" in capsys.readouterr().out


def test_label_eval_plots_the_least_agreeing_episodes(items, tmp_path, capsys):
    path = tmp_path / "ann.jsonl"
    save_annotations(path, items)
    plots = tmp_path / "worst"
    assert run(["label-eval", "--annotations", str(path), "--plots", str(plots),
                "--plot-count", "2"]) == 0
    out = capsys.readouterr().out
    files = sorted(plots.glob("*.png"))
    assert [f.name.split("_")[0] for f in files] == ["worst1", "worst2"]
    assert all(f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in files)
    assert f"wrote {files[0]}" in out
    # the plotted episodes are the two with the lowest agreement
    lab = MotionLabeler().fit([it.trajectory for it in items])
    agree = [np.mean(np.array(lab.label(it.trajectory)) == np.array(it.labels)) for it in items]
    worst_two = {int(f.name.split("_")[1].removeprefix("episode")) for f in files}
    assert worst_two == set(np.argsort(agree)[:2].tolist())
    with pytest.raises(ConfigError, match="--plot-count must be >= 1, got 0"):
        run(["label-eval", "--annotations", str(path), "--plots", str(plots),
             "--plot-count", "0"])


def test_plot_with_a_reference_of_the_wrong_length_is_a_clear_error(items, tmp_path):
    from motionprior.motion.plot import plot_labels

    tr = items[0].trajectory
    with pytest.raises(DataError, match=f"3 reference labels for a trajectory of {len(tr)} steps"):
        plot_labels(tr, items[0].labels, tmp_path / "x.png", reference=["stop"] * 3)
    assert not (tmp_path / "x.png").exists()


@pytest.mark.filterwarnings("ignore:.*video file")
def test_joint_space_dataset_is_a_clear_error(shared_data):
    with pytest.raises(DataError, match="no end-effector translation"):
        run(["label", str(shared_data / "so101_lerobot_v3_sample"), "--dry-run"])


def test_parallel_labeling_equals_serial(items, monkeypatch):
    trajectories = [it.trajectory for it in items] * 4
    lab = MotionLabeler().fit(trajectories)
    serial = ds.label_codes(lab, trajectories, workers=1)
    monkeypatch.setattr(ds, "PARALLEL_MIN_STEPS", 0)
    monkeypatch.setattr(ds, "CHUNK_STEPS", 100)
    assert np.array_equal(ds.label_codes(lab, trajectories, workers=2), serial)
    assert ds._groups([50, 60, 10, 200, 5], 100) == [[0, 1], [2, 3], [4]]
