"""How a gradient shrinks through k layers: the product f′(x)ᵏ per activation, plotted and tabulated."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ...core.activations import ACTIVATIONS
from ...core.analysis import CHAIN_ACTIVATIONS, SIGMOID_DERIVATIVE_BOUND, derivative_chain, sigmoid_bound_chain
from ...core.format import format_decimals, format_number, format_power
from ...names import DEPTH_CHAIN_MAX_DEPTH, DEPTH_CHAIN_X_LIMITS
from ..theme import SCREEN, Theme
from .log_axis import decade_span, log_heights, log_view_range
from .plot_style import (
    DrawnWhenSeen,
    LaidOutLegend,
    drawn,
    legible_font,
    show_legible_controls,
    make_layout_widget,
    make_log_plot_item,
    style_outside_legend,
    style_plot,
)

#: Range and resolution of the x slider (the spin box beside it takes any x in X_LIMITS).
SLIDER_RANGE = (-10.0, 10.0)
SLIDER_STEP = 0.1
X_LIMITS = DEPTH_CHAIN_X_LIMITS
DEFAULT_X = 5.0
#: The tutorial's table: layers 1 to 10.
DEFAULT_DEPTH = 10
MAX_DEPTH = DEPTH_CHAIN_MAX_DEPTH
#: Points get symbols up to this depth; deeper chains are plain lines.
MAX_SYMBOL_DEPTH = 24
#: The table prints f′(x)ᵏ with the tutorial's 8 decimals, and beside it the true value as a power of ten.
TABLE_DECIMALS = 8
#: Rows the table shows at most: a deeper chain shows its first rows, "⋮" and its last row.
TABLE_ROWS = 10
_BOUND_HEADER = "0.25^k"


def k_ticks(span: int, room_px: float, label_px: float) -> list[int]:
    """The whole numbers k to label on an axis ``room_px`` wide running from 1 to ``span`` layers: every
    layer, or every 2nd, 5th, 10th ... so that labels ``label_px`` wide keep their own width apart; just
    the first and the last where not even that fits."""
    for step in (1, 2, 5, 10, 20, 50):
        if room_px * step / max(span, 1) >= 2 * label_px:
            return list(range(1, span + 1)) if step == 1 else list(range(step, span + 1, step)) or [1]
    return sorted({1, span})


class ChainTable(pg.GraphicsWidget):
    """The tutorial's table, drawn in the plot's own scene (so an export has it too): one row per k, the
    first activation's f′(x)ᵏ with 8 decimals, then its true value as a power of ten. It takes the size
    of its text, like a legend, and ``cells()`` tells where each text is."""

    PAD_X = 9.0
    PAD_Y = 3.0

    def __init__(self):
        super().__init__()
        self._header: tuple[str, ...] = ()
        self._rows: list[tuple[str, ...]] = []
        self._font = QtGui.QFont()
        self._foreground = QtGui.QColor("black")
        self._rule = QtGui.QColor("gray")
        self._widths: list[float] = []
        self._row_height = 0.0
        fixed = QtWidgets.QSizePolicy.Policy.Fixed
        self.setSizePolicy(fixed, fixed)

    def show_rows(self, header, rows, font: QtGui.QFont, foreground: str, rule: str) -> None:
        """Show ``rows`` (tuples of texts) under ``header`` in ``font``, text in ``foreground``."""
        self._header, self._rows = tuple(header), [tuple(row) for row in rows]
        self._font, self._foreground, self._rule = QtGui.QFont(font), QtGui.QColor(foreground), QtGui.QColor(rule)
        metrics = QtGui.QFontMetricsF(self._font)
        columns = list(zip(self._header, *self._rows))
        self._widths = [max(metrics.horizontalAdvance(text) for text in column) + self.PAD_X for column in columns]
        self._row_height = metrics.height() + 2 * self.PAD_Y
        size = QtCore.QSizeF(sum(self._widths) + self.PAD_X, self._row_height * (len(self._rows) + 1) + 2)
        self.setMinimumSize(size)
        self.setMaximumSize(size)
        self.setPreferredSize(size)
        self.updateGeometry()
        self.update()

    def text_font(self) -> QtGui.QFont:
        return QtGui.QFont(self._font)

    def text_color(self) -> QtGui.QColor:
        return QtGui.QColor(self._foreground)

    def rows(self) -> list[tuple[str, ...]]:
        """The header, then every row, as shown."""
        return [self._header, *self._rows]

    def _cell_rects(self):
        metrics = QtGui.QFontMetricsF(self._font)
        for r, row in enumerate(self.rows()):
            top = r * self._row_height + (2 if r else 0)
            right = 0.0
            for width, text in zip(self._widths, row):
                right += width
                advance = metrics.horizontalAdvance(text)
                # Numbers right-aligned under each other; the header too.
                yield QtCore.QRectF(right - advance, top + self.PAD_Y, advance, metrics.height()), text

    def cells(self) -> list[tuple[QtCore.QRectF, str]]:
        """(scene rectangle, text) of every non-empty cell, header first."""
        return [(self.mapRectToScene(rect), text) for rect, text in self._cell_rects() if text]

    def paint(self, painter, option, widget=None):
        if not self._header:
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
        painter.setFont(self._font)
        painter.setPen(QtGui.QPen(self._rule, 1))
        painter.drawLine(QtCore.QPointF(0, self._row_height + 1), QtCore.QPointF(sum(self._widths) + self.PAD_X, self._row_height + 1))
        painter.setPen(self._foreground)
        ascent = QtGui.QFontMetricsF(self._font).ascent()
        for rect, text in self._cell_rects():
            painter.drawText(QtCore.QPointF(rect.left(), rect.top() + ascent), text)


class DepthChainPanel(DrawnWhenSeen):
    """f′(x)ᵏ for k = 1..depth for sigmoid, tanh and ReLU on a log axis, with the sigmoid bound 0.25ᵏ,
    and over them the network on screen's own product of mean slopes (``show_network_chain``); beside
    (or under) the plot, the tutorial's table of the first activation's f′(x)ᵏ.

    x and the depth are this panel's own view state (not the model's), so it computes the textbook chains
    itself; the network's chain is a core fact it is given. The depth stays the user's (10, the tutorial's,
    at first) whatever network is shown; the network's own curve is drawn whole.
    """

    def __init__(self, theme: Theme = SCREEN, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        show_legible_controls(self, theme)
        self._names = CHAIN_ACTIVATIONS
        self._chains: dict[str, np.ndarray] = {}
        self._bound = np.empty(0)
        self._floor_decade = 0
        self._stacked = False
        #: The network's product of mean f′(z), output layer first (k = 1 is layer L), or None.
        self._network_chain: np.ndarray | None = None
        self._network_item = None

        self._x_spin = QtWidgets.QDoubleSpinBox()
        self._x_spin.setRange(*X_LIMITS)
        self._x_spin.setDecimals(1)
        self._x_spin.setSingleStep(SLIDER_STEP)
        self._x_spin.setValue(DEFAULT_X)
        self._x_spin.setToolTip("The pre-activation z = x every layer sits at.")
        self._x_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self._x_slider.setRange(round(SLIDER_RANGE[0] / SLIDER_STEP), round(SLIDER_RANGE[1] / SLIDER_STEP))
        self._x_slider.setValue(round(DEFAULT_X / SLIDER_STEP))
        self._x_slider.setToolTip("Drag to move every layer's pre-activation x; watch the products shrink.")
        self._depth_spin = QtWidgets.QSpinBox()
        self._depth_spin.setRange(1, MAX_DEPTH)
        self._depth_spin.setValue(DEFAULT_DEPTH)
        self._depth_spin.setToolTip("How many layers the gradient passes back through.")
        self._copy_button = QtWidgets.QPushButton("Copy table")
        self._copy_button.setToolTip("Copy the table, every activation at full precision, as tab-separated text.")

        controls = QtWidgets.QHBoxLayout()
        controls.addWidget(QtWidgets.QLabel("x ="))
        controls.addWidget(self._x_spin)
        controls.addWidget(self._x_slider, 1)
        controls.addSpacing(12)
        controls.addWidget(QtWidgets.QLabel("depth"))
        controls.addWidget(self._depth_spin)
        controls.addWidget(self._copy_button)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self._build_when_seen(), 1)  # the plot is built when first seen

        self._x_slider.valueChanged.connect(self._on_slider_moved)
        self._x_spin.valueChanged.connect(self._on_x_changed)
        self._depth_spin.valueChanged.connect(self._update_chain)
        self._copy_button.clicked.connect(self.copy_table)
        self._update_chain()

    def _build_plot(self) -> pg.GraphicsLayoutWidget:
        self._plot_widget = make_layout_widget()
        self._plot = make_log_plot_item(menu=False)
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.vb.sigResized.connect(self._update_ticks)
        self._ticks: list[int] | None = None
        # The sample close to its text: beside the table the legend has little room.
        self._legend = LaidOutLegend(colCount=1, horSpacing=8)
        self._legend.layout.setContentsMargins(0, 0, 0, 0)
        self._table = ChainTable()
        #: Takes the width the table and legend leave when stacked (their own sizes are fixed).
        self._filler = pg.GraphicsWidget()
        self._filler.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Minimum)
        self._place_table()
        self._plot_widget.installEventFilter(self)
        return self._plot_widget

    def _place_table(self) -> None:
        """Side by side, plot, legend and table; stacked (a tall panel), the plot over the table and the
        legend beside the table, so the plot keeps the panel's whole width."""
        grid = self._plot_widget.ci
        for item in (self._plot, self._legend, self._table, self._filler):
            if item in grid.items:
                grid.removeItem(item)
        grid.layout.setHorizontalSpacing(2 if self._stacked else 6)
        grid.setContentsMargins(*(2, 4, 2, 4) if self._stacked else (4, 4, 4, 4))
        if self._stacked:
            grid.addItem(self._plot, row=0, col=0, colspan=3)
            grid.addItem(self._table, row=1, col=0)
            grid.addItem(self._legend, row=1, col=1)
            grid.addItem(self._filler, row=1, col=2)
        else:
            grid.addItem(self._plot, row=0, col=0)
            grid.addItem(self._legend, row=0, col=1)
            grid.addItem(self._table, row=0, col=2)
        top_left = QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft
        grid.layout.setAlignment(self._legend, top_left)
        grid.layout.setAlignment(self._table, top_left)

    def set_stacked(self, tall: bool) -> None:
        """The table under the plot, for a panel taller than it is wide (the window's compact layout puts it
        in the right column), so the plot keeps a readable width; beside it otherwise."""
        if self._stacked != bool(tall):
            self._stacked = bool(tall)
            if self.plot_built:
                self._place_table()
                self._request_redraw()

    @property
    def stacked(self) -> bool:
        """Whether the table sits under the plot (a tall panel) rather than beside it."""
        return self._stacked

    # ------------------------------------------------------------------ public API

    @drawn
    def plot_widget(self) -> pg.GraphicsLayoutWidget:
        """The plot, its legend and the table, for export."""
        return self._plot_widget

    @drawn
    def plot_item(self) -> pg.PlotItem:
        return self._plot

    @drawn
    def legend(self) -> pg.LegendItem:
        return self._legend

    def x(self) -> float:
        return float(self._x_spin.value())

    def depth(self) -> int:
        return int(self._depth_spin.value())

    def set_x(self, x: float) -> None:
        """Put every layer at pre-activation ``x`` (the spin box keeps one decimal, within ±50)."""
        self._x_spin.setValue(float(x))

    def set_depth(self, depth: int) -> None:
        self._depth_spin.setValue(int(depth))

    def show_network_chain(self, chain) -> None:
        """Draw the network's own product of mean slopes (``analysis.network_slope_chain``: entry k - 1 runs
        from the output layer L back to layer L - k + 1), all L layers of it; None removes it."""
        self._network_chain = None if chain is None else np.asarray(chain, dtype=np.float64)
        self._request_redraw()

    def network_chain(self) -> np.ndarray | None:
        return self._network_chain

    @drawn
    def network_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The (k, log10 value) of the network's chain as drawn (empty without one)."""
        item = self._network_item
        if item is None or item.xData is None:
            return np.empty(0), np.empty(0)
        return np.asarray(item.xData), np.asarray(item.yData)

    def chains(self) -> dict[str, np.ndarray]:
        """The products shown: activation name -> f′(x)ᵏ, plus "bound" -> 0.25ᵏ."""
        return {**self._chains, "bound": self._bound}

    @drawn
    def floor_decade(self) -> int:
        """The floor of the log axis, as a power of ten; zeros are drawn here."""
        return self._floor_decade

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        show_legible_controls(self, theme)
        self._show_theme_background()
        self._request_redraw()

    def table_rows(self) -> list[tuple[str, ...]]:
        """The tutorial's table as shown: k, the first activation's f′(x)ᵏ with 8 decimals, its true value as a
        power of ten; the first TABLE_ROWS - 2 layers, "⋮" and the last when the chain is deeper."""
        name = self._names[0]
        values = self._chains[name]
        depth = self.depth()
        shown = list(range(1, depth + 1))
        if depth > TABLE_ROWS:
            shown = [*range(1, TABLE_ROWS - 1), None, depth]
        rows = []
        for k in shown:
            if k is None:
                rows.append(("⋮", "⋮", ""))
                continue
            value = float(values[k - 1])
            rows.append((str(k), format_decimals(value, TABLE_DECIMALS), format_power(value)))
        return rows

    def table_header(self) -> tuple[str, str, str]:
        x_text = format_number(self.x(), 3, trailing_zeros=False)
        return ("k", f"{ACTIVATIONS[self._names[0]].label}′({x_text})ᵏ", "true value")

    def table_text(self) -> str:
        """Every activation's chain as tab-separated text with a header row, numbers at full precision."""
        header = ["k", *(ACTIVATIONS[n].label for n in self._names), _BOUND_HEADER]
        rows = ["\t".join(header)]
        for k in range(1, self.depth() + 1):
            values = [self._chains[n][k - 1] for n in self._names] + [self._bound[k - 1]]
            rows.append("\t".join([str(k), *(repr(float(v)) for v in values)]))
        return "\n".join(rows) + "\n"

    def copy_table(self) -> None:
        QtGui.QGuiApplication.clipboard().setText(self.table_text())

    @drawn
    def table(self) -> ChainTable:
        return self._table

    # ------------------------------------------------------------------ updates

    def _on_slider_moved(self, position: int) -> None:
        self._x_spin.setValue(position * SLIDER_STEP)

    def _on_x_changed(self, x: float) -> None:
        blocked = self._x_slider.blockSignals(True)
        self._x_slider.setValue(round(min(max(x, SLIDER_RANGE[0]), SLIDER_RANGE[1]) / SLIDER_STEP))
        self._x_slider.blockSignals(blocked)
        self._update_chain()

    def _update_chain(self, *_args) -> None:
        self._chains = derivative_chain(self._names, self.x(), self.depth())
        self._bound = sigmoid_bound_chain(self.depth())
        self._request_redraw()

    def _redraw(self) -> None:
        if not self._chains:
            return
        theme, plot, x = self._theme, self._plot, self.x()
        self._table.show_rows(self.table_header(), self.table_rows(), legible_font(theme, smallest=True), theme.foreground, theme.muted)
        plot.clear()
        self._legend.clear()
        self._ticks = None  # style_plot sets the tick font afresh
        x_text = format_number(x, 3, trailing_zeros=False)
        network = self._network_chain
        title = f"Gradient factor f′(x)ᵏ at x = {x_text}"
        titles = (title, f"f′(x)ᵏ at x = {x_text}")
        if network is not None:
            # What the network's line is: its own mean slopes multiplied from the output back.
            titles = (f"{title}, and this network's ∏ mean f′(z)", f"f′(x)ᵏ at x = {x_text} and this network's ∏ mean f′(z)", *titles)
        style_plot(
            plot, theme,
            titles,
            ("k  (layers back from the output)", "k  (layers back)", "k"),
            ("f′(x)ᵏ  (log scale)", "f′(x)ᵏ"),
            legible=True,
        )
        depth = self.depth()
        k = np.arange(1, depth + 1)
        shown_network = np.empty(0) if network is None else network[:MAX_DEPTH]
        span = max(depth, len(shown_network))
        all_values = np.concatenate([*self._chains.values(), self._bound, shown_network])
        floor, top = decade_span(all_values)
        self._floor_decade = floor
        colors = {"sigmoid": theme.compare_colors[0], "relu": theme.compare_colors[1], "tanh": theme.layer_colors[3]}
        symbols = {"sigmoid": "o", "tanh": "s", "relu": "t1"}
        symbol_size = (7 if theme.name == "screen" else 10) if span <= MAX_SYMBOL_DEPTH else None
        zero_k, zero_count = [], 0
        for name in self._names:
            values = self._chains[name]
            color = colors.get(name, theme.foreground)
            item = pg.PlotDataItem(
                k, log_heights(values, floor), pen=theme.pen(color), antialias=True,
                symbol=symbols.get(name, "o") if symbol_size else None, symbolSize=symbol_size or 0,
                symbolBrush=color, symbolPen=pg.mkPen(theme.background, width=1),
            )
            plot.addItem(item)
            self._legend.addItem(item, ACTIVATIONS[name].label)
            zeros = values == 0
            zero_k.extend(k[zeros])
            zero_count += int(zeros.sum())
        bound_pen = theme.pen(theme.compare_colors[0])
        # Dashes of 2 pen widths, gaps of 1.5: Qt's DashLine (4 and 2) gave the legend's 20 px sample one dash
        # and a sliver of gap, which read as a solid line like the sigmoid curve's.
        bound_pen.setDashPattern([2.0, 1.5])
        bound = pg.PlotDataItem(k, log_heights(self._bound, floor), pen=bound_pen, antialias=True)
        plot.addItem(bound)
        self._legend.addItem(bound, f"bound {format_number(SIGMOID_DERIVATIVE_BOUND, 3, trailing_zeros=False)}ᵏ")
        if zero_count:
            zeros = pg.ScatterPlotItem(
                np.asarray(zero_k, dtype=float), np.full(len(zero_k), float(floor)), symbol="x",
                size=(12 if theme.name == "screen" else 16), brush=pg.mkBrush(theme.zero_edge),
                pen=pg.mkPen(theme.zero_edge, width=2),
            )
            plot.addItem(zeros)
            self._legend.addItem(zeros, "exactly 0")
        self._network_item = None
        if shown_network.size:
            self._add_network_chain(shown_network, floor)
        plot.setXRange(0.5, span + 0.5, padding=0)
        self._span = span
        self._update_ticks()
        plot.setYRange(*log_view_range(all_values, floor, top), padding=0)
        style_outside_legend(self._legend, theme, legible=True)
        if self._stacked:  # beside the table, in the table's print size, so both fit the panel's width
            size = f"{legible_font(theme, smallest=True).pixelSize()}px"
            for _sample, label in self._legend.items:
                label.setText(label.text, color=theme.foreground, size=size)

    def _update_ticks(self, *_args) -> None:
        """Ticks on whole layers only (k = 1, 2, 3 ...), as many as the axis has room for."""
        span = getattr(self, "_span", None)
        if span is None:
            return
        axis = self._plot.getAxis("bottom")
        label_px = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont()).horizontalAdvance(str(span))
        ticks = k_ticks(span, self._plot.vb.width(), label_px)
        if self._ticks != ticks:
            self._ticks = ticks
            axis.setTicks([[(float(k), str(k)) for k in ticks]])

    @drawn
    def k_ticks(self) -> list[int]:
        """The layers k labelled on the bottom axis."""
        return list(self._ticks or [])

    def _add_network_chain(self, chain: np.ndarray, floor: int) -> None:
        """The network's chain as a thick line with a marker at each of its layers."""
        theme, plot = self._theme, self._plot
        k = np.arange(1, len(chain) + 1, dtype=np.float64)
        heights = log_heights(chain, floor)
        drawn_heights = np.where(np.isfinite(heights), heights, float(floor))
        color = theme.foreground
        item = pg.PlotDataItem(
            k, drawn_heights, pen=theme.pen(color, theme.line_width * 1.6), antialias=True,
            symbol="d", symbolSize=(11 if theme.name == "screen" else 15), symbolBrush=color,
            symbolPen=pg.mkPen(theme.background, width=1),
        )
        item.setZValue(10)
        plot.addItem(item)
        # k = 1 is the output layer L, k = L is layer 1: the k axis says so.
        self._legend.addItem(item, "this network")
        self._network_item = item

    # ------------------------------------------------------------------ events

    def eventFilter(self, watched, event):
        key_events = (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.ShortcutOverride)
        if watched is getattr(self, "_plot_widget", None) and event.type() in key_events:
            if event.matches(QtGui.QKeySequence.StandardKey.Copy):
                event.accept()
                if event.type() == QtCore.QEvent.Type.KeyPress:
                    self.copy_table()
                return True
        return super().eventFilter(watched, event)

    def __repr__(self):
        return f"DepthChainPanel(x={self.x():g}, depth={self.depth()})"
