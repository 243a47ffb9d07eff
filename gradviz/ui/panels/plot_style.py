"""How a panel's plot looks under a theme: background, title, axes, legend, text. Shared by every panel."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtGui

from ..theme import Theme
from .log_axis import LogAxisItem


def make_plot_widget(log_y: bool = False) -> pg.PlotWidget:
    """A PlotWidget whose left axis is a ``LogAxisItem`` when ``log_y`` (the data is then log10 values)."""
    axes = {"left": LogAxisItem("left")} if log_y else {}
    widget = pg.PlotWidget(axisItems=axes)
    widget.getPlotItem().hideButtons()
    return widget


def make_log_plot_item(**kwargs) -> pg.PlotItem:
    """A PlotItem with a ``LogAxisItem`` on the left, for a GraphicsLayoutWidget."""
    plot = pg.PlotItem(axisItems={"left": LogAxisItem("left")}, **kwargs)
    plot.hideButtons()
    return plot


def style_plot(plot: pg.PlotItem, theme: Theme, title: str, x_label: str, y_label: str) -> None:
    """Colours, fonts and labels of a plot's title and axes under ``theme``."""
    plot.setTitle(title, color=theme.foreground, size=f"{theme.title_size}pt")
    label_style = {"color": theme.foreground, "font-size": f"{theme.font_size}pt"}
    for name, text in (("left", y_label), ("bottom", x_label)):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(theme.muted, width=1))
        axis.setTextPen(pg.mkPen(theme.foreground))
        axis.setTickFont(theme.font())
        axis.setLabel(text, **label_style)
    plot.showGrid(x=False, y=True, alpha=0.25 if theme.name == "slides" else 0.18)


def style_legend(legend: pg.LegendItem, theme: Theme) -> None:
    background = QtGui.QColor(theme.background)
    background.setAlpha(215)
    legend.setBrush(pg.mkBrush(background))
    legend.setPen(pg.mkPen(theme.muted, width=1))
    legend.setLabelTextColor(theme.foreground)
    legend.setLabelTextSize(f"{theme.font_size}pt")
    # Re-render labels already in the legend with the new colour and size.
    for _sample, label in legend.items:
        label.setText(label.text, color=theme.foreground, size=f"{theme.font_size}pt")


def style_text(item: pg.TextItem, theme: Theme, color: str | None = None, size: float | None = None, bold=False):
    item.setColor(color or theme.foreground)
    item.setFont(theme.font(size, bold=bold))


def mix(color_a: str, color_b: str, t: float) -> QtGui.QColor:
    """The colour a fraction ``t`` of the way from ``color_a`` to ``color_b``."""
    a, b = QtGui.QColor(color_a), QtGui.QColor(color_b)
    return QtGui.QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def make_layout_widget() -> pg.GraphicsLayoutWidget:
    """A GraphicsLayoutWidget for a panel whose legend sits outside its plot(s), in a row of its own."""
    widget = pg.GraphicsLayoutWidget()
    widget.ci.setContentsMargins(4, 4, 4, 4)
    return widget


def add_legend_row(widget: pg.GraphicsLayoutWidget, row: int, columns: int) -> pg.LegendItem:
    """A legend laid out in ``columns`` columns in row ``row`` of ``widget``, under the plots."""
    legend = pg.LegendItem(colCount=columns)
    widget.ci.addItem(legend, row=row, col=0)
    return legend


def style_outside_legend(legend: pg.LegendItem, theme: Theme) -> None:
    """A legend outside the plots: no frame, the theme's text."""
    style_legend(legend, theme)
    legend.setPen(pg.mkPen(None))
    legend.setBrush(pg.mkBrush(None))


def show_axes(plot: pg.PlotItem, visible: bool) -> None:
    """Show or hide the left and bottom axes (hidden while a plot has nothing to show)."""
    for name in ("left", "bottom"):
        plot.showAxis(name, visible)
