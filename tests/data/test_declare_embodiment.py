"""`motionprior embodiment`: a LeRobot dataset of an unknown robot becomes readable once its
spec is declared; every bad declaration is a one-line error that leaves the dataset as it was."""

import json
import shutil

import pytest

from motionprior.cli import main
from motionprior.data.lerobot import open_dataset
from motionprior.errors import MotionpriorError


@pytest.fixture
def my_arm(tmp_path, shared_data, capsys):
    """The SO-101 sample relabelled as an unregistered robot, and a spec file for it."""
    root = tmp_path / "my_arm_data"
    shutil.copytree(shared_data / "so101_lerobot_v3_sample", root)
    info = json.loads((root / "meta" / "info.json").read_text())
    (root / "meta" / "info.json").write_text(json.dumps({**info, "robot_type": "my_arm"}))
    assert main(["embodiment", "--template", "so101_follower"]) == 0
    spec = {**json.loads(capsys.readouterr().out), "name": "my_arm", "robot": "my arm"}
    (tmp_path / "my_arm.json").write_text(json.dumps(spec))
    return root, tmp_path / "my_arm.json", spec


def one_line_error(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_a_declared_dataset_opens_as_that_robot(my_arm, capsys):
    root, spec_file, _ = my_arm
    with pytest.raises(MotionpriorError, match="robot_type 'my_arm' .* is not a registered"):
        open_dataset(root)
    assert main(["embodiment", str(root), "--spec", str(spec_file)]) == 0
    assert "embodiment 'my_arm' (6 action, 6 state dims, 30 Hz), 4 episodes" in \
        capsys.readouterr().out
    extras = json.loads((root / "meta" / "motionprior.json").read_text())
    assert extras["embodiment"]["name"] == "my_arm" and extras["success"] == [True] * 4
    reader = open_dataset(root)  # as a new process would: the spec comes from the file
    assert reader.embodiment == "my_arm" and reader.num_frames == 1492
    assert main(["info", str(root)]) == 0 and "my_arm" in capsys.readouterr().out
    one_line_error(capsys, ["embodiment", str(root), "--spec", str(spec_file)],
                   "declares embodiment 'my_arm'); pass --force to replace it")
    assert main(["embodiment", str(root), "--spec", str(spec_file), "--force"]) == 0


@pytest.mark.parametrize("change, message", [
    ({"fps": 10.0}, "runs at 10 Hz but"),
    ({"name": "widowx_bridge"}, "already registered with a different spec"),
    ({"action": "oops"}, "malformed embodiment spec"),
])
def test_bad_specs_are_one_line_errors_and_write_nothing(my_arm, capsys, change, message):
    root, spec_file, spec = my_arm
    spec_file.write_text(json.dumps({**spec, **change}))
    one_line_error(capsys, ["embodiment", str(root), "--spec", str(spec_file)], message)
    assert not (root / "meta" / "motionprior.json").exists()


def test_widths_and_arguments_are_checked(my_arm, capsys, tmp_path):
    root, spec_file, _ = my_arm
    one_line_error(capsys, ["embodiment", str(root), "--spec", "widowx_bridge"],
                   "action has shape [6] but embodiment 'widowx_bridge' declares 7 dims")
    one_line_error(capsys, ["embodiment", str(root), "--spec", "nobody"],
                   "unknown embodiment 'nobody'")
    one_line_error(capsys, ["embodiment", str(root), "--spec", "missing.json"],
                   "missing.json: no such spec file")
    (tmp_path / "bad.json").write_text("{")
    one_line_error(capsys, ["embodiment", str(root), "--spec", str(tmp_path / "bad.json")],
                   "not valid JSON")
    one_line_error(capsys, ["embodiment", str(root)], "give DATASET and --spec")
    assert not (root / "meta" / "motionprior.json").exists()
