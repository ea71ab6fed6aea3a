"""One torch thread for these tiny models: on a shared 2-core machine, two OpenMP threads
competing with other processes can make small ops 100x slower (spin-waiting on a descheduled
thread), and tiny models gain nothing from a second thread."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
