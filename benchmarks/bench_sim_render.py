"""Offscreen rendering speed (frames per second) with MuJoCo's EGL renderer.

    MUJOCO_GL=egl nice -n 10 .venv/bin/python benchmarks/bench_sim_render.py

For each simulator, camera and size: frames per second of `update_scene + render` with the
suite's settings (shadows and reflections off) and, for comparison, with MuJoCo's defaults.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("MUJOCO_GL", "egl")


def fps(renderer, data, camera: str, option, frames: int) -> float:
    renderer.update_scene(data, camera=camera, scene_option=option)
    renderer.render()  # warm-up
    start = time.perf_counter()
    for _ in range(frames):
        renderer.update_scene(data, camera=camera, scene_option=option)
        renderer.render()
    return frames / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=100, help="frames per measurement")
    p.add_argument("--sizes", default="64,128,256", help="square image sizes")
    args = p.parse_args()

    import mujoco

    from motionprior.sim.env import make_env

    print("| pair | camera | size | fps (shadows+reflections off) | fps (MuJoCo defaults) |")
    print("|---|---|---|---|---|")
    for pair in ("metaworld/pick-place-v3", "robosuite/Lift/Panda@20hz"):
        env = make_env(pair, cameras=())
        env.reset(0)
        model, data = env._mj()
        option = mujoco.MjvOption()
        for group in env.HIDE_GEOM_GROUPS:
            option.geomgroup[group] = 0
        for size in (int(s) for s in args.sizes.split(",")):
            model.vis.global_.offwidth = max(model.vis.global_.offwidth, size)
            model.vis.global_.offheight = max(model.vis.global_.offheight, size)
            renderer = mujoco.Renderer(model, size, size)
            for cam in env.CAMERAS.values():
                default = fps(renderer, data, cam.sim_camera, option, args.frames)
                renderer.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = 0
                renderer.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = 0
                fast = fps(renderer, data, cam.sim_camera, option, args.frames)
                renderer.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = 1
                renderer.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = 1
                print(f"| {pair} | {cam.name} ({cam.sim_camera}) | {size}x{size} | "
                      f"{fast:.0f} ({1000 / fast:.1f} ms) | "
                      f"{default:.0f} ({1000 / default:.1f} ms) |")
            renderer.close()
        env.close()


if __name__ == "__main__":
    main()
