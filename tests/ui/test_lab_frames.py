"""Issue 19 item 3: what the lab view keeps from frame to frame (layers, the sketch's edge pixels, the
curves) never shows a stale picture, and a training frame costs the window no more than one paint.

Expected values come from elsewhere than the cached drawing: an edge's colour from the core's last
gradient on the snapshot's shared scale through the theme's one colour function, an edge's pixels from
Qt's own ``drawLines``, a curve's newest point from the core's history.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from gradviz.ui.lab_canvas import lane_color
from gradviz.ui.lab_sketch import SKETCH_COLOUR_STEPS, EdgeRaster, _draw_lines
from gradviz.ui.theme import gradient_colors
from tests.qt_helpers import shown_lab

Key = QtCore.Qt.Key
Shift = QtCore.Qt.KeyboardModifier.ShiftModifier



def _painted(qtbot, window):
    """Paint the lab view now; returns what it drew and its pixels."""
    view = window.lab.view
    view.picture = None
    view.repaint()
    qtbot.waitUntil(lambda: view.picture is not None)
    return view.picture, view.grab().toImage()


def _rgb(image, x, y):
    color = QtGui.QColor(image.pixel(int(x), int(y)))
    return color.red(), color.green(), color.blue()


def _lone_points(ends, pen_width, nodes) -> dict:
    """{edge: a point on it that no other edge and no neuron comes near}: its pixel shows that edge alone."""
    a, b = ends[:, :2], ends[:, 2:]
    d = b - a
    found = {}
    for n in range(len(ends)):
        for share in (0.3, 0.7, 0.4, 0.6, 0.5):
            point = a[n] + share * d[n]
            t = np.clip(((point - a) * d).sum(axis=1) / (d * d).sum(axis=1), 0, 1)
            distance = np.hypot(*(a + t[:, None] * d - point).T)
            distance[n] = np.inf
            if distance.min() > pen_width + 2 and np.hypot(*(nodes - point).T).min() > 10:
                found[n] = point
                break
    return found


def _expected_edge_rgb(magnitude, decades, theme):
    """An edge's colour by hand: its |dC/dw| on the shared log scale, rounded to the sketch's colour steps."""
    lo, hi = decades
    if magnitude == 0:
        return tuple(QtGui.QColor(theme.zero_edge).getRgb()[:3])
    step = np.clip(np.round((np.log10(magnitude) - lo) / (hi - lo) * SKETCH_COLOUR_STEPS), 0, SKETCH_COLOUR_STEPS)
    return tuple(int(v) for v in gradient_colors(np.array([10.0 ** (lo + step / SKETCH_COLOUR_STEPS * (hi - lo))]), decades, theme)[0][:3])


def _first_layer_edges(window, picture, image) -> dict:
    """{(lane, edge): (pixel, expected colour)} for each lane's first-layer edges, where each shows alone."""
    shot = window.bridge.snapshot.lab
    checked = {}
    for k, lane in enumerate(window.lab.driver.lab.lab.lanes):
        ends, _, pen_width = picture.sketch_edges[k]
        # The first weight layer: 2 inputs to a hidden layer of 16, of which ten evenly chosen are drawn.
        shown = np.linspace(0, lane.widths[1] - 1, 10).round().astype(int)
        first = ends[: 2 * len(shown)]
        gradient = np.abs(np.asarray(lane.last_gradient.weights[0]))
        for n, point in _lone_points(first, pen_width, np.vstack([first[:, :2], first[:, 2:]])).items():
            to_unit, from_unit = divmod(n, 2)
            expected = _expected_edge_rgb(gradient[shown[to_unit], from_unit], shot.grad_decades, window.theme)
            checked[(k, n)] = (_rgb(image, *point), expected)
    return checked


def test_the_sketchs_edges_show_the_last_mini_batchs_gradient_after_every_step(qtbot):
    window = shown_lab(qtbot)
    seen = []
    for press in range(4):
        if press:
            qtbot.keyClick(window.lab.view, Key.Key_Right, Shift)  # one mini-batch: new gradients, the same geometry
        checked = _first_layer_edges(window, *_painted(qtbot, window))
        assert len(checked) >= 6
        for where, (pixel, expected) in checked.items():
            assert pixel == expected, (press, where)
        seen.append({where: expected for where, (_, expected) in checked.items()})
    # The steps changed some checked edge's colour: a picture kept from before would have failed above.
    assert any(later[where] != seen[0][where] for later in seen[1:] for where in seen[0] if where in later)


@pytest.mark.parametrize("pen_width", [1.0, 1.9, 3.4])
def test_the_edge_raster_makes_the_same_pixels_as_drawing_the_lines(qapp, pen_width):
    rng = np.random.default_rng(3)
    lines = []
    columns = [20.5, 61.3, 100.0, 143.7]
    for l in range(3):
        left = 40 + np.sort(rng.uniform(0, 200, 7))
        right = 40 + np.sort(rng.uniform(0, 200, 9))
        lines += [QtCore.QLineF(columns[l], y0, columns[l + 1], y1) for y1 in right for y0 in left]
    # Opaque colours from a short table, so that many crossing edges share one: ties and order both matter.
    table = rng.integers(0, 2**24, 12, dtype=np.uint32) | np.uint32(0xFF000000)
    packed = table[rng.integers(0, len(table), len(lines))]

    def drawn(paint):
        image = QtGui.QImage(200, 300, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QtGui.QColor("#1c1e22"))
        painter = QtGui.QPainter(image)
        paint(painter)
        painter.end()
        return np.frombuffer(image.constBits(), np.uint32, 200 * 300).copy()

    raster = EdgeRaster(lines, pen_width)
    ours = drawn(lambda p: p.drawImage(raster.corner, raster.image(packed)))
    qts = drawn(lambda p: _draw_lines(p, lines, packed, pen_width))
    assert (qts != qts[0]).sum() > 2000  # the lines cover a good part of the picture
    np.testing.assert_array_equal(ours, qts)
    # Other colours on the same raster: the pixels follow them.
    packed = table[rng.integers(0, len(table), len(lines))]
    np.testing.assert_array_equal(drawn(lambda p: p.drawImage(raster.corner, raster.image(packed))),
                                  drawn(lambda p: _draw_lines(p, lines, packed, pen_width)))  # fmt: skip


def _distance(rgb, color):
    return float(np.abs(np.array(rgb) - np.array([color.red(), color.green(), color.blue()])).sum())


def test_a_new_epoch_draws_its_point_on_the_kept_curves(qtbot):
    window = shown_lab(qtbot)
    view = window.lab.view
    for _ in range(3):
        qtbot.keyClick(view, Key.Key_Right)
    qtbot.keyClick(view, Key.Key_Right, Shift)  # one mini-batch: no new epoch, the curves are kept
    picture, before = _painted(qtbot, window)
    area, last_epoch, loss_top = picture.plot_rects["loss"]
    assert last_epoch == 10  # the epoch axis stays put for the first ten epochs: only the data changes
    for _ in range(2):  # to the end of epoch 4, then all of epoch 5
        qtbot.keyClick(view, Key.Key_Right)
    picture, after = _painted(qtbot, window)
    run = window.lab.driver.lab.lab
    background = QtGui.QColor(window.theme.background)
    for k, lane in enumerate(run.lanes):
        history = lane.history
        epochs, loss = history.epochs[: history.count], history.measure("loss")
        assert epochs[-1] == 5
        x = area.left() + epochs[-1] / last_epoch * area.width()
        y = area.bottom() - loss[-1] / loss_top * area.height()
        color = lane_color(window.theme, k)
        # The newest point is on screen in the lane's colour, where nothing of that lane was before.
        assert _distance(_rgb(after, x, y), color) < _distance(_rgb(after, x, y), background)
        assert _distance(_rgb(before, x, y), color) > _distance(_rgb(before, x, y), background)
        x_data, y_data, _, _ = picture.curves[(k, "loss")]
        np.testing.assert_array_equal(x_data, epochs)
        np.testing.assert_array_equal(y_data, loss)


def test_frames_keep_one_cache_entry_per_layer(qtbot):
    window = shown_lab(qtbot)
    view = window.lab.view
    sizes = []
    for _ in range(14):
        qtbot.keyClick(view, Key.Key_Right)
        _painted(qtbot, window)
        sizes.append(len(view._cache))
    # The epoch axis growing past ten epochs, new histories and gradients add no entry.
    assert sizes[-1] == sizes[5] and max(sizes) < 32


def test_playing_leaves_the_docks_settings_alone(qtbot, monkeypatch):
    window = shown_lab(qtbot)
    driver = window.lab.driver
    shown, published = [], []
    original = window.lab.controls.show_settings
    monkeypatch.setattr(window.lab.controls, "show_settings", lambda config: (shown.append(driver.playing), original(config)))
    window.bridge.sigSnapshot.connect(lambda shot: published.append(driver.playing))
    driver.play()
    qtbot.waitUntil(lambda: published.count(True) >= 3, timeout=20000)
    driver.pause()
    assert True not in shown  # no setting changed while playing: the dock's spin boxes were left alone
    assert shown[-1] is False  # paused, the dock shows the lab's settings again
    driver.edit({"learning_rate": 0.05})
    assert window.lab.controls.learning_rate.value() == pytest.approx(0.05)


def test_a_tick_while_playing_publishes_or_trains_never_both(qapp):
    from types import SimpleNamespace

    from gradviz.core.lab_state import LabRun
    from gradviz.ui.lab_driver import LabDriver, samples_trained

    published = []
    bridge = SimpleNamespace(session=SimpleNamespace(lab=LabRun.from_preset("spiral-deep")))
    bridge.publish_lab = lambda: published.append(samples_trained(bridge.session.lab))
    driver = LabDriver(bridge)
    driver.play()
    ticks = []
    try:
        while len(published) < 3 and len(ticks) < 500:
            before = (samples_trained(driver.lab), len(published))
            driver._on_tick()
            ticks.append((samples_trained(driver.lab) - before[0], len(published) - before[1]))
    finally:
        driver.shutdown()
    assert ticks[0][0] > 0 and ticks[0][1] == 0  # what is shown is current: play trains first
    assert len(published) == 3
    for trained, publishes in ticks:
        assert (trained > 0) != (publishes > 0)


def _special_keys(picture) -> list:
    return [t for t in picture.texts if t.role == "colour-bar" and t.text in ("exactly 0", "0", "NaN or inf", "NaN")]


def test_a_dead_relus_exact_zero_has_its_own_key_beside_the_colour_bar(qtbot):
    window = shown_lab(qtbot, size=(1600, 900))
    qtbot.keyClick(window.lab.view, Key.Key_Right)  # one epoch
    shot = window.bridge.snapshot.lab
    grads = [np.asarray(g) for lane in shot.lanes for g in lane.grad_w]
    # The core's last batch: the ReLU lane's dead units give exact zeros, and nothing is NaN.
    assert any((g == 0).any() for g in grads) and all(np.isfinite(g).all() for g in grads)
    picture, image = _painted(qtbot, window)
    keys = _special_keys(picture)
    assert [t.text for t in keys] == ["exactly 0"]
    # The swatch left of the key's text is the colour the sketch gives an exact zero.
    theme = window.lab.view.theme
    box = keys[0].rect
    swatch = [_rgb(image, x, box.center().y()) for x in range(int(box.left()) - 30, int(box.left()))]
    assert tuple(QtGui.QColor(theme.zero_edge).getRgb()[:3]) in swatch
    assert keys[0].px >= 14  # as readable as the scale's own labels (issue 17's least size on screen)


def test_without_an_exact_zero_or_a_nan_the_colour_bar_has_no_extra_key(qtbot):
    window = shown_lab(qtbot, size=(1600, 900))
    window.lab.driver.edit({"activation": ["sigmoid", "sigmoid"]})
    qtbot.keyClick(window.lab.view, Key.Key_Right)
    shot = window.bridge.snapshot.lab
    assert [lane.activation for lane in shot.lanes] == ["sigmoid", "sigmoid"]
    grads = [np.asarray(g) for lane in shot.lanes for g in lane.grad_w]
    assert not any((g == 0).any() for g in grads)  # sigmoid's derivative is never 0 in float64 here
    picture, _image = _painted(qtbot, window)
    assert _special_keys(picture) == []
    assert any(t.role == "colour-bar" and t.text == "last batch |∂C/∂w|" for t in picture.texts)


def test_before_any_mini_batch_the_colour_bar_names_the_first_batch_and_after_one_the_last(qtbot):
    """At epoch 0 the sketch shows the first mini-batch's gradient at the starting weights (not yet applied):
    "last batch" would name a batch that has not been trained."""
    window = shown_lab(qtbot, size=(1600, 900))
    shot = window.bridge.snapshot.lab
    assert (shot.epoch, shot.batch_index) == (0, 0)
    bar = [t.text for t in _painted(qtbot, window)[0].texts if t.role == "colour-bar" and "|∂C/∂w|" in t.text]
    assert bar == ["first batch |∂C/∂w|"]
    qtbot.keyClick(window.lab.view, Key.Key_Right, QtCore.Qt.KeyboardModifier.ShiftModifier)  # one mini-batch
    assert window.bridge.snapshot.lab.batch_index == 1
    bar = [t.text for t in _painted(qtbot, window)[0].texts if t.role == "colour-bar" and "|∂C/∂w|" in t.text]
    assert bar == ["last batch |∂C/∂w|"]
    qtbot.keyClick(window.lab.view, Key.Key_Home)  # Reset: epoch 0 again, nothing trained
    bar = [t.text for t in _painted(qtbot, window)[0].texts if t.role == "colour-bar" and "|∂C/∂w|" in t.text]
    assert bar == ["first batch |∂C/∂w|"]
