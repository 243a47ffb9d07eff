"""Helpers shared by the tests: an independent hand computation, and running the command line."""

from __future__ import annotations

import signal

import numpy as np

from gradviz import cli


def sigmoid(z):
    """The logistic function, written out independently of the core (scalars or arrays)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def hand_tiny_sigmoid():
    """The 1-1-1-1 sigmoid chain (w = 0.5, b = 0, x = 0.5, t = 0.8, L = ½(a3 - t)²) by the chain rule."""
    w, x, t = 0.5, 0.5, 0.8
    z1 = w * x
    a1 = sigmoid(z1)
    z2 = w * a1
    a2 = sigmoid(z2)
    z3 = w * a2
    a3 = sigmoid(z3)
    delta3 = (a3 - t) * a3 * (1 - a3)
    delta2 = delta3 * w * a2 * (1 - a2)
    delta1 = delta2 * w * a1 * (1 - a1)
    return {
        "z": (z1, z2, z3),
        "a": (a1, a2, a3),
        "delta": (delta1, delta2, delta3),
        "grad_w": (delta1 * x, delta2 * a1, delta3 * a2),
        "loss": 0.5 * (a3 - t) ** 2,
    }


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def press_ctrl_c(monkeypatch, owner, method: str, when, presses: int = 1) -> None:
    """Ctrl+C (a real SIGINT to this process) pressed ``presses`` times as ``owner.method`` starts on an
    object for which ``when(object)`` is true."""
    original = getattr(owner, method)

    def pressed(self, *args, **kwargs):
        if when(self):
            for _ in range(presses):
                signal.raise_signal(signal.SIGINT)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, method, pressed)


def assert_one_line_error(code, out, err, message):
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gradviz: error: ")
    assert message in lines[0]
    assert "Traceback" not in err


def stepper_for(preset: str, inputs=None):
    """A Stepper on a preset's network, data, loss and learning rate (``inputs`` replaces its samples)."""
    from gradviz.files.network_file import load_preset
    from gradviz.core.stepper import Stepper

    experiment = load_preset(preset)
    inputs = experiment.inputs if inputs is None else inputs
    return Stepper(experiment.network, inputs, experiment.targets, experiment.loss, experiment.learning_rate)


def run_under_xvfb(script: str, *args: str, screen: str, env: dict):
    """Run ``python -c script args`` on a fresh Xvfb screen of ``screen`` (e.g. "1280x720") with ``env``.

    Skips where xvfb-run is missing, unless GRADVIZ_REQUIRE_XVFB=1 (set by .ci/run), where that fails.
    """
    import os
    import shutil
    import subprocess
    import sys

    import pytest

    if shutil.which("xvfb-run") is None:
        if os.environ.get("GRADVIZ_REQUIRE_XVFB") == "1":
            pytest.fail("xvfb-run is missing but GRADVIZ_REQUIRE_XVFB=1: install xvfb and Qt's xcb libraries")
        pytest.skip("xvfb-run is not installed (.ci/run installs it)")
    return subprocess.run(
        ["xvfb-run", "-a", "-s", f"-screen 0 {screen}x24", sys.executable, "-c", script, *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
