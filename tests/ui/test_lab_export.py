"""Issue 19: `gradviz export --view lab` trains a lab preset headless and writes the lab view."""

from __future__ import annotations

import pytest
from PySide6 import QtGui

from gradviz.cli import main


def _run(tmp_path, *extra, name="lab.png"):
    out = tmp_path / name
    code = main(["export", "--view", "lab", "--preset", "xor", *extra, "--out", str(out)])
    return code, out


def test_a_png_is_a_1920_by_1080_slide_of_the_trained_lab(tmp_path, qapp):
    code, out = _run(tmp_path, "--epochs", "2")
    assert code == 0
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (1920, 1080)
    # Drawn, not blank: the heat map's two class colours and the background are all there.
    colours = {image.pixel(x, y) for x in range(0, 1920, 16) for y in range(0, 1080, 16)}
    assert len(colours) > 50


def test_svg_and_pdf_hold_the_lab_as_vector_text(tmp_path, qapp):
    code, svg = _run(tmp_path, "--epochs", "1", "--theme", "slides", name="lab.svg")
    assert code == 0
    text = svg.read_text(encoding="utf-8")
    assert "xor · epoch 1 of" in text and "‖∂C/∂b_l‖" in text
    code, pdf = _run(tmp_path, "--epochs", "1", name="lab.pdf")
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")


def test_an_animated_gif_has_one_frame_per_epoch_from_epoch_0(tmp_path, qapp):
    image_module = pytest.importorskip("PIL.Image")
    code, gif = _run(tmp_path, "--epochs", "3", "--animate", "--width", "640", name="lab.gif")
    assert code == 0
    with image_module.open(gif) as image:
        assert image.n_frames == 4
        assert image.size == (640, 360)


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "--view", "lab", "--preset", "nope", "--out", "x.png"], "argument --preset: no lab preset called 'nope'"),
        (["export", "--view", "lab", "--preset", "xor", "--epochs", "-1", "--out", "x.png"], "argument --epochs: must be from 0 to 100,000, got -1"),
        (["export", "--view", "diagram", "--preset", "tiny-sigmoid", "--epochs", "3", "--out", "x.png"], "argument --epochs: only with --view lab"),
    ],
)
def test_bad_lab_export_arguments_are_one_line_and_exit_2(tmp_path, capsys, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gradviz: error: " + message)
    assert not (tmp_path / "x.png").exists()


def test_the_export_draws_what_the_window_draws(qtbot):
    """The same snapshot through the registry's draw: the export's lab view paints the window's texts."""
    from gradviz.files.network_file import load_preset
    from gradviz.ui.export_views import ExportView
    from gradviz.ui.main_window import MainWindow
    from gradviz.ui.theme import SCREEN

    window = MainWindow(load_preset("tiny-sigmoid"), SCREEN)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    window.lab.open_preset("xor")
    window.lab.driver.step_epoch()
    view = window.lab.view
    with ExportView("lab", SCREEN, (view.width(), view.height())) as fresh:
        fresh.show(window.bridge.snapshot)
        image = QtGui.QImage(view.width(), view.height(), QtGui.QImage.Format.Format_ARGB32)
        painter = QtGui.QPainter(image)
        theirs = fresh.view.render_to(painter, fresh.view.rect())
        painter.end()
    painter = QtGui.QPainter(image)
    ours = view.render_to(painter, view.rect())
    painter.end()
    assert [t.text for t in ours.texts] == [t.text for t in theirs.texts]
    assert "xor · epoch 1 of" in ours.texts[0].text


def test_while_the_lab_is_shown_the_export_dialog_and_copy_image_take_the_lab(qtbot):
    from PySide6 import QtWidgets

    from gradviz.files.network_file import load_preset
    from gradviz.ui.export_dialog import ExportDialog
    from gradviz.ui.main_window import MainWindow

    window = MainWindow(load_preset("tiny-sigmoid"))
    qtbot.addWidget(window)
    window.show()
    dialog = ExportDialog(window)
    assert dialog.view.currentData() == "diagram"
    dialog.deleteLater()
    window.lab.open_preset("xor")
    dialog = ExportDialog(window)
    assert dialog.view.currentData() == "lab"
    dialog.deleteLater()
    QtWidgets.QApplication.clipboard().clear()
    window.copy_image()
    image = QtWidgets.QApplication.clipboard().image()
    assert not image.isNull() and image.width() == 1920
    assert "training lab" in window.statusBar().currentMessage()
