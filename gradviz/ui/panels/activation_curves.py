"""An activation f and its derivative f′, with one layer's pre-activations z marked on both curves."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from ...core.activations import ACTIVATIONS, check_activation
from ...core.analysis import activation_curve
from ...core.format import format_number
from ...core.records import PassRecord, Phase
from ..theme import SCREEN, Theme
from .plot_style import (
    DrawnWhenSeen, drawn, legend_beside, legible_font, show_legible_controls, make_plot_widget, place_legend, style_legend, style_plot, style_text,
)  # fmt: skip

#: The z range drawn; a layer's z beyond it is drawn at the edge with an arrow marker.
Z_RANGE = (-10.0, 10.0)
#: Where f′ falls below this fraction of its peak, the curve is "saturated" (flat): shaded.
SATURATION_FRACTION = 0.05


def _saturated_spans(z: np.ndarray, df: np.ndarray, max_slope: float) -> list[tuple[float, float]]:
    """The z intervals where |f′| is under SATURATION_FRACTION of the activation's largest slope."""
    if not max_slope > 0:
        return []
    flat = np.abs(df) < SATURATION_FRACTION * max_slope
    spans, start = [], None
    for i, is_flat in enumerate(flat):
        if is_flat and start is None:
            start = i
        if start is not None and (not is_flat or i == len(flat) - 1):
            end = i if is_flat else i - 1
            if end > start:
                spans.append((float(z[start]), float(z[end])))
            start = None
    return spans


class ActivationCurvesPanel(DrawnWhenSeen):
    """f(z) and f′(z) over z in [-10, 10], with the current layer's z values as points on both.

    Points in the flat tails of f (where f′ is nearly zero) are the neurons that pass almost no gradient.
    """

    def __init__(self, theme: Theme = SCREEN, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        show_legible_controls(self, theme)
        self._activation = "sigmoid"
        self._z: np.ndarray | None = None
        self._layer_label = ""
        self._marked = (np.empty(0), np.empty(0), np.empty(0))
        #: What the curves, shaded regions and legend were last built for: (activation, has marks), or None.
        self._curves_key: tuple[str, bool] | None = None
        self._title: str | None = None
        #: Scatter items of the marked z: (inside the range, clamped to its edge) on f, then the same on f′.
        self._mark_items: tuple[pg.ScatterPlotItem, ...] = ()

        #: Whether the legend sits under the plot (a tall panel) rather than beside it.
        self._tall = False
        self._note = QtWidgets.QLabel()
        self._note.setWordWrap(True)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._build_when_seen(), 1)  # the plot is built when first seen
        layout.addWidget(self._note)

    def _build_plot(self) -> pg.PlotWidget:
        self._plot_widget = make_plot_widget(log_y=False, menu=False)
        self._legend = legend_beside(self._plot_widget.getPlotItem())
        if self._tall:
            place_legend(self._plot_widget.getPlotItem(), below=True)
        return self._plot_widget

    # ------------------------------------------------------------------ public API

    def set_stacked(self, tall: bool) -> None:
        """The legend under the plot, for a panel taller than it is wide (the window's compact layout puts
        it in the right column), so the curves keep a readable width; beside them otherwise."""
        self._tall = bool(tall)
        if self.plot_built:
            place_legend(self._plot_widget.getPlotItem(), below=self._tall)

    @drawn
    def plot_widget(self) -> pg.PlotWidget:
        return self._plot_widget

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        show_legible_controls(self, theme)
        self._show_theme_background()
        self._curves_key = None
        self._request_redraw()

    def show_record(self, record: PassRecord) -> None:
        """Show the layer ``record``'s latest micro-step computed (the output after the loss and the update,
        layer 1 before the first step)."""
        if record.phase in (Phase.FORWARD, Phase.BACKWARD):
            index = record.layer
        else:
            index = record.depth if record.phase is not Phase.READY else 1
        layer = record.layers[index - 1]
        self.show_layer(layer.activation, layer.z, f"layer {index}")

    def show_layer(self, activation_name: str, z_values: np.ndarray | None, layer_label: str) -> None:
        """Draw ``activation_name`` and mark ``z_values`` (any shape; None marks nothing) on it."""
        check_activation(activation_name)
        self._activation = activation_name
        self._z = None if z_values is None else np.asarray(z_values, dtype=np.float64).ravel()
        self._layer_label = layer_label
        self._request_redraw()

    @drawn
    def marked_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The finite z values marked, with f(z) and f′(z) at those (unclamped) z."""
        return self._marked

    @drawn
    def note(self) -> str:
        """The sentence under the plot about clamped or ignored values ("" when there is none)."""
        return self._note.text()

    # ------------------------------------------------------------------ drawing

    def _redraw(self) -> None:
        # The main window calls show_layer on every micro-step: the curves, shaded regions and legend are
        # rebuilt only when what they show changes; otherwise only the marks, title and note are updated.
        has_marks = self._z is not None and self._z.size > 0
        if self._curves_key != (self._activation, has_marks):
            self._build_curves(has_marks)
        activation = ACTIVATIONS[self._activation]
        title = f"{activation.label}: f(z) = {activation.formula.split(' = ')[-1]} and its slope f′(z)"
        if self._layer_label:
            title = f"{self._layer_label}: {activation.label} and its slope f′"
        if title != self._title:
            short = f"{self._layer_label}: {activation.label}" if self._layer_label else activation.label
            style_plot(self._plot_widget.getPlotItem(), self._theme, (title, short),
                       ("pre-activation z  (input to the activation)", "pre-activation z", "z"), ("f(z) and f′(z)", "f, f′"), legible=True)
            self._title = title
        notes = self._update_marks()
        self._note.setText(" ".join(notes))
        self._note.setVisible(bool(notes))

    def _build_curves(self, has_marks: bool) -> None:
        """The curves, shaded regions and legend (of the activation, the theme and whether z is marked), and
        the mark items, empty until ``_update_marks`` fills them."""
        theme = self._theme
        plot = self._plot_widget.getPlotItem()
        plot.clear()
        self._title = None
        z, f, df = activation_curve(self._activation, *Z_RANGE)
        activation = ACTIVATIONS[self._activation]
        f_color, df_color = theme.layer_colors[0], theme.highlight
        y_lo, y_hi = min(f.min(), df.min(), 0.0), max(f.max(), df.max())
        pad = 0.06 * (y_hi - y_lo)
        y_lo, y_hi = y_lo - pad, y_hi + pad
        for lo, hi in _saturated_spans(z, df, activation.max_slope):
            shade = pg.mkBrush(theme.muted + "30")
            region = pg.LinearRegionItem((lo, hi), movable=False, brush=shade, pen=pg.mkPen(None))
            region.setZValue(-10)
            plot.addItem(region)
            if hi - lo >= 3:
                flat = pg.TextItem("flat: f′ ≈ 0", anchor=(0.5, 0.5))
                style_text(flat, theme, theme.foreground)
                flat.setFont(legible_font(theme, smallest=True))
                # High enough to clear curves lying on 0.
                flat.setPos((lo + hi) / 2, y_lo + 0.3 * (y_hi - y_lo))
                plot.addItem(flat)
        plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(theme.muted, width=1)))
        plot.addItem(pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen(theme.muted, width=1)))
        plot.addItem(pg.PlotDataItem(z, f, pen=theme.pen(f_color), antialias=True, name="f(z)"))
        peak = format_number(activation.max_slope, 3, trailing_zeros=False)
        plot.addItem(pg.PlotDataItem(z, df, pen=theme.pen(df_color), antialias=True, name=f"f′(z)  (max {peak})"))

        size = 11 if theme.name == "screen" else 15
        outline = pg.mkPen(theme.background, width=1.5)
        # The legend lists "this layer's z" only while there is a layer's z to mark.
        name = "this layer's z" if has_marks else None
        items = []
        for color, label in ((f_color, name), (df_color, None)):
            items.append(pg.ScatterPlotItem(symbol="o", size=size, brush=pg.mkBrush(color), pen=outline, name=label))
            items.append(pg.ScatterPlotItem(size=size + 4, brush=pg.mkBrush(theme.nonfinite), pen=outline))
        for item in items:
            plot.addItem(item)
        self._mark_items = tuple(items)
        plot.setXRange(*Z_RANGE, padding=0.04)
        plot.setYRange(y_lo, y_hi, padding=0)
        style_legend(self._legend, theme, legible=True)
        self._curves_key = (self._activation, has_marks)

    def _update_marks(self) -> list[str]:
        """Mark the layer's z on both curves; return sentences about values clamped or ignored."""
        activation = ACTIVATIONS[self._activation]
        if self._z is None or self._z.size == 0:
            self._marked = (np.empty(0), np.empty(0), np.empty(0))
            for item in self._mark_items:
                item.setData([], [])
            return []
        finite = np.isfinite(self._z)
        z = self._z[finite]
        with np.errstate(over="ignore", invalid="ignore"):
            self._marked = (z, activation(z), activation.derivative(z))
        lo, hi = Z_RANGE
        inside = (z >= lo) & (z <= hi)
        shown = np.clip(z, lo, hi)
        f_shown, df_shown = activation(shown), activation.derivative(shown)
        symbols = ["t3" if v < lo else "t2" for v in z[~inside]]
        f_inside, f_edge, df_inside, df_edge = self._mark_items
        for y, inside_item, edge_item in ((f_shown, f_inside, f_edge), (df_shown, df_inside, df_edge)):
            inside_item.setData(shown[inside], y[inside])
            edge_item.setData(shown[~inside], y[~inside], symbol=symbols)
        notes = []
        outside = int((~inside).sum())
        if outside:
            notes.append(f"{outside} z value{'s' if outside > 1 else ''} beyond ±{format_number(hi, 3, trailing_zeros=False)} "
                         f"drawn at the edge as triangles (largest |z| = {format_number(np.max(np.abs(z)))}).")
        ignored = int((~finite).sum())
        if ignored:
            notes.append(f"{ignored} non-finite z value{'s' if ignored > 1 else ''} (overflow) not drawn.")
        return notes

    def __repr__(self):
        return f"ActivationCurvesPanel({self._activation!r}, {self._layer_label!r})"
