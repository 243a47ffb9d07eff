"""Grouped bars of each layer's gradient magnitude under two activations, on a true log axis."""

from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ...core.activations import ACTIVATION_NAMES, ACTIVATIONS
from ...core.analysis import ActivationComparison
from ...core.format import format_number
from ...core.stats import MEASURE_LABELS, MEASURES
from ..theme import SCREEN, Theme
from .log_axis import decade_span, log_heights
from .plot_style import (
    DrawnWhenSeen,
    drawn,
    legend_beside,
    make_plot_widget,
    show_axes,
    style_legend,
    style_plot,
    style_text,
)

#: Width of one bar, in layers (a group of two bars fills 0.76 of a layer's slot).
BAR_WIDTH = 0.38
#: Pixels kept between a value label and the plot's side.
LABEL_CLEARANCE_PX = 3.0
#: Sizes value labels may shrink to, as fractions of their own, before a crowded one is left out; and the
#: fewest points they shrink to, and the pixels kept between two of them.
MARK_SCALES = (1.0, 0.9, 0.8)
MIN_MARK_PT = 8.0
MARK_GAP_PX = 4.0
#: Value labels are written above the bars up to this many layers; deeper networks use the tooltips.
MAX_LABELLED_LAYERS = 6
_EMPTY_MESSAGE = "Gradient bars appear once a network is loaded."


class GradientBarsPanel(DrawnWhenSeen):
    """Per-layer gradient magnitude of one network under two activations, as grouped bars (log axis).

    The panel computes nothing: its measure and activation choices emit ``sigSettingsChanged`` and whoever
    owns the model answers with ``show_comparison``.
    """

    #: measure, first activation, second activation
    sigSettingsChanged = QtCore.Signal(str, str, str)

    def __init__(self, theme: Theme = SCREEN, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._comparison: ActivationComparison | None = None
        self._floor_decade = -8
        self._marks: list[pg.TextItem] = []
        #: Each mark's (colour, point size, bold) as first styled: ``_declutter_marks`` starts from them.
        self._mark_styles: list[tuple[str, float, bool]] = []
        self._bars: list[pg.BarGraphItem] = []
        self._y_extent: tuple[int, int] | None = None
        self._blocked_note = ""
        self._note_item: pg.LabelItem | None = None

        self._measure_combo = QtWidgets.QComboBox()
        for measure in MEASURES:
            self._measure_combo.addItem(MEASURE_LABELS[measure], measure)
        self._measure_combo.setToolTip("Which size of each layer's weight gradient ∂L/∂W the bars show.")
        self._activation_combos = (QtWidgets.QComboBox(), QtWidgets.QComboBox())
        for combo, default in zip(self._activation_combos, ("sigmoid", "relu")):
            for name in ACTIVATION_NAMES:
                combo.addItem(ACTIVATIONS[name].label, name)
            combo.setCurrentIndex(ACTIVATION_NAMES.index(default))
            combo.setToolTip("The network is run with this activation on its layers, same weights and input.")
        self._measure_combo.currentIndexChanged.connect(self._on_settings_changed)
        for combo in self._activation_combos:
            combo.currentIndexChanged.connect(self._on_settings_changed)

        controls = QtWidgets.QHBoxLayout()
        controls.addWidget(QtWidgets.QLabel("Show"))
        controls.addWidget(self._measure_combo)
        controls.addSpacing(4)  # narrow enough for the compact layout's right column in slides print
        controls.addWidget(QtWidgets.QLabel("for"))
        controls.addWidget(self._activation_combos[0])
        controls.addWidget(QtWidgets.QLabel("vs"))
        controls.addWidget(self._activation_combos[1])
        controls.addStretch(1)
        self._controls = controls

        self._plot_widget = make_plot_widget(log_y=True, menu=False)
        plot = self._plot_widget.getPlotItem()
        plot.setMouseEnabled(x=False, y=False)
        self._legend = legend_beside(plot)
        self._empty_text = pg.TextItem(_EMPTY_MESSAGE, anchor=(0.5, 0.5))
        self._plot_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        plot.vb.sigResized.connect(self._fit_view)
        #: The layers' x span the bars need (None: no bars); widened on screen for the labels at its ends.
        self._x_extent: tuple[float, float] | None = None
        #: The layer count the bottom axis labels (None: no bars); its labels thin out in a narrow plot.
        self._tick_depth: int | None = None
        plot.vb.sigResized.connect(self._update_layer_ticks)
        # The last layer's label sits near the axis's end: it may reach a little past it (into the margin
        # before the legend) rather than be dropped.
        plot.getAxis("bottom").setStyle(hideOverlappingLabels=15)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self._plot_widget, 1)
        self._draw_when_seen(self._plot_widget)
        self.set_theme(theme)

    # ------------------------------------------------------------------ public API

    @drawn
    def plot_widget(self) -> pg.PlotWidget:
        """The plot, for export."""
        return self._plot_widget

    def set_controls_visible(self, visible: bool) -> None:
        """Show or hide the measure and activation choosers (presenter mode shows the plot alone: its title
        and axis already name what the bars compare)."""
        for index in range(self._controls.count()):
            widget = self._controls.itemAt(index).widget()
            if widget is not None:
                widget.setVisible(visible)

    def settings(self) -> tuple[str, str, str]:
        """The chosen (measure, first activation, second activation)."""
        return (
            self._measure_combo.currentData(),
            self._activation_combos[0].currentData(),
            self._activation_combos[1].currentData(),
        )

    def show_settings(self, measure: str, first: str, second: str) -> None:
        """Set the choosers to ``(measure, first, second)`` (a session file's), without emitting them."""
        combos = (self._measure_combo, *self._activation_combos)
        for combo, value in zip(combos, (measure, first, second)):
            index = combo.findData(value)
            if index >= 0 and index != combo.currentIndex():
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._show_theme_background()
        style_legend(self._legend, theme)
        self._request_redraw()

    def show_comparison(self, comparison: ActivationComparison | None) -> None:
        """Draw ``comparison`` (None clears the plot). The choosers are the user's input only: the plot's
        title, legend and tooltips name what ``comparison`` holds, and nothing is written back into them."""
        self._comparison = comparison
        self._request_redraw()

    @drawn
    def bar_heights(self) -> np.ndarray:
        """The drawn bar tops (log10 of the magnitude, or the floor), 2 x L, NaN for a layer not revealed yet;
        empty when no comparison is shown."""
        if self._comparison is None or self._comparison.depth == 0:
            return np.empty((2, 0))
        heights = np.full((2, self._comparison.depth), np.nan)
        for row, bars in enumerate(self._bars):
            layers = np.round(np.asarray(bars.opts["x"]) - (row - 0.5) * BAR_WIDTH).astype(int)
            heights[row, layers - 1] = np.asarray(bars.opts["y0"]) + np.asarray(bars.opts["height"])
        return heights

    def revealed_layers(self) -> tuple[int, ...]:
        """The layers whose bars are drawn (the comparison's ``revealed_layers``)."""
        return () if self._comparison is None else self._comparison.revealed_layers

    @drawn
    def floor_decade(self) -> int:
        """The floor of the log axis, as a power of ten; zeros are drawn here."""
        return self._floor_decade

    @drawn
    def marks(self) -> list[tuple[float, float, str]]:
        """The (x, y, text) of every mark drawn on a bar: values, "0" on zero bars, "NaN"/"∞"."""
        return [(m.pos().x(), m.pos().y(), m.toPlainText()) for m in self._marks]

    @drawn
    def bar_tooltip(self, layer: int, which: int | str) -> str:
        """The tooltip of a bar: ``which`` is 0 or 1, or the activation's name."""
        comparison = self._comparison
        if comparison is None:
            return ""
        row = comparison.activations.index(which) if isinstance(which, str) else int(which)
        name = comparison.activations[row]
        value = float(comparison.values[row, layer - 1])
        text = f"layer {layer}, {ACTIVATIONS[name].label}: {MEASURE_LABELS[comparison.measure]} = {format_number(value, 6, trailing_zeros=False)}"
        if value == 0:
            text += " (exactly zero: no gradient reaches this layer, drawn at the floor)"
        elif not np.isfinite(value):
            text += " (not a finite number: the gradient overflowed)"
        elif np.log10(abs(value)) < self._floor_decade:
            text += " (below the axis floor, drawn at the floor)"
        if comparison.kept_output and layer == comparison.depth and name != comparison.kept_output:
            text += f"\nThe output layer keeps {comparison.kept_output}: the loss needs it."
        return text

    def bar_at(self, x: float) -> tuple[int, int] | None:
        """The (layer, row) of the bar covering view coordinate ``x``, or None."""
        if self._comparison is None:
            return None
        layer = int(round(x))
        if not 1 <= layer <= self._comparison.depth:
            return None
        offset = x - layer
        if -BAR_WIDTH <= offset < 0:
            return layer, 0
        if 0 <= offset <= BAR_WIDTH:
            return layer, 1
        return None

    # ------------------------------------------------------------------ drawing

    def _redraw(self) -> None:
        plot = self._plot_widget.getPlotItem()
        plot.clear()
        self._bars, self._marks, self._mark_styles = [], [], []
        self._blocked_note = ""
        theme, comparison = self._theme, self._comparison
        measure, act_a, act_b = self.settings()
        if comparison is not None:
            measure, (act_a, act_b) = comparison.measure, comparison.activations
        labels = (ACTIVATIONS[act_a].label, ACTIVATIONS[act_b].label)
        kept = f" (output stays {comparison.kept_output})" if comparison is not None and comparison.kept_output else ""
        measure_label = MEASURE_LABELS[measure]
        titles = (
            f"Gradient size per layer: {labels[0]} vs {labels[1]}{kept}",
            f"{measure_label} per layer: {labels[0]} vs {labels[1]}",
            f"{labels[0]} vs {labels[1]}",
        )
        style_plot(plot, theme, titles, ("layer  (1 = nearest the input)", "layer"),
                   (f"{measure_label}  (log scale)", measure_label))
        show_axes(plot, comparison is not None and comparison.depth > 0)
        if comparison is None or comparison.depth == 0:
            style_text(self._empty_text, theme, theme.muted)
            plot.addItem(self._empty_text)
            self._empty_text.setPos(0.5, 0.5)
            plot.setXRange(0, 1, padding=0)
            plot.setYRange(0, 1, padding=0)
            plot.getAxis("bottom").setTicks(None)
            self._tick_depth = None
            self._y_extent = self._x_extent = None
            return

        values = np.asarray(comparison.values, dtype=np.float64)
        depth = comparison.depth
        # The axis spans the whole pass, so it does not move while the bars grow.
        floor, top = decade_span(values)
        shown = np.asarray(comparison.revealed_layers, dtype=int)
        if len(shown) == depth:
            self._add_blocked_note(comparison, labels, floor, top)
        else:
            self._add_blocked_note(None, labels, floor, top)
        self._floor_decade = floor
        heights = log_heights(values, floor)
        finite = np.isfinite(values)
        layers = shown.astype(np.float64)
        index = shown - 1
        for row in range(2):
            tops = heights[row].copy()
            # inf stands up to the top, NaN stays at the floor; both are marked below.
            tops[~finite[row]] = np.where(np.isnan(values[row][~finite[row]]), floor, top)
            color = theme.compare_colors[row]
            bars = pg.BarGraphItem(
                x=layers + (row - 0.5) * BAR_WIDTH,
                y0=np.full(len(shown), float(floor)),
                height=tops[index] - floor,
                width=BAR_WIDTH * 0.94,
                brush=pg.mkBrush(color),  # the legend's swatch
                brushes=[pg.mkBrush(color if finite[row, l] else theme.nonfinite) for l in index],
                pen=pg.mkPen(theme.background, width=1),
            )
            plot.addItem(bars)
            self._legend.addItem(bars, labels[row])
            self._bars.append(bars)
        self._add_marks(values, heights, floor, top, index)

        self._tick_depth = depth
        self._update_layer_ticks()
        self._x_extent = (0.4, depth + 0.6)
        style_legend(self._legend, theme)
        finite_values = np.abs(values[np.isfinite(values) & (values != 0)])
        data_top = float(np.log10(finite_values.max())) if finite_values.size else float(floor)
        if np.any(np.isposinf(np.abs(values))):
            data_top = float(top)  # an infinite bar stands up to the top
        self._y_extent = (floor, top, data_top)
        self._fit_view()

    def _add_marks(self, values, heights, floor, top, shown) -> None:
        theme = self._theme
        depth = values.shape[1]
        labelled = depth <= MAX_LABELLED_LAYERS
        size = max(theme.font_size - (3 if theme.name == "slides" else 1), 8)
        plot = self._plot_widget.getPlotItem()
        for row in range(2):
            for l in shown:
                value = values[row, l]
                x = l + 1 + (row - 0.5) * BAR_WIDTH
                if value == 0:
                    text, color, y, bold = "0", theme.zero_edge, floor, True
                elif not np.isfinite(value):
                    text, color, bold = format_number(value), theme.nonfinite, True
                    y = floor if np.isnan(value) else top
                elif labelled:
                    text, color, y, bold = format_number(value), theme.foreground, heights[row, l], False
                else:
                    continue
                mark = pg.TextItem(text, anchor=(0.5, 1.0))
                style_text(mark, theme, color, size + (2 if bold else 0), bold=bold)
                mark.setPos(x, y)
                plot.addItem(mark)
                self._marks.append(mark)
                self._mark_styles.append((color, size + (2 if bold else 0), bold))

    @drawn
    def blocked_note(self) -> str:
        """The note explaining a run in which no gradient gets through at all ('' when there is none)."""
        return self._blocked_note

    def _add_blocked_note(self, comparison, labels, floor: float, top: float) -> None:
        notes = [] if comparison is None else [
            f"{labels[row]}: every gradient is exactly 0. Layer {layer}'s {labels[row]}s are all off\n"
            f"(f′(z) = 0 for every unit and sample), so nothing gets back past it."
            for row, layer in enumerate(comparison.blocked_at)
            if layer is not None
        ]
        self._blocked_note = "\n".join(notes)
        if self._note_item is not None:  # parented to the view box, so plot.clear() leaves it
            if self._note_item.scene() is not None:
                self._note_item.scene().removeItem(self._note_item)
            self._note_item = None
        if notes:
            theme = self._theme
            html = "<br>".join(n.replace("\n", "<br>") for n in notes)
            note = pg.LabelItem(html, color=theme.zero_edge, size=f"{theme.font_size}pt", justify="right")
            # In the strip kept free above the tallest bar for the legend, at the other end from it.
            note.setParentItem(self._plot_widget.getPlotItem().vb)
            note.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-10, 4))
            self._note_item = note

    def _update_layer_ticks(self, *_args) -> None:
        """Label every layer, or every n-th where the labels would touch (at most 16; the last always)."""
        depth = self._tick_depth
        if depth is None:
            return
        plot = self._plot_widget.getPlotItem()
        label_px = 2.0 * QtGui.QFontMetricsF(self._theme.font()).horizontalAdvance(str(depth))
        width = plot.vb.width()
        fitting = int(width // label_px) if width > 50 else 16
        every = max(1, int(np.ceil(depth / max(2, min(16, fitting)))))
        layers = list(range(1, depth + 1, every))
        if layers[-1] != depth:
            layers[-1 if len(layers) > 1 and depth - layers[-1] < every else len(layers):] = [depth]
        plot.getAxis("bottom").setTicks([[(l, str(l)) for l in layers]])

    def _fit_view(self, *_args) -> None:
        """Fit both ranges to the bars and their value labels at the plot's size, then make the labels give
        each other room (on every redraw and resize)."""
        self._update_y_range()
        self._update_x_range()
        self._declutter_marks()

    def _update_y_range(self) -> None:
        """Fit the floor to the tallest bar, with room above it for its value label: at most a decade.

        A label that does not fit under that decade is written inside its bar (see ``_place_marks``).
        """
        if self._y_extent is None or self._stale:  # drawn again, range included, when next seen
            return
        floor, top, data_top = self._y_extent
        plot = self._plot_widget.getPlotItem()
        label_px = QtGui.QFontMetricsF(self._theme.font(self._theme.font_size)).height() + 4
        height = plot.vb.height() if plot.vb.height() > 50 else 320.0
        # Headroom h (decades) such that h * height / (data_top + h - floor) covers one label.
        headroom = label_px * (data_top - floor) / max(height - label_px, 1.0)
        headroom = min(max(headroom, 0.05), 1.0)
        view_top = max(data_top + headroom, floor + 0.5)
        plot.setYRange(floor, view_top, padding=0)
        self._place_marks(view_top, height, label_px)

    def _update_x_range(self) -> None:
        """Span the layers, widened where a value label is wider than its bar pair and would run past the
        plot's edge (narrow plots: a column, a 1280 x 720 projector in slides print)."""
        if self._x_extent is None or self._stale:
            return
        lo, hi = base_lo, base_hi = self._x_extent
        plot = self._plot_widget.getPlotItem()
        width = plot.vb.width() if plot.vb.width() > 50 else 600.0
        self._style_marks()  # the edges fit the labels at their own size; crowded ones only shrink after
        halves = [(mark.pos().x(), mark.boundingRect().width() / 2 + LABEL_CLEARANCE_PX) for mark in self._marks]
        for _ in range(3):  # widening the span shrinks each label in data units: settles in a few rounds
            per_px = (hi - lo) / width
            lo = min([base_lo] + [x - half * per_px for x, half in halves])
            hi = max([base_hi] + [x + half * per_px for x, half in halves])
        plot.setXRange(lo, hi, padding=0)

    def _style_marks(self, scale: float = 1.0) -> None:
        """Every value label in its own colour and weight, at ``scale`` of its size (not under MIN_MARK_PT)."""
        for mark, (color, size, bold) in zip(self._marks, self._mark_styles):
            style_text(mark, self._theme, color, max(size * scale, min(size, MIN_MARK_PT)), bold=bold)

    def _declutter_marks(self) -> None:
        """Value labels wider than the bars they stand on would run into each other: they shrink a little
        (never below ``MIN_MARK_PT``), and any still in another's way is left out (its bar's tooltip keeps
        the value). "0", NaN and ∞ marks go first, then the layers from the input on."""
        if not self._marks or self._stale:
            return
        vb = self._plot_widget.getPlotItem().vb
        (x_lo, x_hi), (y_lo, y_hi) = vb.viewRange()
        width, height = max(vb.width(), 1.0), max(vb.height(), 1.0)
        order = sorted(range(len(self._marks)), key=lambda i: (not self._mark_styles[i][2], self._marks[i].pos().x()))

        def boxes(scale: float) -> list[QtCore.QRectF]:
            self._style_marks(scale)
            result = []
            for mark in self._marks:
                margin = mark.textItem.document().documentMargin()
                rect = mark.boundingRect().adjusted(margin, margin, -margin, -margin)
                x = (mark.pos().x() - x_lo) / (x_hi - x_lo) * width
                y = (y_hi - mark.pos().y()) / (y_hi - y_lo) * height
                top = y if mark.anchor.y() == 0 else y - rect.height()
                result.append(QtCore.QRectF(x - rect.width() / 2, top, rect.width(), rect.height()))
            return result

        def crowded(rects) -> bool:
            return any(a.adjusted(-MARK_GAP_PX, 0, MARK_GAP_PX, 0).intersects(b) for a, b in itertools.combinations(rects, 2))

        for scale in MARK_SCALES:
            rects = boxes(scale)
            if not crowded(rects):
                break
        placed = []
        for i in order:
            clear = not any(rects[i].adjusted(-MARK_GAP_PX, 0, MARK_GAP_PX, 0).intersects(rects[j]) for j in placed)
            self._marks[i].setVisible(clear)
            if clear:
                placed.append(i)

    def _place_marks(self, view_top: float, height: float, label_px: float) -> None:
        """Write each value label above its bar, or just inside the bar's top where the plot ends first."""
        floor = self._floor_decade
        per_px = (view_top - floor) / max(height, 1.0)
        for mark in self._marks:
            y = mark.pos().y()
            inside = y + label_px * per_px > view_top and y - label_px * per_px > floor
            mark.setAnchor((0.5, 0.0) if inside else (0.5, 1.0))

    # ------------------------------------------------------------------ events

    def _on_settings_changed(self, _index: int) -> None:
        self.sigSettingsChanged.emit(*self.settings())

    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        plot = self._plot_widget.getPlotItem()
        if not plot.vb.sceneBoundingRect().contains(scene_pos):
            QtWidgets.QToolTip.hideText()
            return
        hit = self.bar_at(plot.vb.mapSceneToView(scene_pos).x())
        if hit is None:
            QtWidgets.QToolTip.hideText()
            return
        global_pos = self._plot_widget.mapToGlobal(self._plot_widget.mapFromScene(scene_pos))
        QtWidgets.QToolTip.showText(global_pos, self.bar_tooltip(*hit), self._plot_widget)

    def __repr__(self):
        return f"GradientBarsPanel({self._comparison!r})"
