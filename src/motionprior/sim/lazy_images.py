"""Camera images rendered when a policy first reads them, not at every simulator step.

Rendering is most of the cost of a closed-loop step on this kind of machine (two 128x128
cameras take 25-40 ms on software Mesa, the physics 1-10 ms), while a chunk policy looks at the
cameras only when it re-plans: every 8th step for a flow policy at its default query period.
`LazyImages` is the `observation["images"]` of an environment built with `lazy_images=True`
(the evaluation harness does so): a read-only mapping camera -> uint8 `[H, W, 3]` whose keys
are known at once and whose frames are rendered per camera on first read, then cached.

A frame is only ever rendered for the simulator state of its own observation: reading it after
the environment stepped or reset raises `StaleObservationError`, never a picture of the wrong
step. A policy that keeps past frames copies them while it acts. Rendering does not touch the
physics, so an episode is the same step for step whether its frames are rendered lazily or at
every step (`tests/sim/test_sim_lazy_images.py` checks states and frames bit for bit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np

from motionprior.errors import MotionpriorError


class StaleObservationError(MotionpriorError):
    """An observation's images were read after the simulator moved past that observation."""


class LazyImages(Mapping[str, np.ndarray]):
    """The cameras of one observation, each rendered on its first read.

    `render(cameras)` renders the named cameras for the simulator's current state; `is_current()`
    says whether that state is still this observation's.
    """

    def __init__(self, cameras: tuple[str, ...], render: Callable[[tuple[str, ...]],
                 dict[str, np.ndarray]], is_current: Callable[[], bool], step: int) -> None:
        self._cameras = tuple(cameras)
        self._render, self._is_current, self._step = render, is_current, step
        self._frames: dict[str, np.ndarray] = {}

    def __getitem__(self, camera: str) -> np.ndarray:
        frame = self._frames.get(camera)
        if frame is not None:
            return frame
        if camera not in self._cameras:
            raise KeyError(camera)
        if not self._is_current():
            raise StaleObservationError(
                f"camera {camera!r} of the observation of step {self._step} was read after "
                "the simulator moved on; read (or copy) an observation's images before the "
                "next env.step() or env.reset()")
        self._frames.update(self._render((camera,)))
        return self._frames[camera]

    def __contains__(self, camera: object) -> bool:
        return camera in self._cameras

    def __iter__(self) -> Iterator[str]:
        return iter(self._cameras)

    def __len__(self) -> int:
        return len(self._cameras)

    def rendered(self) -> tuple[str, ...]:
        """The cameras rendered so far (the tests count renders with it)."""
        return tuple(c for c in self._cameras if c in self._frames)

    def __repr__(self) -> str:
        return f"LazyImages(step={self._step}, cameras={self._cameras}, " \
               f"rendered={self.rendered()})"
