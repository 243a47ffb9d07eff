"""Grouped bars of each layer's gradient magnitude under two activations, on a true log axis."""

from __future__ import annotations

import math

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
    fit_texts,
    legend_beside,
    make_plot_widget,
    show_axes,
    show_legible_controls,
    style_legend,
    style_plot,
    style_text,
)

#: Width of one bar, in layers (a group of two bars fills 0.76 of a layer's slot).
BAR_WIDTH = 0.38
#: Pixel size of the value labels on each theme: never under the lecture minimum (14 px on screen, 18 px
#: in slides print), whatever the screen's dots per inch.
MARK_PX = {"screen": 14, "slides": 18}
#: Pixels kept between a label and its bar's top (above it) or its bar's edges (inside it), and between labels.
MARK_GAP_PX = 3.0
#: Value labels are written above the bars up to this many layers; deeper networks use the tooltips.
MAX_LABELLED_LAYERS = 6
_EMPTY_MESSAGE = "Gradient bars appear once a network is loaded."
#: In the plot while the pass has revealed no layer's gradient yet (the forward pass): why it is empty.
#: Short lines, so it fits the narrow panel of a 1280 x 720 slide.
WAITING_NOTE = "No gradients yet:\nthe backward pass\ncomputes them"


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
        #: Each mark's (row, layer index, colour, bold, the y of the bar top it names): ``_layout_marks`` places
        #: it on its bar.
        self._mark_bars: list[tuple[int, int, str, bool, float]] = []
        #: Each visible mark's box in the plot widget's pixels and its text colour (``mark_boxes``).
        self._mark_boxes: list[tuple[QtCore.QRectF, str, str]] = []
        self._bars: list[pg.BarGraphItem] = []
        self._y_extent: tuple[int, int] | None = None
        self._blocked_note = ""
        #: The note shown in the plot: the blocked note, or ``WAITING_NOTE`` ('' when there is none).
        self._note = ""
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

        # Two groups, side by side where the panel is wide enough, else one above the other: a chooser is
        # never squeezed below its own text ("sigmoid", not "sigmoic").
        for combo in (self._measure_combo, *self._activation_combos):
            combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
        self._control_groups = (
            _control_row(QtWidgets.QLabel("Show"), self._measure_combo),
            _control_row(QtWidgets.QLabel("for"), self._activation_combos[0], QtWidgets.QLabel("vs"), self._activation_combos[1]),
        )
        self._chooser_bar = _ChooserBar(self._control_groups)

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
        layout.addWidget(self._chooser_bar)
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
        for group in self._control_groups:
            group.setVisible(visible)

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
        show_legible_controls(self, theme)
        self._show_theme_background()
        style_legend(self._legend, theme, legible=True)
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
        """The (x, y, text) of every mark drawn on a bar: values, "0" on zero bars, "NaN"/"∞"; y is the top of
        the bar it names (the label itself stands above or inside it)."""
        return [(m.pos().x(), info[4], m.toPlainText()) for m, info in zip(self._marks, self._mark_bars)]

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
            text += f"\nThe output layer keeps {ACTIVATIONS[comparison.kept_output].label} in both runs."
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
        self._bars, self._marks, self._mark_bars, self._mark_boxes = [], [], [], []
        self._blocked_note = ""
        theme, comparison = self._theme, self._comparison
        measure, act_a, act_b = self.settings()
        if comparison is not None:
            measure, (act_a, act_b) = comparison.measure, comparison.activations
        labels = (ACTIVATIONS[act_a].label, ACTIVATIONS[act_b].label)
        measure_label = MEASURE_LABELS[measure]
        if comparison is not None:
            titles = comparison.captions()  # the core names what was compared, the kept output included
            if comparison.kept_output is not None:
                # Narrower still: the short caption on two lines, the kept output on the second.
                titles = (*titles, titles[-1].replace(", ", "<br>", 1))
        else:
            titles = (f"Gradient size per layer: {labels[0]} vs {labels[1]}",
                      f"{measure_label} per layer: {labels[0]} vs {labels[1]}", f"{labels[0]} vs {labels[1]}")  # fmt: skip
        style_plot(plot, theme, titles, ("layer  (1 = nearest the input)", "layer"),
                   (f"{measure_label}  (log scale)", measure_label), legible=True)
        show_axes(plot, comparison is not None and comparison.depth > 0)
        if comparison is None or comparison.depth == 0:
            self._set_note("", theme.muted, centred=True)
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
        self._add_blocked_note(comparison if len(shown) == depth else None, labels)
        if len(shown) == 0:
            self._set_note(WAITING_NOTE, theme.muted, centred=True)
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
        style_legend(self._legend, theme, legible=True)
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
                mark = pg.TextItem(text, anchor=(0.5, 0.5))
                mark.setFont(mark_font(theme, bold))
                mark.setColor(color)
                mark.setPos(x, y)
                plot.addItem(mark)
                self._marks.append(mark)
                self._mark_bars.append((row, int(l), color, bold, float(y)))

    @drawn
    def mark_boxes(self) -> list[tuple[QtCore.QRectF, str, str]]:
        """Each visible value label's text box in the plot widget's pixels, its text colour and its text."""
        return list(self._mark_boxes)

    @drawn
    def blocked_note(self) -> str:
        """The note explaining a run in which no gradient gets through at all ('' when there is none)."""
        return self._blocked_note

    @drawn
    def note(self) -> str:
        """The note written in the plot: why no gradient gets through, or that none is computed yet ('' when none)."""
        return self._note

    def _add_blocked_note(self, comparison, labels) -> None:
        notes = [] if comparison is None else [
            f"{labels[row]}: every gradient is exactly 0. Layer {layer}'s {labels[row]}s are all off\n"
            f"(f′(z) = 0 for every unit and sample), so nothing gets back past it."
            for row, layer in enumerate(comparison.blocked_at)
            if layer is not None
        ]
        self._blocked_note = "\n".join(notes)
        # In the strip kept free above the tallest bar for the legend, at the other end from it.
        self._set_note(self._blocked_note, self._theme.zero_edge, centred=False)

    def _set_note(self, text: str, color: str, centred: bool) -> None:
        """Write ``text`` in the plot (centred, or at its top right), in place of the note before ('' for none)."""
        self._note = text
        if self._note_item is not None:  # parented to the view box, so plot.clear() leaves it
            if self._note_item.scene() is not None:
                self._note_item.scene().removeItem(self._note_item)
            self._note_item = None
        if text:
            theme = self._theme
            px = MARK_PX.get(theme.name, MARK_PX["screen"])  # the lecture minimum, as the value labels
            note = pg.LabelItem(text.replace("\n", "<br>"), color=color, size=f"{px}px", justify="center" if centred else "right")
            note.setParentItem(self._plot_widget.getPlotItem().vb)
            if centred:
                note.anchor(itemPos=(0.5, 0.5), parentPos=(0.5, 0.5))
            else:
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
        """Fit both ranges to the bars at the plot's size, then place each value label where it is readable
        (on every redraw and resize)."""
        self._fit_title_height()
        self._update_y_range()
        self._update_x_range()
        self._layout_marks()

    def _fit_title_height(self) -> None:
        """Give a title on two lines (the narrowest caption) the height of both."""
        plot = self._plot_widget.getPlotItem()
        fit_texts(plot)  # choose the caption for this width first (pyqtgraph gives any title one 30 px row)
        label = plot.titleLabel
        if not label.isVisible():
            return
        lines = label.text.count("<br>") + 1
        height = 30 if lines == 1 else math.ceil(QtGui.QFontMetricsF(self._theme.font(self._theme.title_size)).lineSpacing() * lines + 8)
        if label.maximumHeight() != height:
            label.setMaximumHeight(height)
            plot.layout.setRowFixedHeight(0, height)

    def _update_y_range(self) -> None:
        """Fit the floor to the tallest bar, with room above it for a value label: at most a decade.

        A label that does not fit above its bar is written inside it (see ``_layout_marks``).
        """
        if self._y_extent is None or self._stale:  # drawn again, range included, when next seen
            return
        floor, top, data_top = self._y_extent
        plot = self._plot_widget.getPlotItem()
        label_px = QtGui.QFontMetricsF(mark_font(self._theme, False)).height() + 2 * MARK_GAP_PX
        height = plot.vb.height() if plot.vb.height() > 50 else 320.0
        # Headroom h (decades) such that h * height / (data_top + h - floor) covers one label.
        headroom = label_px * (data_top - floor) / max(height - label_px, 1.0)
        headroom = min(max(headroom, 0.05), 1.0)
        view_top = max(data_top + headroom, floor + 0.5)
        plot.setYRange(floor, view_top, padding=0)

    def _update_x_range(self) -> None:
        """Span the layers: every label stays within its own bar's column, so the span needs no widening."""
        if self._x_extent is None or self._stale:
            return
        self._plot_widget.getPlotItem().setXRange(*self._x_extent, padding=0)

    def _bar_rects(self, to_px) -> dict[tuple[int, int], QtCore.QRectF]:
        """Each drawn bar's rectangle in the plot widget's pixels, by (row, layer index)."""
        rects = {}
        for row, bars in enumerate(self._bars):
            xs, y0s, hs = (np.asarray(bars.opts[k], dtype=float) for k in ("x", "y0", "height"))
            width = float(bars.opts["width"])
            for x, y0, h in zip(xs, y0s, hs):
                layer = int(round(x - (row - 0.5) * BAR_WIDTH)) - 1
                rects[(row, layer)] = QtCore.QRectF(to_px(x - width / 2, y0 + h), to_px(x + width / 2, y0)).normalized()
        return rects

    def _layout_marks(self) -> None:
        """Place every value label so that no label overlaps another label or a bar it does not name.

        A label is written across its bar's column when it fits there, else turned upright (read from below).
        It stands just above its bar where the plot has room, else inside the bar's top in black or white,
        whichever stands out more from the bar's colour; a label with room in neither place is left out (its
        bar's tooltip keeps the value).
        """
        self._mark_boxes = []
        if not self._marks or self._stale:
            return
        plot = self._plot_widget.getPlotItem()
        vb = plot.vb
        widget = self._plot_widget

        to_widget = widget.viewportTransform()
        from_widget = to_widget.inverted()[0]

        def to_px(x: float, y: float) -> QtCore.QPointF:
            return to_widget.map(vb.mapViewToScene(QtCore.QPointF(x, y)))

        area = to_widget.mapRect(vb.sceneBoundingRect())
        bars = self._bar_rects(to_px)
        placed: list[QtCore.QRectF] = []
        gap = MARK_GAP_PX
        for mark, (row, layer, color, _bold, _y) in zip(self._marks, self._mark_bars):
            bar = bars.get((row, layer))
            if bar is None:
                mark.setVisible(False)
                continue
            metrics = QtGui.QFontMetricsF(mark.textItem.font())
            text_w, text_h = metrics.horizontalAdvance(mark.toPlainText()), metrics.ascent() + metrics.descent()
            upright = text_w > bar.width()  # beyond its own bar's width the neighbour's bar stands
            box_w, box_h = (text_h, text_w) if upright else (text_w, text_h)
            above = QtCore.QRectF(bar.center().x() - box_w / 2, bar.top() - gap - box_h, box_w, box_h)
            inside = QtCore.QRectF(bar.center().x() - box_w / 2, bar.top() + gap, box_w, box_h)
            others = [r for key, r in bars.items() if key != (row, layer)]
            box, text_color = None, color
            # Against a bar the box itself must stay clear; between labels a gap is kept too.
            if above.top() >= area.top() and not _hits(above, others, 0.0) and not _hits(above, placed, gap):
                box = above
            elif (inside.bottom() <= bar.bottom() - gap and inside.width() <= bar.width() - 2
                  and not _hits(inside, placed, gap)):  # fmt: skip
                box, text_color = inside, readable_on(self._bar_color(row, layer))
            mark.setVisible(box is not None)
            if box is None:
                continue
            placed.append(box)
            mark.setAngle(90 if upright else 0)
            mark.setColor(text_color)
            centre = vb.mapSceneToView(from_widget.map(box.center()))
            mark.setPos(mark.pos().x(), centre.y())
            self._mark_boxes.append((box, text_color, mark.toPlainText()))

    def _bar_color(self, row: int, layer: int) -> str:
        """The fill of bar (row, layer index): the row's colour, or the non-finite colour."""
        value = self._comparison.values[row, layer]
        return self._theme.compare_colors[row] if np.isfinite(value) else self._theme.nonfinite

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


def mark_font(theme: Theme, bold: bool) -> QtGui.QFont:
    """The value labels' font: the theme's face at ``MARK_PX`` pixels (two more when bold)."""
    font = theme.font(bold=bold)
    font.setPixelSize(MARK_PX.get(theme.name, MARK_PX["screen"]) + (2 if bold else 0))
    return font


def relative_luminance(color) -> float:
    """WCAG 2 relative luminance of a colour (name, ``#rrggbb`` or QColor), from 0 (black) to 1 (white)."""
    c = QtGui.QColor(color)

    def channel(v: int) -> float:
        v = v / 255.0
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(fill) -> str:
    """Black or white, whichever stands out more from ``fill``."""
    return "#000000" if contrast_ratio("#000000", fill) >= contrast_ratio("#ffffff", fill) else "#ffffff"


def _hits(box: QtCore.QRectF, others, gap: float) -> bool:
    grown = box.adjusted(-gap, -gap, gap, gap)
    return any(grown.intersects(other) for other in others)


def _control_row(*widgets: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """A row of a label and chooser(s) that keeps them at their own width."""
    row = QtWidgets.QWidget()
    layout = QtWidgets.QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    row.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
    return row


class _ChooserBar(QtWidgets.QWidget):
    """The chooser groups in one row where the panel is wide enough, else one above the other.

    Its least width is the widest group's, so a narrow dock stacks the groups instead of cutting a chooser.
    """

    def __init__(self, groups, parent=None):
        super().__init__(parent)
        self._groups = groups
        self._layout = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        for group in groups:
            self._layout.addWidget(group, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        self._layout.addStretch(1)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed)

    def minimumSizeHint(self) -> QtCore.QSize:
        hints = [g.sizeHint() for g in self._groups if not g.isHidden()]
        if not hints:
            return QtCore.QSize(0, 0)
        return QtCore.QSize(max(h.width() for h in hints), self._layout.minimumSize().height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange:  # the slides theme's larger font widens the choosers
            self.arrange()

    def arrange(self) -> None:
        """One row when both groups fit the width, else two."""
        needed = sum(g.sizeHint().width() for g in self._groups) + self._layout.spacing()
        wide = needed <= self.width()
        direction = QtWidgets.QBoxLayout.Direction.LeftToRight if wide else QtWidgets.QBoxLayout.Direction.TopToBottom
        if self._layout.direction() != direction:
            self._layout.setDirection(direction)
            self.updateGeometry()
