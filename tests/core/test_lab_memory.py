"""A long lab run stays bounded: xor for 10,001 epochs in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json
    from dataclasses import replace
    from gradviz.core.lab import Lab, load_preset

    def rss_mb():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

    config = load_preset("xor")
    # Few points and one batch an epoch keep the run short; the history grows the same per epoch.
    lab = Lab(replace(config, data=replace(config.data, points=40), batch=32, epochs=10_001))
    for _ in range(100):
        lab.run_epoch()
    before = rss_mb()
    lab.run()
    after = rss_mb()
    history = lab.lanes[0].history
    kept = history.epochs[: history.count].tolist()
    print(json.dumps({"growth_mb": after - before, "count": history.count, "first": kept[0], "last": kept[-1],
                      "ordered": kept == sorted(set(kept))}))
    """
)


def test_xor_for_10001_epochs_keeps_memory_and_history_bounded():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["growth_mb"] < 50
    assert result["last"] == 10_001 and result["first"] == 0 and result["ordered"]
    assert result["count"] <= 10_000  # 10,002 epochs (0 .. 10,001) were measured: the older half was thinned
