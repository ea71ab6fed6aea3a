"""Motion words: a policy's `last_info["motion"]` lands in the episode JSON and the GIF."""

from __future__ import annotations

import json

import numpy as np

from motionprior.sim.captions import STRIP_RGB, caption_frames, motion_segments
from motionprior.sim.collect import EVAL_SEED_BASE
from motionprior.sim.evaluate import EvalConfig, evaluate_pair

# What the fake policy says at each step: words, nothing, an unrelated key, empty words.
SAYS = [{"motion": "move forward"}] * 3 + [None, {"other": 1}, {"motion": ""}, None,
                                           {"motion": "close gripper"}]


class Talking:
    """Stands still and exposes `last_info` after every act()."""

    def __init__(self) -> None:
        self.t, self.last_info = 0, None

    def reset(self) -> None:
        self.t, self.last_info = 0, {"motion": "stale words from before reset"}

    def act(self, observation):
        self.last_info = SAYS[self.t]
        self.t += 1
        return np.zeros(4)


def test_words_become_segments_in_the_json_and_captions_in_the_gif(mw_env, tmp_path, borrow):
    import imageio.v3 as iio

    env = borrow(mw_env)
    env.max_steps = len(SAYS)
    cfg = EvalConfig(episodes=1, cameras=("scene",), image_size=(32, 32), videos=1,
                     progress=False)
    [record] = evaluate_pair(mw_env.pair, lambda ctx: Talking(), tmp_path, cfg,
                             env_factory=lambda p: env)
    assert record["motion"] == [{"start": 0, "end": 3, "words": "move forward"},
                                {"start": 7, "end": 8, "words": "close gripper"}]
    on_disk = json.loads((tmp_path / mw_env.pair.slug / "episodes" /
                          f"{EVAL_SEED_BASE}.json").read_text())
    assert on_disk["motion"] == record["motion"] and on_disk["steps"] == 8
    [gif] = (tmp_path / mw_env.pair.slug / "videos").glob("*.gif")
    frames = iio.imread(gif, index=None)[..., :3]
    # 80 Hz at ~15 GIF frames/s keeps steps 0, 5 and the last, 7: words, none, words.
    assert frames.shape[0] == 3 and frames.shape[2] == 32 and frames.shape[1] > 32 + 10
    strips = frames[:, 32:].astype(int)
    bright = (strips.max(axis=-1) > 150).sum(axis=(1, 2))
    assert bright[0] > 10 and bright[2] > 10  # text in the strip
    assert bright[1] == 0 and np.abs(strips[1] - np.array(STRIP_RGB)).max() <= 8  # empty strip


def test_an_episode_without_words_has_no_segments_and_no_strip():
    frames = [np.full((128, 128, 3), 90, np.uint8)] * 2
    assert motion_segments([None, None]) == []
    assert [f.shape for f in caption_frames(frames, [None, None])] == [(128, 128, 3)] * 2
    captioned = caption_frames(frames, ["move forward left up, close gripper", None])
    height = captioned[0].shape[0]
    assert 128 + 12 <= height <= 128 + 40 and captioned[1].shape[0] == height
    text = captioned[0][128:]
    assert (text.max(axis=-1) > 200).sum() > 30  # the words are drawn at 128 px wide
    assert motion_segments(["a", "a", "b", None, "b"]) == [
        {"start": 0, "end": 2, "words": "a"}, {"start": 2, "end": 3, "words": "b"},
        {"start": 4, "end": 5, "words": "b"}]
