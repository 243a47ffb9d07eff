"""A long lab run stays bounded: xor for 10,001 epochs in a fresh process, and a LabRun stepped epoch by
epoch (each an undo step) for 3,000."""

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


RUN_SCRIPT = textwrap.dedent(
    """
    import json
    from dataclasses import replace
    from gradviz.core.lab import Lab, load_preset
    from gradviz.core.lab_state import LabRun, MAX_UNDO_STEPS

    def rss_mb():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

    config = load_preset("xor")
    run = LabRun(Lab(replace(config, data=replace(config.data, points=40), batch=32, epochs=3_000)))
    for _ in range(100):  # every epoch its own undo step, as Right pressed again and again
        run.step_epoch()
        run.snapshot()
    before = rss_mb()
    for epoch in range(2_900):
        run.step_epoch()
        if epoch % 10 == 0:
            run.snapshot()
    after = rss_mb()
    undo_steps = 0
    while run.undo():
        undo_steps += 1
    print(json.dumps({"growth_mb": after - before, "undo_steps": undo_steps, "limit": MAX_UNDO_STEPS, "epoch": run.epoch}))
    """
)


def test_a_lab_run_stepped_epoch_by_epoch_keeps_its_undo_and_memory_bounded():
    done = subprocess.run([sys.executable, "-c", RUN_SCRIPT], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["undo_steps"] == result["limit"] == 50
    assert result["epoch"] == 3_000 - 50  # undone back through the 50 kept steps
    # 50 undo states, each a copy of the lanes' histories so far (about 0.4 MB here): the undo keeps at
    # most MAX_UNDO_BYTES (32 MB) of them.
    assert result["growth_mb"] < 50
