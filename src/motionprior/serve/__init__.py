"""Serving a policy to a robot: a websocket server that openpi's client speaks.

    motionprior serve runs/vla --port 8000            # the server (serve.server)
    motionprior eval --policy ws://127.0.0.1:8000 ... # the closed loop through it

`wire` is the msgpack-numpy codec, `engine` the checks and (batched) inference behind the
socket, `server` the websocket/HTTP side, `background` runs it, `client_policy` is the
``ws://`` policy of `resolve_policy`. This package imports `policy`, never `sim`.
"""

from motionprior.serve.config import ServeConfig

__all__ = ["ServeConfig"]
