"""Text on the diagram: fonts in pixels, text drawn and recorded with the box it covers, fonts that fit.

Every text a painter draws goes through :func:`text_in` or :func:`text_at`, so a test can list each text and its
box (:func:`text_boxes_of`) and check sizes, overlaps and contrast from a real paint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6 import QtCore, QtGui

from ..theme import Theme
from .layout import least_text_px

def qcolor(argb) -> QtGui.QColor:
    return QtGui.QColor.fromRgba(int(argb))


def font(theme: Theme, px: float, bold: bool = False) -> QtGui.QFont:
    """The theme's font at ``px`` pixels (pixels, not points, so every device scales alike)."""
    result = QtGui.QFont(theme.font_family)
    result.setPixelSize(max(1, int(round(px))))
    result.setBold(bold)
    return result


@dataclass(frozen=True)
class TextBox:
    """A text a painter drew, the box it covers (in the painter's device pixels) and its pixel size as drawn."""

    rect: QtCore.QRectF
    text: str
    role: str
    #: The font's pixel size times the painter's scale: the height of the type as it lands on the device.
    px: float = 0.0
    #: The text's colour, packed 0xAARRGGBB.
    argb: int = 0


def _record(painter, boxes, kind: str, geometry, flags, text: str, role: str) -> None:
    # Only what is needed to measure the box later (see text_boxes_of): a paint must stay cheap.
    if boxes is not None and text:
        boxes.append((kind, painter.transform(), painter.font(), geometry, flags, text, role, painter.pen().color().rgba()))


def text_boxes_of(recorded) -> list[TextBox]:
    """The :class:`TextBox` of each text recorded during a paint (``boxes`` of the painters)."""
    result = []
    for kind, transform, text_font, geometry, flags, text, role, argb in recorded:
        metrics = QtGui.QFontMetricsF(text_font)
        if kind == "in":
            rect = metrics.boundingRect(geometry, int(flags.value if hasattr(flags, "value") else flags), text)
        else:
            x, baseline = geometry
            rect = QtCore.QRectF(x, baseline - metrics.ascent(), metrics.horizontalAdvance(text), metrics.height())
        scale = (abs(transform.m11() * transform.m22() - transform.m12() * transform.m21())) ** 0.5
        result.append(TextBox(transform.mapRect(rect), text, role, text_font.pixelSize() * scale, argb))
    return result


def text_in(painter, rect: QtCore.QRectF, flags, text: str, boxes, role: str) -> None:
    """Draw ``text`` aligned in ``rect`` and record it."""
    painter.drawText(rect, flags, text)
    _record(painter, boxes, "in", QtCore.QRectF(rect), flags, text, role)


def text_at(painter, x: float, baseline: float, text: str, boxes, role: str) -> None:
    """Draw ``text`` from (x, baseline) and record it."""
    painter.drawText(QtCore.QPointF(x, baseline), text)
    _record(painter, boxes, "at", (x, baseline), None, text, role)


_ADVANCES: dict = {}


def text_advance(theme: Theme, px: float, text: str, bold: bool = False) -> float:
    """How far ``text`` runs in the theme's font at ``px`` (:func:`font`'s rounding). Memoised: a frame
    measures the same numbers and captions again, and shaping text is among the costly parts of a paint."""
    key = (theme.font_family, max(1, int(round(px))), bold, text)
    hit = _ADVANCES.get(key)
    if hit is None:
        if len(_ADVANCES) > 4096:
            _ADVANCES.clear()
        hit = _ADVANCES[key] = QtGui.QFontMetricsF(font(theme, px, bold)).horizontalAdvance(text)
    return hit


_FITTING_FONTS: dict = {}


def fitting_font(theme: Theme, px: float, text: str, room: float, bold: bool = False) -> QtGui.QFont:
    """The theme's font at ``px``, or smaller until ``text`` fits in ``room`` pixels, never below the theme's
    :func:`~.layout.least_text_px` (a text that still does not fit is the caller's to split). Memoised."""
    key = (theme.font_family, theme.name, round(px, 2), text, round(room, 1), bold)
    hit = _FITTING_FONTS.get(key)
    if hit is None:
        if len(_FITTING_FONTS) > 512:
            _FITTING_FONTS.clear()
        hit = _FITTING_FONTS[key] = _fit_font(theme, px, text, room, bold)
    return QtGui.QFont(hit)


def fits(theme: Theme, px: float, text: str, room: float, bold: bool = False) -> bool:
    """Whether ``text`` fits in ``room`` pixels at :func:`fitting_font`'s size (at worst the least legible one)."""
    return QtGui.QFontMetricsF(fitting_font(theme, px, text, room, bold)).horizontalAdvance(text) <= room - FIT_MARGIN_PX


#: Pixels a line of text keeps free at the end of its room: antialiasing and a last glyph's overhang reach a
#: little past its advance, and a text right at the edge reads as cut off.
FIT_MARGIN_PX = 3.0


def _fit_font(theme: Theme, px: float, text: str, room: float, bold: bool) -> QtGui.QFont:
    least = math.ceil(least_text_px(theme))
    result = font(theme, max(px, least), bold)
    limit = room - FIT_MARGIN_PX
    size = result.pixelSize()
    advance = text_advance(theme, size, text, bold)  # the same font as ``result``: measured once, kept
    # Whole pixel sizes, measured at the size drawn: rounding a scaled size may round it up, past the room.
    while advance > limit > 0 and size > least:
        size = max(least, min(size - 1, math.floor(size * limit / advance)))
        result = font(theme, size, bold)
        advance = text_advance(theme, size, text, bold)
    return result
