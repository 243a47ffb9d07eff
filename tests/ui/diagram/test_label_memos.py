"""What the label plans keep from one step to the next gives the same places as working them out afresh, and a
step that changes one layer's numbers measures that layer alone.

Expected values come from the layout's geometry (a number inside a circle is centred in the circle's square) and
from the scene's own texts, not from the plans themselves.
"""

from __future__ import annotations

import pytest

from gradviz.ui.diagram import labels
from gradviz.ui.diagram.layout import layout_for_theme
from gradviz.ui.diagram.scene import build_scene
from gradviz.ui.theme import SCREEN
from tests.helpers import stepper_for


@pytest.fixture
def pass_scenes(qapp):
    """tiny-sigmoid's forward pass, a scene per step, and the one layout they share."""
    stepper = stepper_for("tiny-sigmoid")
    scenes = []
    for _ in range(stepper.network.depth + 1):
        scenes.append(build_scene(stepper.step_forward(), None, "gradient", SCREEN))
    layout = layout_for_theme(scenes[0].widths, 1400, 900, SCREEN, scenes[0].skip_layers, scenes[0].edge_text is not None)
    return scenes, layout


def test_numbers_inside_the_circles_are_centred_in_each_circles_square(pass_scenes):
    scenes, layout = pass_scenes
    for scene in scenes:
        plan, hidden = labels.node_value_plan(layout, scene, SCREEN)
        shown = [l for l, texts in enumerate(scene.node_text) if texts is not None]
        assert [v.layer for v in plan] == shown and not hidden
        for values in plan:
            assert values.inside and values.texts == scene.node_text[values.layer]
            x, r = float(layout.x[values.layer]), layout.radii[values.layer]
            for rect, y in zip(values.rects, layout.ys[values.layer]):
                assert (rect.left(), rect.top(), rect.width(), rect.height()) == pytest.approx((x - r, float(y) - r, 2 * r, 2 * r))


def test_a_step_that_changes_one_layers_numbers_measures_that_layer_alone(pass_scenes, monkeypatch):
    scenes, layout = pass_scenes
    measured = []
    size_of = labels.node_text_size
    monkeypatch.setattr(labels, "node_text_size", lambda layout, layer, texts, theme: measured.append(layer) or size_of(layout, layer, texts, theme))
    labels.node_value_plan(layout, scenes[0], SCREEN)
    first = sorted(set(measured))
    for before, after in zip(scenes, scenes[1:]):
        changed = [l for l, (a, b) in enumerate(zip(before.node_text, after.node_text)) if a != b]
        measured.clear()
        labels.node_value_plan(layout, after, SCREEN)
        assert sorted(set(measured)) == changed, (changed, measured)
    assert first == [l for l, texts in enumerate(scenes[0].node_text) if texts is not None]


def test_the_output_boxes_kept_are_handed_out_as_copies(pass_scenes):
    scenes, layout = pass_scenes
    scene = scenes[-1]
    assert scene.output_text  # the prediction against the target, at the loss
    first = labels.output_label_boxes(layout, scene, SCREEN, [])
    first.append("changed by the caller")
    again = labels.output_label_boxes(layout, scene, SCREEN, [])
    assert len(again) == len(scene.output_text) and "changed by the caller" not in again
    # Each box holds its text: as wide as the widest line plus the padding, and clear of the output's ring.
    for box, text in zip(again, scene.output_text):
        widest = max(labels.text_advance(SCREEN, labels.font_px(SCREEN), line) for line in text.split("\n"))
        assert box.width == pytest.approx(widest + 2 * labels.BOX_PAD)
        assert layout.box_is_free(box, [])
