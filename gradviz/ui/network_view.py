"""The network diagram: neurons as circles, weights as lines coloured by |∂L/∂w|, a colour bar, layer labels.

The view is handed immutable pass records (``show_record``) and keeps no reference to the model. It paints
itself in one of two ways:

* vector (``QPainter.drawLines`` once per colour, antialiased): small networks on screen and *every*
  ``render_to`` (PNG, SVG and PDF export), so an exported diagram stays a vector drawing;
* raster (an :class:`~gradviz.ui.diagram_items.IdRaster` of edge ids built once per layout and size,
  recoloured per frame through a look-up table): big networks on screen, where one micro-step of a
  100,000-edge diagram must repaint within a 60 Hz frame.
"""

from __future__ import annotations

import functools
import math
import time

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from ..core.activations import get_activation
from ..core.records import PassRecord, Phase, describe_step
from ..core.stats import decade_range, log_position
from .diagram_items import (
    MAX_LABELLED_UNITS,
    DiagramLayout,
    IdRaster,
    format_power_of_ten,
    format_value,
    shown_units,
)
from .theme import COLOR_MODES, SCREEN, Theme, gradient_colors

#: On screen, diagrams with more shown edges than this are drawn through the edge-id raster.
RASTER_MIN_EDGES = 2000
#: An exactly zero gradient is drawn dashed, this fraction of a live edge's width (and at least this many px).
ZERO_EDGE_WIDTH = 0.6
ZERO_EDGE_MIN_PX = 2.0
#: Opacity of the band behind the layer being computed.
HIGHLIGHT_ALPHA = 0.18
#: Most edges that carry a pulse dot during ``animate_step`` (a sample of the layer's edges beyond that).
MAX_PULSE_EDGES = 400
#: Edges whose centre line passes within this many pixels of a click are hit.
CLICK_TOLERANCE = 5.0
#: Points to pixels at the 96 dpi the layout is designed for (fonts are set in pixels so any device scales alike).
PX_PER_PT = 96.0 / 72.0
#: Colour stops of the colour bar's gradient.
COLOUR_BAR_STOPS = 64


def _pack(rgba: np.ndarray) -> np.ndarray:
    """uint8 RGBA (N x 4) as opaque 0xAARRGGBB uint32, the pixel layout of QImage.Format_RGB32."""
    rgba = np.asarray(rgba, dtype=np.uint32).reshape(-1, 4)
    return (np.uint32(0xFF000000) | (rgba[:, 0] << 16) | (rgba[:, 1] << 8) | rgba[:, 2]).astype(np.uint32)


def _pack_color(color: QtGui.QColor | str) -> np.uint32:
    color = QtGui.QColor(color)
    return np.uint32(0xFF000000 | (color.red() << 16) | (color.green() << 8) | color.blue())


def _blend(argb: np.ndarray, other: np.ndarray, t: float) -> np.ndarray:
    """Per-channel linear mix of two packed colour arrays (t = 0 gives ``argb``)."""
    a = argb.view(np.uint8).reshape(-1, 4).astype(np.float32)
    b = np.asarray(other, dtype=np.uint32).view(np.uint8).reshape(-1, 4).astype(np.float32)
    mixed = np.rint(a + (b - a) * t).astype(np.uint8)
    mixed[:, 3] = 255
    return mixed.reshape(-1).view(np.uint32)


def _qcolor(argb) -> QtGui.QColor:
    return QtGui.QColor.fromRgba(int(argb))


def _luminance(argb: int) -> float:
    return (0.299 * ((argb >> 16) & 255) + 0.587 * ((argb >> 8) & 255) + 0.114 * (argb & 255)) / 255.0


@functools.lru_cache(maxsize=None)
def _max_derivative(name: str) -> float:
    """The largest f'(z) of an activation, so neuron fill reads 1 where the neuron passes gradient best."""
    value = float(np.nanmax(get_activation(name).derivative(np.linspace(-12.0, 12.0, 4801))))
    return value if value > 0 else 1.0


def _largest_abs(arrays) -> float:
    """The largest finite |value| over all the arrays, or 1 when there is none above 0."""
    values = np.abs(np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays]))
    values = values[np.isfinite(values)]
    return float(values.max()) if values.size and values.max() > 0 else 1.0


def _widths_of(record: PassRecord) -> tuple[int, ...]:
    return (record.weights[0].shape[1],) + tuple(w.shape[0] for w in record.weights)


class _Scene:
    """Everything one record draws as, independent of the picture's size (colours per *shown* edge/neuron)."""

    __slots__ = (
        "record", "widths", "edge_argb", "edge_dashed", "edge_rank", "node_argb", "node_text", "values_are",
        "highlight", "direction", "pulse_layer", "caption", "bar",
    )  # fmt: skip


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
        self._scene: _Scene | None = None
        self._selection: tuple | None = None
        self._layout_key = None
        self._layout: DiagramLayout | None = None
        self._raster_key = None
        self._raster: IdRaster | None = None
        self._colour_cache: dict = {}
        self._edge_tiles: dict = {}
        self._scale_cache: dict = {}
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

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._colour_cache.clear()
        self._layout_key = self._raster_key = None
        self._rebuild_scene()

    def set_color_mode(self, mode: str) -> None:
        if mode not in COLOR_MODES:
            raise ValueError(f"unknown colour mode {mode!r}; choose one of {', '.join(COLOR_MODES)}")
        self._mode = mode
        self._rebuild_scene()

    def show_record(self, record: PassRecord, scale_record: PassRecord | None = None) -> None:
        """Draw ``record``; ``scale_record`` fixes the colour scale so it does not jump.

        ``scale_record`` is the complete pass ``record`` is part of (the same network and inputs), as
        ``Stepper.complete_record`` gives it; without one, ``record`` is scaled on its own values.
        """
        self.stop_animation()
        previous = self._scene
        self._record = record
        self._scale_record = scale_record if scale_record is not None else record
        self._rebuild_scene()
        if previous is not None and self._scene is not None and previous.widths == self._scene.widths:
            self._before_argb = previous.edge_argb
        else:
            self._before_argb = None

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
        argb, _, _ = self._layer_edge_colours(self._record, layer, np.array([to_unit]), np.array([from_unit]), cache=False)
        return _qcolor(argb[0])

    def neuron_color(self, layer: int, unit: int) -> QtGui.QColor:
        if self._record is None:
            return self._theme.color("node_fill")
        return _qcolor(self._layer_node_colours(self._record, layer, np.array([unit]), cache=False)[0])

    def render_to(self, painter: QtGui.QPainter, target: QtCore.QRectF, paint_background: bool = True) -> None:
        """Paint the whole diagram as vectors into ``target`` of any painter (QImage, SVG, PDF, printer).

        Without ``paint_background`` the theme's background is left out (a transparent or recoloured export).
        """
        target = QtCore.QRectF(target)
        # Lay out at a screen-like size and scale up, so text keeps its proportion on a 1200 dpi PDF.
        scale = max(1.0, target.width() / 1600.0, target.height() / 1000.0)
        painter.save()
        painter.translate(target.topLeft())
        painter.scale(scale, scale)
        painter.setClipRect(QtCore.QRectF(0, 0, target.width() / scale, target.height() / scale))
        self._paint(painter, target.width() / scale, target.height() / scale, vector=True, background=paint_background)
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
        layout = self._current_layout()
        neuron = layout.node_at(pos.x(), pos.y())
        if neuron is not None:
            self.sigNeuronClicked.emit(*neuron)
            return
        edge = layout.edge_at(pos.x(), pos.y(), max(CLICK_TOLERANCE, self._vector_edge_width(layout)))
        if edge is not None:
            self.sigEdgeClicked.emit(*layout.edge_address(edge))
            return
        self.sigBackgroundClicked.emit()

    # ------------------------------------------------------------------------------------------ animation

    def _on_animation_value(self, value) -> None:
        if self._animation.state() == QtCore.QAbstractAnimation.State.Running:
            self._anim_t = float(value)
            self.update()

    def _on_animation_finished(self) -> None:
        self._anim_t = None
        self.update()

    # ------------------------------------------------------------------------------------------ colours

    def _decades(self) -> tuple[int, int]:
        scale = self._scale_record
        hit = self._scale_cache.get("decades")
        if hit is None or hit[0] is not scale:
            grads = [l.grad_w.ravel() for l in scale.layers if l.backward_done]
            if not grads and scale is not self._record:
                grads = [l.grad_w.ravel() for l in self._record.layers if l.backward_done]
            decades = decade_range(np.concatenate(grads)) if grads else decade_range([])
            self._scale_cache["decades"] = hit = (scale, decades)
        return hit[1]

    def _max_abs(self, kind: str) -> float:
        """Largest finite |w| of the record's weights (kind "weight") or |a| of the scale record ("activation").

        Cached on the object the value is computed from, compared with ``is``: the weights tuple, shared by
        every record of a pass (until the update step makes new weights), or the scale record.
        """
        source = self._record.weights if kind == "weight" else self._scale_record
        hit = self._scale_cache.get(kind)
        if hit is None or hit[0] is not source:
            if kind == "weight":
                arrays = list(source)
            else:
                # The current record's activations are a subset of the complete scale record's (the same
                # network and inputs, computed layer by layer alike), so the scale record's alone suffice.
                arrays = [source.inputs] + [l.a for l in source.layers if l.a is not None]
            self._scale_cache[kind] = hit = (source, _largest_abs(arrays))
        return hit[1]

    def _layer_edge_colours(self, record, layer: int, to_idx, from_idx, cache: bool = True):
        """Packed colour, dashed flag and drawing rank of the edges ``to_idx x from_idx`` of weight layer ``layer``."""
        theme, mode = self._theme, self._mode
        layer_record = record.layers[layer - 1]
        if mode == "gradient":
            source = layer_record.grad_w
            scale = self._decades()
        elif mode == "weight":
            source = record.weights[layer - 1]
            scale = self._max_abs("weight")
        else:
            source = record.activations(layer - 1)
            scale = self._max_abs("activation")
        key = (mode, theme.name, layer, id(source), scale, len(to_idx), len(from_idx))
        if cache:
            hit = self._colour_cache.get(key)
            if hit is not None and hit[0] is source:
                return hit[1]
        count = len(to_idx) * len(from_idx)
        dashed = np.zeros(count, dtype=bool)
        if source is None:
            argb = np.full(count, _pack_color(theme.neutral_edge), dtype=np.uint32)
            rank = np.full(count, -1.0)
        elif mode == "gradient":
            magnitudes = np.abs(np.asarray(source)[np.ix_(to_idx, from_idx)].ravel())
            argb = _pack(gradient_colors(magnitudes, scale, theme))
            rank = log_position(magnitudes, scale)
            dashed = magnitudes == 0
            rank[dashed] = -0.5
            rank[~np.isfinite(magnitudes)] = 2.0
        elif mode == "weight":
            weights = np.asarray(source)[np.ix_(to_idx, from_idx)].ravel()
            finite = np.isfinite(weights)
            position = np.clip(0.5 + 0.5 * np.where(finite, weights, 0.0) / scale, 0.0, 1.0)
            argb = _pack(theme.colormap("weight").map(position, mode="byte"))
            argb[~finite] = _pack_color(theme.nonfinite)
            rank = np.where(finite, np.abs(position - 0.5), 2.0)
        else:
            with np.errstate(invalid="ignore", over="ignore"):
                magnitude = np.mean(np.abs(np.asarray(source)[:, from_idx]), axis=0)
            finite = np.isfinite(magnitude)
            position = np.clip(np.where(finite, magnitude, 0.0) / scale, 0.0, 1.0)
            per_source = _pack(theme.colormap("activation").map(position, mode="byte"))
            per_source[~finite] = _pack_color(theme.nonfinite)
            argb = np.tile(per_source, len(to_idx))
            rank = np.tile(np.where(finite, position, 2.0), len(to_idx))
        result = (argb, dashed, rank)
        if cache:
            if len(self._colour_cache) > 8 * (record.depth + 2):
                self._colour_cache.clear()
            self._colour_cache[key] = (source, result)
        return result

    def _layer_node_colours(self, record, layer: int, units, cache: bool = True) -> np.ndarray:
        """Neuron fill: mean f'(z) over the samples, relative to the activation's largest f'."""
        theme = self._theme
        if layer == 0 or record.layers[layer - 1].z is None:
            return np.full(len(units), _pack_color(theme.node_fill), dtype=np.uint32)
        layer_record = record.layers[layer - 1]
        key = ("node", theme.name, layer, id(layer_record.z), len(units))
        hit = self._colour_cache.get(key) if cache else None
        if hit is not None and hit[0] is layer_record.z:
            return hit[1]
        activation = layer_record.activation
        with np.errstate(invalid="ignore", over="ignore"):
            slope = np.mean(get_activation(activation).derivative(np.asarray(layer_record.z)[:, units]), axis=0)
        slope = slope / _max_derivative(activation)
        finite = np.isfinite(slope)
        argb = _pack(theme.colormap("activation").map(np.clip(np.where(finite, slope, 0.0), 0, 1), mode="byte"))
        argb[~finite] = _pack_color(theme.nonfinite)
        if cache:
            self._colour_cache[key] = (layer_record.z, argb)
        return argb

    def _rebuild_scene(self) -> None:
        record = self._record
        if record is None:
            self._scene = None
            self.update()
            return
        scene = _Scene()
        scene.record = record
        scene.widths = widths = _widths_of(record)
        shown = [shown_units(w)[0] for w in widths]
        parts = [self._layer_edge_colours(record, l, shown[l], shown[l - 1]) for l in range(1, record.depth + 1)]
        scene.edge_argb = np.concatenate([p[0] for p in parts])
        scene.edge_dashed = np.concatenate([p[1] for p in parts])
        scene.edge_rank = np.concatenate([p[2] for p in parts])
        scene.node_argb = np.concatenate([self._layer_node_colours(record, l, shown[l]) for l in range(record.depth + 1)])

        phase, layer = record.phase, record.layer
        backward = phase in (Phase.BACKWARD, Phase.UPDATE)
        scene.values_are = "delta" if backward else "a"
        texts = []
        for l, units in enumerate(shown):
            if widths[l] > MAX_LABELLED_UNITS:
                texts.append(None)
                continue
            values = None
            if l > 0 and backward and record.layers[l - 1].delta is not None:
                values = record.layers[l - 1].delta
            elif record.activations(l) is not None:
                values = record.activations(l)
            if values is None:
                texts.append(None)
            else:
                with np.errstate(invalid="ignore", over="ignore"):
                    means = np.mean(np.asarray(values)[:, units], axis=0)
                texts.append([format_value(float(v)) for v in means])
        scene.node_text = texts

        scene.highlight = layer if phase in (Phase.FORWARD, Phase.BACKWARD) else record.depth if phase is Phase.LOSS else None
        scene.direction = -1 if phase is Phase.BACKWARD else 1
        scene.pulse_layer = layer if phase in (Phase.FORWARD, Phase.BACKWARD) else None
        caption = describe_step(record.step, record.depth)
        if record.loss is not None:
            caption += f"   ·   loss {format_value(record.loss)}"
        scene.caption = caption
        scene.bar = self._colour_bar_spec()
        self._scene = scene
        self.update()

    def _colour_bar_spec(self) -> dict:
        theme, mode = self._theme, self._mode
        if mode == "gradient":
            lo, hi = self._decades()
            exponents = lo + (hi - lo) * np.linspace(0.0, 1.0, COLOUR_BAR_STOPS)
            stops = _pack(gradient_colors(10.0**exponents, (lo, hi), theme))
            ticks = [((e - lo) / (hi - lo), format_power_of_ten(e)) for e in range(lo, hi + 1)]
            return {"title": "|∂L/∂w|", "subtitle": "log scale", "stops": stops, "ticks": ticks,
                    "swatches": [("neutral_edge", "not computed yet", False), ("zero_edge", "exactly zero", True),
                                 ("nonfinite", "NaN or inf", False)]}  # fmt: skip
        if mode == "weight":
            largest = self._max_abs("weight")
            stops = _pack(theme.colormap("weight").map(np.linspace(0.0, 1.0, COLOUR_BAR_STOPS), mode="byte"))
            ticks = [((v + 1) / 2, format_value(v * largest)) for v in (-1.0, -0.5, 0.0, 0.5, 1.0)]
            return {"title": "weight w", "subtitle": "by sign", "stops": stops, "ticks": ticks,
                    "swatches": [("nonfinite", "NaN or inf", False)]}  # fmt: skip
        largest = self._max_abs("activation")
        stops = _pack(theme.colormap("activation").map(np.linspace(0.0, 1.0, COLOUR_BAR_STOPS), mode="byte"))
        ticks = [(v, format_value(v * largest)) for v in (0.0, 0.5, 1.0)]
        return {"title": "|a| of source", "subtitle": "mean over samples", "stops": stops, "ticks": ticks,
                "swatches": [("neutral_edge", "not computed yet", False), ("nonfinite", "NaN or inf", False)]}  # fmt: skip

    # ------------------------------------------------------------------------------------------ geometry

    def _font_px(self) -> float:
        return self._theme.font_size * PX_PER_PT

    def _title_px(self) -> float:
        return self._theme.title_size * PX_PER_PT

    def _font(self, px: float, bold: bool = False) -> QtGui.QFont:
        font = QtGui.QFont(self._theme.font_family)
        font.setPixelSize(max(1, int(round(px))))
        font.setBold(bold)
        return font

    def _layout_for(self, widths, width: float, height: float) -> DiagramLayout:
        key = (widths, round(width, 3), round(height, 3), self._theme.name)
        if key != self._layout_key:
            self._layout = DiagramLayout(widths, width, height, self._font_px(), self._title_px(), self._theme.node_radius)
            self._layout_key = key
        return self._layout

    def _current_layout(self) -> DiagramLayout:
        if self._scene is None:
            raise RuntimeError("no record shown yet: call show_record first")
        return self._layout_for(self._scene.widths, self.width(), self.height())

    @staticmethod
    def _point(x: float, y: float) -> QtCore.QPoint:
        return QtCore.QPoint(int(math.floor(x)), int(math.floor(y)))

    def _vector_edge_width(self, layout: DiagramLayout) -> float:
        per_gap = max((len(layout.shown[l]) * len(layout.shown[l - 1]) for l in range(1, layout.depth + 1)), default=1)
        width = self._theme.edge_width * min(1.5, max(0.35, math.sqrt(64.0 / per_gap)))
        width = min(width, 0.45 * layout.radius + 1.0)
        # At most 1.5 px, a line of exactly 1 px is several times faster to antialias and looks the same.
        return width if width >= 1.5 else 1.0

    # ------------------------------------------------------------------------------------------ painting

    def _current_edge_argb(self) -> np.ndarray:
        scene = self._scene
        if self._anim_t is None or self._before_argb is None:
            return scene.edge_argb
        return _blend(self._before_argb, scene.edge_argb, self._anim_t)

    def _band_colour(self) -> QtGui.QColor:
        colour = self._theme.color("highlight")
        colour.setAlphaF(HIGHLIGHT_ALPHA)
        return colour

    def _paint(self, painter: QtGui.QPainter, width: float, height: float, vector: bool, background: bool = True) -> None:
        theme = self._theme
        if background:
            painter.fillRect(QtCore.QRectF(0, 0, width, height), theme.color("background"))
        scene = self._scene
        if scene is None:
            painter.setPen(theme.color("muted"))
            painter.setFont(self._font(self._title_px()))
            painter.drawText(QtCore.QRectF(0, 0, width, height), QtCore.Qt.AlignmentFlag.AlignCenter, "No network to show yet.")
            return
        layout = self._layout_for(scene.widths, width, height)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        edge_argb = self._current_edge_argb()
        if vector or layout.edge_count <= RASTER_MIN_EDGES:
            if scene.highlight is not None:
                band = layout.band_x
                painter.fillRect(
                    QtCore.QRectF(band[scene.highlight], layout.band_top, band[scene.highlight + 1] - band[scene.highlight], layout.band_bottom - layout.band_top),
                    self._band_colour(),
                )
            if vector:
                self._paint_edges_vector(painter, layout, edge_argb)
            else:
                self._paint_edge_tiles(painter, layout, edge_argb)
            self._paint_nodes_vector(painter, layout)
            if not vector:
                self.render_path = "vector"
        else:
            self._paint_raster(painter, layout, edge_argb)
            self.render_path = "raster"
            if scene.highlight is not None:
                # Dense edges hide the band behind them, so outline it on top as well.
                band = layout.band_x
                painter.setPen(QtGui.QPen(theme.color("highlight"), 2.0))
                painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
                painter.drawRect(QtCore.QRectF(band[scene.highlight], layout.band_top, band[scene.highlight + 1] - band[scene.highlight], layout.band_bottom - layout.band_top))
        self._paint_node_text(painter, layout)
        self._paint_ellipses(painter, layout)
        self._paint_direction(painter, layout)
        self._paint_layer_labels(painter, layout)
        self._paint_colour_bar(painter, layout)
        self._paint_caption(painter, layout)
        self._paint_selection(painter, layout)
        if self._anim_t is not None:
            self._paint_pulse(painter, layout)

    def _paint_edges_vector(self, painter, layout: DiagramLayout, edge_argb: np.ndarray, lo: int = 0, hi: int | None = None) -> None:
        """Edges ``lo:hi`` as antialiased lines: one ``drawLines`` per colour, strongest gradients on top."""
        hi = layout.edge_count if hi is None else hi
        if hi <= lo:
            return
        scene = self._scene
        width = self._vector_edge_width(layout)
        argb = edge_argb[lo:hi]
        for mask in (0xFFFFFFFF, 0xFFFCFCFC, 0xFFF8F8F8, 0xFFF0F0F0):
            keys = argb & np.uint32(mask)
            if np.unique(keys).size <= 256:
                break
        dashed = scene.edge_dashed[lo:hi]
        keys = keys.astype(np.uint64) | (dashed.astype(np.uint64) << np.uint64(32))
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], sorted_keys.size]
        group_rank = np.maximum.reduceat(scene.edge_rank[lo:hi][order], starts)
        x0, y0, x1, y1 = layout.ex0[lo:hi], layout.ey0[lo:hi], layout.ex1[lo:hi], layout.ey1[lo:hi]
        for g in np.argsort(group_rank, kind="stable"):
            members = order[starts[g] : ends[g]]
            pen = QtGui.QPen(_qcolor(argb[members[0]]), width)
            pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
            if dashed[members[0]]:
                # Thinner than a live edge: a layer of dead ReLUs is clearly marked without drowning the rest.
                pen.setWidthF(max(ZERO_EDGE_MIN_PX, ZERO_EDGE_WIDTH * width))
                # Each half runs outwards from the midpoint, so a dash always sits on the middle.
                pen.setDashPattern([3.0, 2.0])
                # They overlap by a pixel either side of the middle, so antialiasing leaves no seam there.
                dx, dy = x1[members] - x0[members], y1[members] - y0[members]
                length = np.maximum(np.hypot(dx, dy), 1e-9)
                ux, uy = dx / length, dy / length
                mx, my = (x0[members] + x1[members]) / 2, (y0[members] + y1[members]) / 2
                lines = [QtCore.QLineF(*v) for v in zip((mx + ux).tolist(), (my + uy).tolist(), x0[members].tolist(), y0[members].tolist())]
                lines += [QtCore.QLineF(*v) for v in zip((mx - ux).tolist(), (my - uy).tolist(), x1[members].tolist(), y1[members].tolist())]
            else:
                lines = [
                    QtCore.QLineF(a, b, c, d)
                    for a, b, c, d in zip(x0[members].tolist(), y0[members].tolist(), x1[members].tolist(), y1[members].tolist())
                ]
            painter.setPen(pen)
            painter.drawLines(lines)

    def _paint_edge_tiles(self, painter, layout: DiagramLayout, edge_argb: np.ndarray) -> None:
        """On screen, each layer's edges are drawn once into an image and reused until their colours change."""
        scale = self.devicePixelRatioF()
        margin = self._vector_edge_width(layout) + 2
        top, bottom = float(layout.ys_min) - margin, float(layout.ys_max) + margin
        tiles = {}
        for layer in range(1, layout.depth + 1):
            lo, hi = int(layout.edge_offsets[layer - 1]), int(layout.edge_offsets[layer])
            left, right = float(layout.x[layer - 1]) - margin, float(layout.x[layer]) + margin
            key = (self._layout_key, scale, edge_argb[lo:hi].tobytes(), self._scene.edge_dashed[lo:hi].tobytes())
            cached = self._edge_tiles.get(layer)
            if cached is None or cached[0] != key:
                image = QtGui.QImage(
                    max(1, math.ceil((right - left) * scale)), max(1, math.ceil((bottom - top) * scale)),
                    QtGui.QImage.Format.Format_ARGB32_Premultiplied,
                )
                image.setDevicePixelRatio(scale)
                image.fill(0)
                tile_painter = QtGui.QPainter(image)
                tile_painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
                tile_painter.translate(-left, -top)
                self._paint_edges_vector(tile_painter, layout, edge_argb, lo, hi)
                tile_painter.end()
                cached = (key, image)
            tiles[layer] = cached
            painter.drawImage(QtCore.QPointF(left, top), cached[1])
        self._edge_tiles = tiles

    def _paint_nodes_vector(self, painter, layout: DiagramLayout) -> None:
        outline = QtGui.QPen(self._theme.color("node_outline"), max(1.0, 0.1 * layout.radius))
        painter.setPen(outline)
        node_argb = self._scene.node_argb
        last = None
        for x, y, r, argb in zip(layout.node_x.tolist(), layout.node_y.tolist(), layout.node_r.tolist(), node_argb.tolist()):
            if argb != last:
                painter.setBrush(_qcolor(argb))
                last = argb
            painter.drawEllipse(QtCore.QPointF(x, y), r, r)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)

    def _paint_raster(self, painter, layout: DiagramLayout, edge_argb: np.ndarray) -> None:
        theme, scene = self._theme, self._scene
        scale = self.devicePixelRatioF() if painter.device() is self else 1.0
        # Two-pixel lines: one-pixel lines leave a moire of background dots wherever a fan of edges is dense.
        thickness = 2
        key = (id(layout), self._layout_key, scale, thickness)
        if key != self._raster_key:
            self._raster = IdRaster(layout, scale, thickness)
            self._raster_key = key
        raster = self._raster
        background = _pack_color(theme.background)
        bands = np.full(layout.depth + 1, background, dtype=np.uint32)
        if scene.highlight is not None:
            band = self._band_colour()
            bands[scene.highlight] = _blend(np.array([background], np.uint32), np.array([_pack_color(band)]), band.alphaF())[0]
        lut = np.empty(raster.id_count, dtype=np.uint32)
        lut[: layout.depth + 1] = bands
        lut[raster.background_id] = background
        lut[raster.outline_id] = _pack_color(theme.node_outline)
        edges = lut[raster.edge_base : raster.node_base].reshape(-1, 2)
        edges[:, 0] = edge_argb
        edges[:, 1] = np.where(scene.edge_dashed, bands[layout.edge_layer], edge_argb)
        lut[raster.node_base :] = scene.node_argb
        pixels = np.take(lut, raster.ids)
        image = QtGui.QImage(pixels.data, raster.width, raster.height, raster.width * 4, QtGui.QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(scale)
        painter.drawImage(QtCore.QPointF(raster.left / scale, raster.top / scale), image)
        del image

    def _paint_node_text(self, painter, layout: DiagramLayout) -> None:
        scene = self._scene
        for l, texts in enumerate(scene.node_text):
            if not texts:
                continue
            r = layout.radii[l]
            size = self._font_px()
            metrics = QtGui.QFontMetricsF(self._font(size))
            widest = max(metrics.horizontalAdvance(t) for t in texts)
            size = min(1.25 * size, size * 1.75 * r / max(widest, 1.0), 0.8 * r)
            if size < 7.5:
                continue
            painter.setFont(self._font(size))
            offset = int(layout.node_offsets[l])
            for slot, text in enumerate(texts):
                argb = int(scene.node_argb[offset + slot])
                dark = _luminance(argb) > 0.55
                painter.setPen(QtGui.QColor("#111111") if dark else QtGui.QColor("#f4f4f4"))
                x, y = float(layout.x[l]), float(layout.ys[l][slot])
                painter.drawText(QtCore.QRectF(x - r, y - r, 2 * r, 2 * r), QtCore.Qt.AlignmentFlag.AlignCenter, text)

    def _paint_ellipses(self, painter, layout: DiagramLayout) -> None:
        theme = self._theme
        for l, y in enumerate(layout.ellipsis_y):
            if y is None:
                continue
            x = float(layout.x[l])
            size = self._font_px()
            painter.setFont(self._font(size, bold=True))
            label = f"⋮  +{layout.hidden[l]} more"
            metrics = QtGui.QFontMetricsF(painter.font())
            box = QtCore.QRectF(x - layout.radii[l] - 2, y - 0.75 * size, metrics.horizontalAdvance(label) + 10, 1.5 * size)
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(theme.color("background"))
            painter.drawRoundedRect(box, 3, 3)
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.setPen(theme.color("foreground"))
            painter.drawText(box.adjusted(4, 0, 0, 0), QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft, label)

    def _paint_direction(self, painter, layout: DiagramLayout) -> None:
        """An arrow under the band of the layer being computed: → forward, ← backward."""
        scene = self._scene
        if scene.highlight is None or scene.highlight == 0:
            return
        left, right = layout.x[scene.highlight - 1], layout.x[scene.highlight]
        y = layout.band_bottom - 0.7 * self._font_px()
        span = min(right - left, 6 * self._font_px())
        mid = (left + right) / 2
        a, b = (mid - span / 2, mid + span / 2) if scene.direction > 0 else (mid + span / 2, mid - span / 2)
        colour = self._theme.color("highlight")
        pen = QtGui.QPen(colour, max(2.0, self._font_px() / 6))
        painter.setPen(pen)
        painter.drawLine(QtCore.QPointF(a, y), QtCore.QPointF(b, y))
        head = 0.45 * self._font_px() * (1 if scene.direction > 0 else -1)
        painter.setBrush(colour)
        painter.drawPolygon(QtGui.QPolygonF([QtCore.QPointF(b, y), QtCore.QPointF(b - head, y - abs(head) * 0.7), QtCore.QPointF(b - head, y + abs(head) * 0.7)]))
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)

    def _layer_label_lines(self, layer: int, fits) -> list[str]:
        record = self._scene.record
        if layer == 0:
            return ["input"]
        layer_record = record.layers[layer - 1]
        name = get_activation(layer_record.activation).label + (" + skip" if layer_record.residual else "")
        for lines in ([f"layer {layer} · {name}"], [f"layer {layer}", name], [str(layer), name], [str(layer)]):
            if fits(lines):
                return lines
        return [str(layer)]

    def _paint_layer_labels(self, painter, layout: DiagramLayout) -> None:
        theme, scene = self._theme, self._scene
        size = self._font_px()
        font, bold = self._font(size), self._font(size, bold=True)
        metrics = QtGui.QFontMetricsF(bold)
        room = layout.gap * 0.94 if layout.depth else layout.area.width
        fits = lambda lines: max(metrics.horizontalAdvance(t) for t in lines) <= room  # noqa: E731
        labels = [self._layer_label_lines(l, fits) for l in range(layout.depth + 1)]
        # Where even numbers collide, keep the highlighted label, then every label that has room.
        extents = []
        for l, lines in enumerate(labels):
            half = max(QtGui.QFontMetricsF(bold).horizontalAdvance(t) for t in lines) / 2
            centre = min(max(float(layout.x[l]), 2 + half), layout.area.right - half)  # clear of the colour bar
            extents.append((centre - half, centre + half))
        order = ([scene.highlight] if scene.highlight is not None else []) + list(range(layout.depth + 1))
        placed: list[int] = []
        for l in order:
            if l in placed:
                continue
            left, right = extents[l]
            if all(right + 0.4 * size < extents[p][0] or left > extents[p][1] + 0.4 * size for p in placed):
                placed.append(l)
        line_height = metrics.height()
        for l in sorted(placed):
            lines = labels[l]
            highlighted = scene.highlight == l
            painter.setFont(bold if highlighted else font)
            painter.setPen(theme.color("highlight") if highlighted else theme.color("foreground"))
            for i, text in enumerate(reversed(lines)):
                baseline = layout.label_y - i * line_height
                advance = QtGui.QFontMetricsF(painter.font()).horizontalAdvance(text)
                centre = (extents[l][0] + extents[l][1]) / 2
                painter.drawText(QtCore.QPointF(centre - advance / 2, baseline), text)

    def _paint_colour_bar(self, painter, layout: DiagramLayout) -> None:
        theme, bar = self._theme, self._scene.bar
        rect = layout.legend
        size = self._font_px()
        small = self._font(0.9 * size)
        metrics = QtGui.QFontMetricsF(self._font(size))
        x = rect.left + 0.4 * size
        painter.setPen(theme.color("foreground"))
        painter.setFont(self._font(size, bold=True))
        painter.drawText(QtCore.QPointF(x, rect.top + metrics.ascent()), bar["title"])
        painter.setFont(small)
        painter.setPen(theme.color("muted"))
        painter.drawText(QtCore.QPointF(x, rect.top + metrics.height() + metrics.ascent() * 0.9), bar["subtitle"])

        top = rect.top + 2.6 * metrics.height()
        bottom = rect.top + max(rect.height * 0.6, 4 * metrics.height())
        bar_width = max(14.0, 1.1 * size)
        gradient = QtGui.QLinearGradient(QtCore.QPointF(0, bottom), QtCore.QPointF(0, top))
        stops = bar["stops"]
        for i, argb in enumerate(stops.tolist()):
            gradient.setColorAt(i / (len(stops) - 1), _qcolor(argb))
        box = QtCore.QRectF(x, top, bar_width, bottom - top)
        painter.setPen(QtGui.QPen(theme.color("muted"), 1.0))
        painter.setBrush(QtGui.QBrush(gradient))
        painter.drawRect(box)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)

        ticks = bar["ticks"]
        every = 1
        while len(ticks) > 1 and (bottom - top) / (len(ticks) - 1) * every < 1.15 * metrics.height():
            every += 1
        painter.setFont(self._font(size))
        for i, (position, label) in enumerate(ticks):
            if i % every and i != len(ticks) - 1:
                continue
            y = bottom - position * (bottom - top)
            painter.setPen(QtGui.QPen(theme.color("foreground"), 1.0))
            painter.drawLine(QtCore.QPointF(x + bar_width, y), QtCore.QPointF(x + bar_width + 5, y))
            painter.drawText(QtCore.QPointF(x + bar_width + 8, y + 0.35 * metrics.ascent()), label)

        y = bottom + 1.2 * metrics.height()
        painter.setFont(small)
        for colour_name, label, dashed in bar["swatches"]:
            pen = QtGui.QPen(theme.color(colour_name), max(3.0, 0.25 * size))
            pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
            if dashed:
                pen.setDashPattern([2.0, 1.2])
            painter.setPen(pen)
            painter.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x + 1.8 * size, y))
            painter.setPen(theme.color("foreground"))
            painter.drawText(QtCore.QPointF(x + 2.2 * size, y + 0.35 * metrics.ascent()), label)
            y += 1.3 * metrics.height()

        # Neuron fill: f'(z) relative to its maximum, so saturation shows as dark.
        if y + 3.5 * metrics.height() > rect.bottom:
            return
        y += 0.6 * metrics.height()
        painter.setFont(self._font(size, bold=True))
        painter.setPen(theme.color("foreground"))
        painter.drawText(QtCore.QPointF(x, y), "neuron fill")
        painter.setFont(small)
        painter.setPen(theme.color("muted"))
        painter.drawText(QtCore.QPointF(x, y + metrics.height()), "f′(z) / max f′")
        y += 1.5 * metrics.height()
        strip_width = min(rect.width - 1.2 * size, 8 * size)
        gradient = QtGui.QLinearGradient(QtCore.QPointF(x, 0), QtCore.QPointF(x + strip_width, 0))
        fills = _pack(theme.colormap("activation").map(np.linspace(0, 1, 16), mode="byte"))
        for i, argb in enumerate(fills.tolist()):
            gradient.setColorAt(i / 15, _qcolor(argb))
        painter.setPen(QtGui.QPen(theme.color("muted"), 1.0))
        painter.setBrush(QtGui.QBrush(gradient))
        painter.drawRect(QtCore.QRectF(x, y, strip_width, 0.9 * size))
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.setPen(theme.color("foreground"))
        y += 0.9 * size + metrics.ascent() + 2
        painter.drawText(QtCore.QPointF(x, y), "0 saturated")
        right = "1"
        painter.drawText(QtCore.QPointF(x + strip_width - QtGui.QFontMetricsF(small).horizontalAdvance(right), y), right)

    def _paint_caption(self, painter, layout: DiagramLayout) -> None:
        theme, scene = self._theme, self._scene
        rect = layout.caption
        box = QtCore.QRectF(rect.left, rect.top, rect.width, rect.height)
        painter.setFont(self._font(self._title_px(), bold=True))
        painter.setPen(theme.color("foreground"))
        painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter, scene.caption)
        if any(scene.node_text):
            note = "numbers on neurons: δ = ∂L/∂z (mean over samples)" if scene.values_are == "delta" else "numbers on neurons: activation a (mean over samples)"
            caption_width = QtGui.QFontMetricsF(painter.font()).horizontalAdvance(scene.caption)
            painter.setFont(self._font(self._font_px()))
            if caption_width + QtGui.QFontMetricsF(painter.font()).horizontalAdvance(note) + 30 < rect.width:
                painter.setPen(theme.color("muted"))
                painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter, note)

    def _paint_selection(self, painter, layout: DiagramLayout) -> None:
        selection = self._selection
        if not selection:
            return
        colour = self._theme.color("highlight")
        try:
            if selection[0] == "neuron":
                x, y = layout.neuron_xy(selection[1], selection[2])
                r = layout.radii[selection[1]] + 4
                painter.setPen(QtGui.QPen(colour, max(2.5, 0.15 * r)))
                painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
                painter.drawEllipse(QtCore.QPointF(x, y), r, r)
            elif selection[0] == "edge":
                i = layout.edge_index(selection[1], selection[2], selection[3])
                line = QtCore.QLineF(layout.ex0[i], layout.ey0[i], layout.ex1[i], layout.ey1[i])
                width = self._vector_edge_width(layout)
                halo = QtGui.QPen(colour, width + 5)
                halo.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
                painter.setPen(halo)
                painter.drawLine(line)
                inner = QtGui.QPen(_qcolor(self._scene.edge_argb[i]), width)
                painter.setPen(inner)
                painter.drawLine(line)
        except (IndexError, ValueError):
            return  # a selection of something not drawn (hidden or from another network)

    def _paint_pulse(self, painter, layout: DiagramLayout) -> None:
        scene = self._scene
        layer = scene.pulse_layer
        if layer is None or not 1 <= layer <= layout.depth:
            return
        lo, hi = int(layout.edge_offsets[layer - 1]), int(layout.edge_offsets[layer])
        edges = np.arange(lo, hi)
        if edges.size > MAX_PULSE_EDGES:
            edges = edges[np.linspace(0, edges.size - 1, MAX_PULSE_EDGES).astype(int)]
        t = self._anim_t
        along = t if scene.direction > 0 else 1.0 - t
        xs = layout.ex0[edges] + along * (layout.ex1[edges] - layout.ex0[edges])
        ys = layout.ey0[edges] + along * (layout.ey1[edges] - layout.ey0[edges])
        colour = self._theme.color("pulse")
        colour.setAlphaF(max(0.0, min(1.0, math.sin(math.pi * t) * 1.2)))
        pen = QtGui.QPen(colour, max(4.0, 2.2 * self._vector_edge_width(layout)))
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawPoints(QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in zip(xs.tolist(), ys.tolist())]))
