"""Screen and slide themes: colours, fonts, pens and the colour maps every view and export use."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from ..core.stats import log_position

#: Smallest pixel size a number on a neuron may have and still count as legible; below it the numbers
#: are hidden and the caption says how to see them. Screen: read at arm's length; slides: from the back row.
NODE_TEXT_MIN_PX_SCREEN = 12.0
NODE_TEXT_MIN_PX_SLIDES = 18.0


@dataclass(frozen=True)
class Theme:
    """Everything that differs between the dark screen look and the white, large-print slide look."""

    name: str
    background: str
    foreground: str
    muted: str
    panel_background: str
    font_family: str
    font_size: int  # points, for labels on plots and the diagram
    title_size: int
    edge_width: float  # pixels, for small networks (large ones draw thinner)
    node_radius: float  # pixels
    line_width: float  # curves on plots
    neutral_edge: str  # an edge whose gradient is not computed yet
    zero_edge: str  # an exactly zero gradient (a dead ReLU)
    nonfinite: str  # NaN or inf
    highlight: str  # the layer being computed
    pulse: str
    node_fill: str
    node_outline: str
    compare_colors: tuple[str, str]  # the two activations of the gradient bars
    layer_colors: tuple[str, ...]
    gradient_map: str = "viridis"
    weight_map: str = "CET-D1"
    saturation_map: str = "CET-L8"
    node_text_min_px: float = NODE_TEXT_MIN_PX_SCREEN  # pixels: the smallest legible number on a neuron
    #: Pixel size of every widget's text (docks, tabs, menus, inspector, controls, status bar), or None
    #: for the desktop's own size.
    widget_font_px: int | None = None

    def color(self, name: str) -> QtGui.QColor:
        return QtGui.QColor(getattr(self, name))

    def font(self, size: int | None = None, bold: bool = False) -> QtGui.QFont:
        font = QtGui.QFont(self.font_family)
        font.setPointSizeF(size or self.font_size)
        font.setBold(bold)
        return font

    def pen(self, color: str | None = None, width: float | None = None) -> QtGui.QPen:
        pen = pg.mkPen(color or self.foreground, width=width or self.line_width)
        pen.setCosmetic(True)
        return pen

    def colormap(self, mode: str = "gradient") -> pg.ColorMap:
        name = {"gradient": self.gradient_map, "weight": self.weight_map}.get(mode, self.saturation_map)
        return pg.colormap.get(name)


SCREEN = Theme(
    name="screen",
    background="#1b1d22",
    foreground="#e6e6e6",
    muted="#8a8f98",
    panel_background="#22252b",
    font_family="DejaVu Sans",
    font_size=10,
    title_size=12,
    edge_width=4.0,
    node_radius=28.0,
    line_width=2.0,
    neutral_edge="#555a63",
    zero_edge="#ff4d4d",
    nonfinite="#ff3df2",
    highlight="#ffb000",
    pulse="#ffffff",
    node_fill="#2c3038",
    node_outline="#c8ccd4",
    compare_colors=("#f28e2b", "#4e9fe5"),
    layer_colors=("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"),
)

SLIDES = Theme(
    name="slides",
    background="#ffffff",
    foreground="#111111",
    muted="#555555",
    panel_background="#ffffff",
    font_family="DejaVu Sans",
    font_size=16,
    title_size=20,
    edge_width=5.0,
    node_radius=30.0,
    line_width=3.5,
    neutral_edge="#b8b8b8",
    zero_edge="#d40000",
    nonfinite="#c000b0",
    highlight="#e07b00",
    pulse="#000000",
    node_fill="#f4f4f4",
    node_outline="#222222",
    compare_colors=("#d35400", "#1f5fa8"),
    layer_colors=("#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"),
    node_text_min_px=NODE_TEXT_MIN_PX_SLIDES,
    widget_font_px=18,
)

THEMES = {"screen": SCREEN, "slides": SLIDES}


def get_theme(name: str) -> Theme:
    try:
        return THEMES[name]
    except KeyError:
        raise KeyError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}") from None


def gradient_colors(magnitudes, decades: tuple[int, int], theme: Theme) -> np.ndarray:
    """RGBA (uint8, N x 4) of |gradient| magnitudes on the theme's log colour scale ``10**lo .. 10**hi``.

    This is the one place a gradient becomes a colour: the diagram, its colour bar and the tests use it.
    Exact zeros get ``theme.zero_edge`` and non-finite values ``theme.nonfinite``.
    """
    m = np.abs(np.asarray(magnitudes, dtype=np.float64)).ravel()
    rgba = theme.colormap("gradient").map(np.nan_to_num(log_position(m, decades)), mode="byte")
    rgba = np.array(rgba, dtype=np.uint8, copy=True)
    rgba[m == 0] = QtGui.QColor(theme.zero_edge).getRgb()
    rgba[~np.isfinite(m)] = QtGui.QColor(theme.nonfinite).getRgb()
    return rgba


def widget_font(theme: Theme, desktop_font: QtGui.QFont) -> QtGui.QFont:
    """The application font under ``theme``: the desktop's own, at ``theme.widget_font_px`` when set."""
    font = QtGui.QFont(desktop_font)
    if theme.widget_font_px is not None:
        font.setPixelSize(theme.widget_font_px)
    return font


def qt_palette(theme: Theme) -> QtGui.QPalette:
    """A widget palette in the theme's colours, for the window's docks, menus and controls."""
    bg = QtGui.QColor(theme.panel_background)
    fg = QtGui.QColor(theme.foreground)
    dark = theme.name == "screen"
    # Fields and check boxes a shade lighter than the panels, so empty ones still show on a dark theme.
    base = bg.lighter(150) if dark else QtGui.QColor(theme.background)
    button = bg.lighter(125) if dark else QtGui.QColor("#eeeeee")
    palette = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    for r, c in (
        (role.Window, bg), (role.WindowText, fg), (role.Base, base), (role.AlternateBase, bg),
        (role.Text, fg), (role.Button, button), (role.ButtonText, fg), (role.ToolTipBase, bg),
        (role.ToolTipText, fg), (role.Highlight, QtGui.QColor(theme.highlight)),
        (role.HighlightedText, QtGui.QColor("#000000")), (role.PlaceholderText, QtGui.QColor(theme.muted)),
        (role.Link, QtGui.QColor(theme.compare_colors[1])),
    ):  # fmt: skip
        palette.setColor(r, c)
    disabled = QtGui.QPalette.ColorGroup.Disabled
    for r in (role.Text, role.ButtonText, role.WindowText):
        palette.setColor(disabled, r, QtGui.QColor(theme.muted))
    return palette
