"""Issue 17: the colour bar's range never reveals a value the pass has not reached yet.

The diagram takes its scale from the snapshot's ``scale_record`` (``default_colour_scale``, the function the
view and the export both call); the expected ranges are worked out by hand below.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradviz.core.session import Session
from gradviz.core.snapshot import take_snapshot
from gradviz.files.network_file import load_preset
from gradviz.ui.diagram.scene import default_colour_scale
from tests.helpers import hand_tiny_sigmoid


def shot_at(preset: str, steps: int, **kwargs):
    session = Session(load_preset(preset), **kwargs)
    for _ in range(steps):
        session.step_forward()
    return take_snapshot(session)


def scale(shot, mode: str):
    return default_colour_scale(shot.record, shot.scale_record, mode)


@pytest.mark.parametrize("steps, largest", [(0, "x"), (1, "a1"), (2, "a2"), (3, "a3"), (5, "a3"), (8, "a3")])
def test_the_activation_scale_grows_only_as_the_forward_pass_reveals_activations(steps, largest):
    a1, a2, a3 = hand_tiny_sigmoid()["a"]
    expected = {"x": 0.5, "a1": a1, "a2": a2, "a3": a3}[largest]
    assert scale(shot_at("tiny-sigmoid", steps), "activation").largest == pytest.approx(expected, rel=1e-12)


def hand_decades(magnitudes, min_decades=4):
    """Whole powers of ten around the magnitudes, at least ``min_decades`` wide (top kept), by hand."""
    lo = math.floor(math.log10(min(magnitudes)))
    hi = math.ceil(math.log10(max(magnitudes)))
    return min(lo, hi - min_decades), hi


def test_the_gradient_scale_rests_only_on_the_layers_the_backward_pass_reached():
    experiment = load_preset("deep-sigmoid")
    depth = experiment.network.depth
    whole = experiment.network.run(experiment.inputs, experiment.targets, experiment.loss)
    last = np.abs(whole.layers[-1].grad_w).ravel()
    everything = np.abs(np.concatenate([l.grad_w.ravel() for l in whole.layers]))
    everything = everything[everything > 0]
    # Step 0 and mid-forward: no gradient is known, so the default 1e-8 .. 1.
    for steps in (0, depth // 2, depth + 1):
        assert scale(shot_at("deep-sigmoid", steps), "gradient").decades == (-8, 0)
    # Mid-backward, only the output layer reached: its own gradients fix the range.
    revealed = scale(shot_at("deep-sigmoid", depth + 2), "gradient").decades
    assert revealed == hand_decades(last[last > 0])
    assert revealed != hand_decades(everything)  # the whole pass's range would give the answer away
    # At the update step every layer is revealed.
    assert scale(shot_at("deep-sigmoid", 2 * depth + 2), "gradient").decades == hand_decades(everything)
    # Reveal-all shows the whole pass from the start.
    assert scale(shot_at("deep-sigmoid", 0, reveal_all=True), "gradient").decades == hand_decades(everything)
