"""A true logarithmic axis for items pyqtgraph cannot log-transform (bars), and the floor below it.

The panels draw ``log10(value)`` themselves and give the plot a ``LogAxisItem``, which labels the
view coordinate k as 10ᵏ. Zeros and values under the floor are drawn at the floor and marked by the
panel, so nothing becomes -inf or NaN and nothing warns.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from ...core.format import format_power_of_ten
from ...core.stats import DEFAULT_DECADES, LOG_FLOOR, safe_log10

#: The lowest floor a panel uses: one decade under the core's LOG_FLOOR, so 1e-300 still shows a bar.
LOWEST_FLOOR_DECADE = round(math.log10(LOG_FLOOR)) - 1
#: A log plot spans at least this many decades, so a small spread is not stretched over the whole plot.
MIN_SPAN_DECADES = 2

def value_label(log_value: float) -> str:
    """The label of log10 position ``log_value``: ``10⁻³`` on a whole decade, ``2·10⁻³`` on 2 times one,
    else "" (powers of ten print as the diagram's colour bar prints them: ``1``, ``10``, ``10²``)."""
    exponent = math.floor(log_value + 1e-9)
    mantissa = 10 ** (log_value - exponent)
    if abs(mantissa - round(mantissa)) > 1e-6 or round(mantissa) == 10:
        return ""
    mantissa = round(mantissa)
    if mantissa == 1:
        return format_power_of_ten(exponent)
    if exponent in (0, 1):
        return str(mantissa * 10**exponent)
    return f"{mantissa}·{format_power_of_ten(exponent)}"


def _mantissa_ticks(lo: float, hi: float, mantissas) -> list[float]:
    """log10 positions of m·10ᵈ, for the given mantissas m, from lo to hi."""
    ticks = [d + math.log10(m) for d in range(math.floor(lo), math.ceil(hi) + 1) for m in mantissas]
    return [v for v in ticks if lo - 1e-9 <= v <= hi + 1e-9]


def decade_span(values) -> tuple[int, int]:
    """Whole decades ``(floor, top)`` for drawing ``|values|`` on a log axis.

    The floor is one decade under the smallest finite non-zero magnitude, so the smallest bar still has
    a visible height; zeros are drawn at the floor. The top is the decade at or above the largest.
    """
    m = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    m = m[np.isfinite(m) & (m > 0)]
    if m.size == 0:
        return DEFAULT_DECADES
    with np.errstate(divide="ignore"):
        lo = math.floor(math.log10(m.min())) - 1
        hi = math.ceil(math.log10(m.max()))
    lo = max(lo, LOWEST_FLOOR_DECADE)
    hi = max(hi, lo + MIN_SPAN_DECADES)
    return lo, hi


#: A log axis reaches at most this many decades above the largest value it shows.
MAX_HEADROOM_DECADES = 1.0


def log_view_range(values, floor: int, top: int, pad: float = 0.02) -> tuple[float, float]:
    """The view range of a log plot of ``values`` drawn from ``floor`` to ``top`` (see ``decade_span``):
    a little padding, and never more than ``MAX_HEADROOM_DECADES`` above the largest finite value."""
    m = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    m = m[np.isfinite(m) & (m > 0)]
    span = top - floor
    hi = top + pad * span
    if m.size:
        hi = min(hi, math.log10(m.max()) + MAX_HEADROOM_DECADES)
    return floor - pad * span, max(hi, floor + 0.5)


def log_heights(values, floor_decade: int) -> np.ndarray:
    """log10 of |values|, with zeros and anything under 10**floor_decade at the floor; NaN stays NaN."""
    return safe_log10(values, 10.0**floor_decade)


class PlainAxisItem(pg.AxisItem):
    """An axis that labels its numbers as they are: never rescaled with an SI prefix ("(×1e-3)", "m").

    The panels' numbers are layer numbers, z, f(z) and decades, none of which a prefix would make clearer;
    and pyqtgraph would re-typeset the axis title on every change of the view range to keep it current.
    """

    def __init__(self, orientation: str = "left", **kwargs):
        super().__init__(orientation, **kwargs)
        self.autoSIPrefix = False  # the attribute, not enableAutoSIPrefix: nothing to re-typeset yet


class LogAxisItem(PlainAxisItem):
    """An axis whose view coordinate is log10 of the value it labels: tick k reads 10ᵏ.

    Major ticks fall on whole decades (every decade, or every 2, 5, 10, ... when the range is wide);
    minor ticks mark 2..9 times a decade when there is room.
    """

    def __init__(self, orientation: str = "left", **kwargs):
        super().__init__(orientation, **kwargs)
        # Only the first level (whole decades at the chosen step) carries text.
        self.setStyle(maxTextLevel=0)

    _STEPS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500)

    def tickValues(self, minVal, maxVal, size):
        lo, hi = sorted((float(minVal), float(maxVal)))
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo <= 0:
            return []
        font_px = QtGui.QFontMetricsF(self.style.get("tickFont") or QtGui.QFont()).height()
        # Room for a label every ~2 text heights vertically, or every ~4.5 horizontally ("10⁻¹²").
        room = max(2, int(size / (font_px * (2.0 if self.orientation in ("left", "right") else 4.5))))
        span = hi - lo
        if span < 1.5:
            # Under two decades there may be no whole decade in view: label 1, 2 and 5 times a decade.
            mantissas = (1, 2, 5) if span > 0.6 else range(1, 10)
            major = _mantissa_ticks(lo, hi, mantissas)
            minor = [v for v in _mantissa_ticks(lo, hi, range(1, 10)) if v not in major]
            return [(1.0, major), (None, minor)]

        def count(step):
            return math.floor(hi / step + 1e-9) - math.ceil(lo / step - 1e-9) + 1

        step = next((s for s in self._STEPS if count(s) <= room), self._STEPS[-1])
        if count(step) < 2:
            # A short axis over many decades: crowd the labels a little rather than show just one.
            step = max((s for s in self._STEPS if count(s) >= 2), default=step)
        first = math.ceil(lo / step - 1e-9) * step
        major = [float(v) for v in np.arange(first, hi + 1e-9, step)]
        levels = [(float(step), major)]
        if step == 1 and span <= 6:
            levels.append((None, [v for v in _mantissa_ticks(lo, hi, range(2, 10))]))
        elif step > 1 and span <= size / 4:
            levels.append((1.0, [float(d) for d in range(math.ceil(lo), math.floor(hi) + 1) if d % step]))
        return levels

    def boundingRect(self):
        # With a grid, pyqtgraph hides labels that stick out of the axis at all, which drops the floor's
        # label (it sits on the axis end). Leave half a label's height of room at each end.
        rect = super().boundingRect()
        if self.orientation in ("left", "right"):
            half = QtGui.QFontMetricsF(self.style.get("tickFont") or QtGui.QFont()).height() * 0.6
            rect = rect.adjusted(0, -half, 0, half)
        return rect

    def tickStrings(self, values, scale, spacing):
        return [value_label(v) for v in values]
