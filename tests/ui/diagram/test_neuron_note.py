"""The caption says what the numbers on the neurons are at every step. During the backward pass they are δ
where the pass has reached and still the activations a to the left of that (``values.node_means``); the
caption said "δ = ∂L/∂z" alone, so a student read layer 1's activation 0.56 as its δ."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from gradviz.ui.diagram import build_scene
from gradviz.ui.theme import SCREEN, SLIDES
from tests.helpers import hand_tiny_sigmoid, stepper_for
from tests.qt_helpers import shown_window

A = "numbers on neurons: activation a"
DELTA = "numbers on neurons: δ = ∂L/∂z"


def test_each_step_of_tiny_sigmoid_says_which_numbers_are_delta_and_which_are_a():
    stepper = stepper_for("tiny-sigmoid")
    hand = hand_tiny_sigmoid()
    # 1-3 the forward pass, 4 the loss, 5-7 the backward pass at layers 3, 2, 1, 8 the update.
    expected = {1: (A,), 2: (A,), 3: (A,), 4: (A,), 5: (DELTA, "left of layer 3: a"), 6: (DELTA, "left of layer 2: a"), 7: (DELTA,), 8: (DELTA,)}
    for step, note in expected.items():
        record = stepper.go_to_step(step)
        scene = build_scene(record, stepper.complete_record(), "gradient", SCREEN)
        assert scene.node_note == note, (step, scene.node_note)
    # And that is what the neurons print at step 6: layer 1's activation, layers 2 and 3's δ.
    record = stepper.go_to_step(6)
    scene = build_scene(record, stepper.complete_record(), "gradient", SCREEN)
    np.testing.assert_allclose([hand["a"][0], hand["delta"][1], hand["delta"][2]], [0.56218, -0.00688, -0.0562], atol=1e-4)  # σ(0.5 · 0.5) = 0.56218
    assert [t[0] for t in scene.node_text[1:]] == ["0.562", "−0.0069", "−0.0562"]


def test_several_samples_say_mean_on_the_delta_part():
    stepper = stepper_for("deep-sigmoid")  # 4 samples, 11 weight layers
    record = stepper.go_to_step(11 + 1 + 3)  # backward at layer 9
    scene = build_scene(record, stepper.complete_record(), "gradient", SCREEN)
    assert scene.node_note == ("numbers on neurons: δ = ∂L/∂z (mean over samples)", "left of layer 9: a")


def test_the_slides_caption_at_1280_x_720_says_both_parts_whole(qtbot):
    window = shown_window(qtbot, "tiny-sigmoid", (1280, 720), theme=SLIDES)
    window.bridge.go_to_step(6)
    QtWidgets.QApplication.processEvents()
    window.diagram.grab()
    lines = [b.text for b in window.diagram.text_boxes if b.role == "caption"]
    assert lines[1:] == [DELTA, "left of layer 2: a   ·   numbers on edges: ∂L/∂w"], lines
    assert not any("…" in line for line in lines)
    window.close()


def test_hover_texts_say_mean_over_samples_only_where_there_are_several():
    from gradviz.ui.diagram.values import edge_value_description, neuron_value_description

    one = stepper_for("tiny-sigmoid").run_to_end_of_pass()  # one sample
    assert neuron_value_description(one, 1, 0).splitlines() == ["neuron 1 of layer 1", "a = 0.562", "δ = ∂L/∂z = −0.000847"]
    assert edge_value_description(one, "activation", 2, 0, 0).splitlines()[-1] == "|a| of source = 0.562"
    several = stepper_for("deep-sigmoid").run_to_end_of_pass()  # four samples
    lines = neuron_value_description(several, 1, 0).splitlines()
    assert lines[1].endswith(" (mean over samples)") and lines[2].endswith(" (mean over samples)"), lines


def test_hover_and_inspector_count_neurons_alike_from_1():
    """The hover said "layer 1, neuron 0" where the inspector says "Neuron 1 of layer 1" for the same neuron."""
    from gradviz.core.explain import explain_edge, explain_neuron
    from gradviz.ui.diagram.values import edge_value_description, neuron_value_description

    record = stepper_for("deep-sigmoid").run_to_end_of_pass()  # widths 4, 8 x 10, 1
    assert neuron_value_description(record, 3, 5).splitlines()[0] == "neuron 6 of layer 3"
    assert neuron_value_description(record, 0, 2).splitlines()[0] == "input 3"
    assert edge_value_description(record, "gradient", 1, 7, 3).splitlines()[0] == "weight layer 1: from input 4 to neuron 8 of layer 1"
    assert edge_value_description(record, "gradient", 11, 0, 7).splitlines()[0] == "weight layer 11: from neuron 8 of layer 10 to neuron 1 of layer 11"
    assert explain_neuron(record, 3, 5)[0].startswith("Neuron 6 of layer 3")
    assert explain_edge(record, 11, 0, 7)[0].endswith(": from neuron 8 of layer 10 to neuron 1 of layer 11")
    assert explain_edge(record, 1, 7, 3)[0].endswith(": from input 4 to neuron 8 of layer 1")
