"""Training controls, and what training recorded: the loss and each layer's gradient size per step."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ...core.stats import MEASURE_LABELS, MEASURES, check_measure
from ...core.training import MAX_TRAINING_STEPS, TrainingHistory
from ..theme import SCREEN, Theme
from .log_axis import decade_span, log_heights, log_view_range
from .plot_style import (
    DrawnWhenSeen,
    add_legend_column,
    drawn,
    legible_font,
    show_legible_controls,
    make_layout_widget,
    make_log_plot_item,
    mix,
    style_outside_legend,
    style_plot,
    show_axes,
    style_text,
)

DEFAULT_STEPS = 500
#: Up to this many layers each gets its own colour and legend entry; deeper networks use a gradient.
MAX_NAMED_LAYERS = 8
_EMPTY_MESSAGE = "Press Train to run gradient descent\nand watch each layer's gradient."


class TrainingPanel(DrawnWhenSeen):
    """Train/Cancel controls with progress, and the loss and per-layer gradient magnitude over the steps.

    The panel does not train: ``sigTrainRequested(steps)`` asks whoever owns the model to, and that owner
    reports back through ``set_training``, ``set_progress`` and ``show_history``.
    """

    sigTrainRequested = QtCore.Signal(int)
    sigCancelRequested = QtCore.Signal()

    def __init__(self, theme: Theme = SCREEN, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        show_legible_controls(self, theme)
        self._losses: np.ndarray | None = None
        self._measures: dict[str, np.ndarray] = {}
        self._cancelled = False
        self._layer_items: list[pg.PlotDataItem] = []
        self._loss_item: pg.PlotDataItem | None = None

        self._train_button = QtWidgets.QPushButton("Train")
        self._train_button.setToolTip("Run this many steps of gradient descent from the current network.")
        self._steps_spin = QtWidgets.QSpinBox()
        self._steps_spin.setRange(1, MAX_TRAINING_STEPS)
        self._steps_spin.setValue(DEFAULT_STEPS)
        self._steps_spin.setSuffix(" steps")
        self._steps_spin.setToolTip("How many gradient-descent steps Train runs.")
        self._progress = QtWidgets.QProgressBar()
        self._progress.setRange(0, DEFAULT_STEPS)
        self._progress.setValue(0)
        self._progress.setFormat("%v of %m steps")
        self._cancel_button = QtWidgets.QPushButton("Cancel")
        self._cancel_button.setToolTip("Stop training; the steps done so far are kept.")
        self._cancel_button.setEnabled(False)
        self._measure_combo = QtWidgets.QComboBox()
        for measure in MEASURES:
            self._measure_combo.addItem(MEASURE_LABELS[measure], measure)
        self._measure_combo.setToolTip("Which size of each layer's weight gradient the lower plot shows.")

        self._run_row = run_row = QtWidgets.QHBoxLayout()
        run_row.addWidget(self._train_button)
        run_row.addWidget(self._steps_spin)
        run_row.addWidget(self._progress, 1)
        run_row.addWidget(self._cancel_button)
        self._show_row = show_row = QtWidgets.QHBoxLayout()
        show_label = QtWidgets.QLabel("Show")
        # Beside its chooser: the row's room goes to the chooser, not to a gap after the word.
        show_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Maximum, QtWidgets.QSizePolicy.Policy.Preferred)
        show_row.addWidget(show_label)
        show_row.addWidget(self._measure_combo)
        # One row beside each other in a wide panel, two rows in a tall one (see set_stacked).
        self._controls = controls = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.LeftToRight)
        controls.addLayout(run_row, 3)
        controls.addSpacing(12)
        controls.addLayout(show_row, 1)

        #: Whether the plots are stacked (loss above the gradients), as in a panel taller than it is wide.
        self._tall = False

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self._build_when_seen(), 1)  # the plots are built when first seen

        self._train_button.clicked.connect(self._on_train_clicked)
        self._cancel_button.clicked.connect(self.sigCancelRequested)
        self._measure_combo.currentIndexChanged.connect(self._request_redraw)

    def _build_plot(self) -> pg.GraphicsLayoutWidget:
        self._plot_widget = make_layout_widget()
        self._loss_plot = make_log_plot_item(menu=False)
        self._grad_plot = make_log_plot_item(menu=False)
        for plot in (self._loss_plot, self._grad_plot):
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
        self._grad_plot.setXLink(self._loss_plot)
        self._plot_widget.ci.addItem(self._loss_plot, row=0, col=0)
        self._legend = add_legend_column(self._plot_widget, 2)
        self._place_plots()
        self._empty_text = pg.TextItem(_EMPTY_MESSAGE, anchor=(0.5, 0.5))
        return self._plot_widget

    def _place_plots(self) -> None:
        """The gradient plot beside the loss plot and the legend beside both (a docked panel is wider than it
        is tall), or, stacked, the gradient plot under the loss plot and the legend under both (beside
        them it would take the narrow column's width)."""
        grid = self._plot_widget.ci
        for item in (self._grad_plot, self._legend):
            if item in grid.items:
                grid.removeItem(item)
        grad_at, legend_at = ((1, 0), (2, 0)) if self._tall else ((0, 1), (0, 2))
        grid.addItem(self._grad_plot, row=grad_at[0], col=grad_at[1])
        grid.addItem(self._legend, row=legend_at[0], col=legend_at[1])
        grid.layout.setAlignment(self._legend, QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        for col, stretch in enumerate((1, 0, 0) if self._tall else (2, 3, 0)):
            grid.layout.setColumnStretchFactor(col, stretch)

    def set_stacked(self, tall: bool) -> None:
        """Stack the plots and the controls' rows, for a panel taller than it is wide (the window's compact
        layout puts it in the right column), so each plot keeps a readable width; side by side otherwise."""
        if tall == self._tall:
            return
        self._tall = tall
        self._controls.setDirection(
            QtWidgets.QBoxLayout.Direction.TopToBottom if tall else QtWidgets.QBoxLayout.Direction.LeftToRight
        )
        # In the narrow column the progress bar moves beside Show, where it has room for its text.
        (self._run_row if tall else self._show_row).removeWidget(self._progress)
        if tall:
            self._show_row.insertWidget(2, self._progress, 1)
        else:
            self._run_row.insertWidget(2, self._progress, 1)
        # The step count may shrink to its digits in the narrow column (it keeps its full width otherwise).
        policy = QtWidgets.QSizePolicy.Policy
        self._steps_spin.setSizePolicy(policy.Preferred if tall else policy.Minimum, policy.Fixed)
        if self.plot_built:
            self._place_plots()

    @property
    def stacked(self) -> bool:
        """Whether the loss plot sits above the gradient plot (a tall panel) rather than beside it."""
        return self._tall

    # ------------------------------------------------------------------ public API

    @drawn
    def plot_widget(self) -> pg.GraphicsLayoutWidget:
        """Both plots and the legend, for export."""
        return self._plot_widget

    @drawn
    def plot_items(self) -> tuple[pg.PlotItem, pg.PlotItem]:
        """The loss plot and the per-layer gradient plot."""
        return self._loss_plot, self._grad_plot

    def steps(self) -> int:
        return int(self._steps_spin.value())

    def set_steps(self, steps: int) -> None:
        self._steps_spin.setValue(int(steps))

    def measure(self) -> str:
        return self._measure_combo.currentData()

    def set_measure(self, measure: str) -> None:
        index = self._measure_combo.findData(check_measure(measure))
        self._measure_combo.setCurrentIndex(index)

    def set_training(self, running: bool) -> None:
        """Enable Cancel (and disable Train and the step count) while training runs."""
        self._train_button.setEnabled(not running)
        self._steps_spin.setEnabled(not running)
        self._cancel_button.setEnabled(running)

    def set_progress(self, done: int, total: int) -> None:
        self._progress.setRange(0, max(int(total), 1))
        self._progress.setValue(min(max(int(done), 0), max(int(total), 1)))

    def show_history(self, history: TrainingHistory | None) -> None:
        """Draw what training recorded (None clears the plots)."""
        if history is None or history.steps == 0:
            self._losses, self._measures, self._cancelled = None, {}, False
        else:
            self._losses = np.asarray(history.losses, dtype=np.float64)
            self._measures = {m: np.asarray(v, dtype=np.float64) for m, v in history.measures.items() if m in MEASURES}
            self._cancelled = bool(history.cancelled)
        self._request_redraw()

    @drawn
    def layer_lines(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (steps, log10 magnitude) drawn for each layer, first layer first."""
        return [(np.asarray(item.xData), np.asarray(item.yData)) for item in self._layer_items]

    @drawn
    def loss_line(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The (steps, log10 loss) drawn, or None."""
        if self._loss_item is None:
            return None
        return np.asarray(self._loss_item.xData), np.asarray(self._loss_item.yData)

    @drawn
    def legend_labels(self) -> list[str]:
        return [label.text for _sample, label in self._legend.items]

    def train_button(self) -> QtWidgets.QPushButton:
        return self._train_button

    def cancel_button(self) -> QtWidgets.QPushButton:
        return self._cancel_button

    def progress_bar(self) -> QtWidgets.QProgressBar:
        return self._progress

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        show_legible_controls(self, theme)
        self._show_theme_background()
        self._request_redraw()

    # ------------------------------------------------------------------ drawing

    def layer_colors(self, depth: int) -> list:
        """One colour per layer: the theme's layer colours, or a gradient first to last for deep networks."""
        theme = self._theme
        if depth <= MAX_NAMED_LAYERS:
            return [theme.layer_colors[l % len(theme.layer_colors)] for l in range(depth)]
        return [mix(theme.layer_colors[0], theme.layer_colors[1], l / (depth - 1)) for l in range(depth)]

    def _redraw(self) -> None:
        theme, measure = self._theme, self.measure()
        self._loss_plot.clear()
        self._grad_plot.clear()
        self._legend.clear()
        self._layer_items, self._loss_item = [], None
        note = ""
        if self._losses is not None:
            steps = len(self._losses)
            note = f"  (cancelled after {steps} steps)" if self._cancelled else f"  ({steps} steps)"
            overflow = np.flatnonzero(~np.isfinite(self._losses))
            if overflow.size:
                note += f": overflowed at step {overflow[0] + 1}"
        style_plot(self._loss_plot, theme, (f"Loss during training{note}", f"Loss{note}", "Loss"),
                   ("training step", "step"), "loss", legible=True)
        style_plot(
            self._grad_plot, theme, ("Each layer's gradient during training", "Each layer's gradient", "Gradient"),
            ("training step", "step"), MEASURE_LABELS[measure], legible=True,
        )
        for plot in (self._loss_plot, self._grad_plot):
            show_axes(plot, self._losses is not None)
        if self._losses is None:
            style_text(self._empty_text, theme, theme.muted)
            self._empty_text.setFont(legible_font(theme))
            self._grad_plot.addItem(self._empty_text)
            self._empty_text.setPos(0.5, 0.5)
            for plot in (self._loss_plot, self._grad_plot):
                plot.setXRange(0, 1, padding=0)
                plot.setYRange(0, 1, padding=0)
            style_outside_legend(self._legend, theme, legible=True)
            return

        step_numbers = np.arange(1, len(self._losses) + 1, dtype=np.float64)
        loss_floor, loss_top = decade_span(self._losses)
        loss_logs = self._finite_logs(self._losses, loss_floor, loss_top)
        self._loss_item = pg.PlotDataItem(step_numbers, loss_logs, pen=theme.pen(theme.foreground), connect="finite")
        self._loss_plot.addItem(self._loss_item)
        finite_logs = loss_logs[np.isfinite(loss_logs)]
        if finite_logs.size and not np.any(self._losses == 0):
            # No zero to show at a floor: fit the loss tightly (it often spans less than a decade).
            lo, hi = float(finite_logs.min()), float(finite_logs.max())
            middle, half = (lo + hi) / 2, max((hi - lo) / 2, 0.15)
            pad = 0.08 * 2 * half
            self._loss_plot.setYRange(middle - half - pad, min(middle + half + pad, hi + 1.0), padding=0)
        else:
            self._loss_plot.setYRange(*log_view_range(self._losses, loss_floor, loss_top), padding=0)

        values = self._measures.get(measure)
        if values is None:  # a history read from a file made before this measure existed
            style_outside_legend(self._legend, theme, legible=True)
            return
        depth = values.shape[1]
        floor, top = decade_span(values)
        colors = self.layer_colors(depth)
        # The first layer is drawn last, on top: it is the one that stalls.
        items = []
        for l in range(depth):
            item = pg.PlotDataItem(
                step_numbers, self._finite_logs(values[:, l], floor, top),
                pen=theme.pen(colors[l]), connect="finite",
            )
            item.setZValue(depth - l)
            items.append(item)
            self._grad_plot.addItem(item)
        self._layer_items = items
        for l, item in enumerate(items):
            if depth <= MAX_NAMED_LAYERS:
                self._legend.addItem(item, f"layer {l + 1}")
            elif l in (0, depth - 1):
                side = "nearest the input" if l == 0 else "output"
                self._legend.addItem(item, f"layer {l + 1} ({side})")
        self._grad_plot.setYRange(*log_view_range(values, floor, top), padding=0)
        self._grad_plot.setXRange(1, max(len(step_numbers), 2), padding=0.01)
        style_outside_legend(self._legend, theme, legible=True)

    @staticmethod
    def _finite_logs(values: np.ndarray, floor: int, top: int) -> np.ndarray:
        """log10 of |values| at or above the floor; inf drawn at the top, NaN left as a gap."""
        logs = log_heights(values, floor)
        logs[np.isposinf(np.abs(values))] = top
        return logs

    def _on_train_clicked(self) -> None:
        self.sigTrainRequested.emit(self.steps())

    def __repr__(self):
        steps = 0 if self._losses is None else len(self._losses)
        return f"TrainingPanel(steps_shown={steps})"
