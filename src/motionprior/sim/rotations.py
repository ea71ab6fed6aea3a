"""Small rotation helpers (3x3 matrices) for the robosuite adapter and its experts."""

from __future__ import annotations

import numpy as np


def rot_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rot_x(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def from_rpy(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """The rotation `Rz(yaw) @ Ry(pitch) @ Rx(roll)` (the inverse of `rpy`)."""
    return rot_z(yaw) @ rot_y(pitch) @ rot_x(roll)


def rpy(rot: np.ndarray) -> np.ndarray:
    """Roll, pitch, yaw (rad) with `rot = Rz(yaw) @ Ry(pitch) @ Rx(roll)` (fixed axes x, y, z)."""
    pitch = np.arcsin(np.clip(-rot[2, 0], -1.0, 1.0))
    return np.array([np.arctan2(rot[2, 1], rot[2, 2]), pitch, np.arctan2(rot[1, 0], rot[0, 0])])


def rotvec(rot: np.ndarray) -> np.ndarray:
    """Axis * angle (rad, angle in [0, pi]) of a rotation matrix."""
    cos = np.clip((np.trace(rot) - 1.0) / 2.0, -1.0, 1.0)
    angle = np.arccos(cos)
    if angle < 1e-9:
        return np.zeros(3)
    if np.pi - angle < 1e-4:  # near pi: axis from the symmetric part
        m = (rot + np.eye(3)) / 2.0
        axis = m[np.argmax(np.diag(m))]
        return axis / np.linalg.norm(axis) * angle
    axis = np.array([rot[2, 1] - rot[1, 2], rot[0, 2] - rot[2, 0], rot[1, 0] - rot[0, 1]])
    return axis / (2.0 * np.sin(angle)) * angle


def snap_to_axes(rot: np.ndarray) -> np.ndarray:
    """The signed permutation matrix nearest `rot` (each column snapped to a +-unit axis)."""
    out = np.zeros((3, 3))
    free = [0, 1, 2]
    for col in np.argsort(-np.max(np.abs(rot), axis=0)):
        row = max(free, key=lambda r: abs(rot[r, col]))
        out[row, col] = np.sign(rot[row, col]) or 1.0
        free.remove(row)
    if np.linalg.det(out) < 0:  # keep it a rotation: flip the least certain column
        col = int(np.argmin(np.max(np.abs(rot), axis=0)))
        out[:, col] *= -1.0
    return out


def wrap_quarter(angle: float) -> float:
    """`angle` modulo 90 degrees, in [-45, 45) degrees: the yaw that aligns with a cube."""
    q = np.pi / 2.0
    return float((angle + q / 2.0) % q - q / 2.0)
