"""Renders the icon's SVG master to the PNG sizes the desktop and the window use, with Qt's SVG renderer.

Run after changing resources/icons/gradviz.svg, and commit the PNGs:
    QT_QPA_PLATFORM=offscreen python packaging/render_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6 import QtCore, QtGui, QtSvg

#: The hicolor theme's usual application-icon sizes, in pixels.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def render_icons(svg: Path = ICONS / "gradviz.svg", out_dir: Path = ICONS) -> list[Path]:
    """Write ``gradviz-SIZE.png`` for every size in ICON_SIZES; return the paths written."""
    renderer = QtSvg.QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg} is not a valid SVG")
    written = []
    for size in ICON_SIZES:
        image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(image)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QtCore.QRectF(0, 0, size, size))
        painter.end()
        path = out_dir / f"gradviz-{size}.png"
        tmp = path.with_suffix(".png.tmp")
        if not image.save(str(tmp), "PNG"):
            raise SystemExit(f"render_icons: cannot write {tmp}")
        tmp.replace(path)
        written.append(path)
    return written


if __name__ == "__main__":
    app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication(sys.argv[:1])
    for path in render_icons():
        print(path)
