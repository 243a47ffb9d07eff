"""gradviz.export: PNG/SVG/PDF of widgets, GIF and PNG frames of a pass, and the headless `gradviz export`."""

from __future__ import annotations

import errno
import os
import re
import sys
import types
import xml.etree.ElementTree as ET

import pyqtgraph as pg
import pytest
import shiboken6
from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from gradviz import export
from gradviz.cli import build_parser
from gradviz.core.netfile import load_preset
from gradviz.export import ExportError, export_widget

PIL = pytest.importorskip("PIL")
from PIL import Image, ImageSequence  # noqa: E402

SVG_NS = "{http://www.w3.org/2000/svg}"
DARK = "#1b1d22"


# ---------------------------------------------------------------------------------------------- helpers


@pytest.fixture
def plot(qtbot):
    """A dark pyqtgraph plot with bars, a curve, a title and an axis label, shown at 400 x 300."""
    widget = pg.PlotWidget(background=DARK)
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.addItem(pg.BarGraphItem(x=[1, 2, 3], height=[3, 1, 2], width=0.6, brush="#4e79a7"))
    widget.plot([0, 1, 2, 3, 4], [1, 3, 2, 4, 3], pen=pg.mkPen("#f28e2b", width=2))
    widget.setTitle("Gradient magnitude")
    widget.setLabel("left", "mean |dL/dw|")
    widget.show()
    qtbot.waitExposed(widget)
    return widget


class DrawnView(QtWidgets.QWidget):
    """A stand-in for the network diagram: it draws itself through ``render_to(painter, target)``."""

    def __init__(self, color="#ffb000"):
        super().__init__()
        self.color = QtGui.QColor(color)
        self.targets = []
        self.scales = []
        self.resize(200, 100)

    def render_to(self, painter: QtGui.QPainter, target: QtCore.QRectF) -> None:
        self.targets.append(QtCore.QRectF(target))
        self.scales.append((painter.combinedTransform().m11(), painter.combinedTransform().m22()))
        painter.fillRect(target, self.color)
        painter.setPen(QtGui.QPen(QtGui.QColor("black"), 2))
        painter.drawLine(target.topLeft(), target.bottomRight())
        painter.drawText(target, QtCore.Qt.AlignmentFlag.AlignCenter, "layer 1")


class DrawnViewWithBackground(DrawnView):
    """A render_to view that fills its own background unless told not to."""

    def render_to(self, painter, target, paint_background=True):
        if paint_background:
            painter.fillRect(target, QtGui.QColor(DARK))
        painter.fillRect(QtCore.QRectF(target.center(), target.bottomRight()), self.color)


class BrokenView(QtWidgets.QWidget):
    def __init__(self):
        super().__init__()
        self.resize(50, 50)

    def render_to(self, painter, target):
        raise RuntimeError("the view failed to draw")


def _image(path) -> QtGui.QImage:
    image = QtGui.QImage(str(path))
    assert not image.isNull(), f"{path} is not a readable image"
    return image


def _corners(image: QtGui.QImage) -> list[QtGui.QColor]:
    w, h = image.width() - 1, image.height() - 1
    return [image.pixelColor(x, y) for x, y in ((0, 0), (w, 0), (0, h), (w, h))]


def _solid(color: str, size=(40, 30)) -> QtGui.QImage:
    image = QtGui.QImage(*size, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtGui.QColor(color))
    return image


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------------------------------------- PNG


def test_png_at_a_width_keeps_the_aspect_ratio(plot, tmp_path):
    path = export_widget(plot, tmp_path / "plot.png", width=1000)
    image = _image(path)
    assert (image.width(), image.height()) == (1000, 750)


def test_png_at_scale_two_is_twice_the_widget(plot, tmp_path):
    image = _image(export_widget(plot, tmp_path / "plot.png", scale=2))
    assert (image.width(), image.height()) == (800, 600)


def test_png_is_redrawn_at_high_resolution_not_enlarged(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    image = _image(export_widget(view, tmp_path / "drawn.png", scale=3))
    assert view.targets[-1] == QtCore.QRectF(0, 0, 200, 100)  # the view draws in its own coordinates
    assert view.scales[-1] == (3, 3)  # onto a painter scaled to the output: vectors, not a bitmap
    assert (image.width(), image.height()) == (600, 300)
    assert image.pixelColor(590, 10).name() == "#ffb000"


def test_png_default_size_and_own_background(plot, tmp_path):
    image = _image(export_widget(plot, tmp_path / "plot.PNG"))
    assert (image.width(), image.height()) == (400, 300)
    assert all(c.name() == DARK and c.alpha() == 255 for c in _corners(image))


def test_transparent_png_has_clear_corners_and_restores_the_plot(plot, tmp_path):
    brush_before = plot.backgroundBrush()
    cache_before = plot.cacheMode()
    image = _image(export_widget(plot, tmp_path / "clear.png", transparent=True))
    assert image.hasAlphaChannel()
    assert all(c.alpha() == 0 for c in _corners(image))
    # The curve and bars are still there.
    assert any(image.pixelColor(x, y).alpha() == 255 for x in range(0, 400, 4) for y in range(0, 300, 4))
    assert plot.backgroundBrush() == brush_before
    assert plot.cacheMode() == cache_before
    assert plot.viewport().autoFillBackground()


def test_render_to_view_leaves_out_its_background_when_asked(qtbot, tmp_path):
    view = DrawnViewWithBackground()
    qtbot.addWidget(view)
    own = _image(export_widget(view, tmp_path / "own.png"))
    clear = _image(export_widget(view, tmp_path / "clear.png", transparent=True))
    white = _image(export_widget(view, tmp_path / "white.png", scale=2, background="white"))
    assert own.pixelColor(0, 0).name() == DARK
    assert clear.pixelColor(0, 0).alpha() == 0
    assert white.pixelColor(0, 0).name() == "#ffffff"
    assert white.pixelColor(399, 199).name() == "#ffb000"


def test_png_on_a_white_background_has_white_corners(plot, tmp_path):
    image = _image(export_widget(plot, tmp_path / "white.png", background="white"))
    assert all(c.name() == "#ffffff" and c.alpha() == 255 for c in _corners(image))


def test_png_of_a_whole_main_window_with_a_dock(qtbot, tmp_path):
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(pg.PlotWidget(background=DARK))
    dock = QtWidgets.QDockWidget("Gradient bars")
    dock.setWidget(pg.PlotWidget(background="w"))
    window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.resize(600, 400)
    window.show()
    qtbot.waitExposed(window)
    image = _image(export_widget(window, tmp_path / "window.png", scale=1.5))
    assert (image.width(), image.height()) == (900, 600)
    colors = {image.pixelColor(x, 300).name() for x in range(0, 900, 10)}
    assert DARK in colors and "#ffffff" in colors


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0.5}, "scale must be from 1 to 4"),
        ({"scale": 4.5}, "scale must be from 1 to 4"),
        ({"width": 0}, "width must be"),
        ({"width": 10**6}, "width must be"),
        ({"width": 100, "scale": 2}, "not both"),
        ({"background": "not-a-colour"}, "is not a colour"),
    ],
)
def test_bad_sizes_and_colours_are_refused(plot, tmp_path, kwargs, message):
    with pytest.raises(ExportError, match=message):
        export_widget(plot, tmp_path / "x.png", **kwargs)
    assert _leftovers(tmp_path) == []


def test_a_view_with_no_size_is_refused(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    view.resize(0, 0)
    with pytest.raises(ExportError, match="no size"):
        export_widget(view, tmp_path / "x.png")


# ---------------------------------------------------------------------------------------------- SVG


def test_svg_of_a_plot_holds_vector_paths_and_text(plot, tmp_path):
    """Regression: pyqtgraph 0.14.0's SVGExporter raises ValueError under PySide6 >= 6.11 (#3495)."""
    path = export_widget(plot, tmp_path / "plot.svg", title="Gradient bars")
    data = path.read_bytes()
    root = ET.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == "0 0 400 300"
    assert root.find(f"{SVG_NS}title").text == "Gradient bars"
    shapes = [e for tag in ("path", "polyline", "polygon", "rect") for e in root.iter(f"{SVG_NS}{tag}")]
    assert len(shapes) >= 4  # the background, three bars and the curve at least
    assert list(root.iter(f"{SVG_NS}polyline")), "the curve is a vector polyline"
    texts = "".join("".join(e.itertext()) for e in root.iter(f"{SVG_NS}text"))
    assert "Gradient magnitude" in texts.replace("\xa0", " ")
    assert not list(root.iter(f"{SVG_NS}image")), "nothing is rasterised"
    assert QtSvg.QSvgRenderer(QtCore.QByteArray(data)).isValid()


def test_svg_at_a_width_sets_its_size_and_draws_a_render_to_view(qtbot, tmp_path):
    view = DrawnView("#00ff00")
    qtbot.addWidget(view)
    root = ET.fromstring(export_widget(view, tmp_path / "drawn.svg", width=400).read_bytes())
    assert root.get("viewBox") == "0 0 400 200"
    assert view.targets[-1] == QtCore.QRectF(0, 0, 200, 100)
    assert view.scales[-1] == (2, 2)
    assert "layer 1" in "".join("".join(e.itertext()) for e in root.iter(f"{SVG_NS}text"))
    assert "#00ff00" in ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------------------------------------- PDF


def test_pdf_has_one_page_with_the_widgets_aspect(plot, tmp_path):
    data = export_widget(plot, tmp_path / "plot.pdf", scale=2).read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    x0, y0, x1, y1 = map(float, box.groups())
    assert (x1 - x0) / (y1 - y0) == pytest.approx(400 / 300, rel=0.01)
    assert x1 - x0 == pytest.approx(800 * 72 / plot.logicalDpiY(), abs=1)


# ---------------------------------------------------------------------------------------------- failures


def test_unknown_extension_is_refused_before_drawing(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    with pytest.raises(ExportError, match=r"\.jpg.*\.png, \.svg or \.pdf"):
        export_widget(view, tmp_path / "picture.jpg")
    with pytest.raises(ExportError, match="no extension"):
        export_widget(view, tmp_path / "picture")
    with pytest.raises(ExportError, match="no file name given"):
        export_widget(view, "")
    assert view.targets == []
    assert _leftovers(tmp_path) == []


def test_missing_folder_is_one_clear_error_and_creates_nothing(plot, tmp_path):
    target = tmp_path / "missing" / "plot.png"
    with pytest.raises(ExportError) as info:
        export_widget(plot, target)
    assert str(info.value) == f"cannot write {target}: no such folder {target.parent}"
    assert _leftovers(tmp_path) == []


def test_a_folder_as_the_path_is_refused(plot, tmp_path):
    (tmp_path / "plot.png").mkdir()
    with pytest.raises(ExportError, match="it is a folder"):
        export_widget(plot, tmp_path / "plot.png")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_is_refused(plot, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="permission denied"):
            export_widget(plot, folder / "plot.png")
    finally:
        folder.chmod(0o700)


def test_permission_denied_is_one_clear_error(plot, tmp_path, monkeypatch):
    def denied(path, data):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(export, "write_atomically", denied)
    with pytest.raises(ExportError) as info:
        export_widget(plot, tmp_path / "plot.png")
    assert str(info.value) == f"cannot write {tmp_path / 'plot.png'}: permission denied"


def test_a_failed_write_leaves_the_existing_file_untouched(plot, tmp_path, monkeypatch):
    good = tmp_path / "plot.png"
    good.write_bytes(b"the good file")

    def failing_replace(src, dst):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ExportError, match=f"cannot write {re.escape(str(good))}: "):
        export_widget(plot, good)
    assert good.read_bytes() == b"the good file"
    assert _leftovers(tmp_path) == ["plot.png"]


def test_a_failed_render_leaves_the_existing_file_untouched(qtbot, tmp_path):
    view = BrokenView()
    qtbot.addWidget(view)
    for suffix in ("png", "svg", "pdf"):
        good = tmp_path / f"view.{suffix}"
        good.write_bytes(b"the good file")
        with pytest.raises(RuntimeError, match="failed to draw"):
            export_widget(view, good)
        assert good.read_bytes() == b"the good file"
    assert _leftovers(tmp_path) == ["view.pdf", "view.png", "view.svg"]


# ---------------------------------------------------------------------------------------------- clipboard


def test_copy_to_clipboard_puts_an_image_of_the_right_size(plot):
    image = export.copy_to_clipboard(plot, scale=2)
    assert (image.width(), image.height()) == (800, 600)
    pasted = QtWidgets.QApplication.clipboard().image()
    assert (pasted.width(), pasted.height()) == (800, 600)


# ---------------------------------------------------------------------------------------------- animations


def test_gif_has_one_frame_per_image_loops_and_holds_the_last(qapp, tmp_path):
    colors = ["#ff0000", "#00ff00", "#0000ff", "#1b1d22"]
    path = export.export_animation([_solid(c) for c in colors], tmp_path / "pass.gif")
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(colors)
        assert gif.info["loop"] == 0
        durations, pixels = [], []
        for frame in ImageSequence.Iterator(gif):
            durations.append(frame.info["duration"])
            pixels.append("#%02x%02x%02x" % frame.convert("RGB").getpixel((5, 5)))
    assert durations[:-1] == [export.FRAME_MS] * 3
    assert durations[-1] > export.FRAME_MS
    assert pixels == colors  # the adaptive palette keeps each colour exact


def test_gif_from_a_callable_at_a_frame_rate_lays_transparency_on_the_background(qapp, tmp_path):
    def frames():
        yield _solid("#00000000")
        yield _solid("#ff0000")

    path = export.export_animation(frames, tmp_path / "pass.gif", fps=5, background="#123456")
    with Image.open(path) as gif:
        assert gif.n_frames == 2
        assert gif.info["duration"] == 200
        assert "#%02x%02x%02x" % gif.convert("RGB").getpixel((0, 0)) == "#123456"


def test_gif_refuses_other_extensions_mixed_sizes_and_no_frames(qapp, tmp_path):
    with pytest.raises(ExportError, match=r"\.png.*\.gif"):
        export.export_animation([_solid("red")], tmp_path / "pass.png")
    with pytest.raises(ExportError, match="same size"):
        export.export_animation([_solid("red"), _solid("red", (10, 10))], tmp_path / "pass.gif")
    with pytest.raises(ExportError, match="no frames"):
        export.export_animation([], tmp_path / "pass.gif")
    assert _leftovers(tmp_path) == []


def test_gif_without_pillow_says_how_to_install_it(qapp, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ExportError) as info:
        export.export_animation([_solid("red")], tmp_path / "pass.gif")
    assert str(info.value) == "writing GIF needs Pillow: pip install 'gradviz[gif]'"


def test_export_frames_writes_numbered_pngs(qapp, tmp_path):
    paths = export.export_frames([_solid("red"), _solid("green"), _solid("blue")], tmp_path / "frames")
    assert [p.name for p in paths] == ["frame_001.png", "frame_002.png", "frame_003.png"]
    assert _leftovers(tmp_path / "frames") == ["frame_001.png", "frame_002.png", "frame_003.png"]
    assert _image(paths[1]).pixelColor(0, 0).name() == "#008000"


def test_export_frames_into_a_missing_parent_is_refused(qapp, tmp_path):
    with pytest.raises(ExportError, match="no such folder"):
        export.export_frames([_solid("red")], tmp_path / "a" / "b")


# ---------------------------------------------------------------------------------------------- gradviz export


@pytest.mark.parametrize(
    ("text", "step"), [("forward", 3), ("loss", 4), ("backward", 7), ("BACKWARD", 7), ("0", 0), ("8", 8), (5, 5)]
)
def test_parse_step(text, step):
    assert export.parse_step(text, depth=3) == step


@pytest.mark.parametrize("text", ["9", "-1", "halfway", "2.5"])
def test_parse_step_names_the_valid_range(text):
    with pytest.raises(ExportError, match="from 0 to 8"):
        export.parse_step(text, depth=3)


class FakeBridge:
    def __init__(self, window, depth):
        self.window = window
        self.steps_per_pass = 2 * depth + 2
        #: The micro-step shown after each call, and the calls themselves.
        self.steps = []
        self.calls = []

    def go_to_step(self, step):
        self.calls.append(("go_to_step", step))
        self._show(step)

    def step_forward(self):
        self.calls.append(("step_forward",))
        self._show(self.steps[-1] + 1)

    def _show(self, step):
        self.steps.append(step)
        self.window.show_step(step)
        self.window.sizes = {name: self.window.view_widget(name).size().toTuple() for name in ("diagram", "gradient-bars")}


class FakeDiagram(QtWidgets.QWidget):
    """Draws a colour that changes with the step, so every frame of an animation differs."""

    def __init__(self):
        super().__init__()
        self.step = 0
        self.setMinimumSize(300, 200)

    def render_to(self, painter, target):
        painter.fillRect(target, QtGui.QColor.fromHsv((self.step * 37) % 360, 200, 220))
        painter.drawText(target, QtCore.Qt.AlignmentFlag.AlignCenter, f"micro-step {self.step}")

    def paintEvent(self, event):
        painter = QtGui.QPainter(self)
        self.render_to(painter, QtCore.QRectF(self.rect()))
        painter.end()


class FakeMainWindow(QtWidgets.QMainWindow):
    """The MainWindow API export_command relies on: bridge.go_to_step and step_forward, view_widget, train_blocking."""

    instances: list["FakeMainWindow"] = []

    def __init__(self, experiment, theme):
        super().__init__()
        self.theme = theme
        self.trained = 0
        self.closed = False
        self.bridge = FakeBridge(self, experiment.network.depth)
        self.bars = pg.PlotWidget(background=theme.background)
        self.curve = self.bars.plot([0, 1], [0, 0])
        self.setCentralWidget(self.bars)
        self.diagram = FakeDiagram()
        dock = QtWidgets.QDockWidget("Network")
        dock.setWidget(self.diagram)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        FakeMainWindow.instances.append(self)

    def show_step(self, step):
        self.diagram.step = step
        self.curve.setData([0, 1, 2], [0, step, step * 2])

    def view_widget(self, name):
        return {"diagram": self.diagram, "window": self}.get(name, self.bars)

    def train_blocking(self, steps):
        self.trained += steps

    def closeEvent(self, event):
        self.closed = True
        super().closeEvent(event)


@pytest.fixture
def fake_window(qapp, monkeypatch):
    module = types.ModuleType("gradviz.ui.main_window")
    module.MainWindow = FakeMainWindow
    monkeypatch.setitem(sys.modules, "gradviz.ui.main_window", module)
    FakeMainWindow.instances = []
    yield FakeMainWindow
    FakeMainWindow.instances = []


def _run(tmp_path, *options, preset="tiny-sigmoid"):
    args = build_parser().parse_args(["export", "--preset", preset, *options])
    return export.export_command(load_preset(preset), args)


def test_export_command_defaults_to_the_end_of_the_backward_pass(fake_window, tmp_path):
    path = _run(tmp_path, "--view", "window", "--out", str(tmp_path / "window.png"))
    (window,) = fake_window.instances
    assert window.bridge.steps == [7]  # tiny-sigmoid: L = 3, end of the backward pass = 2L + 1
    assert window.closed
    assert not shiboken6.isValid(window), "the window is deleted"
    assert window.trained == 0
    image = _image(path)
    assert (image.width(), image.height()) == export.HEADLESS_WINDOW_SIZE


@pytest.mark.parametrize(("step", "expected"), [("forward", 3), ("loss", 4), ("0", 0), ("8", 8)])
def test_export_command_goes_to_the_step_asked(fake_window, tmp_path, step, expected):
    _run(tmp_path, "--step", step, "--out", str(tmp_path / "diagram.svg"))
    assert fake_window.instances[0].bridge.steps == [expected]


def test_export_command_sizes_and_themes(fake_window, tmp_path):
    path = _run(tmp_path, "--view", "gradient-bars", "--width", "700", "--theme", "slides", "--out", str(tmp_path / "b.png"))
    window = fake_window.instances[0]
    assert window.theme.name == "slides"
    bars_width, bars_height = window.sizes["gradient-bars"]
    assert _image(path).width() == 700
    assert _image(path).height() == round(bars_height * 700 / bars_width)


def test_export_command_trains_before_a_training_view(fake_window, tmp_path):
    _run(tmp_path, "--view", "training", "--out", str(tmp_path / "training.pdf"))
    assert fake_window.instances[0].trained == export.HEADLESS_TRAINING_STEPS
    assert (tmp_path / "training.pdf").read_bytes().startswith(b"%PDF-")


def test_export_command_transparent(fake_window, tmp_path):
    path = _run(tmp_path, "--view", "gradient-bars", "--transparent", "--out", str(tmp_path / "bars.png"))
    assert all(c.alpha() == 0 for c in _corners(_image(path)))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--step", "9"], "from 0 to 8"),
        (["--step", "end"], "forward, loss or backward"),
        (["--scale", "5"], "the scale must be from 1 to 4 times the view's size, got 5"),
        (["--out", "{tmp}/x.jpg"], r"\.jpg"),
        (["--out", "{tmp}/missing/x.png"], "no such folder"),
        (["--animate", "--out", "{tmp}/x.png"], r"\.gif"),
        (["--frames-dir", "{tmp}/frames", "--out", "{tmp}/x.png"], "add --animate"),
    ],
)
def test_export_command_refuses_bad_options_before_building_anything(fake_window, tmp_path, options, message):
    options = [o.format(tmp=tmp_path) for o in options]
    if "--out" not in options:
        options += ["--out", str(tmp_path / "x.png")]
    with pytest.raises(ExportError, match=message):
        _run(tmp_path, *options)
    assert fake_window.instances == []
    assert _leftovers(tmp_path) == []


def test_export_command_animates_one_frame_per_micro_step(fake_window, tmp_path):
    path = _run(tmp_path, "--animate", "--scale", "1", "--out", str(tmp_path / "pass.gif"))
    window = fake_window.instances[0]
    assert window.bridge.steps == list(range(8))  # reset (0) to the end of the backward pass (2L + 1 = 7)
    with Image.open(path) as gif:
        assert gif.n_frames == 8
        assert gif.info["loop"] == 0
        assert gif.size == window.sizes["diagram"]
    assert window.closed


@pytest.mark.parametrize("preset", ["tiny-sigmoid", "deep-sigmoid"])
def test_export_command_animates_by_stepping_not_by_replaying_the_pass(fake_window, tmp_path, preset):
    depth = load_preset(preset).network.depth
    _run(tmp_path, "--animate", "--out", str(tmp_path / "pass.gif"), preset=preset)
    bridge = fake_window.instances[0].bridge
    # One reset, then one micro-step per frame (not a reset and s steps for frame s): frames 0..2L+1.
    assert bridge.calls == [("go_to_step", 0)] + [("step_forward",)] * (2 * depth + 1)
    assert bridge.steps == list(range(2 * depth + 2))


def test_export_command_writes_numbered_frames(fake_window, tmp_path):
    frames = tmp_path / "frames"
    _run(tmp_path, "--animate", "--frames-dir", str(frames), "--out", str(tmp_path / "pass.gif"))
    assert _leftovers(frames) == [f"frame_{n:03d}.png" for n in range(1, 9)]
    first, last = _image(frames / "frame_001.png"), _image(frames / "frame_008.png")
    assert first.size() == last.size()
    assert first.pixelColor(0, 0) != last.pixelColor(0, 0)
