"""Exports of the real views, headless (gradviz export) and from the window (dialog, clipboard)."""

import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtGui, QtSvg, QtWidgets

from gradviz.cli import build_parser, main
from gradviz.files.network_file import load_preset
from gradviz.core.session import Session
from gradviz.export import export_view
from gradviz.export_options import ExportOptions, output_size
from gradviz.ui.export_dialog import ExportDialog
from gradviz.core.snapshot import take_snapshot
from gradviz.ui.export_views import ExportView
from gradviz.ui.theme import SCREEN, SLIDES, qt_palette
from tests.qt_helpers import shown_window


def headless(*args) -> int:
    return main(["export", "--preset", "tiny-sigmoid", *args])


@pytest.fixture
def window(qtbot):
    return shown_window(qtbot)


@pytest.fixture(autouse=True)
def fresh_dialog_choice(monkeypatch):
    monkeypatch.setattr(ExportDialog, "last_choice", (None, 1920))


def image(path) -> QtGui.QImage:
    img = QtGui.QImage(str(path))
    assert not img.isNull(), path
    return img


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def rgb(img: QtGui.QImage, point) -> np.ndarray:
    c = img.pixelColor(point)
    return np.array([c.red(), c.green(), c.blue()])


def palette_colors(palette: QtGui.QPalette) -> list[str]:
    return [palette.color(role).name() for role in (QtGui.QPalette.ColorRole.Window, QtGui.QPalette.ColorRole.WindowText,
                                                    QtGui.QPalette.ColorRole.Base, QtGui.QPalette.ColorRole.Text)]  # fmt: skip


def test_headless_diagram_shows_the_same_edge_colours_as_the_window(qapp, qtbot, window, tmp_path):
    out = tmp_path / "diagram.png"
    assert headless("--view", "diagram", "--theme", "screen", "--out", str(out)) == 0
    exported = image(out)
    assert (exported.width(), exported.height()) == (1920, 1080)
    window.bridge.go_to_step(7)  # the headless default: the end of the backward pass
    QtWidgets.QApplication.processEvents()
    # Where each edge lies on the slide: a diagram of the same size, fed the same record.
    session = Session(load_preset("tiny-sigmoid"))
    session.go_to_step(7)
    with ExportView("diagram", SCREEN) as fresh:
        fresh.show(take_snapshot(session))
        points = {layer: fresh.view.edge_midpoint(layer, 0, 0) for layer in (1, 2, 3)}
    for layer, point in points.items():
        np.testing.assert_allclose(rgb(exported, point), window.diagram.edge_color(layer, 0, 0).getRgb()[:3], atol=3)
    assert np.abs(rgb(exported, points[1]) - rgb(exported, points[3])).sum() > 60


def test_headless_png_sizes_transparency_and_slides_theme(qapp, tmp_path):
    wide = tmp_path / "wide.png"
    assert headless("--view", "diagram", "--width", "2000", "--out", str(wide)) == 0
    assert png_size(wide) == (2000, 1125)
    clear = tmp_path / "clear.png"
    assert headless("--view", "diagram", "--transparent", "--scale", "2", "--out", str(clear)) == 0
    img = image(clear)
    assert (img.width(), img.height()) == (3840, 2160)
    assert img.hasAlphaChannel()
    for x, y in ((0, 0), (img.width() - 1, 0), (0, img.height() - 1), (img.width() - 1, img.height() - 1)):
        assert img.pixelColor(x, y).alpha() == 0
    slides = tmp_path / "slides.png"
    assert headless("--view", "gradient-bars", "--theme", "slides", "--out", str(slides)) == 0
    img = image(slides)
    assert img.pixelColor(2, img.height() - 2).name() == "#ffffff"
    assert img.pixelColor(img.width() - 2, img.height() // 2).name() == "#ffffff"


@pytest.mark.parametrize("view", ["diagram", "gradient-bars", "activation", "depth-chain", "training", "window"])
def test_every_headless_view_is_a_1920_by_1080_slide(qapp, tmp_path, view):
    out = tmp_path / f"{view}.png"
    assert headless("--view", view, "--out", str(out)) == 0
    assert png_size(out) == (1920, 1080)
    assert png_size(out) == output_size()  # the CLI's default is the one the dialog uses


@pytest.mark.parametrize("view", ["diagram", "compare", "gradient-bars", "activation", "depth-chain", "training", "window"])
def test_every_headless_view_is_a_slide_in_svg_and_pdf(qapp, tmp_path, view):
    svg, pdf = tmp_path / f"{view}.svg", tmp_path / f"{view}.pdf"
    assert headless("--view", view, "--width", "640", "--out", str(svg)) == 0
    root = ET.parse(svg).getroot()
    assert root.get("viewBox") == "0 0 640 360"
    assert float(root.get("width").rstrip("cmpxin")) / float(root.get("height").rstrip("cmpxin")) == pytest.approx(16 / 9, rel=0.01)
    assert headless("--view", view, "--out", str(pdf)) == 0
    data = pdf.read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    x0, y0, x1, y1 = map(float, re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", data).groups())
    assert (x1 - x0) / (y1 - y0) == pytest.approx(1920 / 1080, rel=0.005)


def _svg_elements(path):
    root = ET.parse(path).getroot()
    return [el.tag.rsplit("}", 1)[-1] for el in root.iter()]


def test_headless_svg_of_the_diagram_and_the_bars_is_vector(qapp, tmp_path):
    diagram = tmp_path / "diagram.svg"
    assert headless("--view", "diagram", "--out", str(diagram)) == 0
    tags = _svg_elements(diagram)
    assert QtSvg.QSvgRenderer(str(diagram)).isValid()
    assert ET.parse(diagram).getroot().get("viewBox") == "0 0 1920 1080"
    assert "image" not in tags  # no embedded bitmap: the edges are vector paths
    assert tags.count("path") + tags.count("polyline") + tags.count("line") >= 3
    text = diagram.read_text()
    assert "layer 1" in text and "sigmoid" in text  # text stays text
    bars = tmp_path / "bars.svg"
    assert headless("--view", "gradient-bars", "--out", str(bars)) == 0
    assert QtSvg.QSvgRenderer(str(bars)).isValid()
    assert _svg_elements(bars).count("path") >= 6  # six bars at least
    assert "0.000424" in bars.read_text()


def test_headless_pdf_of_the_window_has_one_slide_page(qapp, tmp_path):
    out = tmp_path / "window.pdf"
    assert headless("--view", "window", "--out", str(out)) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    x0, y0, x1, y1 = map(float, re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", data).groups())
    assert (x1 - x0) / (y1 - y0) == pytest.approx(16 / 9, rel=0.005)


def test_headless_gif_has_one_frame_per_micro_step(qapp, tmp_path):
    from PIL import Image

    out = tmp_path / "pass.gif"
    frames = tmp_path / "frames"
    assert headless("--view", "diagram", "--animate", "--width", "640", "--frames-dir", str(frames), "--out", str(out)) == 0
    # tiny-sigmoid from reset to the end of its backward pass: steps 0..7.
    assert sorted(p.name for p in frames.iterdir()) == [f"frame_{i:03d}.png" for i in range(1, 9)]
    with Image.open(out) as gif:
        assert gif.n_frames == 8
        assert gif.size == (640, 360)
    first, last = image(frames / "frame_001.png"), image(frames / "frame_008.png")
    assert first != last


def test_headless_training_view(qapp, tmp_path):
    out = tmp_path / "training.png"
    assert headless("--view", "training", "--out", str(out)) == 0
    assert image(out).width() == 1920


def test_a_failed_headless_export_leaves_the_existing_file(qapp, tmp_path, capsys):
    out = tmp_path / "keep.png"
    out.write_bytes(b"precious")
    assert headless("--view", "diagram", "--step", "99", "--out", str(out)) == 2
    assert out.read_bytes() == b"precious"
    assert capsys.readouterr().err.startswith("gradviz: error: ")


# ---------------------------------------------------------------------------------------------- the dialog


@pytest.fixture
def no_restyling(monkeypatch, window):
    """Fails if anything restyles the window or the application while the test runs."""
    calls = []
    monkeypatch.setattr(type(window), "set_theme", lambda self, theme: calls.append(("set_theme", theme.name)))
    monkeypatch.setattr(QtWidgets.QApplication, "setPalette", staticmethod(lambda *args: calls.append(("setPalette",))))
    return calls


def test_export_dialog_writes_the_chosen_view_and_format(qtbot, window, tmp_path, no_restyling):
    window_palette = palette_colors(window.palette())
    app_palette = palette_colors(QtWidgets.QApplication.palette())
    diagram_theme = window.diagram.theme
    bars_background = window.gradient_bars.plot_widget().backgroundBrush().color().name()
    size_before = window.gradient_bars.plot_widget().size()
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.view.setCurrentIndex(dialog.view.findData("gradient-bars"))
    dialog.format.setCurrentIndex(dialog.format.findData("svg"))
    dialog.theme.setCurrentText("slides")
    dialog.path.setText(str(tmp_path / "bars.svg"))
    assert dialog.export()
    assert QtSvg.QSvgRenderer(str(tmp_path / "bars.svg")).isValid()
    assert ET.parse(tmp_path / "bars.svg").getroot().get("viewBox") == "0 0 1920 1080"
    assert "#ffffff" in (tmp_path / "bars.svg").read_text().lower()  # drawn in the slides theme
    assert window.theme is SCREEN  # the slide theme was for the export only
    assert no_restyling == []
    assert palette_colors(window.palette()) == window_palette
    assert palette_colors(QtWidgets.QApplication.palette()) == app_palette
    assert window.diagram.theme is diagram_theme
    assert window.gradient_bars.plot_widget().backgroundBrush().color().name() == bars_background == SCREEN.background
    assert window.gradient_bars.plot_widget().size() == size_before  # the live panel is not laid out for the slide


def test_a_panel_exported_from_the_window_is_a_slide_in_the_chosen_theme(qtbot, window, tmp_path):
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.view.setCurrentIndex(dialog.view.findData("gradient-bars"))
    dialog.theme.setCurrentText("slides")
    dialog.path.setText(str(tmp_path / "bars.png"))
    assert dialog.export()
    assert png_size(tmp_path / "bars.png") == (1920, 1080)
    img = image(tmp_path / "bars.png")
    assert img.pixelColor(2, img.height() - 2).name() == "#ffffff"
    assert img.pixelColor(img.width() - 2, img.height() // 2).name() == "#ffffff"
    # The same picture as the headless export of the same view and theme.
    assert headless("--view", "gradient-bars", "--theme", "slides", "--step", "0", "--out", str(tmp_path / "cli.png")) == 0
    assert png_size(tmp_path / "cli.png") == png_size(tmp_path / "bars.png")
    assert image(tmp_path / "cli.png") == image(tmp_path / "bars.png")  # pixel for pixel


def test_export_dialog_and_cli_share_their_default_size(qtbot, window):
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    args = build_parser().parse_args(["export", "--preset", "tiny-sigmoid", "--out", "x.png"])
    assert (dialog.width.value(), dialog.by_width.isChecked()) == (1920, True)
    assert output_size(args.width, scale=args.scale) == output_size(dialog.width.value()) == (1920, 1080)
    assert dialog.size_label.text() == "= 1920 × 1080 px"
    assert dialog.width.maximum() == 16384
    dialog.width.setValue(1000)
    assert dialog.size_label.text() == "= 1000 × 562 px"


def test_export_dialog_png_width_and_errors_in_a_message_box(qtbot, window, tmp_path, monkeypatch):
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.by_width.setChecked(True)
    dialog.width.setValue(1200)
    dialog.path.setText(str(tmp_path / "diagram.png"))
    assert dialog.export()
    assert png_size(tmp_path / "diagram.png") == (1200, 675)
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    again = ExportDialog(window)
    qtbot.addWidget(again)
    again.path.setText(str(tmp_path / "missing" / "x.png"))
    assert not again.export()
    assert len(shown) == 1 and "no such folder" in shown[0]


def test_export_dialog_offers_and_writes_a_gif_of_the_pass(qtbot, window, tmp_path):
    from PIL import Image

    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.format.findData("gif") >= 0
    dialog.format.setCurrentIndex(dialog.format.findData("gif"))
    assert dialog.path.text().endswith(".gif")
    dialog.path.setText(str(tmp_path / Path(dialog.path.text()).name))  # the default is in the home folder
    dialog.width.setValue(480)
    step_before = window.bridge.session.record.step
    assert dialog.export()
    assert Path(dialog.exported_path) == tmp_path / "tiny-sigmoid-diagram.gif"
    with Image.open(dialog.exported_path) as gif:
        # tiny-sigmoid: L = 3, one frame per micro-step from the reset to the end of the backward pass.
        assert gif.n_frames == 2 * 3 + 2
        assert gif.size == (480, 270)
    assert window.bridge.session.record.step == step_before  # the window's own pass did not move


def test_copy_image_follows_the_chosen_theme_and_size(qtbot, window):
    QtWidgets.QApplication.clipboard().clear()
    window.act.copy.trigger()
    copied = QtWidgets.QApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (1920, 1080)
    assert copied.pixelColor(3, 3).name() == "#ffffff"  # a slide, though the window is dark
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.theme.currentText() == "slides"
    dialog.theme.setCurrentText("screen")
    dialog.width.setValue(1280)
    assert dialog.copy()
    copied = QtWidgets.QApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (1280, 720)
    assert copied.pixelColor(3, 3).name() == SCREEN.background
    QtWidgets.QApplication.clipboard().clear()
    window.act.copy.trigger()  # Ctrl+Shift+C follows the choice made last
    copied = QtWidgets.QApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (1280, 720)
    assert copied.pixelColor(3, 3).name() == SCREEN.background
    assert window.theme is SCREEN


def test_window_export_in_the_slides_theme_has_a_white_diagram(qtbot, window, tmp_path):
    window.set_theme(SLIDES)
    path = export_view(window.diagram, ExportOptions(tmp_path / "slide.png", scale=2, theme="slides"))
    img = image(path)
    assert (img.width(), img.height()) == (3840, 2160)
    assert img.pixelColor(3, 3).name() == "#ffffff"
    window.set_theme(SCREEN)
    QtWidgets.QApplication.setPalette(qt_palette(SCREEN))


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
    assert png_size(out) == (1920, 1080)  # laid out as a slide, not as a dock strip


# ---------------------------------------------------------------------------------------------- compare


def _compare_session(**options) -> Session:
    session = Session(load_preset("tiny-sigmoid"), **options)
    session.set_compare_active(True)
    session.go_to_step(7)
    return session


def test_headless_compare_is_one_slide_with_both_diagrams_titled(qapp, tmp_path):
    out = tmp_path / "compare.svg"
    assert headless("--view", "compare", "--out", str(out)) == 0
    root = ET.parse(out).getroot()
    assert root.get("viewBox") == "0 0 1920 1080"
    text = "".join("".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text")).replace("\xa0", " ")
    assert "sigmoid (as loaded)" in text and "ReLU" in text
    assert text.count("Backward: layer 1 of 3") == 2  # one caption under each half


def test_headless_compare_draws_an_edge_in_each_half_in_its_own_colour(qapp, tmp_path):
    out = tmp_path / "compare.png"
    assert headless("--view", "compare", "--theme", "screen", "--out", str(out)) == 0
    exported = image(out)
    assert (exported.width(), exported.height()) == (1920, 1080)
    with ExportView("compare", SCREEN) as fresh:
        fresh.show(take_snapshot(_compare_session()))
        compare = fresh.view
        halves = {}
        for side in ("left", "right"):
            view = getattr(compare, side)
            point = view.mapTo(compare, view.edge_midpoint(1, 0, 0))
            halves[side] = (point, view.edge_color(1, 0, 0).getRgb()[:3])
    left_point, left_colour = halves["left"]
    right_point, right_colour = halves["right"]
    assert left_point.x() < 960 <= right_point.x()
    np.testing.assert_allclose(rgb(exported, left_point), left_colour, atol=3)
    np.testing.assert_allclose(rgb(exported, right_point), right_colour, atol=3)
    # Layer 1's gradient vanishes under sigmoid and not under ReLU: on one shared scale they differ.
    assert np.abs(rgb(exported, left_point) - rgb(exported, right_point)).sum() > 60


def test_headless_compare_takes_another_activation_and_residual(qapp, tmp_path):
    out = tmp_path / "compare.svg"
    assert headless("--view", "compare", "--compare-activation", "tanh", "--compare-residual", "on", "--out", str(out)) == 0
    text = out.read_text().replace("\xa0", " ")
    assert "sigmoid, no residual (as loaded)" in text and "tanh, residual" in text


def test_headless_compare_animates_both_halves_in_lock_step(qapp, tmp_path):
    from PIL import Image

    frames = tmp_path / "frames"
    out = tmp_path / "compare.gif"
    assert headless("--view", "compare", "--animate", "--width", "640", "--frames-dir", str(frames), "--out", str(out)) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 8 and gif.size == (640, 360)


def test_a_bad_compare_activation_is_one_line(qapp, tmp_path, capsys):
    code = headless("--view", "compare", "--compare-activation", "nope", "--out", str(tmp_path / "c.png"))
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--compare-activation" in err
    assert list(tmp_path.iterdir()) == []


def test_export_dialog_compare_leaves_the_windows_session_alone(qtbot, window, tmp_path, no_restyling):
    session = window.bridge.session
    window.bridge.go_to_step(5)
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.view.setCurrentIndex(dialog.view.findData("compare"))
    dialog.path.setText(str(tmp_path / "compare.png"))
    assert dialog.export()
    assert png_size(tmp_path / "compare.png") == (1920, 1080)
    assert session.compare.active is False
    assert session.record.step == 5
    assert no_restyling == []


def test_export_dialog_starts_on_slides_and_gives_a_view_its_theme_back_after_the_whole_window(qtbot, window):
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    assert window.theme is SCREEN and dialog.theme.currentText() == "slides"
    dialog.view.setCurrentIndex(dialog.view.findData("window"))
    assert dialog.theme.currentText() == "screen"  # the window as it is
    dialog.view.setCurrentIndex(dialog.view.findData("depth-chain"))
    assert dialog.theme.isEnabled() and dialog.theme.currentText() == "slides"


def test_export_dialog_draws_the_whole_window_as_it_is(qtbot, window, tmp_path, monkeypatch, no_restyling):
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    dialog.theme.setCurrentText("slides")
    dialog.view.setCurrentIndex(dialog.view.findData("window"))
    assert not dialog.theme.isEnabled() and dialog.theme.currentText() == "screen"
    dialog.path.setText(str(tmp_path / "window.png"))
    assert dialog.export()
    assert png_size(tmp_path / "window.png") == (1920, 1080)
    assert no_restyling == []
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    again = ExportDialog(window)
    qtbot.addWidget(again)
    again.view.setCurrentIndex(again.view.findData("window"))
    again.format.setCurrentIndex(again.format.findData("gif"))
    again.path.setText(str(tmp_path / "window.gif"))
    assert not again.export()
    assert shown == ["an animation of the whole window is made by `gradviz export --view window --animate`"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["window.png"]


def test_copy_image_of_the_compare_view_while_it_is_on(qtbot, window, tmp_path):
    window.act.compare.trigger()
    assert window.central_view() is window.compare_view
    QtWidgets.QApplication.clipboard().clear()
    window.act.copy.trigger()
    copied = QtWidgets.QApplication.clipboard().image().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    assert headless("--view", "compare", "--step", "0", "--out", str(tmp_path / "compare.png")) == 0
    assert copied == image(tmp_path / "compare.png").convertToFormat(QtGui.QImage.Format.Format_RGB32)
    dialog = ExportDialog(window)
    qtbot.addWidget(dialog)
    assert dialog.view.currentData() == "compare"  # the dialog starts on the view in the middle
    assert dialog.path.text().endswith("tiny-sigmoid-compare.png")
    window.act.compare.trigger()
