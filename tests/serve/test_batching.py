"""--max-batch: requests of several clients share one forward pass; each client still gets
its own chunk (its own noise), and one bad request does not spoil the batch."""

from __future__ import annotations

import threading

import numpy as np
from openpi_client.websocket_client_policy import WebsocketClientPolicy
from serve_cases import EMBODIMENT, error_of, observation

from motionprior.policy.vla_policy import VLAPolicy
from motionprior.serve.background import BackgroundServer
from motionprior.serve.config import ServeConfig


def test_concurrent_clients_are_batched_and_get_their_own_chunks(engine):
    n = 4
    cfg = ServeConfig(port=0, max_batch=n, batch_window_ms=300.0)
    replies: dict[int, object] = {}
    with BackgroundServer(engine, cfg) as srv:
        clients = [WebsocketClientPolicy(srv.url) for _ in range(n)]
        barrier = threading.Barrier(n)

        def run(i: int) -> None:
            obs = observation(i, request_id=i, seed=10 + i)
            if i == 2:
                obs["state"] = np.full(4, np.nan, np.float32)
            barrier.wait()
            try:
                replies[i] = clients[i].infer(obs)
            except RuntimeError as e:
                replies[i] = str(e)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        batches = srv.stats.batches
    error = error_of(replies[2].split("\n", 1)[1])
    assert error == {"code": "bad_observation", "message": "state holds NaN or inf",
                     "request_id": 2}
    sizes = []
    for i in (0, 1, 3):
        reply = replies[i]
        assert reply["request_id"] == i
        local = VLAPolicy(engine.loaded, EMBODIMENT, seed=10 + i)
        chunk, _ = local.predict_chunk(observation(i))
        np.testing.assert_allclose(reply["actions"], chunk, rtol=1e-4, atol=1e-5)
        sizes.append(reply["server_timing"]["batch_size"])
    assert max(sizes) > 1 and batches < n  # at least two requests shared a pass
