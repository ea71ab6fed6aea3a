"""The motion grammar: formatting, parsing, round trips and malformed labels."""

from __future__ import annotations

import numpy as np
import pytest

from motionprior.errors import DataError
from motionprior.motion import MotionLabel, format_label, parse_label
from motionprior.motion.vocabulary import (
    NUM_CODES,
    STOP_CODE,
    code_table,
    codes_to_labels,
    codes_to_values,
    labels_to_codes,
    values_to_codes,
)


def test_examples_format_as_method_md_says():
    assert format_label(MotionLabel()) == "stop"
    assert format_label(MotionLabel(x=1, z=-1, tilt=1, gripper=-1)) == (
        "move forward down, tilt up, close gripper"
    )
    assert format_label(MotionLabel(x=-1, y=-1, z=1)) == "move backward right up"
    assert format_label(MotionLabel(rotate=-1)) == "rotate clockwise"
    assert format_label(MotionLabel(y=1, rotate=1, gripper=1)) == (
        "move left, rotate counterclockwise, open gripper"
    )


def test_every_label_round_trips_through_text_and_code():
    texts = code_table()
    assert len(set(texts)) == NUM_CODES == 729
    for code, text in enumerate(texts):
        label = parse_label(text)
        assert label.code == code
        assert format_label(label) == text
        assert MotionLabel.from_code(code) == label
    assert parse_label("stop").code == STOP_CODE


def test_vectorized_conversions_agree_with_the_scalar_ones():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, NUM_CODES, 500)
    values = codes_to_values(codes)
    assert np.array_equal(values_to_codes(values), codes)
    labels = codes_to_labels(codes)
    assert labels == [str(MotionLabel.from_code(c)) for c in codes]
    assert np.array_equal(labels_to_codes(labels), codes)
    assert values[0].tolist() == list(MotionLabel.from_code(codes[0]).values)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty motion label"),
        ("   ", "empty motion label"),
        ("move", "'move' needs a direction word"),
        ("move sideways", "unknown direction 'sideways'"),
        ("move left forward", "must be in x, y, z order"),
        ("move forward backward", "two directions on one axis"),
        ("close gripper, move up", "parts must be in the order move, tilt, rotate, gripper"),
        ("rotate clockwise, tilt up", "parts must be in the order"),
        ("tilt up, tilt down", "the tilt part appears twice"),
        ("move up, move left", "the move part appears twice"),
        ("stop, close gripper", "'stop' cannot be combined"),
        ("jump", "unknown part 'jump'"),
        ("tilt sideways", "unknown part 'tilt sideways'"),
        ("move  forward", "separate parts with ', ' and words with one space"),
        ("move forward,close gripper", "separate parts with ', '"),
        ("Move forward", "unknown part 'Move forward'"),
        (" stop", "separate parts with ', ' and words with one space"),
    ],
)
def test_malformed_labels_are_rejected_with_a_clear_message(text, message):
    with pytest.raises(DataError, match=message):
        parse_label(text)


def test_non_strings_and_bad_values_are_rejected():
    with pytest.raises(DataError, match="must be a string, got int"):
        parse_label(3)
    with pytest.raises(DataError, match="must be a string, got NoneType"):
        labels_to_codes(["stop", None])
    with pytest.raises(DataError, match=r"MotionLabel.x must be -1, 0 or \+1, got 2"):
        MotionLabel(x=2)
    with pytest.raises(DataError, match=r"code must be in \[0, 729\)"):
        MotionLabel.from_code(729)
