"""Offscreen camera rendering for both simulators (MuJoCo's `Renderer`, EGL, upright images).

Shadows and reflections are switched off in the scene flags: with software Mesa they cost most
of the frame time and add nothing a small policy image needs. A camera can be declared
`rotate180` (Meta-World's corner cameras are mounted upside down: their image "up" axis points at
the floor); the renderer turns those images the right way up, so every image that leaves this
module is upright. `hide_geom_groups` hides e.g. robosuite's collision meshes (group 0).

`Marker`s are drawn into the rendered scene only (MuJoCo's visual scene, not the model): they
cannot collide, touch or weigh anything, and segmentation renders leave them out.
`project_point` maps a world point to its pixel in an upright image (tests use it to find a
marker).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from motionprior.errors import ConfigError, UnknownNameError

# MUJOCO_GL=egl is set once, by the package's __init__ (it runs before this module).


@dataclass(frozen=True)
class CameraSpec:
    """A logical camera (`scene`, `wrist`) bound to a simulator camera name."""

    name: str
    sim_camera: str
    rotate180: bool = False


@dataclass(frozen=True)
class Marker:
    """A visual-only shape: a `sphere` (size = radius) or an upright `cylinder` (size = radius,
    half height) at `pos` (world, m), colour `rgba`; `emission` 1 = full brightness, unlit."""

    shape: str
    pos: tuple[float, float, float]
    size: tuple[float, ...]
    rgba: tuple[float, float, float, float]
    emission: float = 0.0


def _add_markers(mujoco, scene, markers: tuple[Marker, ...]) -> None:
    kinds = {"sphere": mujoco.mjtGeom.mjGEOM_SPHERE, "cylinder": mujoco.mjtGeom.mjGEOM_CYLINDER}
    eye = np.eye(3).ravel()
    for m in markers:
        if scene.ngeom >= scene.maxgeom:
            break
        size = np.zeros(3)
        size[: len(m.size)] = m.size
        geom = scene.geoms[scene.ngeom]
        mujoco.mjv_initGeom(geom, kinds[m.shape], size, np.asarray(m.pos, dtype=np.float64),
                            eye, np.asarray(m.rgba, dtype=np.float32))
        geom.emission = m.emission
        geom.category = mujoco.mjtCatBit.mjCAT_DECOR
        scene.ngeom += 1


def project_point(model, data, camera: CameraSpec, point: np.ndarray,
                  size: tuple[int, int]) -> tuple[float, float]:
    """(row, column) of world `point` in `camera`'s upright image of `size` (H, W)."""
    cam = model.camera(camera.sim_camera).id
    height, width = size
    rel = data.cam_xmat[cam].reshape(3, 3).T @ (np.asarray(point) - data.cam_xpos[cam])
    focal = 0.5 * height / np.tan(np.deg2rad(model.cam_fovy[cam]) / 2)
    col = width / 2 + focal * rel[0] / -rel[2]
    row = height / 2 - focal * rel[1] / -rel[2]
    if camera.rotate180:
        row, col = height - row, width - col
    return float(row), float(col)


class CameraRenderer:
    """Renders the logical cameras of one MuJoCo model at a fixed size.

    `render(data)` returns `{camera: uint8 [H, W, 3]}`; `render(data, segmentation=True)` returns
    `{camera: int32 [H, W]}` geom ids (-1 = background) through the same orientation fix, which
    the tests use to check that images are upright.
    """

    def __init__(
        self,
        model,
        cameras: tuple[CameraSpec, ...],
        size: tuple[int, int] = (128, 128),
        hide_geom_groups: tuple[int, ...] = (),
    ) -> None:
        import mujoco

        self._mujoco = mujoco
        height, width = size
        if height < 8 or width < 8:
            raise ConfigError(f"image size must be at least 8x8 pixels, got {height}x{width}")
        known = [model.camera(i).name for i in range(model.ncam)]
        for cam in cameras:
            if cam.sim_camera not in known:
                raise UnknownNameError("camera", cam.sim_camera, known)
        # The offscreen buffer must hold the image; grow it if the model asks for less.
        model.vis.global_.offwidth = max(model.vis.global_.offwidth, width)
        model.vis.global_.offheight = max(model.vis.global_.offheight, height)
        self.cameras = tuple(cameras)
        self.size = (height, width)
        try:
            self._renderer = mujoco.Renderer(model, height, width)
        except Exception as e:  # no OpenGL context: usually MUJOCO_GL was set too late
            raise ConfigError(
                f"offscreen rendering is unavailable ({type(e).__name__}: {e}); set "
                "MUJOCO_GL=egl in the environment before anything imports mujoco (the "
                f"Makefile and the CLI do; this process has MUJOCO_GL="
                f"{os.environ.get('MUJOCO_GL')!r}), or pass no cameras"
            ) from None
        flags = self._renderer.scene.flags
        flags[mujoco.mjtRndFlag.mjRND_SHADOW] = 0
        flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = 0
        self._option = mujoco.MjvOption()
        for group in hide_geom_groups:
            self._option.geomgroup[group] = 0

    def render(self, data, segmentation: bool = False, markers: tuple[Marker, ...] = (),
               cameras: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
        """Images of every camera (or of the logical `cameras` named) for the current state of
        `data`, `markers` drawn in. Each camera's image is the same whichever others render."""
        out: dict[str, np.ndarray] = {}
        chosen = self.cameras
        if cameras is not None:
            by_name = {c.name: c for c in self.cameras}
            for name in cameras:
                if name not in by_name:
                    raise UnknownNameError("camera", name, list(by_name))
            chosen = tuple(by_name[name] for name in dict.fromkeys(cameras))
        if segmentation:
            self._renderer.enable_segmentation_rendering()
        try:
            for cam in chosen:
                self._renderer.update_scene(data, camera=cam.sim_camera, scene_option=self._option)
                if markers and not segmentation:
                    _add_markers(self._mujoco, self._renderer.scene, markers)
                img = self._renderer.render()
                if segmentation:
                    geom = self._mujoco.mjtObj.mjOBJ_GEOM
                    img = np.where(img[..., 1] == geom, img[..., 0], -1).astype(np.int32)
                if cam.rotate180:
                    img = img[::-1, ::-1]
                out[cam.name] = np.ascontiguousarray(img)
        finally:
            if segmentation:
                self._renderer.disable_segmentation_rendering()
        return out

    def close(self) -> None:
        renderer, self._renderer = getattr(self, "_renderer", None), None
        if renderer is not None:
            renderer.close()
