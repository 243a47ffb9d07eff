"""The registry of views: every view draws in the window and exports headless, and both list the same marks
(text and bar values) for every preset at step 0, mid-forward, mid-backward and the update step."""

import numpy as np
import pyqtgraph as pg
import pytest

from gradviz.files.network_file import load_preset, preset_names
from gradviz.core.snapshot import take_snapshot
from gradviz.ui.export_views import ExportView
from gradviz.ui.theme import SCREEN
from gradviz.ui.views.registry import EXPORT_NAMES, VIEW_NAMES, views


def plot_marks(widget) -> list:
    """What a plot shows, read from its pyqtgraph items: texts, bar heights and named curves' lengths."""
    scene = widget.scene()
    marks = []
    for item in scene.items():
        if not item.isVisible():
            continue
        if isinstance(item, pg.TextItem):
            marks.append(("text", item.toPlainText()))
        elif isinstance(item, pg.BarGraphItem):
            heights = item.opts.get("height")
            marks.append(("bars", tuple(np.round(np.asarray(heights, dtype=float), 12).tolist()) if heights is not None else ()))
        elif isinstance(item, pg.PlotDataItem) and item.name():
            x, _y = item.getData()
            marks.append(("curve", item.name(), 0 if x is None else len(x)))
    return sorted(marks, key=repr)


def diagram_marks(view) -> list:
    scene = view.scene
    if scene is None:
        return []
    return [("caption", scene.caption), ("layers", scene.layer_names), ("nodes", scene.node_text), ("edges", scene.edge_text)]


def marks(name: str, widget, plot) -> list:
    if name == "lab":  # labview (#19): the lab's title and verdict, or None before a lab is open
        scene = widget.shown_scene
        return [None if scene is None else (scene.title, scene.verdict)]
    if name == "diagram":
        return diagram_marks(widget)
    if hasattr(widget, "text") and not hasattr(widget, "scene"):
        return [widget.text()]
    if name == "compare":
        return [widget.titles, diagram_marks(widget.left), diagram_marks(widget.right)]
    return plot_marks(plot)


def test_every_export_name_is_a_registered_view_or_the_whole_window():
    assert EXPORT_NAMES == (*VIEW_NAMES, "window")
    assert [spec.name for spec in views()] == list(VIEW_NAMES)
    assert all(spec.place in ("centre", "bottom", "right") for spec in views())


@pytest.fixture
def exports(qapp):
    made = {name: ExportView(name, SCREEN) for name in VIEW_NAMES}
    yield made
    for export in made.values():
        export.close()


@pytest.mark.parametrize("preset", preset_names())
def test_the_window_and_the_export_show_the_same_marks(preset, qtbot, exports):
    from gradviz.ui.main_window import MainWindow

    experiment = load_preset(preset)
    window = MainWindow(experiment)
    qtbot.addWidget(window)
    window.bridge.set_compare_active(True)
    depth = experiment.network.depth
    per_pass = 2 * depth + 2
    try:
        for step in (0, max(1, depth // 2), depth + 1 + max(1, depth // 2), per_pass):
            window.bridge.go_to_step(step)
            shot = window.bridge.snapshot
            assert shot is not None and shot.cursor.step == shot.record.step
            for spec in views():
                if spec.name == "training":
                    continue  # no training history in a fresh session: both draw the empty panel
                export = exports[spec.name]
                export.show(take_snapshot(window.bridge.session), (window.depth_chain.x(), window.depth_chain.depth()))
                ours = marks(spec.name, window.view_widgets[spec.name], window.view_widget(spec.name))
                theirs = marks(spec.name, export.widget, export.view)
                assert ours == theirs, (preset, step, spec.name)
    finally:
        window.close()


def test_at_step_0_the_window_and_the_export_show_no_bars_and_the_chain_has_this_networks_curve(qtbot, exports):
    from gradviz.ui.main_window import MainWindow

    window = MainWindow(load_preset("tiny-sigmoid"))
    qtbot.addWidget(window)
    try:
        shot = window.bridge.snapshot
        assert shot.record.step == 0
        exports["gradient-bars"].show(shot)
        # The backward pass has computed nothing yet: no bar anywhere (the old export drew 3).
        assert window.gradient_bars.bar_heights().shape == (2, 3) and np.isnan(window.gradient_bars.bar_heights()).all()
        assert np.isnan(exports["gradient-bars"].widget.bar_heights()).all()
        exports["depth-chain"].show(shot)
        # This network's own curve is in the export as in the window: tiny-sigmoid's 3 layers.
        assert len(exports["depth-chain"].widget.network_chain()) == 3
        np.testing.assert_array_equal(exports["depth-chain"].widget.network_chain(), window.depth_chain.network_chain())
    finally:
        window.close()


def test_the_lanes_view_lists_every_lane_with_its_verdict(qtbot):
    from gradviz.core.stats import gradient_health
    from gradviz.ui.main_window import MainWindow

    tiny = load_preset("tiny-sigmoid")
    window = MainWindow(tiny)
    qtbot.addWidget(window)
    try:
        window.bridge.set_compare_active(True)
        window.bridge.go_to_step(7)
        lines = window.view_widgets["lanes"].text().splitlines()
        # The verdict of the loaded network's whole pass, computed here from a run of the network itself.
        expected = gradient_health(tiny.network.run(tiny.inputs, tiny.targets, tiny.loss)).describe()
        assert lines == [f"sigmoid (as loaded): {expected}", lines[1]] and lines[1].startswith("ReLU: ")
    finally:
        window.close()


def test_the_lanes_view_starts_at_the_top_of_its_dock(qtbot):
    """Its text sat in the middle of a tall dock, half a screen below the tab that shows it."""
    from PySide6 import QtGui

    from gradviz.ui.main_window import MainWindow

    window = MainWindow(load_preset("tiny-sigmoid"))
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    try:
        window.docks["lanes"].raise_()
        label = window.view_widgets["lanes"]
        qtbot.waitUntil(lambda: label.isVisible() and label.height() > 200)
        image = label.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
        pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)[:, : image.width(), :3]
        background = pixels[-1, -1]
        rows = np.flatnonzero((pixels != background).any(axis=(1, 2)))
        assert rows.size, "the lanes view shows no text"
        assert rows[0] <= 3 * label.fontMetrics().height(), (rows[0], label.height())
        assert rows[-1] < label.height() / 2  # one line of text, in the top half of a tall dock
    finally:
        window.close()
