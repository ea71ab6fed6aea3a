"""The motion vocabulary and its grammar (METHOD.md, "Idea B: motion language").

A label is `stop` or up to four comma-separated parts, always in this order:

1. `move` + up to three direction words in x, y, z order: `forward`/`backward`, `left`/`right`,
   `up`/`down` (canonical frame: +x forward, +y left, +z up);
2. `tilt up` / `tilt down` (pitch, or roll where pitch is absent; up = the angle increases);
3. `rotate counterclockwise` / `rotate clockwise` (yaw; counterclockwise = yaw increases);
4. `open gripper` / `close gripper`.

Parts are separated by exactly ", " and words by one space, e.g.
`move forward down, tilt up, close gripper`. A label is held as a `MotionLabel`: one value in
{-1, 0, +1} per part (x, y, z, tilt, rotate, gripper). Each label also has an integer code
(base-3 digits of the six values, 0..728) used by the vectorized labelers; `stop` is code 364.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from motionprior.errors import DataError

PARTS = ("x", "y", "z", "tilt", "rotate", "gripper")
# (word for +1, word for -1) per part.
MOVE_WORDS = (("forward", "backward"), ("left", "right"), ("up", "down"))
TILT_WORDS = ("tilt up", "tilt down")
ROTATE_WORDS = ("rotate counterclockwise", "rotate clockwise")
GRIPPER_WORDS = ("open gripper", "close gripper")
STOP = "stop"
NUM_CODES = 3 ** len(PARTS)
_POW3 = 3 ** np.arange(len(PARTS))
STOP_CODE = int(np.sum(_POW3))  # every part 0

_DIRECTION = {  # word -> (axis, sign)
    w: (axis, 1 - 2 * k) for axis, pair in enumerate(MOVE_WORDS) for k, w in enumerate(pair)
}
_SIMPLE_PARTS = {  # text -> (part index, value)
    TILT_WORDS[0]: (3, 1), TILT_WORDS[1]: (3, -1),
    ROTATE_WORDS[0]: (4, 1), ROTATE_WORDS[1]: (4, -1),
    GRIPPER_WORDS[0]: (5, 1), GRIPPER_WORDS[1]: (5, -1),
}
_KNOWN = (
    "'stop', 'move' + forward/backward left/right up/down, 'tilt up'/'tilt down', "
    "'rotate clockwise'/'rotate counterclockwise', 'open gripper'/'close gripper'"
)


@dataclass(frozen=True)
class MotionLabel:
    """One motion label as a value in {-1, 0, +1} per part (0 = the part is absent)."""

    x: int = 0
    y: int = 0
    z: int = 0
    tilt: int = 0
    rotate: int = 0
    gripper: int = 0

    def __post_init__(self) -> None:
        for name in PARTS:
            v = getattr(self, name)
            if v not in (-1, 0, 1):
                raise DataError(f"MotionLabel.{name} must be -1, 0 or +1, got {v!r}")
            object.__setattr__(self, name, int(v))

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in PARTS)

    @property
    def is_stop(self) -> bool:
        return not any(self.values)

    @property
    def code(self) -> int:
        return int(np.dot(np.asarray(self.values) + 1, _POW3))

    @classmethod
    def from_code(cls, code: int) -> MotionLabel:
        if not 0 <= int(code) < NUM_CODES:
            raise DataError(f"motion label code must be in [0, {NUM_CODES}), got {code}")
        return cls(*((int(code) // 3**k) % 3 - 1 for k in range(len(PARTS))))

    def __str__(self) -> str:
        return format_label(self)


def format_label(label: MotionLabel) -> str:
    """The canonical text of `label` (the inverse of `parse_label`)."""
    parts = []
    words = [MOVE_WORDS[a][0 if v > 0 else 1] for a, v in enumerate(label.values[:3]) if v]
    if words:
        parts.append("move " + " ".join(words))
    for v, pair in zip(label.values[3:], (TILT_WORDS, ROTATE_WORDS, GRIPPER_WORDS), strict=True):
        if v:
            parts.append(pair[0 if v > 0 else 1])
    return ", ".join(parts) if parts else STOP


def parse_label(text: str) -> MotionLabel:
    """Parse a label; a malformed one raises `DataError` saying what is wrong."""
    return _parse_cached(text) if isinstance(text, str) else _parse(text)


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> MotionLabel:
    return _parse(text)


def _parse(text: object) -> MotionLabel:
    if not isinstance(text, str):
        raise DataError(f"a motion label must be a string, got {type(text).__name__}")
    if text == STOP:
        return MotionLabel()
    if not text.strip():
        raise DataError(
            "empty motion label; expected 'stop' or parts like 'move forward left, close gripper'"
        )
    values = [0] * len(PARTS)
    last_rank = -1
    for part in text.split(", "):
        if part != part.strip() or "  " in part or "," in part:
            raise DataError(
                f"motion label {text!r}: separate parts with ', ' and words with one space"
            )
        if part == STOP:
            raise DataError(f"motion label {text!r}: 'stop' cannot be combined with other parts")
        if part.split(" ")[0] == "move":
            rank = 0
            _parse_move(text, part, values)
        elif part in _SIMPLE_PARTS:
            index, value = _SIMPLE_PARTS[part]
            rank = index - 2
            if values[index]:
                raise DataError(f"motion label {text!r}: the {PARTS[index]} part appears twice")
            values[index] = value
        else:
            raise DataError(f"motion label {text!r}: unknown part {part!r}; known: {_KNOWN}")
        if rank == last_rank and rank == 0:
            raise DataError(f"motion label {text!r}: the move part appears twice")
        if rank < last_rank:
            raise DataError(
                f"motion label {text!r}: parts must be in the order move, tilt, rotate, gripper"
            )
        last_rank = rank
    return MotionLabel(*values)


def _parse_move(text: str, part: str, values: list[int]) -> None:
    words = part.split(" ")[1:]
    if not words:
        raise DataError(
            f"motion label {text!r}: 'move' needs a direction word "
            "(forward/backward, left/right, up/down)"
        )
    last_axis = -1
    for w in words:
        if w not in _DIRECTION:
            raise DataError(
                f"motion label {text!r}: unknown direction {w!r}; "
                "known: forward, backward, left, right, up, down"
            )
        axis, sign = _DIRECTION[w]
        if axis == last_axis:
            raise DataError(f"motion label {text!r}: two directions on one axis ({w!r})")
        if axis < last_axis:
            raise DataError(
                f"motion label {text!r}: direction words must be in x, y, z order "
                "(forward/backward, then left/right, then up/down)"
            )
        values[axis] = sign
        last_axis = axis


@lru_cache(maxsize=1)
def code_table() -> np.ndarray:
    """Object array of the label text of every code (index = code)."""
    return np.array([format_label(MotionLabel.from_code(c)) for c in range(NUM_CODES)], object)


def values_to_codes(values: np.ndarray) -> np.ndarray:
    """[N, 6] values in {-1, 0, 1} -> [N] int codes."""
    return (np.asarray(values, dtype=np.int64) + 1) @ _POW3


def codes_to_values(codes: np.ndarray) -> np.ndarray:
    """[N] codes -> [N, 6] int8 values in {-1, 0, 1}."""
    codes = np.asarray(codes, dtype=np.int64)
    return ((codes[:, None] // _POW3) % 3 - 1).astype(np.int8)


def codes_to_labels(codes: np.ndarray) -> list[str]:
    """[N] codes -> list of N label strings."""
    return code_table()[np.asarray(codes, dtype=np.int64)].tolist()


def labels_to_codes(labels: Iterable[str]) -> np.ndarray:
    """Parse every label (each distinct text once); a malformed one raises `DataError`."""
    labels = list(labels)
    uniq, inverse = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
    for lab in labels:  # keep the exact type check of parse_label for non-strings
        if not isinstance(lab, str):
            parse_label(lab)
    codes = np.array([parse_label(str(u)).code for u in uniq], dtype=np.int64)
    return codes[inverse.reshape(-1)] if len(labels) else np.zeros(0, np.int64)


def labels_to_values(labels: Sequence[str]) -> np.ndarray:
    """[N] label texts -> [N, 6] int8 part values."""
    return codes_to_values(labels_to_codes(labels))
