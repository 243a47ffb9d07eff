"""Issue 17 item 4: the depth chain as the tutorial prints it. Its table at x = 5 for layers 1 to 10 with
8 decimals and each true value as a power of ten beside it, whole-number ticks on k, depth 10 whatever the
network, this network's curve; it fits the window at 1280x720 and 1920x1080; the export has the table and
the curve; `gradviz export --view depth-chain --depth N --x X` sets both.

Every expected number comes from the sigmoid's own formula here, not from gradviz.
"""

from __future__ import annotations

import math
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from gradviz.cli import main
from gradviz.files.network_file import load_preset
from gradviz.resource_folder import resource_folder
from gradviz.ui.main_window import MainWindow
from gradviz.ui.panels.depth_chain import DepthChainPanel
from gradviz.ui.theme import SCREEN, SLIDES

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sigmoid_slope(x: float) -> float:
    s = 1.0 / (1.0 + math.exp(-x))
    return s * (1.0 - s)


def power_text(value: float) -> str:
    """A value as the tutorial's "true value": three significant digits times a power of ten."""
    exponent = math.floor(math.log10(value))
    mantissa = value / 10.0**exponent
    if round(mantissa, 2) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.2f}×10{str(exponent).translate(SUPERSCRIPT)}"


def expected_rows(x: float, depth: int) -> list[tuple[str, str, str]]:
    return [(str(k), f"{sigmoid_slope(x) ** k:.8f}", power_text(sigmoid_slope(x) ** k)) for k in range(1, depth + 1)]


def _shown(qtbot, panel, size=(1100, 420)):
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_the_table_is_the_tutorials_at_x_5_for_layers_1_to_10(qtbot):
    panel = _shown(qtbot, DepthChainPanel())
    rows = panel.table().rows()
    assert rows[0] == ("k", "sigmoid′(5)ᵏ", "true value")
    assert rows[1:] == expected_rows(5.0, 10)
    # The tutorial's own printout, digit for digit.
    assert [row[1] for row in rows[1:5]] == ["0.00664806", "0.00004420", "0.00000029", "0.00000000"]
    assert [row[2] for row in rows[1:4]] == ["6.65×10⁻³", "4.42×10⁻⁵", "2.94×10⁻⁷"]
    assert all(row[1] == "0.00000000" for row in rows[4:])  # nothing left at 8 decimals ...
    assert rows[10][2] == power_text(sigmoid_slope(5.0) ** 10)  # ... but the true value still shows


def test_a_deeper_chain_shows_its_first_rows_and_its_last(qtbot):
    panel = _shown(qtbot, DepthChainPanel())
    panel.set_x(2.0)
    panel.set_depth(30)
    rows = panel.table().rows()[1:]
    assert rows[:8] == expected_rows(2.0, 8)
    assert rows[8][0] == "⋮" and rows[9] == expected_rows(2.0, 30)[-1]


@pytest.mark.parametrize("depth", [3, 10, 30, 64])
@pytest.mark.parametrize("width", [420, 1400])
def test_k_is_ticked_on_whole_layers_only(qtbot, depth, width):
    panel = _shown(qtbot, DepthChainPanel(SLIDES), (width, 600))
    panel.set_stacked(width < 700)  # as the window's narrow column does
    panel.set_depth(depth)
    panel.grab()
    QtWidgets.QApplication.processEvents()
    drawn = _tick_texts(panel.plot_item().getAxis("bottom"))
    assert len(drawn) >= 2 and all(text.isdigit() and 1 <= int(text) <= depth for _rect, text in drawn), drawn
    for i, (a, _) in enumerate(drawn):  # no two labels touch
        assert all(not a.intersects(b) for b, _ in drawn[i + 1 :])
    if depth <= 10 and width >= 1000:
        assert [int(text) for _rect, text in drawn] == list(range(1, depth + 1))


def _tick_texts(axis):
    """(rectangle, text) of each tick label the axis draws."""
    from PySide6 import QtGui

    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(QtCore.QRectF(rect), text) for rect, _flags, text in specs[2] if text]


@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=lambda t: t.name)
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_the_table_and_the_plot_fit_the_window(qtbot, theme, size):
    window = MainWindow(load_preset("tiny-sigmoid"), theme)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.docks["depth-chain"].raise_()
    panel = window.depth_chain
    dock = window.docks["depth-chain"]
    qtbot.waitUntil(lambda: dock.widget().isVisible() and not dock.visibleRegion().isEmpty())
    for _ in range(2):
        panel.grab()
        QtWidgets.QApplication.processEvents()
    assert panel.depth() == 10
    view = panel.plot_widget()
    shown = QtCore.QRectF(view.viewport().rect())
    cells = panel.table().cells()
    assert len({rect.top() for rect, _text in cells}) == 11  # the header and ten rows
    for rect, text in cells:
        on_view = view.mapFromScene(rect).boundingRect()
        assert shown.contains(QtCore.QRectF(on_view)), (text, on_view, shown)
    # The legend and the plot's data area are whole too, and the data area is not squeezed.
    for item in (panel.legend(), panel.plot_item().vb):
        on_view = QtCore.QRectF(view.mapFromScene(item.sceneBoundingRect()).boundingRect())
        assert shown.adjusted(-1, -1, 1, 1).contains(on_view), (item, on_view, shown)
    assert panel.plot_item().vb.width() >= 200 and panel.plot_item().vb.height() >= 100
    window.close()


def _svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(e.itertext()).strip() for e in root.iter("{http://www.w3.org/2000/svg}text")]


def test_the_export_has_the_table_and_this_networks_curve(qapp, tmp_path):
    out = tmp_path / "chain.svg"
    assert main(["export", "--preset", "tiny-sigmoid", "--view", "depth-chain", "--out", str(out)]) == 0
    texts = _svg_texts(out)
    for row in expected_rows(5.0, 10):
        for cell in row:
            assert cell in texts, cell
    assert "this network" in texts
    # The network's curve: a thick line through its three layers' products, at the plot's markers.
    from gradviz.ui.export_views import ExportView
    from gradviz.core.session import Session
    from gradviz.core.snapshot import take_snapshot

    session = Session(load_preset("tiny-sigmoid"))
    session.go_to_step(7)
    with ExportView("depth-chain", SLIDES) as fresh:
        fresh.show(take_snapshot(session))
        k, heights = fresh.widget.network_points()
    np.testing.assert_array_equal(k, [1, 2, 3])
    assert np.all(np.isfinite(heights)) and np.all(np.diff(heights) < 0)


@pytest.mark.parametrize("source", ["preset", "file"])
def test_export_depth_and_x_set_the_table_and_the_plot(qapp, tmp_path, source):
    out = tmp_path / "chain.svg"
    if source == "preset":
        given = ["--preset", "tiny-sigmoid"]
    else:
        network = tmp_path / "net.json"
        shutil.copyfile(resource_folder() / "presets" / "tiny-sigmoid.json", network)
        given = [str(network)]
    assert main(["export", *given, "--view", "depth-chain", "--depth", "4", "--x", "2", "--out", str(out)]) == 0
    texts = _svg_texts(out)
    assert "sigmoid′(2)ᵏ" in texts
    for row in expected_rows(2.0, 4):
        assert all(cell in texts for cell in row), row
    assert f"{sigmoid_slope(2.0) ** 5:.8f}" not in texts  # depth 4: no fifth row


@pytest.mark.parametrize(
    "options, message",
    [
        (["--depth", "0"], "argument --depth: must be from 1 to 64, got 0"),
        (["--depth", "65"], "argument --depth: must be from 1 to 64, got 65"),
        (["--x", "51"], "argument --x: must be a number from -50 to 50, got '51'"),
        (["--x", "nan"], "argument --x: must be a number from -50 to 50, got 'nan'"),
        (["--x", "five"], "argument --x: must be a number, got 'five'"),
        (["--view", "diagram", "--depth", "3"], "--depth set the gradient-vs-depth view; add --view depth-chain"),
    ],
)
def test_bad_depth_or_x_is_one_line_and_exit_2(qapp, tmp_path, capsys, options, message):
    out = tmp_path / "chain.png"
    code = main(["export", "--preset", "tiny-sigmoid", "--view", "depth-chain", *options, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.count("\n") == 1 and err.startswith("gradviz: error: ") and message in err, err


@pytest.mark.parametrize("theme", [SCREEN, SLIDES], ids=lambda t: t.name)
def test_the_bounds_legend_sample_is_dashed_as_its_curve_is(qtbot, theme):
    """The bound 0.25ᵏ is drawn dashed; its legend sample, a 20 px line, showed one dash long enough to read
    as solid, like the sigmoid curve's. Along the sample's middle, its colour must stop and start again."""
    from PySide6 import QtGui

    panel = _shown(qtbot, DepthChainPanel(theme))
    samples = [sample for sample, label in panel.legend().items if label.text.startswith("bound")]
    assert len(samples) == 1
    sample = samples[0]
    rect = sample.boundingRect()
    image = QtGui.QImage(int(rect.width()), int(rect.height()), QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    sample.paint(painter, None, None)
    painter.end()
    alpha = np.array([[image.pixelColor(x, y).alpha() for x in range(image.width())] for y in range(image.height())])
    row = alpha[int(np.argmax(alpha.sum(axis=1)))]  # the row the line runs along
    inked = row > 128
    starts = np.flatnonzero(inked[1:] & ~inked[:-1]) + 1
    assert inked.any() and (len(starts) + int(inked[0])) >= 2, row.tolist()
