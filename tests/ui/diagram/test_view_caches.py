"""What the diagram view keeps between paints: an export between two screen paints costs the screen nothing."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from gradviz.core.network import Network
from gradviz.core.stepper import Stepper
from gradviz.ui.diagram import NetworkView
from gradviz.ui.diagram import view as view_module


def _big_stepper() -> Stepper:
    rng = np.random.default_rng(0)
    widths = [32] * 11  # 10,240 edges: drawn through the edge-id raster on screen
    weights = [rng.normal(0.0, 1.0 / np.sqrt(32), (32, 32)) for _ in range(10)]
    return Stepper(Network(widths, "sigmoid", weights), rng.normal(size=(4, 32)), rng.uniform(size=(4, 32)))


def test_an_export_between_two_screen_paints_keeps_the_screen_raster(qtbot, monkeypatch):
    builds = []
    real = view_module.IdRaster

    def counting(*args, **kwargs):
        builds.append(args[1:])
        return real(*args, **kwargs)

    monkeypatch.setattr(view_module, "IdRaster", counting)
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(700, 450)
    view.show()
    qtbot.waitExposed(view)
    stepper = _big_stepper()
    for _ in range(5):
        stepper.step_forward()
    view.show_record(stepper.record, stepper.complete_record())
    before = view.grab().toImage()
    assert view.render_path == "raster" and len(builds) == 1

    image = QtGui.QImage(2400, 1350, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    view.render_to(painter, QtCore.QRectF(0, 0, 2400, 1350))  # another size: another layout
    painter.end()
    after = view.grab().toImage()

    assert len(builds) == 1
    assert after == before
