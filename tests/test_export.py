"""gradviz.export and its export_* modules, the leaf: ExportOptions, PNG/SVG/PDF of a view, GIF and PNG frames, sizes and file modes."""

from __future__ import annotations

import errno
import os
import re
import stat
import struct
import sys
import xml.etree.ElementTree as ET

import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from gradviz import export, export_options
from gradviz.export import export_animation, export_view
from gradviz.export_options import MAX_SIDE, ExportError, ExportOptions
from gradviz.export_paint import render_image

PIL = pytest.importorskip("PIL")
from PIL import Image, ImageSequence  # noqa: E402

SVG_NS = "{http://www.w3.org/2000/svg}"
DARK = "#1b1d22"  # the screen theme's background


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
    """A stand-in for the network diagram: it draws itself through ``render_to``, in one colour."""

    def __init__(self, color="#ffb000"):
        super().__init__()
        self.color = QtGui.QColor(color)
        self.targets = []
        self.scales = []
        self.resize(200, 100)

    def render_to(self, painter: QtGui.QPainter, target: QtCore.QRectF, paint_background: bool = True) -> None:
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
    def __init__(self, fail_at: int = 1):
        super().__init__()
        self.resize(50, 50)
        self.drawn = 0
        self.fail_at = fail_at

    def render_to(self, painter, target, paint_background=True):
        self.drawn += 1
        if self.drawn >= self.fail_at:
            raise RuntimeError("the view failed to draw")
        painter.fillRect(target, QtGui.QColor("red"))


def _image(path) -> QtGui.QImage:
    image = QtGui.QImage(str(path))
    assert not image.isNull(), f"{path} is not a readable image"
    return image


def _corners(image: QtGui.QImage) -> list[QtGui.QColor]:
    w, h = image.width() - 1, image.height() - 1
    return [image.pixelColor(x, y) for x, y in ((0, 0), (w, 0), (0, h), (w, h))]


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def png_size(path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk, read from the file's bytes."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_size(path) -> tuple[str, str, str]:
    root = ET.fromstring(path.read_bytes())
    return root.get("width"), root.get("height"), root.get("viewBox")


def pdf_pages_and_box(path) -> tuple[int, tuple[float, float]]:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    x0, y0, x1, y1 = map(float, box.groups())
    return len(re.findall(rb"/Type\s*/Page\b", data)), (x1 - x0, y1 - y0)


def _colour_frames(view: DrawnView, colors):
    """Frames of an animation: the view shows each colour in turn."""
    for color in colors:
        view.color = QtGui.QColor(color)
        yield


# ---------------------------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("kwargs", "size"),
    [
        ({}, (1920, 1080)),
        ({"width": 1280}, (1280, 720)),
        ({"width": 1000}, (1000, 562)),  # 1000 * 9 / 16 = 562.5, rounded half to even
        ({"width": 700}, (700, 394)),  # 393.75
        ({"width": 1000, "height": 750}, (1000, 750)),
        ({"scale": 2}, (3840, 2160)),
        ({"width": MAX_SIDE}, (16384, 9216)),
    ],
)
def test_options_are_a_slide_unless_told_otherwise(tmp_path, kwargs, size):
    options = ExportOptions(tmp_path / "x.png", **kwargs)
    assert options.size == size
    assert options.format == "png"
    assert list(tmp_path.iterdir()) == []


def test_options_are_frozen_and_take_the_format_from_the_suffix(tmp_path):
    options = ExportOptions(str(tmp_path / "Slide.SVG"), theme="slides")
    assert options.format == "svg" and options.path == tmp_path / "Slide.SVG"
    with pytest.raises(AttributeError):
        options.width = 10
    assert ExportOptions(tmp_path / "p.gif", animate=True).format == "gif"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0.5}, "scale must be from 1 to 4"),
        ({"scale": 4.5}, "scale must be from 1 to 4"),
        ({"width": 0}, "width must be"),
        ({"width": 10**6}, f"width must be a whole number of pixels from 1 to {MAX_SIDE}"),
        ({"width": MAX_SIDE + 1}, "width must be"),
        ({"height": 0}, "height must be"),
        ({"width": 100, "scale": 2}, "not both"),
        ({"width": 1.5}, "width must be a whole number"),
        ({"theme": "not-a-theme"}, "unknown theme 'not-a-theme'; choose one of screen, slides"),
    ],
)
def test_bad_sizes_and_themes_are_refused(tmp_path, kwargs, message):
    with pytest.raises(ExportError, match=message):
        ExportOptions(tmp_path / "x.png", **kwargs)
    assert _leftovers(tmp_path) == []


def test_the_one_size_limit_is_the_one_the_dialog_uses(qtbot):
    from gradviz.ui import export_dialog

    assert export_options.MAX_SIDE == 16384
    assert export_dialog.MAX_SIDE is export_options.MAX_SIDE


# ---------------------------------------------------------------------------------------------- PNG


def test_png_at_a_width_is_a_slide_with_the_view_centred(plot, tmp_path):
    path = export_view(plot, ExportOptions(tmp_path / "plot.png", width=1000))
    assert png_size(path) == (1000, 562)
    image = _image(path)
    # The 4:3 plot fits the slide's height, centred: the theme's background either side, by default the
    # slides theme's white.
    assert image.pixelColor(2, 281).name() == "#ffffff"
    dark = _image(export_view(plot, ExportOptions(tmp_path / "dark.png", width=1000, theme="screen")))
    assert dark.pixelColor(2, 281).name() == DARK


def test_png_at_a_width_and_height_keeps_the_views_aspect(plot, tmp_path):
    image = _image(export_view(plot, ExportOptions(tmp_path / "plot.png", width=1000, height=750)))
    assert (image.width(), image.height()) == (1000, 750)


def test_png_at_scale_two_is_twice_the_slide(plot, tmp_path):
    assert png_size(export_view(plot, ExportOptions(tmp_path / "plot.png", scale=2))) == (3840, 2160)


def test_png_is_redrawn_at_high_resolution_not_enlarged(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    image = _image(export_view(view, ExportOptions(tmp_path / "drawn.png", width=600, height=300)))
    assert view.targets[-1] == QtCore.QRectF(0, 0, 200, 100)  # the view draws in its own coordinates
    assert view.scales[-1] == (3, 3)  # onto a painter scaled to the output: vectors, not a bitmap
    assert (image.width(), image.height()) == (600, 300)
    assert image.pixelColor(590, 10).name() == "#ffb000"


def test_png_default_size_and_the_views_own_background(plot, tmp_path):
    assert png_size(export_view(plot, ExportOptions(tmp_path / "slide.PNG"))) == (1920, 1080)
    # The view paints its own background over the theme's: the dark plot stays dark on a white theme.
    image = _image(export_view(plot, ExportOptions(tmp_path / "plot.png", width=400, height=300, theme="slides")))
    assert all(c.name() == DARK and c.alpha() == 255 for c in _corners(image))


def test_transparent_png_has_clear_corners_and_restores_the_plot(plot, tmp_path):
    brush_before = plot.backgroundBrush()
    cache_before = plot.cacheMode()
    image = _image(export_view(plot, ExportOptions(tmp_path / "clear.png", width=400, height=300, transparent=True)))
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
    own = _image(export_view(view, ExportOptions(tmp_path / "own.png", width=200, height=100)))
    clear = _image(export_view(view, ExportOptions(tmp_path / "clear.png", width=200, height=100, transparent=True)))
    # A 2:1 view on a 400 x 225 slide: drawn 400 x 200 from y = 12.5, the white slide theme above and below.
    white = _image(export_view(view, ExportOptions(tmp_path / "white.png", width=400, theme="slides")))
    assert own.pixelColor(0, 0).name() == DARK
    assert clear.pixelColor(0, 0).alpha() == 0
    assert clear.pixelColor(199, 99).name() == "#ffb000"
    assert white.pixelColor(0, 0).name() == "#ffffff"
    assert white.pixelColor(0, 224).name() == "#ffffff"
    assert white.pixelColor(10, 20).name() == DARK
    assert white.pixelColor(399, 210).name() == "#ffb000"


def test_png_on_the_slides_theme_has_white_corners(plot, tmp_path):
    image = _image(export_view(plot, ExportOptions(tmp_path / "white.png", theme="slides")))
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
    image = _image(export_view(window, ExportOptions(tmp_path / "window.png", width=900, height=600)))
    assert (image.width(), image.height()) == (900, 600)
    colors = {image.pixelColor(x, 300).name() for x in range(0, 900, 10)}
    assert DARK in colors and "#ffffff" in colors


def test_a_view_with_no_size_is_refused(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    view.resize(0, 0)
    with pytest.raises(ExportError, match="no size"):
        export_view(view, ExportOptions(tmp_path / "x.png"))
    assert _leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------- SVG


def test_svg_of_a_plot_holds_vector_paths_and_text(plot, tmp_path):
    """Regression: pyqtgraph 0.14.0's SVGExporter raises ValueError under PySide6 >= 6.11 (#3495)."""
    options = ExportOptions(tmp_path / "plot.svg", width=400, height=300, title="Gradient bars")
    data = export_view(plot, options).read_bytes()
    root = ET.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == "0 0 400 300"
    assert root.find(f"{SVG_NS}title").text == "Gradient bars"
    shapes = [e for tag in ("path", "polyline", "polygon", "rect") for e in root.iter(f"{SVG_NS}{tag}")]
    assert len(shapes) >= 4  # the background, three bars and the curve at least
    # The curve's five points as one path (a polyline is written as a path: ImageMagick refuses some).
    assert any(e.get("d", "").count("L") >= 4 for e in root.iter(f"{SVG_NS}path")), "the curve is a vector path"
    texts = "".join("".join(e.itertext()) for e in root.iter(f"{SVG_NS}text"))
    assert "Gradient magnitude" in texts.replace("\xa0", " ")
    assert not list(root.iter(f"{SVG_NS}image")), "nothing is rasterised"
    assert QtSvg.QSvgRenderer(QtCore.QByteArray(data)).isValid()


def test_svg_is_a_slide_by_default(plot, tmp_path):
    width, height, box = svg_size(export_view(plot, ExportOptions(tmp_path / "plot.svg")))
    assert box == "0 0 1920 1080"
    assert float(re.match(r"[\d.]+", width).group()) / float(re.match(r"[\d.]+", height).group()) == pytest.approx(16 / 9)


def test_svg_at_a_size_draws_a_render_to_view(qtbot, tmp_path):
    view = DrawnView("#00ff00")
    qtbot.addWidget(view)
    path = export_view(view, ExportOptions(tmp_path / "drawn.svg", width=400, height=200))
    root = ET.fromstring(path.read_bytes())
    assert root.get("viewBox") == "0 0 400 200"
    assert view.targets[-1] == QtCore.QRectF(0, 0, 200, 100)
    assert view.scales[-1] == (2, 2)
    assert "layer 1" in "".join("".join(e.itertext()) for e in root.iter(f"{SVG_NS}text"))
    assert "#00ff00" in ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------------------------------------- PDF


def test_pdf_has_one_page_with_the_options_aspect(plot, tmp_path):
    pages, (width, height) = pdf_pages_and_box(export_view(plot, ExportOptions(tmp_path / "plot.pdf", width=800, height=600)))
    assert pages == 1
    assert width / height == pytest.approx(400 / 300, rel=0.01)
    assert width == pytest.approx(800 * 72 / plot.logicalDpiY(), abs=1)
    pages, (width, height) = pdf_pages_and_box(export_view(plot, ExportOptions(tmp_path / "slide.pdf")))
    assert pages == 1
    assert width / height == pytest.approx(16 / 9, rel=0.005)
    assert width == pytest.approx(1920 * 72 / plot.logicalDpiY(), abs=1)


# ---------------------------------------------------------------------------------------------- failures


def test_unknown_extension_is_refused_before_drawing(qtbot, tmp_path):
    with pytest.raises(ExportError, match=r"\.jpg.*\.png, \.svg or \.pdf"):
        ExportOptions(tmp_path / "picture.jpg")
    with pytest.raises(ExportError, match="no extension"):
        ExportOptions(tmp_path / "picture")
    with pytest.raises(ExportError, match="no file name given"):
        ExportOptions("")
    with pytest.raises(ExportError, match="add --animate"):
        ExportOptions(tmp_path / "pass.gif")
    assert _leftovers(tmp_path) == []


def test_missing_folder_is_one_clear_error_and_creates_nothing(tmp_path):
    target = tmp_path / "missing" / "plot.png"
    with pytest.raises(ExportError) as info:
        ExportOptions(target)
    assert str(info.value) == f"cannot write {target}: no such folder {target.parent}"
    assert _leftovers(tmp_path) == []


def test_a_folder_as_the_path_is_refused(tmp_path):
    (tmp_path / "plot.png").mkdir()
    with pytest.raises(ExportError, match="it is a folder"):
        ExportOptions(tmp_path / "plot.png")


def test_a_folder_without_an_extension_is_named_as_a_folder_not_as_a_missing_extension(tmp_path):
    with pytest.raises(ExportError) as info:
        ExportOptions(tmp_path)
    assert str(info.value) == f"cannot write {tmp_path}: it is a folder; give a file name in it ending with .png, .svg or .pdf"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="permission denied"):
            ExportOptions(folder / "plot.png")
    finally:
        folder.chmod(0o700)


def test_permission_denied_is_one_clear_error(plot, tmp_path, monkeypatch):
    def denied(path, data):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(export, "write_atomically", denied)
    with pytest.raises(ExportError) as info:
        export_view(plot, ExportOptions(tmp_path / "plot.png"))
    assert str(info.value) == f"cannot write {tmp_path / 'plot.png'}: permission denied"


def test_a_failed_write_leaves_the_existing_file_untouched(plot, tmp_path, monkeypatch):
    good = tmp_path / "plot.png"
    good.write_bytes(b"the good file")

    def failing_replace(src, dst):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ExportError, match=f"cannot write {re.escape(str(good))}: "):
        export_view(plot, ExportOptions(good))
    assert good.read_bytes() == b"the good file"
    assert _leftovers(tmp_path) == ["plot.png"]


def test_a_failed_render_leaves_the_existing_file_untouched(qtbot, tmp_path):
    view = BrokenView()
    qtbot.addWidget(view)
    for suffix in ("png", "svg", "pdf"):
        good = tmp_path / f"view.{suffix}"
        good.write_bytes(b"the good file")
        with pytest.raises(RuntimeError, match="failed to draw"):
            export_view(view, ExportOptions(good))
        assert good.read_bytes() == b"the good file"
    assert _leftovers(tmp_path) == ["view.pdf", "view.png", "view.svg"]


# ---------------------------------------------------------------------------------------------- file modes


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf", "gif"])
def test_a_new_file_gets_the_mode_the_umask_gives(qtbot, tmp_path, umask_022, suffix):
    view = DrawnView()
    qtbot.addWidget(view)
    options = ExportOptions(tmp_path / f"new.{suffix}", width=64, animate=suffix == "gif")
    if suffix == "gif":
        export_animation(view, _colour_frames(view, ["red", "blue"]), options)
    else:
        export_view(view, options)
    assert _mode(tmp_path / f"new.{suffix}") == 0o644


@pytest.mark.parametrize("mode", [0o600, 0o640])
@pytest.mark.parametrize("suffix", ["png", "gif"])
def test_a_replaced_file_keeps_its_mode(qtbot, tmp_path, umask_022, mode, suffix):
    view = DrawnView()
    qtbot.addWidget(view)
    path = tmp_path / f"old.{suffix}"
    path.write_bytes(b"old")
    path.chmod(mode)
    options = ExportOptions(path, width=64, animate=suffix == "gif")
    if suffix == "gif":
        export_animation(view, _colour_frames(view, ["red"]), options)
    else:
        export_view(view, options)
    assert path.read_bytes() != b"old"
    assert _mode(path) == mode


def test_frames_and_their_new_folder_get_the_umask_modes(qtbot, tmp_path, umask_022):
    view = DrawnView()
    qtbot.addWidget(view)
    frames = tmp_path / "frames"
    export_animation(view, _colour_frames(view, ["red", "blue"]), ExportOptions(tmp_path / "p.gif", width=64, animate=True, frames_dir=frames))
    assert _mode(frames) == 0o755
    assert [_mode(p) for p in sorted(frames.iterdir())] == [0o644, 0o644]


# ---------------------------------------------------------------------------------------------- clipboard


def test_copy_to_clipboard_puts_a_slide_of_the_chosen_size_and_theme(plot):
    image = export.copy_to_clipboard(plot, width=800, theme="slides")
    assert (image.width(), image.height()) == (800, 450)
    pasted = QtWidgets.QApplication.clipboard().image()
    assert (pasted.width(), pasted.height()) == (800, 450)
    assert pasted.pixelColor(0, 0).name() == "#ffffff"  # the 4:3 plot is centred on the white slide


# ---------------------------------------------------------------------------------------------- animations


def test_gif_has_one_frame_per_step_loops_and_holds_the_last(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    colors = ["#ff0000", "#00ff00", "#0000ff", "#1b1d22"]
    options = ExportOptions(tmp_path / "pass.gif", width=64, height=32, animate=True)
    path = export_animation(view, _colour_frames(view, colors), options)
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(colors)
        assert gif.size == (64, 32)
        assert gif.info["loop"] == 0
        durations, pixels = [], []
        for frame in ImageSequence.Iterator(gif):
            durations.append(frame.info["duration"])
            pixels.append("#%02x%02x%02x" % frame.convert("RGB").getpixel((60, 3)))
    assert durations[:-1] == [export.FRAME_MS] * 3
    assert durations[-1] == export.LAST_FRAME_MS
    assert pixels == colors  # the adaptive palette keeps each colour exact


def test_gif_keeps_identical_frames_and_every_picture_exact(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    colors = ["#ff0000", "#ff0000", "#123456"]
    path = export_animation(view, _colour_frames(view, colors), ExportOptions(tmp_path / "pass.gif", width=200, height=100, animate=True))
    with Image.open(path) as gif:
        assert gif.n_frames == 3  # one per step, even when two steps look alike
        frames = [frame.convert("RGB").copy() for frame in ImageSequence.Iterator(gif)]
    expected = _image_of(view, "#123456", 200, 100)
    assert frames[2].tobytes() == expected.tobytes()


def _image_of(view, color, width, height):
    view.color = QtGui.QColor(color)
    image = render_image(view, width, height).convertToFormat(QtGui.QImage.Format.Format_RGB888)
    return Image.frombuffer("RGB", (width, height), bytes(image.constBits()), "raw", "RGB", image.bytesPerLine(), 1)


def test_gif_at_another_frame_time_lays_transparency_on_the_theme(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    options = ExportOptions(tmp_path / "pass.gif", width=64, theme="slides", transparent=True, animate=True)
    path = export_animation(view, _colour_frames(view, ["#00000000", "#ff0000"]), options, frame_ms=200)
    with Image.open(path) as gif:
        assert gif.n_frames == 2
        assert gif.info["duration"] == 200
        assert "#%02x%02x%02x" % gif.convert("RGB").getpixel((0, 0)) == "#ffffff"


def test_gif_frames_keep_the_options_size_when_the_view_resizes(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)

    def frames():
        yield
        view.resize(300, 50)
        yield

    path = export_animation(view, frames(), ExportOptions(tmp_path / "pass.gif", width=160, animate=True))
    with Image.open(path) as gif:
        sizes = [frame.size for frame in ImageSequence.Iterator(gif)]
    assert sizes == [(160, 90), (160, 90)]


def test_gif_refuses_other_extensions_and_no_frames(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    with pytest.raises(ExportError, match=r"cannot export to \.png files; end the name with \.gif"):
        ExportOptions(tmp_path / "pass.png", animate=True)
    with pytest.raises(ExportError, match="no frames"):
        export_animation(view, iter(()), ExportOptions(tmp_path / "pass.gif", animate=True))
    with pytest.raises(ExportError, match="add --animate"):
        export_animation(view, iter(()), ExportOptions(tmp_path / "still.png"))
    assert _leftovers(tmp_path) == []


def test_gif_without_pillow_says_how_to_install_it(qapp, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ExportError) as info:
        ExportOptions(tmp_path / "pass.gif", animate=True)
    assert str(info.value) == "writing GIF needs Pillow: pip install 'gradviz[gif]'"


def test_frames_dir_gets_numbered_pngs(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    frames = tmp_path / "frames"
    options = ExportOptions(tmp_path / "pass.gif", width=64, height=32, animate=True, frames_dir=frames)
    export_animation(view, _colour_frames(view, ["red", "green", "blue"]), options)
    assert _leftovers(frames) == ["frame_001.png", "frame_002.png", "frame_003.png"]
    assert _image(frames / "frame_002.png").pixelColor(60, 3).name() == "#008000"
    assert _leftovers(tmp_path) == ["frames", "pass.gif"]


def test_frames_into_an_existing_folder_keep_its_other_files(qtbot, tmp_path):
    view = DrawnView()
    qtbot.addWidget(view)
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "notes.txt").write_text("mine")
    options = ExportOptions(tmp_path / "pass.gif", width=64, animate=True, frames_dir=frames)
    export_animation(view, _colour_frames(view, ["red", "green"]), options)
    assert _leftovers(frames) == ["frame_001.png", "frame_002.png", "notes.txt"]


def test_frames_into_a_missing_parent_or_a_file_are_refused(qapp, tmp_path):
    with pytest.raises(ExportError, match="no such folder"):
        ExportOptions(tmp_path / "pass.gif", animate=True, frames_dir=tmp_path / "a" / "b")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="it is a file, not a folder"):
        ExportOptions(tmp_path / "pass.gif", animate=True, frames_dir=tmp_path / "file")
    with pytest.raises(ExportError, match="add --animate"):
        ExportOptions(tmp_path / "still.png", frames_dir=tmp_path / "frames")
    assert _leftovers(tmp_path) == ["file"]


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_frames_export_leaves_nothing_behind(qtbot, tmp_path, existing):
    view = BrokenView(fail_at=3)
    qtbot.addWidget(view)
    frames = tmp_path / "frames"
    gif = tmp_path / "pass.gif"
    if existing:
        frames.mkdir()
        gif.write_bytes(b"the good gif")

    def steps():
        while True:
            yield

    with pytest.raises(RuntimeError, match="failed to draw"):
        export_animation(view, steps(), ExportOptions(gif, width=64, animate=True, frames_dir=frames))
    if existing:
        assert _leftovers(tmp_path) == ["frames", "pass.gif"]
        assert _leftovers(frames) == []
        assert gif.read_bytes() == b"the good gif"
    else:
        assert _leftovers(tmp_path) == []


def test_animation_streams_one_frame_at_a_time(qtbot, tmp_path, monkeypatch):
    from gradviz.core.files import TEMP_PREFIX

    """Each frame is drawn, written and encoded before the next one is asked for."""
    view = DrawnView()
    qtbot.addWidget(view)
    frames = tmp_path / "frames"
    seen = []

    def steps():
        for number in range(1, 5):
            # By the time frame n is asked for, frame n - 1 is already on disk.
            seen.append(sorted(p.name for p in frames.parent.glob(f"{TEMP_PREFIX}*/*.png")))
            view.color = QtGui.QColor.fromHsv(number * 60, 200, 200)
            yield

    export_animation(view, steps(), ExportOptions(tmp_path / "p.gif", width=64, animate=True, frames_dir=frames))
    assert seen == [[], ["frame_001.png"], ["frame_001.png", "frame_002.png"], ["frame_001.png", "frame_002.png", "frame_003.png"]]


# ---------------------------------------------------------------------------------------------- gradviz export (headless)

from gradviz import headless  # noqa: E402
from gradviz.cli import build_parser  # noqa: E402
from gradviz.files.network_file import load_preset  # noqa: E402
from gradviz.core.stepper import Stepper  # noqa: E402


@pytest.mark.parametrize(
    ("text", "step"), [("forward", 3), ("loss", 4), ("backward", 7), ("BACKWARD", 7), ("0", 0), ("8", 8), (5, 5)]
)
def test_parse_step(text, step):
    assert headless.parse_step(text, depth=3) == step


@pytest.mark.parametrize("text", ["9", "-1", "halfway", "2.5"])
def test_parse_step_names_the_valid_range(text):
    with pytest.raises(ExportError, match="from 0 to 8"):
        headless.parse_step(text, depth=3)


@pytest.fixture
def stepper_calls(monkeypatch):
    """Every go_to_step and step_forward of any Stepper, in order (they still run)."""
    calls = []
    inside = []
    go_to_step, step_forward = Stepper.go_to_step, Stepper.step_forward

    def spy_go_to_step(self, step):
        calls.append(("go_to_step", step))
        inside.append(True)
        try:
            return go_to_step(self, step)
        finally:
            inside.pop()

    def spy_step_forward(self):
        if not inside:  # the steps go_to_step takes itself are part of it
            calls.append(("step_forward",))
        return step_forward(self)

    monkeypatch.setattr(Stepper, "go_to_step", spy_go_to_step)
    monkeypatch.setattr(Stepper, "step_forward", spy_step_forward)
    return calls


def _run(*options, preset="tiny-sigmoid"):
    args = build_parser().parse_args(["export", "--preset", preset, *options])
    return headless.export_command(load_preset(preset), args)


def _svg_text(path) -> str:
    root = ET.parse(path).getroot()
    return "".join("".join(e.itertext()) for e in root.iter(f"{SVG_NS}text")).replace("\xa0", " ")


def test_export_command_defaults_to_a_slide_at_the_end_of_the_backward_pass(qapp, tmp_path, stepper_calls, built_views):
    path = _run("--out", str(tmp_path / "diagram.svg"))
    assert stepper_calls == [("go_to_step", 7)]  # tiny-sigmoid: L = 3, end of the backward pass = 2L + 1
    assert built_views == ["diagram"]
    assert svg_size(path)[2] == "0 0 1920 1080"
    assert "Backward: layer 1 of 3" in _svg_text(path)
    assert not [w for w in QtWidgets.QApplication.topLevelWidgets() if w.isVisible()], "nothing is left open"


@pytest.mark.parametrize(
    ("step", "expected", "caption"),
    [("forward", 3, "Forward: layer 3 of 3"), ("loss", 4, "Loss computed"), ("1", 1, "Forward: layer 1 of 3")],
)
def test_export_command_goes_to_the_step_asked(qapp, tmp_path, stepper_calls, step, expected, caption):
    path = _run("--step", step, "--out", str(tmp_path / "diagram.svg"))
    assert stepper_calls == [("go_to_step", expected)]
    assert caption in _svg_text(path)


def test_export_command_sizes_and_themes(qapp, tmp_path):
    path = _run("--view", "gradient-bars", "--width", "700", "--theme", "slides", "--out", str(tmp_path / "b.png"))
    assert png_size(path) == (700, 394)
    assert all(c.name() == "#ffffff" for c in _corners(_image(path)))


def test_export_command_trains_before_a_training_view(qapp, tmp_path, monkeypatch):
    from gradviz.core.editing import Editing

    trained = []
    original = Editing.train_blocking

    def spy(self, steps):
        trained.append(steps)
        return original(self, steps)

    monkeypatch.setattr(Editing, "train_blocking", spy)
    path = _run("--view", "training", "--out", str(tmp_path / "training.pdf"))
    assert trained == [headless.HEADLESS_TRAINING_STEPS] == [500]
    pages, (width, height) = pdf_pages_and_box(path)
    assert pages == 1 and width / height == pytest.approx(16 / 9, rel=0.005)


def test_export_command_transparent(qapp, tmp_path):
    path = _run("--view", "gradient-bars", "--transparent", "--out", str(tmp_path / "bars.png"))
    assert all(c.alpha() == 0 for c in _corners(_image(path)))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--step", "9"], "from 0 to 8"),
        (["--step", "end"], "forward, loss or backward"),
        (["--scale", "5"], "the scale must be from 1 to 4 times the view's size, got 5"),
        (["--width", "16385"], "width must be a whole number of pixels from 1 to 16384"),
        (["--out", "{tmp}/x.jpg"], r"\.jpg"),
        (["--out", "{tmp}/missing/x.png"], "no such folder"),
        (["--animate", "--out", "{tmp}/x.png"], r"\.gif"),
        (["--frames-dir", "{tmp}/frames", "--out", "{tmp}/x.png"], "add --animate"),
        (["--animate", "--frames-dir", "{tmp}/no/frames", "--out", "{tmp}/x.gif"], "no such folder"),
    ],
)
def test_export_command_refuses_bad_options_before_building_anything(qapp, tmp_path, built_views, stepper_calls, options, message):
    options = [o.format(tmp=tmp_path) for o in options]
    if "--out" not in options:
        options += ["--out", str(tmp_path / "x.png")]
    with pytest.raises(ExportError, match=message):
        _run(*options)
    assert built_views == [] and stepper_calls == []
    assert _leftovers(tmp_path) == []


def test_export_command_animates_one_frame_per_micro_step(qapp, tmp_path):
    path = _run("--animate", "--scale", "1", "--out", str(tmp_path / "pass.gif"))
    with Image.open(path) as gif:
        assert gif.n_frames == 8  # reset (0) to the end of the backward pass (2L + 1 = 7)
        assert gif.info["loop"] == 0
        assert gif.size == (1920, 1080)
    assert not [w for w in QtWidgets.QApplication.topLevelWidgets() if w.isVisible()], "nothing is left open"


@pytest.mark.parametrize("preset", ["tiny-sigmoid", "deep-sigmoid"])
def test_export_command_animates_by_stepping_not_by_replaying_the_pass(qapp, tmp_path, stepper_calls, preset):
    depth = load_preset(preset).network.depth
    _run("--animate", "--width", "320", "--out", str(tmp_path / "pass.gif"), preset=preset)
    # One reset, then one micro-step per frame (not a reset and s steps for frame s): frames 0..2L+1.
    assert stepper_calls == [("go_to_step", 0)] + [("step_forward",)] * (2 * depth + 1)


def test_export_command_writes_numbered_frames(qapp, tmp_path):
    frames = tmp_path / "frames"
    _run("--animate", "--width", "480", "--frames-dir", str(frames), "--out", str(tmp_path / "pass.gif"))
    assert _leftovers(frames) == [f"frame_{n:03d}.png" for n in range(1, 9)]
    first, last = _image(frames / "frame_001.png"), _image(frames / "frame_008.png")
    assert first.size() == last.size() == QtCore.QSize(480, 270)
    assert first != last
    assert _leftovers(tmp_path) == ["frames", "pass.gif"]


def test_a_failed_frames_export_from_the_command_leaves_nothing(qapp, tmp_path, monkeypatch):
    frames = tmp_path / "frames"
    drawn = []
    original = export.render_image

    def failing(view, *args, **kwargs):
        drawn.append(1)
        if len(drawn) == 4:
            raise ExportError("the disk is full")
        return original(view, *args, **kwargs)

    monkeypatch.setattr(export, "render_image", failing)
    with pytest.raises(ExportError, match="the disk is full"):
        _run("--animate", "--width", "320", "--frames-dir", str(frames), "--out", str(tmp_path / "pass.gif"))
    assert _leftovers(tmp_path) == []


def test_network_files_are_written_with_the_same_modes(tmp_path, umask_022):
    from gradviz.files.network_file import save_network

    experiment = load_preset("tiny-sigmoid")
    new = tmp_path / "net.json"
    save_network(experiment, new)
    assert _mode(new) == 0o644
    new.chmod(0o600)
    save_network(experiment, new)
    assert _mode(new) == 0o600
    assert _leftovers(tmp_path) == ["net.json"]


def test_an_animation_too_big_for_the_work_budget_is_refused_before_drawing(tmp_path):
    # 16384 x 9216 RGBA is 604 MB a copy; an animation holds about six: 3.6 GB, over the 2 GB budget.
    with pytest.raises(ExportError) as refused:
        ExportOptions(tmp_path / "big.gif", width=16384, animate=True)
    message = str(refused.value)
    assert "16384 x 9216" in message and "3.6 GB" in message and "2 GB work budget" in message
    assert "\n" not in message
    # The width it suggests fits: 12160 x 6840 x 4 bytes x 6 copies is 2.0e9, just under the budget.
    ExportOptions(tmp_path / "ok.gif", width=12160, animate=True)
    assert 12160 * round(12160 * 9 / 16) * 4 * 6 <= 2_000_000_000
    assert not (tmp_path / "big.gif").exists()
    ExportOptions(tmp_path / "still.png", width=16384)  # a still holds about two copies: 1.2 GB
