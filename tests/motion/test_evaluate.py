"""Label scoring and the annotation file format."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from motionprior.errors import DataError
from motionprior.motion import Trajectory
from motionprior.motion.annotations import (
    AnnotatedTrajectory,
    load_annotations,
    save_annotations,
)
from motionprior.motion.evaluate import format_score, score


def test_scores_by_hand():
    truth = [["stop", "move forward", "move forward left", "close gripper"],
             ["rotate clockwise", "stop"]]
    pred = [["stop", "move forward", "move forward", "move backward, close gripper"],
            ["rotate counterclockwise", "move up"]]
    s = score(pred, truth)
    assert (s.steps, s.exact) == (6, 2) and s.accuracy == pytest.approx(2 / 6)
    # x: predicted forward (2, right), forward (right), backward (wrong); true forward x2
    assert (s.parts["x"].tp, s.parts["x"].fp, s.parts["x"].fn) == (2, 1, 0)
    assert (s.parts["y"].tp, s.parts["y"].fp, s.parts["y"].fn) == (0, 0, 1)
    assert (s.parts["z"].tp, s.parts["z"].fp, s.parts["z"].fn) == (0, 1, 0)
    assert (s.parts["rotate"].tp, s.parts["rotate"].fp, s.parts["rotate"].fn) == (0, 1, 1)
    assert (s.parts["gripper"].tp, s.parts["gripper"].fp, s.parts["gripper"].fn) == (1, 0, 0)
    assert (s.parts["stop"].tp, s.parts["stop"].fp, s.parts["stop"].fn) == (1, 0, 1)
    assert s.parts["x"].precision == pytest.approx(2 / 3) and s.parts["x"].recall == 1.0
    assert np.isnan(s.parts["tilt"].precision)
    assert s.confusion[("move forward left", "move forward")] == 1
    text = format_score(s, title="demo")
    assert "per-step exact match: 33.3% (2/6 steps)" in text
    assert "'stop' -> 'move up'" in text and "tilt" in text and "n/a" in text


def test_score_rejects_mismatched_lengths_and_bad_labels():
    with pytest.raises(DataError, match="episode 0: 1 predicted labels for 2 true labels"):
        score([["stop"]], [["stop", "stop"]])
    with pytest.raises(DataError, match="2 predicted episodes for 1 annotated ones"):
        score([["stop"], ["stop"]], [["stop"]])
    with pytest.raises(DataError, match="unknown part 'hop'"):
        score([["hop"]], [["stop"]])


def _items():
    rng = np.random.default_rng(0)
    a = Trajectory(rng.normal(size=(4, 3)), 10.0, rng.normal(size=(4, 3)), rng.uniform(0, 1, 4))
    b = Trajectory(rng.normal(size=(3, 3)), 5.0)
    return [AnnotatedTrajectory(a, ["stop", "move up", "move up", "stop"], "g1"),
            AnnotatedTrajectory(b, ["close gripper"] * 3, "g2")]


@pytest.mark.parametrize("name", ["ann.jsonl", "ann.jsonl.gz"])
def test_annotations_round_trip(tmp_path, name):
    items = _items()
    save_annotations(tmp_path / name, items)
    back = load_annotations(tmp_path / name)
    assert [b.labels for b in back] == [i.labels for i in items]
    assert [b.group for b in back] == ["g1", "g2"]
    np.testing.assert_allclose(back[0].trajectory.rotation, items[0].trajectory.rotation)
    assert back[1].trajectory.rotation is None and back[1].trajectory.fps == 5.0


def test_segments_instead_of_per_step_labels(tmp_path):
    row = {"fps": 10, "position": [[0, 0, 0]] * 5,
           "segments": [[0, 2, "stop"], [2, 5, "move up"]]}
    (tmp_path / "a.jsonl").write_text(json.dumps(row) + "\n")
    (item,) = load_annotations(tmp_path / "a.jsonl")
    assert item.labels == ["stop", "stop", "move up", "move up", "move up"]
    assert item.group == "default"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"a.jsonl:2: not valid JSON"),
        (json.dumps({"fps": 10, "labels": ["stop"] * 2}), r"a.jsonl:2: missing key 'position'"),
        (json.dumps({"fps": 10, "position": [[0, 0, 0]] * 2}), "needs 'labels'"),
        (json.dumps({"fps": 10, "position": [[0, 0, 0]] * 2, "labels": ["stop", "jog"]}),
         "unknown part 'jog'"),
        (json.dumps({"fps": 10, "position": [[0, 0, 0]] * 2, "labels": ["stop"]}),
         "1 labels for a trajectory of 2 steps"),
        (json.dumps({"fps": 0, "position": [[0, 0, 0]] * 2, "labels": ["stop"] * 2}),
         "fps must be a finite number > 0"),
        (json.dumps({"fps": 10, "position": [[0, 0, 0]] * 3,
                     "segments": [[0, 1, "stop"], [2, 3, "stop"]]}),
         "segments must cover the steps in order without gaps"),
        (json.dumps({"fps": 10, "position": [[0, 0, 0]] * 3, "segments": [[0, 2, "stop"]]}),
         "segments cover 2 steps but the trajectory has 3"),
        ("[1, 2]", "each line must be a JSON object"),
    ],
)
def test_malformed_annotation_files(tmp_path, line, message):
    good = json.dumps({"fps": 10, "position": [[0, 0, 0]] * 2, "labels": ["stop"] * 2})
    (tmp_path / "a.jsonl").write_text(good + "\n" + line + "\n")
    with pytest.raises(DataError, match=message):
        load_annotations(tmp_path / "a.jsonl")


def test_missing_empty_and_corrupt_files(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_annotations(tmp_path / "nope.jsonl")
    (tmp_path / "e.jsonl").write_text("\n")
    with pytest.raises(DataError, match="holds no episodes"):
        load_annotations(tmp_path / "e.jsonl")
    (tmp_path / "c.jsonl.gz").write_bytes(b"not gzip")
    with pytest.raises(DataError, match="cannot read"):
        load_annotations(tmp_path / "c.jsonl.gz")
    (tmp_path / "ok.jsonl.gz").write_bytes(gzip.compress(b"\n"))
    with pytest.raises(DataError, match="holds no episodes"):
        load_annotations(tmp_path / "ok.jsonl.gz")
