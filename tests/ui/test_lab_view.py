"""Issue 19: the training lab in the real window (offscreen): keys, lock-step, reset, what is drawn.

Expected values come from elsewhere than the drawing: the boundary's cells from an independent NumPy
forward pass of the snapshot's weights, the curves from the core's own history, the weights after Reset
from the lab's state before any training, text sizes and contrast from the rendered pixels.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gradviz.files.network_file import load_preset
from gradviz.ui.lab_panels import heat_cell_class
from gradviz.ui.main_window import MainWindow, apply_app_font, desktop_font
from gradviz.ui.theme import SCREEN, SLIDES
from tests.qt_helpers import shown_lab

Key = QtCore.Qt.Key


@pytest.fixture
def restore_app_font(qapp):
    desktop_font()
    yield
    apply_app_font(SCREEN)



def _lab(window):
    return window.bridge.snapshot.lab


def _press(qtbot, window, key, modifier=QtCore.Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.lab.view, key, modifier)


def _weights(shot):
    return [np.array(w) for lane in shot.lanes for w in (*lane.weights, *lane.biases)]


def _painted(qtbot, window):
    """Paint the lab view now and return what it drew."""
    view = window.lab.view
    view.picture = None
    view.repaint()
    qtbot.waitUntil(lambda: view.picture is not None)
    return view.picture


# ------------------------------------------------------------------------------------------ keys


def test_right_trains_one_epoch_and_shift_right_one_mini_batch(qtbot):
    window = shown_lab(qtbot)
    assert window.lab.shown
    assert (_lab(window).epoch, _lab(window).batch_index) == (0, 0)
    _press(qtbot, window, Key.Key_Right)
    assert (_lab(window).epoch, _lab(window).batch_index) == (1, 0)
    _press(qtbot, window, Key.Key_Right, QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert (_lab(window).epoch, _lab(window).batch_index) == (1, 1)
    _press(qtbot, window, Key.Key_Right)  # to the end of epoch 2
    assert (_lab(window).epoch, _lab(window).batch_index) == (2, 0)
    # The pass's own stepping did not move: the keys went to the lab.
    assert window.bridge.session.record.step == 0


def test_space_plays_and_pauses_within_one_frame(qtbot):
    window = shown_lab(qtbot)
    _press(qtbot, window, Key.Key_Space)
    driver = window.lab.driver
    assert driver.playing
    qtbot.waitUntil(lambda: _lab(window).epoch >= 3, timeout=20000)
    _press(qtbot, window, Key.Key_Space)
    assert not driver.playing
    # Paused at once: the published state is the lab's state, and nothing trains any more.
    stopped = (window.lab.driver.lab.epoch, window.lab.driver.lab.batch_index)
    assert (_lab(window).epoch, _lab(window).batch_index) == stopped
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    assert (window.lab.driver.lab.epoch, window.lab.driver.lab.batch_index) == stopped
    assert window.lab.status_epoch.text().startswith(f"Epoch {stopped[0]:,} of 300")


def test_lanes_move_in_lock_step_while_playing(qtbot):
    window = shown_lab(qtbot)
    seen = []

    def record(shot):
        lab = shot.lab
        if lab is not None:
            seen.append([tuple(np.asarray(lane.history.epochs).tolist()) for lane in lab.lanes])

    window.bridge.sigSnapshot.connect(record)
    window.lab.driver.play()
    qtbot.waitUntil(lambda: _lab(window).epoch >= 4, timeout=20000)
    window.lab.driver.pause()
    assert len(seen) >= 2
    for histories in seen:
        assert all(h == histories[0] for h in histories)  # every lane has measured the same epochs
    final = [np.asarray(lane.history.epochs).tolist() for lane in _lab(window).lanes]
    assert final[0] == list(range(_lab(window).epoch + 1))


def test_home_resets_to_the_same_starting_weights(qtbot):
    window = shown_lab(qtbot)
    start = _weights(_lab(window))
    _press(qtbot, window, Key.Key_Right)
    _press(qtbot, window, Key.Key_Right, QtCore.Qt.KeyboardModifier.ShiftModifier)
    trained = _weights(_lab(window))
    assert any(not np.array_equal(a, b) for a, b in zip(start, trained))
    window.lab.driver.play()
    _press(qtbot, window, Key.Key_Home)
    assert not window.lab.driver.playing
    shot = _lab(window)
    assert (shot.epoch, shot.batch_index) == (0, 0)
    for a, b in zip(start, _weights(shot)):
        np.testing.assert_array_equal(a, b)


def test_undo_takes_back_an_epoch_and_a_learning_rate_change(qtbot):
    window = shown_lab(qtbot)
    _press(qtbot, window, Key.Key_Right)
    assert _lab(window).epoch == 1
    window.lab.controls.learning_rate.setValue(0.05)
    assert _lab(window).lanes[0].learning_rate == pytest.approx(0.05)
    qtbot.keyClick(window.lab.view, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert _lab(window).lanes[0].learning_rate == pytest.approx(0.1)
    assert window.lab.controls.learning_rate.value() == pytest.approx(0.1)
    qtbot.keyClick(window.lab.view, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert _lab(window).epoch == 0


def test_hiding_the_lab_gives_the_keys_back_to_the_pass(qtbot):
    window = shown_lab(qtbot)
    window.lab.set_shown(False)
    qtbot.keyClick(window.central_view(), Key.Key_Right)
    assert window.bridge.session.record.step == 1
    assert _lab(window).epoch == 0


def test_lab_save_as_is_offered_once_there_is_a_lab_and_stays_while_it_is_hidden(qtbot, tmp_path):
    window = MainWindow(load_preset("tiny-sigmoid"), SCREEN)
    qtbot.addWidget(window)
    assert not window.lab.act_save.isEnabled()  # no lab yet: nothing to save, so not offered
    window.lab.open_preset("xor")
    assert window.lab.act_save.isEnabled()
    window.lab.set_shown(False)
    assert window.lab.act_save.isEnabled()  # the lab is still there, hidden: it can be saved
    path = tmp_path / "xor-lab.json"
    assert window.lab.save_lab_as(str(path)) and path.is_file()


# ------------------------------------------------------------------------------------------ what is drawn


def _forward_probability(lane, points, mean, scale):
    """Class 1's probability at raw ``points``, by a plain NumPy forward pass of the lane's weights."""
    a = (points - mean) / scale
    functions = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}
    for l, (w, b) in enumerate(zip(lane.weights, lane.biases)):
        z = a @ np.asarray(w).T + np.asarray(b)
        a = functions[lane.activations[l]](z) if l < len(lane.weights) - 1 else z
    return 1 / (1 + np.exp(-a[:, 0]))


def test_the_boundary_cells_are_the_networks_own_predictions(qtbot):
    window = shown_lab(qtbot)
    for _ in range(15):
        _press(qtbot, window, Key.Key_Right)
    picture = _painted(qtbot, window)
    shot = _lab(window)
    train = np.asarray(shot.data.train_points)
    mean, scale = train.mean(axis=0), train.std(axis=0)
    rng = np.random.default_rng(7)
    for k, lane in enumerate(shot.lanes):
        cells, rect, xs, ys = picture.heat_maps[k]
        assert cells.shape[:2] == (len(ys), len(xs)) and len(xs) >= 100
        classes = heat_cell_class(cells, window.theme.background)
        rows, cols = rng.integers(0, len(ys), 400), rng.integers(0, len(xs), 400)
        # Row 0 of the picture is the top: the largest y.
        points = np.column_stack([xs[cols], ys[len(ys) - 1 - rows]])
        p = _forward_probability(lane, points, mean, scale)
        clear = np.abs(p - 0.5) > 0.02  # cells at the boundary itself may round either way
        assert clear.sum() > 100
        np.testing.assert_array_equal(classes[rows, cols][clear], (p >= 0.5)[clear].astype(int))


def test_the_boundary_is_drawn_where_the_picture_says(qtbot):
    window = shown_lab(qtbot)
    _press(qtbot, window, Key.Key_Right)
    picture = _painted(qtbot, window)
    image = window.lab.view.grab().toImage()
    ratio = image.devicePixelRatio()
    cells, rect, _, _ = picture.heat_maps[1]
    # A cell's colour shows on screen at the cell's place (sampled where no point is drawn over it).
    matches = 0
    rows, cols = cells.shape[:2]
    for r in range(2, rows, 7):
        for c in range(2, cols, 7):
            x = rect.left() + (c + 0.5) * rect.width() / cols
            y = rect.top() + (r + 0.5) * rect.height() / rows
            pixel = QtGui.QColor(image.pixel(int(x * ratio), int(y * ratio)))
            if (pixel.red(), pixel.green(), pixel.blue()) == tuple(int(v) for v in cells[r, c]):
                matches += 1
    assert matches > 0.6 * len(range(2, rows, 7)) * len(range(2, cols, 7))


def test_the_curves_are_the_cores_history(qtbot):
    window = shown_lab(qtbot)
    for _ in range(6):
        _press(qtbot, window, Key.Key_Right)
    picture = _painted(qtbot, window)
    lab = window.lab.driver.lab.lab
    area, last_epoch, loss_top = picture.plot_rects["loss"]
    for k, lane in enumerate(lab.lanes):
        history = lane.history
        epochs, loss, accuracy = history.epochs[: history.count], history.measure("loss"), history.measure("test_accuracy")
        x, y, px, py = picture.curves[(k, "loss")]
        np.testing.assert_array_equal(x, epochs)
        np.testing.assert_allclose(y, loss, rtol=0, atol=0)
        np.testing.assert_allclose(px, area.left() + epochs / last_epoch * area.width(), atol=1e-9)
        np.testing.assert_allclose(py, area.bottom() - loss / loss_top * area.height(), atol=1e-9)
        _, acc, _, acc_py = picture.curves[(k, "test_accuracy")]
        np.testing.assert_allclose(acc, accuracy)
        np.testing.assert_allclose(acc_py, area.bottom() - accuracy * area.height(), atol=1e-9)
        speed_area, _, (lo, hi) = picture.plot_rects["speed"]
        speed = history.measure("speed")
        for l in range(speed.shape[1]):
            _, values, _, spy = picture.curves[(k, f"speed{l + 1}")]
            np.testing.assert_allclose(values, speed[:, l])
            expected = speed_area.bottom() - (np.log10(speed[:, l]) - lo) / (hi - lo) * speed_area.height()
            np.testing.assert_allclose(spy, expected, atol=1e-6)


def test_digits_show_right_and_wrong_marks_and_a_confusion_matrix(qtbot):
    window = shown_lab(qtbot, "digits-deep", size=(1920, 1080))  # room for a count in each cell
    _press(qtbot, window, Key.Key_Right)
    picture = _painted(qtbot, window)
    shot = _lab(window)
    marks = [t.text for t in picture.texts if t.role == "mark"]
    assert marks and set(marks) <= {"✓", "✗"}
    per_lane = len(marks) // len(shot.lanes)
    for k, lane in enumerate(shot.lanes):
        drawn = marks[k * per_lane : (k + 1) * per_lane]
        assert drawn == ["✓" if right else "✗" for right in np.asarray(lane.test_correct)[:per_lane]]
    cells = [int(t.text) for t in picture.texts if t.role == "cell"]
    assert sum(cells) == sum(int(np.asarray(lane.confusion).sum()) for lane in shot.lanes) == len(shot.data.test_labels) * len(shot.lanes)


# ------------------------------------------------------------------------------------------ readability


def _luminance(rgb) -> float:
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def _contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("preset", ["spiral-deep", "digits-deep"])
@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=["screen", "slides"])
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280", "1920"])
def test_the_lab_is_readable(qtbot, restore_app_font, preset, theme, size):
    window = shown_lab(qtbot, preset, theme, size)
    for _ in range(2):
        _press(qtbot, window, Key.Key_Right)
    picture = _painted(qtbot, window)
    least = 18 if theme is SLIDES else 14
    texts = picture.texts
    assert len(texts) > 20
    small = [(t.text, t.px) for t in texts if t.px < least]
    assert not small
    # The learning-speed plot names Nielsen's measure in its title at every size (issue 19 item 1).
    speed_titles = [t.text for t in texts if t.role == "title" and "‖∂C/∂b_l‖" in t.text]
    assert len(speed_titles) == 1 and "Nielsen" in speed_titles[0], speed_titles
    # The colour bar names what it measures (it dropped its name where 10⁻⁹ and 10⁻¹ took the room).
    assert [t.text for t in texts if t.role == "colour-bar" and "|∂C/∂w|" in t.text]
    view_rect = QtCore.QRectF(window.lab.view.rect())
    image = window.lab.view.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    ratio = image.devicePixelRatio()
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    for n, t in enumerate(texts):
        assert view_rect.contains(t.rect.adjusted(1, 1, -1, -1)), t.text  # nothing clipped at the view's edge
        for other in texts[n + 1 :]:
            overlap = t.rect.adjusted(1, 1, -1, -1).intersected(other.rect.adjusted(1, 1, -1, -1))
            assert overlap.isEmpty(), (t.text, other.text)
        box = pixels[int(t.rect.top() * ratio) : int(t.rect.bottom() * ratio), int(t.rect.left() * ratio) : int(t.rect.right() * ratio), :3]
        colours, counts = np.unique(box.reshape(-1, 3), axis=0, return_counts=True)
        background = colours[np.argmax(counts)][::-1]  # BGRA in memory
        text = QtGui.QColor(t.color)
        assert _contrast(background, (text.red(), text.green(), text.blue())) >= 4.5, (t.text, t.color, background)


# ------------------------------------------------------------------------------------------ presenter mode


def test_presenter_mode_shows_the_lab_alone_pagedown_trains_an_epoch_and_b_blanks(qtbot, restore_app_font):
    window = shown_lab(qtbot)
    qtbot.keyClick(window.lab.view, Key.Key_F5)
    assert window.presenter.active
    assert window.lab.view.isVisible() and not any(view.isVisible() for _spec, view in window.presenter.page.views)
    assert not window.lab.dock.isVisible() and not window.lab.toolbar.isVisible()
    qtbot.keyClick(window.lab.view, Key.Key_PageDown)
    assert _lab(window).epoch == 1
    assert window.bridge.session.record.step == 0  # the pass did not move
    picture = _painted(qtbot, window)
    assert min(t.px for t in picture.texts) >= 18  # the slides theme's print
    qtbot.keyClick(window.lab.view, Key.Key_B)
    assert window.presenter.blanked
    qtbot.keyClick(window.lab.view, Key.Key_PageDown)  # the keys still train behind the black screen
    assert _lab(window).epoch == 2
    qtbot.keyClick(window.lab.view, Key.Key_B)
    assert not window.presenter.blanked
    qtbot.keyClick(window.lab.view, Key.Key_Escape)
    assert not window.presenter.active
    assert window.lab.shown and window.lab.dock.isVisible() and not window.status.step.isVisible()


# ------------------------------------------------------------------------------------------ files and closing


def test_a_lab_session_file_opens_in_the_lab_at_its_epoch_and_weights(qtbot, tmp_path):
    from gradviz.core.lab_state import LabRun
    from gradviz.files.lab_file import save_lab_session

    run = LabRun.from_preset("xor")
    run.step_epoch()
    run.step_epoch()
    run.step_batch()
    saved = run.snapshot()
    path = tmp_path / "xor-lab.json"
    save_lab_session(run.lab, path)
    window = MainWindow(load_preset("tiny-sigmoid"))
    qtbot.addWidget(window)
    window.show()
    assert window.files.open_file(str(path), ask=False)
    assert window.lab.shown
    shot = _lab(window)
    assert (shot.epoch, shot.batch_index) == (2, 1)
    for a, b in zip(_weights(saved), _weights(shot)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(shot.lanes[0].history.loss, saved.lanes[0].history.loss)


def test_a_broken_lab_file_is_named_and_changes_nothing(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "gradviz-lab", "version": 2, "config": {"layers": "x"}}', encoding="utf-8")
    window = MainWindow(load_preset("tiny-sigmoid"))
    qtbot.addWidget(window)
    said = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: said.append(text))
    assert not window.files.open_file(str(path), ask=False)
    assert len(said) == 1 and "broken.json" in said[0] and "layers" in said[0]
    assert window.bridge.session.lab is None and not window.lab.shown


def test_closing_while_the_lab_trains_asks_first(qtbot, monkeypatch):
    window = shown_lab(qtbot)
    window.ask_to_save = True
    monkeypatch.setattr(window.files, "confirm_discard", lambda doing: True)  # only the lab's question here
    asked = []
    buttons = QtWidgets.QMessageBox.StandardButton
    answer = [buttons.Cancel]
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", lambda *args: asked.append(args[1]) or answer[0])
    window.lab.driver.play()
    assert not window.close()
    assert asked == ["The lab is training"] and window.isVisible() and window.lab.driver.playing
    answer[0] = buttons.Close
    assert window.close()
    assert not window.lab.driver.playing


def test_gradviz_lab_with_an_unknown_preset_is_one_line_and_exit_2(capsys):
    from gradviz.cli import main

    assert main(["--lab", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["gradviz: error: argument --lab: no lab preset called 'nope'; the lab presets are "
                   "digits-deep, digits-shallow, spiral-deep, xor, circles, moons, gauss, exploding-clip"]  # fmt: skip


def test_the_lab_saves_and_reopens_at_the_same_epoch_weights_and_history(qtbot, tmp_path):
    window = shown_lab(qtbot, "xor")
    _press(qtbot, window, Key.Key_Right)
    _press(qtbot, window, Key.Key_Right, QtCore.Qt.KeyboardModifier.ShiftModifier)
    before = _lab(window)
    path = tmp_path / "saved-lab.json"
    assert window.lab.save_lab_as(str(path))
    window.lab.open_preset("circles")
    assert _lab(window).data.name == "circles"
    assert window.files.open_file(str(path), ask=False)
    after = _lab(window)
    assert (after.epoch, after.batch_index, after.data.name) == (1, 1, "xor")
    assert window.lab.controls.preset.currentText() == "xor"
    for a, b in zip(_weights(before), _weights(after)):
        np.testing.assert_array_equal(a, b)
    for lane_before, lane_after in zip(before.lanes, after.lanes):
        np.testing.assert_array_equal(lane_before.history.test_accuracy, lane_after.history.test_accuracy)


def test_ctrl_s_and_file_save_save_the_lab_while_it_is_shown_and_the_network_again_once_hidden(qtbot, tmp_path):
    from gradviz.files.sniff import read_lab_file

    window = shown_lab(qtbot, "xor")
    path = tmp_path / "lab.json"
    _press(qtbot, window, Key.Key_Right)
    assert window.lab.save_lab_as(str(path))
    _press(qtbot, window, Key.Key_Right)
    _press(qtbot, window, Key.Key_Right, QtCore.Qt.KeyboardModifier.ShiftModifier)
    shown = _lab(window)
    qtbot.keyClick(window.lab.view, Key.Key_S, QtCore.Qt.KeyboardModifier.ControlModifier)
    saved = read_lab_file(path)
    assert (saved.epoch, saved.batch_index) == (2, 1)
    window.lab.open_preset("circles")
    assert window.files.open_file(str(path), ask=False)
    reopened = _lab(window)
    assert (reopened.epoch, reopened.batch_index, reopened.data.name) == (2, 1, "xor")
    for a, b in zip(_weights(shown), _weights(reopened)):
        np.testing.assert_array_equal(a, b)
    # File > Save, as the menu shows it: the lab's entry stands where the window's was.
    _press(qtbot, window, Key.Key_Right)
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.menu() is not None and a.text() == "&File")
    visible = [a for a in file_menu.actions() if a.isVisible() and a.text().startswith("Save")]
    assert [a.text() for a in visible] == ["Save lab", "Save lab as…"]
    visible[0].trigger()
    assert read_lab_file(path).epoch == 3
    window.lab.set_shown(False)
    assert window.act.save.isVisible() and window.act.save.shortcuts() == [QtGui.QKeySequence("Ctrl+S")]
    assert not window.lab.act_file_save.isVisible()


def test_a_lanes_activation_changes_from_the_dock_and_undo_brings_it_back(qtbot):
    window = shown_lab(qtbot)
    box = window.lab.controls.activations[0]
    box.setCurrentText("tanh")
    box.activated.emit(box.currentIndex())
    assert [lane.activation for lane in _lab(window).lanes] == ["tanh", "relu"]
    assert window.lab.controls.activations[1].currentText() == "relu"
    qtbot.keyClick(window.lab.view, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert [lane.activation for lane in _lab(window).lanes] == ["sigmoid", "relu"]
    assert box.currentText() == "sigmoid"


def test_a_refused_edit_is_one_status_line_and_changes_nothing(qtbot):
    window = shown_lab(qtbot)
    before = _lab(window)
    assert not window.lab.driver.edit({"batch": 0})
    message = window.statusBar().currentMessage()
    assert "batch" in message and "\\n" not in message
    assert _lab(window).config == before.config


@pytest.mark.parametrize("preset", ["spiral-deep", "digits-deep"])
@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=["screen", "slides"])
def test_four_lanes_stay_readable_with_every_line_in_the_legends(qtbot, restore_app_font, preset, theme):
    from dataclasses import replace

    from gradviz.core.lab import Lab
    from gradviz.core.lab_config import load_preset as load_lab_preset
    from gradviz.core.lab_state import LabRun

    config = load_lab_preset(preset)
    names = ("sigmoid", "tanh", "relu", "softplus")
    config = replace(config, lanes=tuple(replace(config.lanes[0], name=n, activation=n) for n in names))
    window = shown_lab(qtbot, "xor", theme, (1280, 720))
    window.lab.open_run(LabRun(Lab(config)))
    _press(qtbot, window, Key.Key_Right)
    picture = _painted(qtbot, window)
    least = 18 if theme is SLIDES else 14
    assert not [(t.text, t.px) for t in picture.texts if t.px < least]
    for n, t in enumerate(picture.texts):
        for other in picture.texts[n + 1 :]:
            assert t.rect.adjusted(1, 1, -1, -1).intersected(other.rect.adjusted(1, 1, -1, -1)).isEmpty(), (t.text, other.text)
    legend = [t.text for t in picture.texts if t.role == "legend"]
    layers = len(config.hidden)
    for name in names:
        assert f"{name} loss" in legend and any(text.startswith(name) and "acc." in text for text in legend)
        assert name in legend  # its row of layers in the speed legend
    # Every layer of every lane is named: one number per line, or one "layers 1 → L" for the strips.
    assert legend.count(str(layers)) == len(names) or f"layers 1 → {layers}" in legend
    captions = [t.text for t in picture.texts if t.role == "caption"]
    assert all(name in caption for caption, name in zip(captions, names))
    # Every caption has the word "Lane" or none has: "Lane 1 · relu · He" beside "2 · sigmoid · He" read as two kinds.
    assert len({caption.startswith("Lane ") for caption in captions}) == 1, captions
    # However narrow a lane, its test accuracy stays under its picture, and the verdict names each lane's.
    percents = [f"{round(100 * lane.history.test_accuracy[-1])}%" for lane in _lab(window).lanes]
    under = [t.text for t in picture.texts if t.role in ("legend", "title") and re.search(r"\d%( right)?$", t.text)]
    assert len(under) == len(names) and all(re.search(f"(^| ){p}( right)?$", text) for text, p in zip(under, percents)), (under, percents)
    verdict = " ".join(t.text for t in picture.texts if t.role == "verdict")
    assert "test accuracy " + ", ".join(f"{n} {p}" for n, p in zip(names, percents)) in verdict, verdict


def test_a_layout_saved_with_the_lab_shown_does_not_bring_its_dock_back_without_it(qtbot):
    from gradviz.ui.main_window import LAYOUT_VERSION

    window = shown_lab(qtbot)
    assert window.lab.dock.isVisible() and window.lab.toolbar.isVisible()
    state = window.saveState(LAYOUT_VERSION)
    other = MainWindow(load_preset("tiny-sigmoid"))
    qtbot.addWidget(other)
    assert other.restoreState(state, LAYOUT_VERSION)
    other.show()
    qtbot.waitExposed(other)
    assert not other.lab.shown
    assert not other.lab.dock.isVisible() and not other.lab.toolbar.isVisible()


def test_the_keyboard_shortcuts_list_the_labs_keys(qtbot, monkeypatch):
    window = MainWindow(load_preset("tiny-sigmoid"))
    qtbot.addWidget(window)
    shown = []
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda dialog: shown.append(dialog))
    window.show_shortcuts()
    text = shown[0].findChild(QtWidgets.QTextBrowser).toPlainText()
    assert "Ctrl+L" in text and "train one epoch / one mini-batch" in text


def test_frames_while_playing_are_drafts_and_the_paused_picture_is_full(qtbot):
    window = shown_lab(qtbot)
    view, driver = window.lab.view, window.lab.driver
    drafts, paused_at = [], []
    original = view.render_to
    view.render_to = lambda painter, rect, paint_background=True, draft=False: drafts.append(draft) or original(painter, rect, paint_background, draft)
    # Where the paints stood when playing stopped: a paint Qt flushes while the key is still being
    # handled (a status-bar message repaints the window at once) counts as an answer to the key too.
    driver.sigPlayingChanged.connect(lambda playing: paused_at.append(len(drafts)) if not playing else None)
    driver.play()
    qtbot.waitUntil(lambda: True in drafts, timeout=20000)
    assert driver.playing and not paused_at
    _press(qtbot, window, Key.Key_Space)
    assert not driver.playing and len(paused_at) == 1
    # The frame answering the key is a draft; the full picture follows by itself.
    qtbot.waitUntil(lambda: drafts[paused_at[0]:][-1:] == [False], timeout=5000)
    answers = drafts[paused_at[0]:]
    assert answers[0] is True and answers[-1] is False
    assert [t for t in view.picture.texts if t.role == "title"][0].text.startswith("spiral · epoch")


def test_the_data_set_changes_from_the_dock_and_undo_brings_the_spiral_back(qtbot):
    window = shown_lab(qtbot)
    combo = window.lab.controls.data
    combo.setCurrentText("moons")
    combo.activated.emit(combo.currentIndex())
    assert _lab(window).data.name == "moons" and _lab(window).epoch == 0
    assert "moons" in window.lab.view.shown_scene.title
    window.lab.controls.noise.setValue(0.2)
    assert _lab(window).config.data.noise == pytest.approx(0.2)
    qtbot.keyClick(window.lab.view, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.lab.view, Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert _lab(window).data.name == "spiral" and combo.currentText() == "spiral"


def test_ctrl_l_opens_the_spiral_lab_and_closes_it_again(qtbot):
    window = MainWindow(load_preset("tiny-sigmoid"))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window.central_view(), Key.Key_L, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.lab.shown and _lab(window).data.name == "spiral"
    assert not window.docks["inspector"].isVisible() and window.lab.dock.isVisible()
    qtbot.keyClick(window.lab.view, Key.Key_L, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert not window.lab.shown and window.central.currentWidget() is window.diagram
    assert window.docks["gradient-bars"].isVisible() and not window.lab.dock.isVisible()


def test_a_long_curve_is_thinned_to_each_pixel_columns_extremes():
    from gradviz.ui.lab_plots import _per_pixel_extremes

    xs = np.linspace(0, 99.9, 10_000)  # 100 pixel columns, 100 points each
    ys = np.sin(xs * 7.3) + 0.01 * np.arange(10_000) % 3
    tx, ty = _per_pixel_extremes(xs, ys)
    assert len(tx) <= 4 * 100 and np.all(np.diff(tx) > 0)
    for column in range(100):
        inside = np.floor(xs) == column
        kept = np.floor(tx) == column
        assert ty[kept].min() == ys[inside].min() and ty[kept].max() == ys[inside].max()
    sparse = np.linspace(0, 99, 150)  # fewer than two points per column: drawn point by point
    assert len(_per_pixel_extremes(sparse, np.sin(sparse))[0]) == 150


def _red_mask(image: QtGui.QImage) -> np.ndarray:
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4)
    return (pixels[..., 2] > 128) & (pixels[..., 1] < 100)  # B, G, R, A in memory


def _grown(mask: np.ndarray) -> np.ndarray:
    """``mask`` and every pixel next to one of it (8 neighbours)."""
    padded = np.pad(mask, 1)
    h, w = mask.shape
    return np.any([padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)


def test_a_draft_curve_is_its_wide_line_as_one_pixel_lines_side_by_side(qapp):
    from types import SimpleNamespace

    import pyqtgraph as pg

    from gradviz.ui.lab_canvas import LabCanvas
    from gradviz.ui.lab_plots import _curve, _draft_brush

    # The brush: the whole pixels of a disc as wide as the pen; the pen becomes cosmetic (one pixel), its
    # dashes still 4 and 2 of the wide pen's widths long.
    two = QtGui.QPen(QtGui.QColor("red"), 2.0)
    assert _draft_brush(two) == [(-0.5, -0.5), (-0.5, 0.5), (0.5, -0.5), (0.5, 0.5)]
    assert two.isCosmetic() and two.widthF() == 0.0 and two.style() == QtCore.Qt.PenStyle.SolidLine
    three = QtGui.QPen(QtGui.QColor("red"), 3.0, QtCore.Qt.PenStyle.DashLine)
    assert _draft_brush(three) == [(-1.0, 0.0), (0.0, -1.0), (0.0, 0.0), (0.0, 1.0), (1.0, 0.0)]
    assert three.dashPattern() == [12.0, 6.0]

    # A jagged curve: Qt's own non-antialiased stroke of the wide pen against the 1-pixel lines.
    rng = np.random.default_rng(4)
    xs = np.linspace(10, 390, 120)
    ys = 100 + 80 * np.sin(np.arange(120) * 0.9) * rng.random(120)
    polygon = pg.functions.create_qpolygonf(120)
    memory = pg.functions.ndarray_from_qpolygonf(polygon)
    for width in (2.0, 2.4, 3.0):
        masks = []
        for draft in (False, True):
            image = QtGui.QImage(400, 200, QtGui.QImage.Format.Format_ARGB32)
            image.fill(QtGui.QColor("black"))
            painter = QtGui.QPainter(image)
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
            pen = QtGui.QPen(QtGui.QColor("red"), width)
            offsets = _draft_brush(pen) if draft else [(0.0, 0.0)]
            painter.setPen(pen)
            for dx, dy in offsets:
                memory[:, 0], memory[:, 1] = xs + dx, ys + dy
                painter.drawPolyline(polygon)
            painter.end()
            masks.append(_red_mask(image))
        wide, draft_mask = masks
        assert abs(draft_mask.sum() / wide.sum() - 1) < 0.3, width
        # Every pixel of the wide line lies on or next to one of the draft; and the draft's do, but for a few
        # at the sharpest spikes' tips, where Qt's bevel join cuts the wide line short (measured: 2 to 9 of
        # 7,000 to 10,000).
        assert not (wide & ~_grown(draft_mask)).any(), width
        assert (draft_mask & ~_grown(wide)).sum() <= 0.002 * wide.sum(), width

    # _curve draws a draft that way: about as many pixels as its full (antialiased) picture, not a thin line.
    counts = []
    for draft in (False, True):
        image = QtGui.QImage(400, 200, QtGui.QImage.Format.Format_ARGB32)
        image.fill(QtGui.QColor("black"))
        painter = QtGui.QPainter(image)
        canvas = LabCanvas(painter, QtCore.QRectF(0, 0, 1280, 720), SimpleNamespace(decades=(-8, 0)), SLIDES, None, draft)
        _curve(canvas, QtCore.QRectF(10, 10, 380, 180), np.arange(120.0), np.linspace(0, 1, 120) ** 3 * np.abs(np.sin(np.arange(120))),
               lambda v: v, "#ff0000", False, 119)  # fmt: skip
        painter.end()
        counts.append(_red_mask(image).sum())
    assert 0.7 < counts[1] / counts[0] < 1.4, counts


def test_sketch_edges_below_the_scale_take_its_lowest_colour_and_above_its_highest(qapp):
    from types import SimpleNamespace

    from gradviz.ui.lab_canvas import LabCanvas
    from gradviz.ui.lab_sketch import edge_colours

    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    canvas = LabCanvas(painter, QtCore.QRectF(0, 0, 10, 10), SimpleNamespace(decades=(-8, 0)), SLIDES)
    packed = edge_colours(canvas, np.array([1e-21, 1e-8, 1.0, 30.0, 1e-4]))
    painter.end()
    rgba = packed.view(np.uint8).reshape(-1, 4)
    ends = SLIDES.colormap("gradient").map(np.array([0.0, 1.0, 0.5]), mode="byte")  # the map's two ends, its middle
    assert rgba[0].tolist() == rgba[1].tolist() == list(ends[0])
    assert rgba[2].tolist() == rgba[3].tolist() == list(ends[1])
    assert rgba[4].tolist() == list(ends[2])


def test_a_lane_caption_shortens_its_initialiser_before_it_drops_the_word_lane():
    from gradviz.ui.lab_scene import lane_caption

    assert lane_caption(1, "sigmoid", "sigmoid", "nielsen") == (
        "Lane 1 · sigmoid · Nielsen's N(0, 1/n) weights", "Lane 1 · sigmoid · Nielsen", "1 · sigmoid · Nielsen",
    )  # fmt: skip
    assert lane_caption(2, "deep", "relu", "he_normal") == (
        "Lane 2 · deep · relu · He normal", "Lane 2 · relu · He normal", "Lane 2 · relu · He", "2 · relu · He",
    )  # fmt: skip
    assert lane_caption(3, "", "tanh", "normal")[-2:] == ("Lane 3 · tanh · N(0, 1)", "3 · tanh · N(0, 1)")


def test_digits_lanes_at_1280_by_720_are_both_called_lanes_and_their_matrices_name_their_axes(qtbot, restore_app_font):
    """digits-deep's sigmoid lane was captioned "1 · sigmoid · Nielsen" beside "Lane 2 · relu · He normal"."""
    window = shown_lab(qtbot, "digits-deep", SLIDES, (1280, 720))
    _press(qtbot, window, Key.Key_Right)
    texts = _painted(qtbot, window).texts
    captions = [t.text for t in texts if t.role == "caption"]
    assert captions == ["Lane 1 · sigmoid · Nielsen", "Lane 2 · relu · He normal"]
    # Each confusion matrix says which way is true and which predicted (it said only "Confusion" here).
    assert [t.text for t in texts if t.role == "title" and "↓" in t.text] == ["True ↓ pred. →"] * 2
