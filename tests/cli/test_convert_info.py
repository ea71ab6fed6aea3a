import numpy as np

from motionprior.cli import main
from motionprior.data.lerobot import open_dataset
from motionprior.data.rlds import read_rlds


def test_convert_round_trip_is_bit_exact_and_info_reports_it(shared_data, tmp_path, capsys):
    src = shared_data / "bridge_rlds_sample"
    out = tmp_path / "bridge"
    assert main(["convert", str(src), str(out), "--split", "val", "--limit", "4"]) == 0
    reader = open_dataset(out)
    episodes = list(read_rlds(src, split="val"))[:4]
    assert reader.num_episodes == 4 and reader.fps == 5.0
    for i, expected in enumerate(episodes):
        got = reader.episode(i)
        np.testing.assert_array_equal(got.actions, expected.actions)
        np.testing.assert_array_equal(got.state, expected.state)
        for cam in expected.images:
            np.testing.assert_array_equal(got.images[cam], expected.images[cam])
        assert got.instruction == expected.instruction
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "episodes    4   steps 40" in text and "embodiment  widowx_bridge   fps 5" in text
    assert "put cup from counter or drying rack into sink" in text


def test_cli_errors_are_one_line_without_traceback(shared_data, tmp_path, capsys):
    src = shared_data / "bridge_rlds_sample"
    out = tmp_path / "o"
    assert main(["convert", str(src), str(out), "--limit", "1"]) == 0
    capsys.readouterr()
    assert main(["convert", str(src), str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already exists and is not empty" in err and "--append" in err
    assert main(["convert", str(src), str(tmp_path / "p"), "--dataset", "fractal"]) == 2
    err = capsys.readouterr().err
    assert err == "motionprior convert: error: unknown RLDS dataset 'fractal'; known: bridge\n"
    assert not (tmp_path / "p").exists()
    assert main(["info", str(tmp_path / "nothing")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_info_on_the_real_lerobot_sample_names_missing_videos(shared_data, capsys):
    assert main(["info", str(shared_data / "so101_lerobot_v3_sample")]) == 0
    text = capsys.readouterr().out
    assert "episodes    4   steps 1492" in text and "so101_follower   fps 30" in text
    assert "missing     2 video file(s)" in text


def test_info_reports_video_cameras_with_codec_and_size(capsys):
    from pathlib import Path

    fixture = Path(__file__).parents[1] / "data" / "fixtures" / "lerobot_video_so101"
    assert main(["info", str(fixture)]) == 0
    text = capsys.readouterr().out
    assert "cameras     front (video av1 48x64), wrist (video av1 32x32)" in text
    assert "missing" not in text
