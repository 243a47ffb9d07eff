"""Exports of the real window's views, headless (gradviz export) and from the window (dialog, clipboard)."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from gradviz.cli import main
from gradviz.core.netfile import load_preset
from gradviz.export import HEADLESS_WINDOW_SIZE, export_widget
from gradviz.ui.export_dialog import ExportDialog
from gradviz.ui.main_window import MainWindow
from gradviz.ui.theme import SCREEN, SLIDES


def headless(*args) -> int:
    return main(["export", "--preset", "tiny-sigmoid", *args])


@pytest.fixture
def window(qtbot):
    w = MainWindow(load_preset("tiny-sigmoid"), SCREEN)
    qtbot.addWidget(w)
    w.resize(*HEADLESS_WINDOW_SIZE)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def image(path) -> QtGui.QImage:
    img = QtGui.QImage(str(path))
    assert not img.isNull(), path
    return img


def rgb(img: QtGui.QImage, point) -> np.ndarray:
    c = img.pixelColor(point)
    return np.array([c.red(), c.green(), c.blue()])


def test_headless_diagram_shows_the_same_edge_colours_as_the_window(qapp, qtbot, window, tmp_path):
    out = tmp_path / "diagram.png"
    assert headless("--view", "diagram", "--out", str(out)) == 0
    exported = image(out)
    window.bridge.go_to_step(7)  # the headless default: the end of the backward pass
    QtWidgets.QApplication.processEvents()
    on_screen = window.diagram.grab().toImage()
    assert (exported.width(), exported.height()) == (on_screen.width(), on_screen.height())
    for layer in (1, 2, 3):
        point = window.diagram.edge_midpoint(layer, 0, 0)
        np.testing.assert_allclose(rgb(exported, point), rgb(on_screen, point), atol=3)
        np.testing.assert_allclose(rgb(exported, point), window.diagram.edge_color(layer, 0, 0).getRgb()[:3], atol=3)
    assert np.abs(rgb(exported, window.diagram.edge_midpoint(1, 0, 0)) - rgb(exported, window.diagram.edge_midpoint(3, 0, 0))).sum() > 60


def test_headless_png_sizes_transparency_and_slides_theme(qapp, tmp_path):
    wide = tmp_path / "wide.png"
    assert headless("--view", "diagram", "--width", "2000", "--out", str(wide)) == 0
    assert image(wide).width() == 2000
    clear = tmp_path / "clear.png"
    assert headless("--view", "diagram", "--transparent", "--scale", "2", "--out", str(clear)) == 0
    img = image(clear)
    assert img.hasAlphaChannel()
    for x, y in ((0, 0), (img.width() - 1, 0), (0, img.height() - 1), (img.width() - 1, img.height() - 1)):
        assert img.pixelColor(x, y).alpha() == 0
    slides = tmp_path / "slides.png"
    assert headless("--view", "gradient-bars", "--theme", "slides", "--out", str(slides)) == 0
    img = image(slides)
    assert img.pixelColor(2, img.height() - 2).name() == "#ffffff"
    assert img.pixelColor(img.width() - 2, img.height() // 2).name() == "#ffffff"


def _svg_elements(path):
    root = ET.parse(path).getroot()
    return [el.tag.rsplit("}", 1)[-1] for el in root.iter()]


def test_headless_svg_of_the_diagram_and_the_bars_is_vector(qapp, tmp_path):
    diagram = tmp_path / "diagram.svg"
    assert headless("--view", "diagram", "--out", str(diagram)) == 0
    tags = _svg_elements(diagram)
    assert QtSvg.QSvgRenderer(str(diagram)).isValid()
    assert "image" not in tags  # no embedded bitmap: the edges are vector paths
    assert tags.count("path") + tags.count("polyline") + tags.count("line") >= 3
    text = diagram.read_text()
    assert "layer 1" in text and "sigmoid" in text  # text stays text
    bars = tmp_path / "bars.svg"
    assert headless("--view", "gradient-bars", "--out", str(bars)) == 0
    assert QtSvg.QSvgRenderer(str(bars)).isValid()
    assert _svg_elements(bars).count("path") >= 6  # six bars at least
    assert "0.000424" in bars.read_text()


def test_headless_pdf_of_the_window_has_one_page(qapp, tmp_path):
    out = tmp_path / "window.pdf"
    assert headless("--view", "window", "--out", str(out)) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1


def test_headless_gif_has_one_frame_per_micro_step(qapp, tmp_path):
    from PIL import Image

    out = tmp_path / "pass.gif"
    frames = tmp_path / "frames"
    assert headless("--view", "diagram", "--animate", "--frames-dir", str(frames), "--out", str(out)) == 0
    # tiny-sigmoid from reset to the end of its backward pass: steps 0..7.
    assert sorted(p.name for p in frames.iterdir()) == [f"frame_{i:03d}.png" for i in range(1, 9)]
    with Image.open(out) as gif:
        assert gif.n_frames >= 2  # Pillow merges identical consecutive frames; the PNGs are all kept
    first, last = image(frames / "frame_001.png"), image(frames / "frame_008.png")
    assert first != last


def test_headless_training_view(qapp, tmp_path):
    out = tmp_path / "training.png"
    assert headless("--view", "training", "--out", str(out)) == 0
    assert image(out).width() > 100


def test_a_failed_headless_export_leaves_the_existing_file(qapp, tmp_path, capsys):
    out = tmp_path / "keep.png"
    out.write_bytes(b"precious")
    assert headless("--view", "diagram", "--step", "99", "--out", str(out)) == 2
    assert out.read_bytes() == b"precious"
    assert capsys.readouterr().err.startswith("gradviz: error: ")


def test_export_dialog_writes_the_chosen_view_and_format(qtbot, window, tmp_path):
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.view.setCurrentIndex(dialog.view.findData("gradient-bars"))
    dialog.format.setCurrentIndex(dialog.format.findData("svg"))
    dialog.theme.setCurrentText("slides")
    dialog.path.setText(str(tmp_path / "bars.svg"))
    assert dialog.export()
    assert QtSvg.QSvgRenderer(str(tmp_path / "bars.svg")).isValid()
    assert window.theme is SCREEN  # the slide theme was for the export only


def test_export_dialog_png_width_and_errors_in_a_message_box(qtbot, window, tmp_path, monkeypatch):
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.by_width.setChecked(True)
    dialog.width.setValue(1200)
    dialog.path.setText(str(tmp_path / "diagram.png"))
    assert dialog.export()
    assert image(tmp_path / "diagram.png").width() == 1200
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    again = ExportDialog(window)
    qtbot.addWidget(again)
    again.path.setText(str(tmp_path / "missing" / "x.png"))
    assert not again.export()
    assert len(shown) == 1 and "no such folder" in shown[0]


def test_copy_image_puts_the_diagram_on_the_clipboard(qtbot, window):
    QtWidgets.QApplication.clipboard().clear()
    window.act_copy.trigger()
    copied = QtWidgets.QApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (window.diagram.width(), window.diagram.height())


def test_window_export_in_the_slides_theme_has_a_white_diagram(qtbot, window, tmp_path):
    window.set_theme(SLIDES)
    path = export_widget(window.diagram, tmp_path / "slide.png", scale=2)
    img = image(path)
    assert (img.width(), img.height()) == (2 * window.diagram.width(), 2 * window.diagram.height())
    assert img.pixelColor(3, 3).name() == "#ffffff"


def test_headless_export_in_a_fresh_process_says_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "bars.png"
    result = subprocess.run(
        [sys.executable, "-m", "gradviz", "export", "--preset", "deep-sigmoid", "--view", "gradient-bars", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"wrote {out}\n"
    img = image(out)
    assert img.width() >= 1200 and img.height() >= 600  # laid out as a slide, not as a dock strip
