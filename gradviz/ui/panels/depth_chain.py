"""How a gradient shrinks through k layers: the product f′(x)ᵏ per activation, plotted and tabulated."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ...core.activations import ACTIVATIONS
from ...core.analysis import CHAIN_ACTIVATIONS, SIGMOID_DERIVATIVE_BOUND, derivative_chain, sigmoid_bound_chain
from ...core.format import format_number
from ..theme import SCREEN, Theme
from .log_axis import decade_span, log_heights, log_view_range
from .plot_style import (
    DrawnWhenSeen,
    add_legend_column,
    drawn,
    make_layout_widget,
    make_log_plot_item,
    style_outside_legend,
    style_plot,
)

#: Range and resolution of the x slider (the spin box beside it takes any x in X_LIMITS).
SLIDER_RANGE = (-10.0, 10.0)
SLIDER_STEP = 0.1
X_LIMITS = (-50.0, 50.0)
DEFAULT_X = 5.0
DEFAULT_DEPTH = 10
MAX_DEPTH = 64
#: Points get symbols up to this depth; deeper chains are plain lines.
MAX_SYMBOL_DEPTH = 24
_BOUND_HEADER = "0.25^k"


class DepthChainPanel(DrawnWhenSeen):
    """f′(x)ᵏ for k = 1..depth for sigmoid, tanh and ReLU on a log axis, with the sigmoid bound 0.25ᵏ,
    and over them the network on screen's own product of mean slopes (``show_network_chain``).

    x and the depth are this panel's own view state (not the model's), so it computes the textbook chains
    itself; the network's chain is a core fact it is given.
    """

    def __init__(self, theme: Theme = SCREEN, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._names = CHAIN_ACTIVATIONS
        self._chains: dict[str, np.ndarray] = {}
        self._bound = np.empty(0)
        self._floor_decade = 0
        #: The network's product of mean f′(z), output layer first (k = 1 is layer L), or None.
        self._network_chain: np.ndarray | None = None

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
        self._copy_button.setToolTip("Copy the table as tab-separated text (for a spreadsheet).")

        controls = QtWidgets.QHBoxLayout()
        controls.addWidget(QtWidgets.QLabel("x ="))
        controls.addWidget(self._x_spin)
        controls.addWidget(self._x_slider, 1)
        controls.addSpacing(12)
        controls.addWidget(QtWidgets.QLabel("depth"))
        controls.addWidget(self._depth_spin)
        controls.addWidget(self._copy_button)

        self._table = QtWidgets.QTableWidget(0, 2 + len(self._names))
        self._table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self._table.verticalHeader().setVisible(False)
        # Whole numbers, scrolled sideways if need be, rather than columns squeezed to "0.00…".
        self._table.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self._table.installEventFilter(self)

        # The table beside the plot, not under it: a docked panel is wider than it is tall.
        self._splitter = splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_when_seen())  # the plot is built when first seen
        splitter.addWidget(self._table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([640, 360])
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(splitter, 1)

        self._x_slider.valueChanged.connect(self._on_slider_moved)
        self._x_spin.valueChanged.connect(self._on_x_changed)
        self._depth_spin.valueChanged.connect(self._update_chain)
        self._copy_button.clicked.connect(self.copy_table)
        self._update_chain()

    def _build_plot(self) -> pg.GraphicsLayoutWidget:
        self._plot_widget = make_layout_widget()
        self._plot = make_log_plot_item(menu=False)
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot_widget.ci.addItem(self._plot, row=0, col=0)
        self._legend = add_legend_column(self._plot_widget, 1)
        self._place_legend()
        return self._plot_widget

    def _place_legend(self) -> None:
        """The legend beside the plot, or under it when stacked: the width goes to the data."""
        tall = self.stacked
        grid = self._plot_widget.ci
        grid.removeItem(self._legend)
        grid.addItem(self._legend, row=1 if tall else 0, col=0 if tall else 1)
        grid.layout.setAlignment(self._legend, QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)

    def set_stacked(self, tall: bool) -> None:
        """The table under the plot, for a panel taller than it is wide (the window's compact layout puts it
        in the right column), so the plot keeps a readable width; beside it otherwise."""
        orientation = QtCore.Qt.Orientation.Vertical if tall else QtCore.Qt.Orientation.Horizontal
        if self._splitter.orientation() != orientation:
            self._splitter.setOrientation(orientation)
            self._splitter.setSizes([780, 220] if tall else [640, 360])
            if self.plot_built:
                self._place_legend()

    @property
    def stacked(self) -> bool:
        """Whether the table sits under the plot (a tall panel) rather than beside it."""
        return self._splitter.orientation() == QtCore.Qt.Orientation.Vertical

    # ------------------------------------------------------------------ public API

    @drawn
    def plot_widget(self) -> pg.GraphicsLayoutWidget:
        """The plot and its legend, for export."""
        return self._plot_widget

    @drawn
    def plot_item(self) -> pg.PlotItem:
        return self._plot

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
        from the output layer L back to layer L - k + 1); None removes it. The depth follows the network."""
        self._network_chain = None if chain is None else np.asarray(chain, dtype=np.float64)
        if self._network_chain is not None and len(self._network_chain) and self.depth() != len(self._network_chain):
            self.set_depth(min(len(self._network_chain), MAX_DEPTH))  # redraws
        else:
            self._request_redraw()

    def network_chain(self) -> np.ndarray | None:
        return self._network_chain

    @drawn
    def network_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The (k, log10 value) of the network's chain as drawn (empty without one)."""
        item = getattr(self, "_network_item", None)
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
        self._show_theme_background()
        self._request_redraw()

    def table_text(self) -> str:
        """The table as tab-separated text with a header row, numbers at full precision."""
        header = ["k", *(ACTIVATIONS[n].label for n in self._names), _BOUND_HEADER]
        rows = ["\t".join(header)]
        for k in range(1, self.depth() + 1):
            values = [self._chains[n][k - 1] for n in self._names] + [self._bound[k - 1]]
            rows.append("\t".join([str(k), *(repr(float(v)) for v in values)]))
        return "\n".join(rows) + "\n"

    def copy_table(self) -> None:
        QtGui.QGuiApplication.clipboard().setText(self.table_text())

    @drawn
    def table(self) -> QtWidgets.QTableWidget:
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

    def _fill_table(self) -> None:
        depth = self.depth()
        table = self._table
        table.setHorizontalHeaderLabels(["k", *(ACTIVATIONS[n].label for n in self._names), "0.25ᵏ (bound)"])
        table.setRowCount(depth)
        columns = [self._chains[n] for n in self._names] + [self._bound]
        for k in range(depth):
            cells = [QtWidgets.QTableWidgetItem(str(k + 1))]
            for column in columns:
                value = float(column[k])
                item = QtWidgets.QTableWidgetItem(format_number(value, 4, trailing_zeros=False))
                item.setData(QtCore.Qt.ItemDataRole.UserRole, value)
                item.setToolTip(repr(value))
                cells.append(item)
            for col, item in enumerate(cells):
                item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                table.setItem(k, col, item)

    def _redraw(self) -> None:
        if not self._chains:
            return
        self._fill_table()
        theme, plot, x = self._theme, self._plot, self.x()
        plot.clear()
        self._legend.clear()
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
        )
        depth = self.depth()
        k = np.arange(1, depth + 1)
        shown_network = np.empty(0) if network is None else network[:depth]
        all_values = np.concatenate([*self._chains.values(), self._bound, shown_network])
        floor, top = decade_span(all_values)
        self._floor_decade = floor
        colors = {"sigmoid": theme.compare_colors[0], "relu": theme.compare_colors[1], "tanh": theme.layer_colors[3]}
        symbols = {"sigmoid": "o", "tanh": "s", "relu": "t1"}
        symbol_size = (7 if theme.name == "screen" else 10) if depth <= MAX_SYMBOL_DEPTH else None
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
        bound_pen.setStyle(QtCore.Qt.PenStyle.DashLine)
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
        plot.setXRange(0.5, depth + 0.5, padding=0)
        plot.setYRange(*log_view_range(all_values, floor, top), padding=0)
        style_outside_legend(self._legend, theme)

    def _add_network_chain(self, chain: np.ndarray, floor: int) -> None:
        """The network's chain as a thick line with a marker at each of its layers."""
        theme, plot = self._theme, self._plot
        depth_net = len(self._network_chain)
        k = np.arange(1, len(chain) + 1, dtype=np.float64)
        heights = log_heights(chain, floor)
        drawn = np.where(np.isfinite(heights), heights, float(floor))
        color = theme.foreground
        item = pg.PlotDataItem(
            k, drawn, pen=theme.pen(color, theme.line_width * 1.6), antialias=True,
            symbol="d", symbolSize=(11 if theme.name == "screen" else 15), symbolBrush=color,
            symbolPen=pg.mkPen(theme.background, width=1),
        )
        item.setZValue(10)
        plot.addItem(item)
        # The layers' positions are the markers: k = 1 is the output layer L, k = L is layer 1.
        ends = f"layer {depth_net} … 1" if depth_net > 1 else "layer 1"
        self._legend.addItem(item, f"this network ({ends})")
        self._network_item = item

    # ------------------------------------------------------------------ events

    def eventFilter(self, watched, event):
        key_events = (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.ShortcutOverride)
        if watched is self._table and event.type() in key_events:
            if event.matches(QtGui.QKeySequence.StandardKey.Copy):
                event.accept()
                if event.type() == QtCore.QEvent.Type.KeyPress:
                    self.copy_table()
                return True
        return super().eventFilter(watched, event)

    def __repr__(self):
        return f"DepthChainPanel(x={self.x():g}, depth={self.depth()})"
