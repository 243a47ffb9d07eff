"""Geometry of the network diagram and its edge-id raster: pure NumPy, shared by the screen and export paths.

``DiagramLayout`` places layers, neurons, edges, labels and the colour bar inside a rectangle.
``IdRaster`` draws every shown edge and neuron once per layout into an ``int32`` buffer of ids; a frame then
only looks colours up (``lut[ids]``), which is what keeps a 100,000-edge diagram under one 60 Hz frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Layers wider than this draw only a representative subset of their neurons (statistics use all).
MAX_SHOWN_UNITS = 64
#: ... namely the first this many and the last ``MAX_SHOWN_UNITS - 1 - SUBSET_HEAD`` (one slot is the ellipsis).
SUBSET_HEAD = 31
#: Layers up to this wide print each neuron's value on it.
MAX_LABELLED_UNITS = 12
#: Length of a dash (and of a gap) of a zero-gradient edge in the raster, in pixels.
RASTER_DASH = 4


def shown_units(width: int) -> tuple[np.ndarray, int]:
    """Indices of the neurons drawn for a layer of ``width`` and how many are hidden behind the ellipsis."""
    if width <= MAX_SHOWN_UNITS:
        return np.arange(width), 0
    tail = MAX_SHOWN_UNITS - 1 - SUBSET_HEAD
    return np.concatenate([np.arange(SUBSET_HEAD), np.arange(width - tail, width)]), width - SUBSET_HEAD - tail


def format_value(value: float) -> str:
    """A neuron's value in at most about seven characters: 0.622, -8.5e-4, 12.3, NaN, inf."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-2 <= magnitude < 1e3:
        text = f"{value:.3g}"
    else:
        mantissa, exponent = f"{value:.1e}".split("e")
        text = f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return text


def format_power_of_ten(exponent: int) -> str:
    """The tick label of 10**exponent on a log colour bar: 1e-8, ..., 0.1 is written 1e-1, 1, 10, 1e2."""
    if exponent == 0:
        return "1"
    if exponent == 1:
        return "10"
    return f"1e{exponent}"


@dataclass(frozen=True)
class Rect:
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


class DiagramLayout:
    """Where everything of a network of ``widths`` goes in a ``width`` x ``height`` picture.

    Layers run left to right; layer ``l`` (0 = input) sits at ``x[l]``. Every array holds the *shown*
    neurons and edges only; ``shown[l]`` maps shown slots back to the real unit indices.
    """

    def __init__(self, widths, width: float, height: float, font_px: float, title_px: float, node_radius: float):
        self.widths = tuple(int(w) for w in widths)
        self.size = (float(width), float(height))
        self.font_px = font_px
        depth = len(self.widths) - 1
        self.depth = depth

        legend_width = max(12.0 * font_px, 130.0)
        top = 2.0 * font_px + 10 + 2.4 * font_px  # room for two-line layer labels
        bottom = 2.2 * title_px + 10
        left_pad = 0.4 * font_px + 12
        self.legend = Rect(width - legend_width, top, legend_width - 8, max(height - top - bottom, 40.0))
        area = Rect(left_pad, top, max(width - legend_width - left_pad - 10, 40.0), max(height - top - bottom, 40.0))
        self.caption = Rect(left_pad, height - bottom + 4, width - left_pad - 8, bottom - 8)

        self.shown, self.hidden = [], []
        for w in self.widths:
            units, hidden = shown_units(w)
            self.shown.append(units)
            self.hidden.append(hidden)
        slots = [len(u) + (1 if h else 0) for u, h in zip(self.shown, self.hidden)]

        # Neurons sit in slots; both gaps are capped so a tiny network does not sprawl across a big window.
        # Narrow layers spread out too (up to a cap), so their neurons are big enough to carry their values.
        gap = min(area.width / max(depth, 1), 20.0 * node_radius)
        self.spacings = [min(area.height / max(n, 1), 4.0 * node_radius) for n in slots]
        self.radii = [float(max(min(1.7 * node_radius, 0.4 * sp, 0.27 * gap), 1.5)) for sp in self.spacings]
        self.radius = max(self.radii)
        span = gap * depth
        x0 = area.left + (area.width - span) / 2 + self.radius
        gap = (span - 2 * self.radius) / max(depth, 1) if depth else 0.0
        self.gap = gap
        self.x = np.floor(x0 + gap * np.arange(depth + 1)) + 0.5
        centre_y = area.top + area.height / 2
        self.area = area

        self.ys: list[np.ndarray] = []
        self.ellipsis_y: list[float | None] = []
        for layer, units in enumerate(self.shown):
            n = slots[layer]
            slot_y = np.floor(centre_y + self.spacings[layer] * (np.arange(n) - (n - 1) / 2)) + 0.5
            if self.hidden[layer]:
                self.ellipsis_y.append(float(slot_y[SUBSET_HEAD]))
                slot_y = np.delete(slot_y, SUBSET_HEAD)
            else:
                self.ellipsis_y.append(None)
            self.ys.append(slot_y)

        # Bands tile the x axis: band l runs from just right of layer l-1's neurons to just right of layer l's.
        pad = max(3.0, 0.06 * gap)
        bounds = [area.left - 4]
        bounds += [float(x) + r + pad for x, r in zip(self.x[:-1], self.radii[:-1])]
        bounds += [max(float(self.x[-1]) + self.radii[-1] + pad, area.right)]
        self.band_x = np.array(bounds)
        half = max(sp * (n - 1) / 2 + r for sp, n, r in zip(self.spacings, slots, self.radii))
        self.band_top = max(area.top, centre_y - half - 0.8 * font_px)
        self.band_bottom = min(area.bottom, centre_y + half + 2.0 * font_px)
        self.label_y = self.band_top - 0.4 * font_px

        # Nodes.
        self.node_offsets = np.cumsum([0] + [len(u) for u in self.shown])
        self.node_x = np.concatenate([np.full(len(u), self.x[l]) for l, u in enumerate(self.shown)])
        self.node_y = np.concatenate(self.ys)
        self.node_r = np.concatenate([np.full(len(u), self.radii[l]) for l, u in enumerate(self.shown)])
        self.ys_min, self.ys_max = float(self.node_y.min()), float(self.node_y.max())

        # Edges of weight layer l (1..L): to-major over the shown neurons, as W[to, from] ravels.
        x0s, y0s, x1s, y1s, counts = [], [], [], [], [0]
        for layer in range(1, depth + 1):
            y_from, y_to = self.ys[layer - 1], self.ys[layer]
            yy_to, yy_from = np.meshgrid(y_to, y_from, indexing="ij")
            x0s.append(np.full(yy_to.size, self.x[layer - 1]))
            x1s.append(np.full(yy_to.size, self.x[layer]))
            y0s.append(yy_from.ravel())
            y1s.append(yy_to.ravel())
            counts.append(yy_to.size)
        cat = (lambda parts: np.concatenate(parts) if parts else np.zeros(0))
        self.ex0, self.ey0, self.ex1, self.ey1 = cat(x0s), cat(y0s), cat(x1s), cat(y1s)
        self.edge_offsets = np.cumsum(counts)
        self.edge_count = int(self.edge_offsets[-1])
        self.edge_layer = np.repeat(np.arange(1, depth + 1), counts[1:]) if depth else np.zeros(0, int)

    # ------------------------------------------------------------------ look-ups

    def slot(self, layer: int, unit: int) -> int | None:
        """The shown slot of real ``unit`` in ``layer``, or None when it hides behind the ellipsis."""
        if not 0 <= layer <= self.depth or not 0 <= unit < self.widths[layer]:
            raise IndexError(f"no neuron {unit} in layer {layer} of a network of widths {list(self.widths)}")
        hits = np.flatnonzero(self.shown[layer] == unit)
        return int(hits[0]) if hits.size else None

    def neuron_xy(self, layer: int, unit: int) -> tuple[float, float]:
        slot = self.slot(layer, unit)
        if slot is None:
            raise ValueError(f"neuron {unit} of layer {layer} is not drawn (it is behind the ellipsis)")
        return float(self.x[layer]), float(self.ys[layer][slot])

    def edge_index(self, layer: int, to_unit: int, from_unit: int) -> int:
        """Index of a shown edge in the edge arrays."""
        if not 1 <= layer <= self.depth:
            raise IndexError(f"no weight layer {layer}; they are 1..{self.depth}")
        to_slot, from_slot = self.slot(layer, to_unit), self.slot(layer - 1, from_unit)
        if to_slot is None or from_slot is None:
            raise ValueError(f"edge {layer}:{to_unit}<-{from_unit} is not drawn (an end is behind the ellipsis)")
        return int(self.edge_offsets[layer - 1] + to_slot * len(self.shown[layer - 1]) + from_slot)

    def edge_address(self, index: int) -> tuple[int, int, int]:
        """(layer, to_unit, from_unit) of shown edge ``index``."""
        layer = int(self.edge_layer[index])
        local = index - int(self.edge_offsets[layer - 1])
        n_from = len(self.shown[layer - 1])
        return layer, int(self.shown[layer][local // n_from]), int(self.shown[layer - 1][local % n_from])

    def node_at(self, x: float, y: float, slack: float = 2.0) -> tuple[int, int] | None:
        if not self.node_x.size:
            return None
        d = np.hypot(self.node_x - x, self.node_y - y) - self.node_r
        best = int(np.argmin(d))
        if d[best] > slack:
            return None
        layer = int(np.searchsorted(self.node_offsets, best, side="right") - 1)
        return layer, int(self.shown[layer][best - self.node_offsets[layer]])

    def edge_at(self, x: float, y: float, tolerance: float) -> int | None:
        """The shown edge nearest to (x, y) if it is within ``tolerance``: point-to-segment distance."""
        if not self.edge_count:
            return None
        dx, dy = self.ex1 - self.ex0, self.ey1 - self.ey0
        length2 = np.maximum(dx * dx + dy * dy, 1e-12)
        t = np.clip(((x - self.ex0) * dx + (y - self.ey0) * dy) / length2, 0.0, 1.0)
        d2 = (self.ex0 + t * dx - x) ** 2 + (self.ey0 + t * dy - y) ** 2
        best = int(np.argmin(d2))
        return best if d2[best] <= tolerance * tolerance else None


class IdRaster:
    """Every shown edge and neuron of a layout, drawn once into an int32 buffer of ids at device resolution.

    Ids: ``0..L`` the background of each layer's band, ``L+1`` the background above and below the bands,
    ``L+2`` a neuron outline, then two per edge
    (``edge_base + 2*i + parity``, where parity 1 marks the gaps of a dashed edge), then one per neuron.
    A frame turns the buffer into pixels with one look-up: ``lut[ids]``.
    """

    def __init__(self, layout: DiagramLayout, scale: float, thickness: int):
        self.layout = layout
        self.scale = scale
        area = layout.area
        self.left = math.floor(area.left * scale)
        self.top = math.floor(area.top * scale)
        self.width = max(int(math.ceil(area.right * scale)) - self.left, 1)
        self.height = max(int(math.ceil(area.bottom * scale)) - self.top, 1)
        depth = layout.depth
        self.background_id = depth + 1
        self.outline_id = depth + 2
        self.edge_base = depth + 3
        self.node_base = self.edge_base + 2 * layout.edge_count
        self.id_count = self.node_base + layout.node_x.size

        # A margin round the buffer lets the scatter skip bounds checks; it is cropped off at the end.
        self._pad = pad = int(math.ceil(layout.radius * scale)) + 4
        ids = np.empty((self.height + 2 * pad, self.width + 2 * pad), dtype=np.int32)
        columns = (np.arange(-pad, self.width + pad) + 0.5 + self.left) / scale
        band = np.clip(np.searchsorted(layout.band_x[1:-1], columns, side="right"), 0, depth)
        ids[:] = band[None, :].astype(np.int32)
        rows = (np.arange(-pad, self.height + pad) + 0.5 + self.top) / scale
        ids[(rows < layout.band_top) | (rows > layout.band_bottom)] = self.background_id
        self._draw_edges(ids, thickness)
        self._fill_pinholes(ids)
        self._draw_nodes(ids)
        self.ids = np.ascontiguousarray(ids[pad:-pad, pad:-pad])

    def _device(self, x, y):
        return x * self.scale - self.left + self._pad, y * self.scale - self.top + self._pad

    def _draw_edges(self, ids: np.ndarray, thickness: int) -> None:
        """Sample each segment at most a pixel apart and scatter its id; later edges overwrite earlier ones."""
        lay = self.layout
        width = ids.shape[1]
        flat = ids.reshape(-1)
        pad = self._pad
        for layer in range(1, lay.depth + 1):
            lo, hi = int(lay.edge_offsets[layer - 1]), int(lay.edge_offsets[layer])
            if hi == lo:
                continue
            # All edges of a layer share their x ends; only the y ends differ.
            x0 = float(lay.x[layer - 1] * self.scale - self.left + pad)
            dx = float((lay.x[layer] - lay.x[layer - 1]) * self.scale)
            y0 = (lay.ey0[lo:hi] * self.scale - self.top + pad).astype(np.float32)
            dy = ((lay.ey1[lo:hi] - lay.ey0[lo:hi]) * self.scale).astype(np.float32)
            # An odd number of samples puts one exactly on the midpoint (the dashes are centred on it).
            half = np.ceil(np.maximum(abs(dx), np.abs(dy)) / 2).astype(np.int32)
            n = 2 * half + 1
            owner = np.repeat(np.arange(hi - lo, dtype=np.int32), n)
            k = np.arange(owner.size, dtype=np.int32)
            k -= np.repeat((np.cumsum(n) - n).astype(np.int32), n)
            t = k.astype(np.float32)
            t *= (1.0 / np.maximum(2 * half, 1)).astype(np.float32)[owner]
            px = (x0 + t * np.float32(dx)).astype(np.int32)
            t *= dy[owner]
            t += y0[owner]
            index = t.astype(np.int32)
            index *= width
            index += px
            k -= half[owner]
            np.abs(k, out=k)
            k >>= RASTER_DASH.bit_length() - 1
            k &= 1
            k += owner * 2 + (self.edge_base + 2 * lo)
            flat[index] = k
            for offset in range(1, thickness):
                step = np.where(np.abs(dy) > abs(dx), offset, offset * width).astype(np.int32)
                flat[index + step[owner]] = k

    def _draw_nodes(self, ids: np.ndarray) -> None:
        lay = self.layout
        if not lay.node_x.size:
            return
        h, w = ids.shape
        flat = ids.reshape(-1)
        for layer in range(lay.depth + 1):
            lo, hi = int(lay.node_offsets[layer]), int(lay.node_offsets[layer + 1])
            r = lay.radii[layer] * self.scale
            reach = int(math.ceil(r)) + 1
            oy, ox = np.mgrid[-reach : reach + 1, -reach : reach + 1]
            # Pixel centres relative to a node centre at a pixel centre.
            dist = np.hypot(ox, oy)
            disc = dist <= r
            ring = disc & (dist > r - max(1.0, 0.12 * r))
            cx, cy = self._device(lay.node_x[lo:hi], lay.node_y[lo:hi])
            cx, cy = np.floor(cx).astype(np.int64), np.floor(cy).astype(np.int64)
            for mask, values in ((disc, self.node_base + np.arange(lo, hi)), (ring, np.full(hi - lo, self.outline_id))):
                offsets = (oy[mask] * w + ox[mask]).ravel()
                index = ((cy * w + cx)[:, None] + offsets[None, :]).ravel()
                flat[index] = np.repeat(values.astype(np.int32), offsets.size)

    def _fill_pinholes(self, ids: np.ndarray) -> None:
        """Background pixels between two edge pixels (left/right or above/below) take the left/upper one's id.

        Lines sampled a pixel apart leave such holes where they step diagonally; an antialiased vector line would
        cover them, and in a dense fan they show as a moire of dots.
        """
        first_edge = self.edge_base
        inner = ids[1:-1, 1:-1]
        hole = inner < first_edge
        for before, after in ((ids[1:-1, :-2], ids[1:-1, 2:]), (ids[:-2, 1:-1], ids[2:, 1:-1])):
            fill = hole & (before >= first_edge) & (after >= first_edge) & (before < self.node_base) & (after < self.node_base)
            inner[fill] = before[fill]
            hole &= ~fill
