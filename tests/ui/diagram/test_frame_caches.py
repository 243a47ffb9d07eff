"""The images a diagram view keeps between frames (edges, neurons, skip arcs, labels, caption) never show a
stale state: a view stepped through a pass and back paints each state pixel for pixel as a fresh view does."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtGui

from gradviz.core.stepper import Stepper
from gradviz.files.network_file import load_preset
from gradviz.ui.diagram import NetworkView
from gradviz.ui.theme import SCREEN, SLIDES


def _pixels(view: NetworkView) -> np.ndarray:
    image = view.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    buffer = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(image.height(), image.bytesPerLine())
    return buffer[:, : 4 * image.width()].copy()


def _view(qtbot, theme) -> NetworkView:
    view = NetworkView(theme)
    qtbot.addWidget(view)
    view.resize(1100, 640)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.mark.parametrize("preset, theme", [("residual-sigmoid", SCREEN), ("exploding", SLIDES)])
def test_a_view_stepped_through_a_pass_and_back_paints_each_state_as_a_fresh_view_does(qtbot, preset, theme):
    experiment = load_preset(preset)
    stepper = Stepper(experiment.network, experiment.inputs, experiment.targets, experiment.loss, experiment.learning_rate)
    stepper.run_to_end_of_pass()
    scale = stepper.complete_record()
    depth = stepper.network.depth
    stepped = _view(qtbot, theme)
    # Forward to the end of the backward pass, back to its start, and through it again: the second time
    # round every state finds its edges, neurons, arcs, labels and caption among the kept images.
    visits = list(range(depth + 1, 2 * depth + 2)) + list(range(depth + 1, 2 * depth + 2))
    checked = 0
    for number, step in enumerate(visits):
        stepper.go_to_step(step)
        stepped.show_record(stepper.record, scale)
        stepped.repaint()
        if number % 3 == 0 or number >= len(visits) - 2:
            fresh = _view(qtbot, theme)
            fresh.show_record(stepper.record, scale)
            fresh.repaint()
            same = np.array_equal(_pixels(stepped), _pixels(fresh))
            assert stepped.render_path == fresh.render_path == "vector"  # the cached images, not the export's path
            assert same, f"step {step}: the view that stepped there paints it unlike a fresh view"
            assert [(b.text, b.role) for b in stepped.text_boxes] == [(b.text, b.role) for b in fresh.text_boxes]
            fresh.close()
            checked += 1
    assert checked >= 6


def test_a_backward_step_draws_the_captions_first_line_anew_and_keeps_its_notes(qtbot, monkeypatch):
    """deep-sigmoid's backward steps change where the pass stands, not what the notes say: the notes' image
    is drawn once and the first line's once per step; each state still paints as a fresh view does."""
    from gradviz.ui.diagram import painters

    drawn = {"title": [], "notes": []}
    title, notes = painters.paint_caption_title, painters.paint_caption_notes
    monkeypatch.setattr(painters, "paint_caption_title", lambda p, layout, theme, text, r: (drawn["title"].append(text), title(p, layout, theme, text, r)))
    monkeypatch.setattr(painters, "paint_caption_notes", lambda p, layout, theme, parts, r: (drawn["notes"].append(parts), notes(p, layout, theme, parts, r)))
    experiment = load_preset("deep-sigmoid")
    stepper = Stepper(experiment.network, experiment.inputs, experiment.targets, experiment.loss, experiment.learning_rate)
    stepper.run_to_end_of_pass()
    scale = stepper.complete_record()
    depth = stepper.network.depth
    view = _view(qtbot, SLIDES)
    for step in range(depth + 2, 2 * depth + 2):  # the backward pass, layer by layer
        stepper.go_to_step(step)
        view.show_record(stepper.record, scale)
        view.grab()  # a paint of the widget, as on screen
    assert len(drawn["title"]) == depth and len(set(drawn["title"])) == depth
    assert drawn["title"][0].startswith(f"Backward: layer {depth} of {depth}")
    assert len(drawn["notes"]) == 1
    fresh = _view(qtbot, SLIDES)
    fresh.show_record(stepper.record, scale)
    assert np.array_equal(_pixels(view), _pixels(fresh))
    captions = [b for b in view.text_boxes if b.role == "caption"]
    assert [b.text for b in captions] == [b.text for b in fresh.text_boxes if b.role == "caption"]
    assert captions[0].text.startswith("Backward: layer 1 of") and len(captions) >= 2


@pytest.mark.parametrize("theme", [SCREEN, SLIDES])
def test_the_kept_direction_arrow_lands_where_the_arrow_drawn_directly_does(qtbot, theme):
    """The arrow under the band comes from the labels' cache on screen: the same pixels as drawn straight onto
    the screen, but for rounding of a level where its antialiased edge meets the band."""
    experiment = load_preset("deep-sigmoid")
    stepper = Stepper(experiment.network, experiment.inputs, experiment.targets, experiment.loss, experiment.learning_rate)
    stepper.run_to_end_of_pass()
    scale = stepper.complete_record()
    view = _view(qtbot, theme)
    labels = view._cached_paints[0]

    class ArrowDrawnDirectly:
        def paint(self, painter, key, rect, device_scale, draw, boxes):
            if key[0] == "direction":
                draw(painter, boxes)
            else:
                labels.paint(painter, key, rect, device_scale, draw, boxes)

    for step in (3, stepper.network.depth + 4):  # forward (→) and backward (←)
        stepper.go_to_step(step)
        view.show_record(stepper.record, scale)
        kept = _pixels(view).astype(int)
        view._cached_paints = (ArrowDrawnDirectly(), *view._cached_paints[1:])
        direct = _pixels(view).astype(int)
        view._cached_paints = (labels, *view._cached_paints[1:])
        band = view.scene.highlight
        assert band is not None and band > 0
        assert np.abs(kept - direct).max() <= 1 and np.count_nonzero(kept != direct) <= 24, step
        # And the arrow is there: its colour, exactly, inside the box kept for it.
        from gradviz.ui.diagram.labels import direction_rects

        box = direction_rects(view._current_layout())[band - 1]
        colour = theme.color("highlight")
        area = kept[int(box.top) : int(box.top + box.height), int(box.left) * 4 : int(box.left + box.width) * 4].reshape(-1, 4)
        assert np.any((area[:, 2] == colour.red()) & (area[:, 1] == colour.green()) & (area[:, 0] == colour.blue())), step
