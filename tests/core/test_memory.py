"""Big passes reuse the memory the pass before them freed, instead of faulting fresh pages in (glibc)."""

import json
import subprocess
import sys

import pytest

from gradviz.core.memory import KEEP_FREED_BYTES, REUSE_FROM_BYTES

# Each child starts with glibc's own settings: two big passes, page faults counted during the second.
_SECOND_PASS_FAULTS = r"""
import json, resource, sys
import numpy as np
from gradviz.core import memory
from gradviz.core.network import Network
if sys.argv[1] == "off":
    memory._asked = False  # as though the C library had refused the settings
rng = np.random.default_rng(0)
widths = [256] * 11
network = Network(widths, "sigmoid", [rng.normal(0, 1 / 16, (256, 256)) for _ in range(10)])
inputs, targets = rng.normal(size=(256, 256)), rng.uniform(size=(256, 256))
record = network.run(inputs, targets)
del record  # the first pass's memory is freed...
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
record = network.run(inputs, targets)  # ...and the second pass needs as much again
print(json.dumps({"faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before,
                  "reused": memory.reuse_freed_memory()}))
"""


def _second_pass(mode: str) -> dict:
    result = subprocess.run([sys.executable, "-c", _SECOND_PASS_FAULTS, mode], capture_output=True, text=True,
                            timeout=120, check=True)  # fmt: skip
    return json.loads(result.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_a_big_pass_reuses_the_memory_the_last_one_freed():
    # One pass of 10 layers of 256 units on 256 samples allocates 40 arrays of 512 KiB (z, a, delta and
    # dL/dW per layer), 20 MiB: 5,120 pages of 4 KiB if each were faulted in afresh.
    off, on = _second_pass("off"), _second_pass("on")
    assert off["reused"] is False and off["faults"] > 2000  # glibc's defaults give most of it back
    assert on["reused"] is True and on["faults"] < 200


def test_only_big_work_asks_for_the_reuse():
    from gradviz.core.budget import estimate_pass_bytes

    # The presets a lecture opens are far below the threshold: they keep the C library's own settings.
    assert estimate_pass_bytes([4] + [8] * 10 + [1], 4) < REUSE_FROM_BYTES
    assert estimate_pass_bytes([256] * 11, 256) >= REUSE_FROM_BYTES
    # What is kept stays well inside the work budget.
    assert KEEP_FREED_BYTES <= 2**28
