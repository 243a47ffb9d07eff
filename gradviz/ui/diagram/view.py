"""NetworkView: a thin widget that shows the scene of a pass record, reports clicks and animates a step.

The view is handed immutable pass records (``show_record``) and keeps no reference to the model. The scene
comes from :func:`~.scene.build_scene`, the drawing from :mod:`.painters`. It paints in one of two ways:

* vector (``QPainter.drawLines`` once per colour, antialiased): small networks on screen and *every*
  ``render_to`` (PNG, SVG and PDF export), so an exported diagram stays a vector drawing;
* raster (an :class:`~.raster.IdRaster` of edge ids built once per layout and size, recoloured per frame
  through a look-up table): big networks on screen, where one micro-step of a 100,000-edge diagram must
  repaint within a 60 Hz frame.
"""

from __future__ import annotations

import math
import time

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from ...core.records import PassRecord
from ...names import check_color_mode, edge_colouring
from ..theme import SCREEN, Theme
from . import painters
from .labels import layout_for_scene
from .layout import DiagramLayout, vector_edge_width
from .raster import IdRaster, blend
from .scene import (
    ColourScale,
    DiagramScene,
    SceneCache,
    build_scene,
    layer_edge_colours,
    layer_node_colours,
    edge_value_description,
    neuron_value_description,
    skip_value_description,
)

#: On screen, diagrams with more shown edges than this are drawn through the edge-id raster.
RASTER_MIN_EDGES = 2000
#: Edges whose centre line passes within this many pixels of a click are hit.
CLICK_TOLERANCE = 5.0
#: A click steps the pass (a background click) only this many pixels clear of every neuron's rim, edge and
#: skip arc: a near miss of something selects nothing and does not step.
CLICK_CLEARANCE = 12.0
#: Layouts a view keeps (its on-screen one and an export's), so an export leaves the screen's raster built.
KEPT_LAYOUTS = 2
#: Pixel thickness of a raster line: one-pixel lines leave a moire of background dots in a dense fan.
RASTER_THICKNESS = 2


class NetworkView(QtWidgets.QWidget):
    """The diagram of a network, coloured from a :class:`PassRecord` (see the module docstring)."""

    sigBackgroundClicked = QtCore.Signal()
    sigNeuronClicked = QtCore.Signal(int, int)
    sigEdgeClicked = QtCore.Signal(int, int, int)

    def __init__(self, theme: Theme = SCREEN, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._mode = "gradient"
        self._record: PassRecord | None = None
        self._scale_record: PassRecord | None = None
        self._colour_scale: ColourScale | None = None
        self._scene: DiagramScene | None = None
        self._selection: tuple | None = None
        self._layout_key = None
        self._layouts: dict = {}
        self._raster_key = None
        self._raster: IdRaster | None = None
        self._cache = SceneCache()
        self._edge_tiles = painters.EdgeTiles()
        self._node_tiles = painters.NodeTiles()
        single_labels = painters.CachedPaint(painters.CachedPaint.LABELS_KEPT)
        self._cached_paints = (single_labels, painters.CachedPaint(), painters.CachedPaint(painters.CachedPaint.CAPTIONS_KEPT))
        self._skip_arcs = (painters.CachedPaint(), painters.CachedPaint(painters.CachedPaint.ARCS_KEPT))
        self._legend = "right"
        self._before_argb: np.ndarray | None = None
        self._animation = QtCore.QVariantAnimation(self)
        self._animation.setStartValue(0.0)
        self._animation.setEndValue(1.0)
        self._animation.valueChanged.connect(self._on_animation_value)
        self._animation.finished.connect(self._on_animation_finished)
        self._anim_t: float | None = None
        #: "raster" or "vector": how the latest on-screen paint drew the edges.
        self.render_path: str | None = None
        #: Milliseconds the latest on-screen paint took.
        self.last_paint_ms: float | None = None
        #: Called with the paint time in ms after every on-screen paint (for benchmarks and a frame meter).
        self.frame_timing_hook = None
        self._recorded_texts: list = []
        #: What hovering shows at the mouse's latest position ("" over nothing).
        self.hover_text = ""
        self._desk_hints = True
        #: A diagram drawn beside this one at the same size (Compare's other half): both leave the same room
        #: for their layer labels, so their neurons stay level (``labels.layout_for_scene``).
        self.beside: NetworkView | None = None
        self.setMouseTracking(True)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(900, 600)

    def __repr__(self):
        return f"NetworkView(theme={self._theme.name!r}, mode={self._mode!r}, record={self._record!r})"

    # ------------------------------------------------------------------------------------------ public API

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def color_mode(self) -> str:
        return self._mode

    @property
    def scene(self) -> DiagramScene | None:
        """The scene on show, or None before the first record."""
        return self._scene

    @property
    def text_boxes(self) -> list[painters.TextBox]:
        """The texts the latest paint drew and the boxes they cover (:class:`~.painters.TextBox`), for layout checks."""
        return painters.text_boxes_of(self._recorded_texts)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._cache.clear()
        self._layout_key = self._raster_key = None
        self._layouts.clear()
        self._rebuild_scene()

    def set_color_mode(self, mode: str) -> None:
        """Colour the edges by ``mode``; a colour scale given for another mode gives way to the view's own."""
        check_color_mode(mode)
        self._mode = mode
        self._rebuild_scene()

    def show_record(
        self, record: PassRecord, scale_record: PassRecord | None = None, colour_scale: ColourScale | None = None,
    ) -> None:
        """Draw ``record``; ``scale_record`` fixes the colour scale so it does not jump.

        ``scale_record`` is the complete pass ``record`` is part of (the same network and inputs), as
        ``Stepper.complete_record`` gives it; without one, ``record`` is scaled on its own values.
        ``colour_scale`` (of the current colour mode) overrides both, so two views can share one scale.
        """
        self.stop_animation()
        previous = self._scene
        self._record = record
        self._scale_record = scale_record if scale_record is not None else record
        self._colour_scale = colour_scale
        self._rebuild_scene()
        if previous is not None and self._scene is not None and previous.widths == self._scene.widths:
            self._before_argb = previous.edge_argb
        else:
            self._before_argb = None

    def set_legend(self, place: str) -> None:
        """Put the colour bar "right" of the diagram, "below" it (a narrow picture) or nowhere ("none": a
        Compare half whose shared colour bar is drawn once under both)."""
        if place != self._legend:
            self._legend = place
            self._layouts.clear()
            self._layout_key = self._raster_key = None
            self.update()

    @property
    def desk_hints(self) -> bool:
        """Whether the caption on screen may say how to see values too small to print ("hover or click ...").
        Off in presenter mode, where the screen is for an audience; pictures (``render_to``) never say it."""
        return self._desk_hints

    def set_desk_hints(self, on: bool) -> None:
        self._desk_hints = bool(on)
        self.update()

    def set_selection(self, selection: tuple | None) -> None:
        self._selection = tuple(selection) if selection else None
        self.update()

    def animate_step(self, duration_ms: int) -> None:
        """Pulse along the edges of the layer just computed and fade the new colours in; stops by itself."""
        self._animation.stop()
        if self._scene is None or duration_ms <= 0:
            return
        self._animation.setDuration(int(duration_ms))
        self._anim_t = 0.0
        self._animation.start()

    def stop_animation(self) -> None:
        self._animation.stop()
        if self._anim_t is not None:
            self._anim_t = None
            self.update()

    def is_animating(self) -> bool:
        return self._animation.state() == QtCore.QAbstractAnimation.State.Running

    def edge_midpoint(self, layer: int, to_unit: int, from_unit: int) -> QtCore.QPoint:
        layout = self._current_layout()
        i = layout.edge_index(layer, to_unit, from_unit)
        return self._point((layout.ex0[i] + layout.ex1[i]) / 2, (layout.ey0[i] + layout.ey1[i]) / 2)

    def neuron_center(self, layer: int, unit: int) -> QtCore.QPoint:
        return self._point(*self._current_layout().neuron_xy(layer, unit))

    def edge_color(self, layer: int, to_unit: int, from_unit: int) -> QtGui.QColor:
        """The colour this edge is drawn in once any fade has finished (works for hidden edges too)."""
        if self._record is None:
            return self._theme.color("neutral_edge")
        scale = self._scene.colour_scale
        argb, _, _ = layer_edge_colours(self._record, layer, np.array([to_unit]), np.array([from_unit]), self._mode, self._theme, scale)
        return painters.qcolor(argb[0])

    def neuron_color(self, layer: int, unit: int) -> QtGui.QColor:
        if self._record is None:
            return self._theme.color("node_fill")
        return painters.qcolor(layer_node_colours(self._record, layer, np.array([unit]), self._theme)[0])

    def render_to(self, painter: QtGui.QPainter, target: QtCore.QRectF, paint_background: bool = True) -> None:
        """Paint the whole diagram as vectors into ``target`` of any painter (QImage, SVG, PDF, printer).

        Without ``paint_background`` the theme's background is left out (a transparent or recoloured export).
        """
        target = QtCore.QRectF(target)
        # Lay out at a screen-like size and scale up, so text keeps its proportion on a 1200 dpi PDF.
        # A slide (1920 x 1080) is laid out as the view of that size lays itself out, pixel for pixel.
        scale = max(1.0, target.width() / 1920.0, target.height() / 1080.0)
        painter.save()
        painter.translate(target.topLeft())
        painter.scale(scale, scale)
        painter.setClipRect(QtCore.QRectF(0, 0, target.width() / scale, target.height() / scale))
        self._paint(painter, target.width() / scale, target.height() / scale, vector=True, background=paint_background, hints=False)
        painter.restore()

    # ------------------------------------------------------------------------------------------ Qt events

    def paintEvent(self, event) -> None:
        start = time.perf_counter()
        painter = QtGui.QPainter(self)
        try:
            self._paint(painter, self.width(), self.height(), vector=False)
        finally:
            painter.end()
        self.last_paint_ms = (time.perf_counter() - start) * 1e3
        if self.frame_timing_hook is not None:
            self.frame_timing_hook(self.last_paint_ms)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or self._scene is None:
            super().mousePressEvent(event)
            return
        event.accept()
        pos = event.position()
        target = self._target_at(pos.x(), pos.y())
        if target is None:
            if self._current_layout().distance_to_nearest(pos.x(), pos.y()) > CLICK_CLEARANCE:
                self.sigBackgroundClicked.emit()
        elif target[0] == "neuron":
            self.sigNeuronClicked.emit(*target[1:])
        elif target[0] == "edge":
            self.sigEdgeClicked.emit(*target[1:])

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position()
        text = self.hover_text_at(pos.x(), pos.y())
        if text != self.hover_text:
            self.hover_text = text
            if text:
                QtWidgets.QToolTip.showText(event.globalPosition().toPoint(), text, self)
            else:
                QtWidgets.QToolTip.hideText()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self.hover_text = ""
        QtWidgets.QToolTip.hideText()
        super().leaveEvent(event)

    def hover_text_at(self, x: float, y: float) -> str:
        """What hovering at (x, y) shows: the neuron's, edge's or skip arc's place and value, or ""."""
        if self._record is None:
            return ""
        target = self._target_at(x, y)
        if target is None:
            return ""
        if target[0] == "neuron":
            return neuron_value_description(self._record, *target[1:])
        if target[0] == "edge":
            return edge_value_description(self._record, self._mode, *target[1:])
        return skip_value_description(self._record, target[1])

    def _target_at(self, x: float, y: float) -> tuple | None:
        """("neuron", layer, unit), ("edge", layer, to, from) or ("skip", layer) under (x, y), or None."""
        if self._scene is None:
            return None
        layout = self._current_layout()
        neuron = layout.node_at(x, y)
        if neuron is not None:
            return ("neuron", *neuron)
        tolerance = max(CLICK_TOLERANCE, vector_edge_width(layout, self._theme))
        skip = layout.skip_at(x, y, tolerance)
        if skip is not None:
            return ("skip", skip)
        edge = layout.edge_at(x, y, tolerance)
        if edge is not None:
            return ("edge", *layout.edge_address(edge))
        return None

    def _on_animation_value(self, value) -> None:
        if self._animation.state() == QtCore.QAbstractAnimation.State.Running:
            self._anim_t = float(value)
            self.update()

    def _on_animation_finished(self) -> None:
        self._anim_t = None
        self.update()

    # ------------------------------------------------------------------------------------------ internals

    def _rebuild_scene(self) -> None:
        record = self._record
        if record is None:
            self._scene = None
        else:
            given = self._colour_scale
            scale = given if given is not None and given.mode == edge_colouring(self._mode) else None
            self._scene = build_scene(record, self._scale_record, self._mode, self._theme, scale, self._cache)
        self.update()

    def _layout_for(self, scene: DiagramScene, width: float, height: float) -> DiagramLayout:
        labels = scene.edge_text is not None
        swatches = len(scene.colour_bar.swatches)
        # The layer labels' words decide whether they take one line or two (see labels.layout_for_scene).
        beside = self.beside.scene if self.beside is not None else None
        key = (
            scene.widths, scene.skip_layers, labels, round(width, 3), round(height, 3), self._theme.name, self._legend, swatches,
            scene.layer_names, None if beside is None else (beside.widths, beside.layer_names, beside.edge_text is not None),
        )  # fmt: skip
        layout = self._layouts.pop(key, None)
        if layout is None:
            layout = layout_for_scene(scene, width, height, self._theme, self._legend, beside)
            while len(self._layouts) >= KEPT_LAYOUTS:
                del self._layouts[next(iter(self._layouts))]  # the least recently used
        self._layouts[key] = layout
        self._layout_key = key
        return layout

    def _current_layout(self) -> DiagramLayout:
        if self._scene is None:
            raise RuntimeError("no record shown yet: call show_record first")
        return self._layout_for(self._scene, self.width(), self.height())

    @staticmethod
    def _point(x: float, y: float) -> QtCore.QPoint:
        return QtCore.QPoint(int(math.floor(x)), int(math.floor(y)))

    def _current_edge_argb(self) -> np.ndarray:
        scene = self._scene
        if self._anim_t is None or self._before_argb is None:
            return scene.edge_argb
        return blend(self._before_argb, scene.edge_argb, self._anim_t)

    def _raster_for(self, layout: DiagramLayout, scale: float) -> IdRaster:
        key = (id(layout), self._layout_key, scale, RASTER_THICKNESS)
        if key != self._raster_key:
            self._raster = IdRaster(layout, scale, RASTER_THICKNESS)
            self._raster_key = key
        return self._raster

    def _paint(
        self, painter: QtGui.QPainter, width: float, height: float, vector: bool, background: bool = True, hints: bool | None = None,
    ) -> None:
        theme, scene = self._theme, self._scene
        if background:
            painter.fillRect(QtCore.QRectF(0, 0, width, height), theme.color("background"))
        if scene is None:
            self._recorded_texts = []
            painters.paint_empty(painter, width, height, theme)
            return
        layout = self._layout_for(scene, width, height)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        edge_argb = self._current_edge_argb()
        recorded: list = []
        if vector or layout.edge_count <= RASTER_MIN_EDGES:
            painters.paint_band(painter, layout, scene, theme, on_background=background)
            if vector:
                painters.paint_skip_arcs(painter, layout, scene, theme)
            else:
                painters.paint_skip_arcs_cached(painter, layout, scene, theme, self._skip_arcs, self.devicePixelRatioF())
            if vector:
                painters.paint_edges_vector(painter, layout, scene, theme, edge_argb)
                painters.paint_nodes(painter, layout, scene, theme)
            else:
                self._edge_tiles.paint(painter, layout, scene, theme, edge_argb, self.devicePixelRatioF(), self._layout_key)
                self._node_tiles.paint(painter, layout, scene, theme, self.devicePixelRatioF(), self._layout_key, recorded)
                self.render_path = "vector"
        else:
            scale = self.devicePixelRatioF() if painter.device() is self else 1.0
            painters.paint_edges_raster(painter, layout, scene, theme, edge_argb, self._raster_for(layout, scale))
            self.render_path = "raster"
            painters.paint_band_outline(painter, layout, scene, theme)
            painters.paint_skip_arcs(painter, layout, scene, theme)
        tiled = not vector and layout.edge_count <= RASTER_MIN_EDGES
        caches = None if vector else self._cached_paints
        painters.paint_labels_and_overlays(
            painter, layout, scene, theme, self._selection, self._anim_t, recorded, tiled, caches, self.devicePixelRatioF(),
            self._desk_hints if hints is None else hints,
        )
        self._recorded_texts = recorded

