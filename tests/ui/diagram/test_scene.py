"""build_scene and colour_scale: the diagram's colours and texts, asserted on the scene with no widget."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gradviz.core.network import Network
from gradviz.core.stepper import Stepper
from gradviz.ui.diagram import ColourScale, DiagramScene, build_scene, colour_scale
from gradviz.ui.diagram import scene as scene_module
from gradviz.ui.diagram.scene import SceneCache
from gradviz.ui.theme import SCREEN, SLIDES, gradient_colors
from tests.helpers import hand_tiny_sigmoid
from tests.helpers import stepper_for

ROOT = Path(__file__).resolve().parents[3]


def packed(rgba) -> int:
    """0xAARRGGBB of an RGBA row, by hand."""
    r, g, b = (int(c) for c in rgba[:3])
    return 0xFF000000 | (r << 16) | (g << 8) | b


def hex_packed(colour: str) -> int:
    return 0xFF000000 | int(colour.lstrip("#"), 16)


def test_gradient_colours_of_tiny_sigmoid_match_the_hand_computed_gradients():
    stepper = stepper_for("tiny-sigmoid")
    record = stepper.run_to_end_of_pass()
    scene = build_scene(record, stepper.complete_record(), "gradient", SCREEN)
    grads = np.abs(hand_tiny_sigmoid()["grad_w"])
    np.testing.assert_allclose(grads, [0.000424, 0.003870, 0.032004], rtol=1e-3)
    # 10^-4 <= 0.000424 and 0.032004 <= 10^-1: decades -4..-1, widened to the minimum span of 4 at the bottom.
    assert scene.colour_scale == ColourScale("gradient", decades=(-5, -1))
    assert scene.widths == (1, 1, 1, 1)
    for layer in range(3):
        expected = packed(gradient_colors([grads[layer]], (-5, -1), SCREEN)[0])
        assert int(scene.edge_argb[layer]) == expected
    assert not scene.edge_dashed.any()
    assert scene.edge_argb[0] != scene.edge_argb[2]  # the vanishing gradient shows
    assert scene.highlight == 1 and scene.direction == -1 and scene.pulse_layer == 1
    assert scene.caption.startswith("Backward: layer 1 of 3")
    assert scene.caption.endswith(f"loss {hand_tiny_sigmoid()['loss']:.6g}")
    assert scene.layer_names == ("input", "sigmoid", "sigmoid", "sigmoid")
    # δ = −0.000847, −0.00688, −0.0562 (helpers): three digits where that is at most seven characters, else two.
    np.testing.assert_allclose(hand_tiny_sigmoid()["delta"], [-0.000847, -0.00688, -0.0562], rtol=1e-3)
    assert [t[0] for t in scene.node_text[1:]] == ["−0.00085", "−0.0069", "−0.0562"]


def test_edges_not_computed_yet_are_neutral_and_fill_in_layer_by_layer():
    stepper = stepper_for("tiny-sigmoid")
    record = stepper.go_to_step(4)  # forward pass and loss done
    scene = build_scene(record, stepper.complete_record(), "gradient", SCREEN)
    assert scene.edge_argb.tolist() == [hex_packed(SCREEN.neutral_edge)] * 3
    assert scene.highlight == 3 and scene.pulse_layer is None
    record = stepper.step_forward()  # backward: layer 3
    scene = build_scene(record, stepper.complete_record(), "gradient", SCREEN)
    assert scene.edge_argb[:2].tolist() == [hex_packed(SCREEN.neutral_edge)] * 2
    assert int(scene.edge_argb[2]) == packed(gradient_colors([hand_tiny_sigmoid()["grad_w"][2]], (-5, -1), SCREEN)[0])


def test_exact_zero_gradients_are_dashed_in_the_zero_colour():
    stepper = stepper_for("tiny-relu", inputs=[[-0.5]])
    record = stepper.run_to_end_of_pass()
    assert record.layers[0].grad_w[0, 0] == 0.0
    scene = build_scene(record, stepper.complete_record(), "gradient", SLIDES)
    assert scene.edge_dashed[0]
    assert int(scene.edge_argb[0]) == hex_packed(SLIDES.zero_edge)


def test_nan_is_magenta_on_edges_and_neurons_and_reads_nan():
    network = Network([1, 1, 1], "sigmoid", [np.array([[0.5]]), np.array([[0.5]])])
    stepper = Stepper(network, [[np.nan]], [[0.5]])
    record = stepper.run_to_end_of_pass()
    scene = build_scene(record, None, "gradient", SCREEN)
    assert scene.edge_argb.tolist() == [hex_packed(SCREEN.nonfinite)] * 2
    assert int(scene.node_argb[1]) == hex_packed(SCREEN.nonfinite)
    assert scene.node_text[1] == ("NaN",)


def test_weight_mode_scales_on_the_largest_weight():
    network = Network([1, 2, 1], "tanh", [np.array([[0.5], [-2.0]]), np.array([[1.0, 0.25]])])
    record = Stepper(network, [[1.0]], [[0.0]]).record
    scene = build_scene(record, None, "weight", SCREEN)
    assert scene.colour_scale == ColourScale("weight", largest=2.0)
    # w / 2 mapped from [-1, 1] to [0, 1]: 0.5 -> 0.625, -2 -> 0, 1 -> 0.75, 0.25 -> 0.5625.
    expected = SCREEN.colormap("weight").map(np.array([0.625, 0.0, 0.75, 0.5625]), mode="byte")
    assert scene.edge_argb.tolist() == [packed(c) for c in expected]
    assert [label for _, label in scene.colour_bar.ticks] == ["−2.00", "−1.00", "0", "1.00", "2.00"]


def test_colour_scale_over_several_records_spans_them_all():
    tiny = stepper_for("tiny-sigmoid")
    tiny.run_to_end_of_pass()
    # 1-1 linear, w = 2, x = 1, t = 0: dL/dw = (w x - t) x = 2.
    big = Stepper(Network([1, 1], "linear", [np.array([[2.0]])]), [[1.0]], [[0.0]])
    big.run_to_end_of_pass()
    assert big.record.layers[0].grad_w[0, 0] == 2.0
    assert colour_scale("gradient", [big.complete_record()]).decades == (-3, 1)
    # 0.000424 .. 2: floor(log10) = -4, ceil(log10) = 1.
    assert colour_scale("gradient", [tiny.complete_record(), big.complete_record()]).decades == (-4, 1)
    assert colour_scale("activation", [big.complete_record()]).largest == 2.0
    with pytest.raises(ValueError, match="rainbow"):
        colour_scale("rainbow", [big.record])


def test_a_given_colour_scale_recolours_and_must_match_the_mode():
    stepper = stepper_for("tiny-sigmoid")
    record = stepper.run_to_end_of_pass()
    shared = ColourScale("gradient", decades=(-4, 1))
    scene = build_scene(record, stepper.complete_record(), "gradient", SCREEN, shared)
    grads = np.abs(hand_tiny_sigmoid()["grad_w"])
    assert scene.edge_argb.tolist() == [packed(c) for c in gradient_colors(grads, (-4, 1), SCREEN)]
    assert [label for _, label in scene.colour_bar.ticks] == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1", "10"]
    with pytest.raises(ValueError, match="weight"):
        build_scene(record, None, "gradient", SCREEN, ColourScale("weight", largest=1.0))


def test_the_scene_is_frozen_and_its_arrays_read_only():
    stepper = stepper_for("tiny-sigmoid")
    scene = build_scene(stepper.run_to_end_of_pass(), None, "gradient", SCREEN)
    assert isinstance(scene, DiagramScene)
    with pytest.raises(AttributeError):
        scene.caption = "other"
    with pytest.raises(ValueError):
        scene.edge_argb[0] = 0


def test_a_cache_gives_the_same_scene_and_reuses_unchanged_layers(monkeypatch):
    stepper = stepper_for("deep-sigmoid")
    cache = SceneCache()
    computed = []
    layer_colours = scene_module.layer_edge_colours

    def counted(record, layer, *args):
        computed.append(layer)
        return layer_colours(record, layer, *args)

    monkeypatch.setattr(scene_module, "layer_edge_colours", counted)
    depth = stepper.network.depth
    stepper.go_to_step(depth + 2)  # the backward pass has done the last layer
    build_scene(stepper.record, stepper.complete_record(), "gradient", SCREEN, cache=cache)
    computed.clear()
    record = stepper.step_forward()  # and the one before it
    cached = build_scene(record, stepper.complete_record(), "gradient", SCREEN, cache=cache)
    assert computed == [depth - 1]  # only the layer whose gradient is new
    fresh = build_scene(record, stepper.complete_record(), "gradient", SCREEN)
    assert cached.edge_argb.tolist() == fresh.edge_argb.tolist()
    assert cached.node_argb.tolist() == fresh.node_argb.tolist()


def _counting(monkeypatch, name):
    computed = []
    original = getattr(scene_module, name)

    def counted(record, layer, *args):
        computed.append(layer)
        return original(record, layer, *args)

    monkeypatch.setattr(scene_module, name, counted)
    return computed


def test_a_pass_stepped_through_again_after_a_reset_finds_its_colours_kept(monkeypatch):
    """A reset recomputes the pass: new arrays, equal to the old. A small network's layers are recognised by
    content and recoloured by nobody; the scene is the one a fresh build gives."""
    stepper = stepper_for("deep-sigmoid")
    depth = stepper.network.depth
    cache = SceneCache()
    # The neurons' fill is computed from their slopes: counted where they are.
    edges, nodes = _counting(monkeypatch, "layer_edge_colours"), _counting(monkeypatch, "mean_relative_slope")
    for step in range(1, 2 * depth + 2):
        build_scene(stepper.step_forward(), stepper.complete_record(), "gradient", SCREEN, cache=cache)
    first_grad = stepper.record.layers[0].grad_w
    stepper.reset()
    edges.clear(), nodes.clear()
    for step in range(1, 2 * depth + 2):
        record = stepper.step_forward()
        cached = build_scene(record, stepper.complete_record(), "gradient", SCREEN, cache=cache)
    assert stepper.record.layers[0].grad_w is not first_grad  # computed anew ...
    assert edges == [] and nodes == []  # ... and not recoloured
    fresh = build_scene(record, stepper.complete_record(), "gradient", SCREEN)
    assert cached.edge_argb.tolist() == fresh.edge_argb.tolist()
    assert cached.node_argb.tolist() == fresh.node_argb.tolist()
    assert cached.node_text == fresh.node_text


def test_an_activation_changed_over_equal_z_gives_its_own_neuron_colours():
    """Layer 1's z does not depend on layer 1's activation: the same z under ReLU is not coloured as under sigmoid."""
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))]
    inputs, targets = np.array([[0.5, -1.0]]), np.array([[0.2]])
    cache = SceneCache()
    scenes = []
    for activation in ("sigmoid", "relu"):
        network = Network([2, 3, 1], [activation, "sigmoid"], weights)
        record = network.run(inputs, targets)
        scenes.append(build_scene(record, record, "gradient", SCREEN, cache=cache))
        fresh = build_scene(record, record, "gradient", SCREEN)
        assert scenes[-1].node_argb.tolist() == fresh.node_argb.tolist()
    z = network.run(inputs, targets).layers[0].z
    # Sigmoid's slope relative to its largest (1/4) is 4 s (1 - s) < 1; ReLU's is 1 where z > 0, 0 elsewhere.
    hidden = slice(2, 5)  # after the two inputs' neurons
    assert scenes[0].node_argb[hidden].tolist() != scenes[1].node_argb[hidden].tolist()
    relu_slopes = (z[0] > 0).astype(float)
    expected = [packed(SCREEN.colormap("activation").map(np.array([v]), mode="byte")[0]) for v in relu_slopes]
    assert scenes[1].node_argb[hidden].tolist() == expected


def test_a_kept_output_text_follows_its_loss_and_alternating_records_keep_their_own_colours():
    """The output's text names the loss: a record equal in all but the loss is not given the other's text.
    And a cache serving two passes in turn (two records whose layers are all different objects) gives each
    its own scene, as a fresh build does."""
    import dataclasses

    stepper = stepper_for("tiny-sigmoid")
    record = stepper.run_to_end_of_pass()
    other = dataclasses.replace(record, loss=0.125)
    cache = SceneCache()
    texts = [build_scene(r, r, "gradient", SCREEN, cache=cache).output_text for r in (record, other, record)]
    assert texts[0] == texts[2] == build_scene(record, record, "gradient", SCREEN).output_text
    assert texts[1][0].endswith("loss 0.125") and not texts[0][0].endswith("loss 0.125")
    second = stepper_for("tiny-sigmoid", inputs=np.array([[0.9]])).run_to_end_of_pass()
    for r in (record, second, record, second):
        cached, fresh = build_scene(r, r, "gradient", SCREEN, cache=cache), build_scene(r, r, "gradient", SCREEN)
        assert cached.edge_argb.tolist() == fresh.edge_argb.tolist()
        assert cached.node_argb.tolist() == fresh.node_argb.tolist() and cached.node_text == fresh.node_text
    assert build_scene(record, record, "gradient", SCREEN, cache=cache).edge_argb.tolist() != build_scene(second, second, "gradient", SCREEN).edge_argb.tolist()


def test_large_arrays_are_recognised_only_as_the_same_object(monkeypatch):
    """Above CONTENT_KEYED_VALUES values a layer's bytes are not read: an equal copy is coloured anew."""
    rng = np.random.default_rng(0)
    width = 40  # 1,600 weights per layer, above the 1,024 read by content
    assert width * width > scene_module.CONTENT_KEYED_VALUES
    network = Network([width, width, 1], "sigmoid", [rng.normal(size=(width, width)), rng.normal(size=(1, width))])
    inputs, targets = rng.normal(size=(2, width)), rng.uniform(size=(2, 1))
    cache = SceneCache()
    edges = _counting(monkeypatch, "layer_edge_colours")
    first = network.run(inputs, targets)
    build_scene(first, first, "gradient", SCREEN, cache=cache)
    build_scene(first, first, "gradient", SCREEN, cache=cache)
    assert edges == [1, 2]  # the same record: kept
    again = network.run(inputs, targets)
    assert np.array_equal(again.layers[0].grad_w, first.layers[0].grad_w)
    build_scene(again, again, "gradient", SCREEN, cache=cache)
    # Layer 1 (1,600 gradients) by identity: coloured again; layer 2 (40) by content: kept.
    assert edges == [1, 2, 1]


def test_scene_module_uses_no_widget_and_no_painter():
    tree = ast.parse((ROOT / "gradviz" / "ui" / "diagram" / "scene.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == "PySide6" for alias in node.names}
    assert imported == {"QtGui"}
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not {"QPainter", "QWidget", "QImage", "QApplication", "QGuiApplication"} & names


def test_a_scene_builds_without_any_application_object():
    """QColor parsing needs no QGuiApplication: the scene builds in a process that never creates one."""
    code = (
        "from PySide6 import QtGui\n"
        "from gradviz.files.network_file import load_preset\n"
        "from gradviz.core.stepper import Stepper\n"
        "from gradviz.ui.diagram import build_scene\n"
        "from gradviz.ui.theme import SCREEN\n"
        "e = load_preset('tiny-sigmoid')\n"
        "s = Stepper(e.network, e.inputs, e.targets, e.loss, e.learning_rate)\n"
        "scene = build_scene(s.run_to_end_of_pass(), s.complete_record(), 'gradient', SCREEN)\n"
        "assert QtGui.QGuiApplication.instance() is None\n"
        "print(len(scene.edge_argb), hex(int(scene.edge_argb[0])))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    grad = abs(hand_tiny_sigmoid()["grad_w"][0])
    assert done.stdout.split() == ["3", hex(packed(gradient_colors([grad], (-5, -1), SCREEN)[0]))]
