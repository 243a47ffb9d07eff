"""How a panel's plot looks under a theme: background, title, axes, legend, text. Shared by every panel."""

from __future__ import annotations

import functools
import math

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ..theme import Theme
from .log_axis import LogAxisItem, PlainAxisItem


#: The smallest text a plot draws, in pixels, per theme (issue 17): 14 px on a screen, 18 px on a slide.
MIN_TEXT_PX = {"screen": 14, "slides": 18}
#: Pixels per point at the 96 dots per inch a theme's point sizes are meant for.
_PX_PER_PT = 96 / 72


def text_px(theme: Theme, points: float | None = None) -> int:
    """The pixel size of plot text of ``points`` (default the theme's size), never under the theme's minimum."""
    return max(math.floor((points or theme.font_size) * _PX_PER_PT + 0.01), MIN_TEXT_PX.get(theme.name, 14))


def legible_font(theme: Theme, points: float | None = None, bold: bool = False, smallest: bool = False) -> QtGui.QFont:
    """The theme's font at ``text_px(theme, points)`` pixels; ``smallest``: at the theme's minimum instead
    (for dense text such as a table)."""
    font = theme.font(points, bold=bold)
    font.setPixelSize(MIN_TEXT_PX.get(theme.name, 14) if smallest else text_px(theme, points))
    return font


def show_legible_controls(panel: QtWidgets.QWidget, theme: Theme) -> None:
    """Give ``panel``'s controls ``legible_widget_font`` (its buttons too, which the window sets one by one)."""
    font = legible_widget_font(theme)
    panel.setFont(font)
    for button in panel.findChildren(QtWidgets.QAbstractButton):
        button.setFont(font)


def legible_widget_font(theme: Theme) -> QtGui.QFont:
    """The application's font for a panel's controls, at least ``MIN_TEXT_PX`` (the theme's widget size where
    it has one): the desktop's own font is often 12 px, under what a projector at 1280 x 720 can show."""
    font = QtGui.QFont(QtWidgets.QApplication.font())
    font.setPixelSize(max(MIN_TEXT_PX.get(theme.name, 14), theme.widget_font_px or 0))
    return font


class DrawnWhenSeen(QtWidgets.QWidget):
    """A panel that draws only what can be seen: the base of every docked panel.

    A change calls ``_request_redraw``. While the panel's plot is seen that runs ``_redraw`` at once; while it
    is not (the window not shown yet, or its dock a tab behind another) the panel only notes that it is stale,
    and draws once: when the plot comes into sight, or when anything reads what is drawn first. Every accessor
    that reads the drawing is decorated with ``drawn``; ``plot_widget()`` (what an export draws) and ``grab()``
    are too. So a panel hidden at launch costs no drawing, and the many changes made while hidden cost one.

    A panel may go further and build its plot only then (``_build_when_seen``): pyqtgraph's plots are the
    slowest part of the window to build, and most panels start behind another's tab.
    """

    _seen_widget: QtWidgets.QWidget | None = None
    _stale = False
    #: Where the plot goes while it is not built yet (see ``_build_when_seen``); None once it is.
    _plot_slot: QtWidgets.QWidget | None = None

    def _draw_when_seen(self, seen: QtWidgets.QWidget) -> None:
        """Draw whenever ``seen`` (the plot, which an export shows without the panel) is in sight."""
        self._seen_widget = seen
        self._followed_docks: list[QtWidgets.QDockWidget] = []
        seen.installEventFilter(self)

    def _build_when_seen(self) -> QtWidgets.QWidget:
        """An empty place for the plot, for the panel's layout: ``_build_plot`` fills it the first time the
        plot is to be drawn (seen, read or exported). Until then every change is only noted."""
        slot = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(slot)
        layout.setContentsMargins(0, 0, 0, 0)
        self._plot_slot = slot
        self._draw_when_seen(slot)
        self._stale = True
        return slot

    def _build_plot(self) -> QtWidgets.QWidget:
        """The plot, built at the panel's current theme and stacking (a panel using ``_build_when_seen``)."""
        raise NotImplementedError

    @property
    def plot_built(self) -> bool:
        """Whether the panel's plot exists yet (see ``_build_when_seen``)."""
        return self._plot_slot is None

    def _ensure_built(self) -> None:
        slot = self._plot_slot
        if slot is None:
            return
        self._plot_slot = None
        plot = self._build_plot()
        self._show_theme_background()
        slot.layout().addWidget(plot)
        if slot.isVisible():
            plot.show()  # now, not when the layout gets to it: it is about to be drawn
        # From now on the plot itself is what is watched: an export takes it out of its place to draw it.
        slot.removeEventFilter(self)
        self._seen_widget = plot
        plot.installEventFilter(self)

    def _show_theme_background(self) -> None:
        """The plot (``_plot_widget``) on the background of the panel's theme (``_theme``), once it is built."""
        if self.plot_built:
            self._plot_widget.setBackground(self._theme.background)

    def _redraw(self) -> None:
        raise NotImplementedError

    def _is_seen(self) -> bool:
        seen = self._seen_widget
        if seen is None or not seen.isVisible():
            return False
        # A dock behind another in a tab group stays visible to Qt, moved out of its window's sight.
        window = seen.window()
        return QtCore.QRect(seen.mapTo(window, QtCore.QPoint(0, 0)), seen.size()).intersects(window.rect())

    def _request_redraw(self, *_args) -> None:
        if self._is_seen():
            self._stale = False
            self._ensure_built()
            self._redraw()
        else:
            self._stale = True

    def _flush_redraw(self) -> None:
        """Draw now if a change has not been drawn yet (building the plot first if it is not built)."""
        self._ensure_built()
        if self._stale:
            self._stale = False
            self._redraw()

    def _follow_docks(self) -> None:
        """Draw when a dock holding the plot has its tab brought to the front (Qt moves it into sight)."""
        widget = self._seen_widget.parentWidget()
        while widget is not None:
            if isinstance(widget, QtWidgets.QDockWidget) and not any(d is widget for d in self._followed_docks):
                widget.visibilityChanged.connect(self._on_dock_visibility_changed)
                self._followed_docks.append(widget)
            widget = widget.parentWidget()

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible and self._is_seen():
            self._flush_redraw()

    def eventFilter(self, watched, event):
        if watched is self._seen_widget and event.type() == QtCore.QEvent.Type.Show:
            self._follow_docks()
            if self._is_seen():
                self._flush_redraw()
        return super().eventFilter(watched, event)

    def grab(self, *args, **kwargs):
        self._flush_redraw()
        return super().grab(*args, **kwargs)


def drawn(accessor):
    """Decorates a ``DrawnWhenSeen`` method that reads the drawing: it draws any change not drawn yet first."""

    @functools.wraps(accessor)
    def after_drawing(self, *args, **kwargs):
        self._flush_redraw()
        return accessor(self, *args, **kwargs)

    return after_drawing


def _plain_axes(log_y: bool) -> dict:
    """Every side's axis a ``PlainAxisItem``, the left one a ``LogAxisItem`` when ``log_y``."""
    axes = {side: PlainAxisItem(side) for side in ("bottom", "top", "right")}
    axes["left"] = LogAxisItem("left") if log_y else PlainAxisItem("left")
    return axes


def make_plot_widget(log_y: bool = False, menu: bool = True) -> pg.PlotWidget:
    """A PlotWidget whose left axis is a ``LogAxisItem`` when ``log_y`` (the data is then log10 values);
    without its context menu unless ``menu`` (not building one saves time at launch)."""
    widget = pg.PlotWidget(axisItems=_plain_axes(log_y), enableMenu=menu)
    _hide_frame_axes(widget.getPlotItem())
    return widget


def make_log_plot_item(menu: bool = True, **kwargs) -> pg.PlotItem:
    """A PlotItem with a ``LogAxisItem`` on the left, for a GraphicsLayoutWidget; see ``make_plot_widget``."""
    plot = pg.PlotItem(axisItems=_plain_axes(True), enableMenu=menu, **kwargs)
    _hide_frame_axes(plot)
    return plot


def _hide_frame_axes(plot: pg.PlotItem) -> None:
    # Given axes are shown: the top and right ones go back to hidden, as pyqtgraph's own are.
    plot.hideAxis("top")
    plot.hideAxis("right")
    plot.hideButtons()


def _text_size(theme: Theme, points: float, legible: bool) -> str:
    """A CSS font size: ``points`` as the theme gives it, or (``legible``) in pixels, never under the minimum."""
    return f"{text_px(theme, points)}px" if legible else f"{points}pt"


def style_plot(plot: pg.PlotItem, theme: Theme, title, x_label, y_label, legible: bool = False) -> None:
    """Colours, fonts and labels of a plot's title and axes under ``theme``; ``legible``: no text under
    ``MIN_TEXT_PX`` (issue 17; the gradient bars keep the theme's own sizes until their value labels make
    room for it).

    ``title``, ``x_label`` and ``y_label`` are a text or a sequence of texts, longest first: the plot shows
    the first that fits its width (the title, the x label) or its height (the y label) whenever it is
    resized, so nothing is clipped. An axis title that fits in none of its forms is hidden (the title and
    ticks still say what the axis is); a title that fits in none shows its shortest form.
    """
    label_style = {"color": theme.foreground, "font-size": _text_size(theme, theme.font_size, legible)}
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(theme.muted, width=1))
        axis.setTextPen(pg.mkPen(theme.foreground))
        axis.setTickFont(legible_font(theme) if legible else theme.font())
    plot.showGrid(x=False, y=True, alpha=0.25 if theme.name == "slides" else 0.18)
    first_time = not hasattr(plot, "_gradviz_texts")
    plot._gradviz_texts = {
        "title": (_forms(title), {"color": theme.foreground, "size": _text_size(theme, theme.title_size, legible)}),
        "bottom": (_forms(x_label), label_style),
        "left": (_forms(y_label), label_style),
    }
    plot._gradviz_shown = {}
    if first_time:
        plot.vb.sigResized.connect(lambda *_: fit_texts(plot))
        _title_never_widens(plot.titleLabel)
    fit_texts(plot)


def _title_never_widens(label: pg.LabelItem) -> None:
    # A LabelItem takes its text's width as its minimum again on every resize: a long title chosen while the
    # plot was wide would then keep the plot from narrowing (and so from choosing a shorter title).
    def update_min_height_only():
        bounds = label.itemRect()
        label.setMinimumWidth(0)
        label.setMinimumHeight(bounds.height())
        label._sizeHint = {
            QtCore.Qt.SizeHint.MinimumSize: (0, bounds.height()),
            QtCore.Qt.SizeHint.PreferredSize: (bounds.width(), bounds.height()),
            QtCore.Qt.SizeHint.MaximumSize: (-1, -1),
            QtCore.Qt.SizeHint.MinimumDescent: (0, 0),
        }
        label.updateGeometry()

    label.updateMin = update_min_height_only


def _forms(text) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else tuple(text)


def fit_texts(plot: pg.PlotItem) -> None:
    """Show the longest form of the plot's title and axis titles that fits (see ``style_plot``)."""
    texts = getattr(plot, "_gradviz_texts", None)
    if texts is None or getattr(plot, "_gradviz_fitting", False):
        return
    plot._gradviz_fitting = True
    try:
        shown = plot._gradviz_shown
        width, height = plot.vb.width(), plot.vb.height()
        forms, style = texts["title"]
        choice = next((t for t in forms if text_width(t, style, plot) <= width), forms[-1])
        if shown.get("title") != choice:
            plot.setTitle(choice, **style)
            # A LabelItem asks for its text's width, which would stretch the plot wider than its widget.
            plot.titleLabel.setMinimumWidth(0)
            shown["title"] = choice
        for name, room in (("bottom", width), ("left", height)):
            forms, style = texts[name]
            axis = plot.getAxis(name)
            choice = next((t for t in forms if t and text_width(t, style, axis) <= room), "")
            if shown.get(name) != choice:
                axis.setLabel(choice, **style)
                axis.showLabel(bool(choice))
                # pyqtgraph places an axis title only when the axis resizes: place the new text now.
                axis.resizeEvent()
                shown[name] = choice
    finally:
        plot._gradviz_fitting = False


def text_width(text: str, style: dict, item) -> float:
    """The width a title or axis title of ``text`` takes, document margins included (as drawn)."""
    size = str(style.get("font-size") or style.get("size") or "10pt")
    font = QtGui.QFont(QtGui.QFont().family())
    if isinstance(item, pg.AxisItem):
        font = QtGui.QFont(item.label.font())
    if size.endswith("px"):
        font.setPixelSize(round(float(size[:-2])))
    else:
        font.setPointSizeF(float(size.rstrip("pt")))
    document = QtGui.QTextDocument()
    document.setDefaultFont(font)
    document.setPlainText(text)
    return document.idealWidth() + 2 * document.documentMargin() + 2


class LaidOutLegend(pg.LegendItem):
    """A legend placed by the layout it sits in (pyqtgraph's own moves itself to (0, 0) as it grows), at
    the size of its entries rather than stretched to the plot's height."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fixed = QtWidgets.QSizePolicy.Policy.Fixed
        self.setSizePolicy(fixed, fixed)

    def updateSize(self):
        self.updateGeometry()


def legend_beside(plot: pg.PlotItem, columns: int = 1) -> pg.LegendItem:
    """A legend to the right of ``plot``'s data area, in the plot's own layout: it never covers data.

    It becomes ``plot.legend``, so items added with a ``name`` join it.
    """
    legend = LaidOutLegend(colCount=columns)
    plot.layout.addItem(legend, 2, 3)
    plot.layout.setAlignment(legend, QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
    plot.legend = legend
    return legend


def place_legend(plot: pg.PlotItem, below: bool) -> None:
    """Put ``plot.legend`` (from ``legend_beside``) to the right of the data area, or under the bottom axis
    (in a narrow plot, where beside the data it would take the width the data needs)."""
    legend = plot.legend
    plot.layout.removeItem(legend)
    row, col = (4, 1) if below else (2, 3)  # the data area is at (2, 1), the bottom axis at (3, 1)
    plot.layout.addItem(legend, row, col)
    plot.layout.setAlignment(legend, QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)


def style_legend(legend: pg.LegendItem, theme: Theme, legible: bool = False) -> None:
    background = QtGui.QColor(theme.background)
    background.setAlpha(215)
    legend.setBrush(pg.mkBrush(background))
    legend.setPen(pg.mkPen(theme.muted, width=1))
    legend.setLabelTextColor(theme.foreground)
    size = _text_size(theme, theme.font_size, legible)
    legend.setLabelTextSize(size)
    # Re-render labels already in the legend with the new colour and size.
    for _sample, label in legend.items:
        label.setText(label.text, color=theme.foreground, size=size)


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


def add_legend_column(widget: pg.GraphicsLayoutWidget, col: int, rowspan: int = 1) -> pg.LegendItem:
    """A one-column legend in column ``col`` of ``widget``, beside the plots (never over their data)."""
    legend = LaidOutLegend(colCount=1)
    widget.ci.addItem(legend, row=0, col=col, rowspan=rowspan)
    widget.ci.layout.setAlignment(legend, QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
    return legend


def style_outside_legend(legend: pg.LegendItem, theme: Theme, legible: bool = False) -> None:
    """A legend outside the plots: no frame, the theme's text."""
    style_legend(legend, theme, legible)
    legend.setPen(pg.mkPen(None))
    legend.setBrush(pg.mkBrush(None))


def show_axes(plot: pg.PlotItem, visible: bool) -> None:
    """Show or hide the left and bottom axes (hidden while a plot has nothing to show)."""
    for name in ("left", "bottom"):
        plot.showAxis(name, visible)
