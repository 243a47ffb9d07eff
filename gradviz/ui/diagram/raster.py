"""The edge-id raster of a big diagram and the packed-pixel helpers its look-up tables are made of (pure NumPy).

``IdRaster`` draws every shown edge and neuron once per layout into an ``int32`` buffer of ids; a frame then
only looks colours up (``lut[ids]``), which is what keeps a 100,000-edge diagram under one 60 Hz frame.
Colours are packed as opaque ``0xAARRGGBB`` ``uint32``, the pixel layout of ``QImage.Format_RGB32``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .layout import DiagramLayout

#: Length of a dash (and of a gap) of a zero-gradient edge in the raster, in pixels.
RASTER_DASH = 4
#: Width in pixels of the column strips a frame recolours only where an id in them changed colour.
STRIP_PX = 16
#: Where more than one strip in this many changed, the whole picture is looked up at once.
FULL_LOOK_UP_SHARE = 3


def pack(rgba) -> np.ndarray:
    """uint8 RGBA (N x 4) as opaque 0xAARRGGBB uint32."""
    rgba = np.asarray(rgba, dtype=np.uint32).reshape(-1, 4)
    return (np.uint32(0xFF000000) | (rgba[:, 0] << 16) | (rgba[:, 1] << 8) | rgba[:, 2]).astype(np.uint32)


def pack_rgb(red: int, green: int, blue: int) -> np.uint32:
    """One opaque colour, packed."""
    return np.uint32(0xFF000000 | (int(red) << 16) | (int(green) << 8) | int(blue))


def blend(argb: np.ndarray, other, t: float) -> np.ndarray:
    """Per-channel linear mix of two packed colour arrays (t = 0 gives ``argb``)."""
    a = np.asarray(argb, dtype=np.uint32).view(np.uint8).reshape(-1, 4).astype(np.float32)
    b = np.asarray(other, dtype=np.uint32).view(np.uint8).reshape(-1, 4).astype(np.float32)
    mixed = np.rint(a + (b - a) * t).astype(np.uint8)
    mixed[:, 3] = 255
    return mixed.reshape(-1).view(np.uint32)


def luminance(argb: int) -> float:
    """Perceived brightness 0..1 of a packed colour (to choose dark or light text on it)."""
    argb = int(argb)
    return (0.299 * ((argb >> 16) & 255) + 0.587 * ((argb >> 8) & 255) + 0.114 * (argb & 255)) / 255.0


def relative_luminance(argb: int) -> float:
    """WCAG 2 relative luminance 0..1 of a packed colour (sRGB decoded to linear light)."""
    channels = [((int(argb) >> shift) & 255) / 255.0 for shift in (16, 8, 0)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour_on(argb: int) -> int:
    """Black or white, whichever contrasts more with the packed colour ``argb`` (at least 4.58:1 on any fill)."""
    return _text_colour_on(int(argb))


@functools.lru_cache(maxsize=4096)
def _text_colour_on(argb: int) -> int:
    # Memoised: every frame asks again for each labelled neuron's fill, of which a pass has few.
    return 0xFF000000 if relative_luminance(argb) > DARK_TEXT_ABOVE_LUMINANCE else 0xFFFFFFFF


#: Above this relative luminance, black text contrasts more than white: (1 + 0.05) / (L + 0.05) equals
#: (L + 0.05) / 0.05 there, both about 4.58.
DARK_TEXT_ABOVE_LUMINANCE = (1.05 * 0.05) ** 0.5 - 0.05


class IdRaster:
    """Every shown edge and neuron of a layout, drawn once into a buffer of ids at device resolution.

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
        # As NumPy's index type: a look-up with int32 ids first copies them all to it (a temporary of twice
        # their size, fresh memory each frame).
        self.ids = np.ascontiguousarray(ids[pad:-pad, pad:-pad], dtype=np.intp)
        # The ids each strip of columns holds: a micro-step recolours a layer or two, so most strips keep
        # their pixels from one frame to the next (see colour).
        held = [np.unique(self.ids[:, start : start + STRIP_PX]) for start in range(0, self.width, STRIP_PX)]
        #: Every strip's ids one after another, and where each strip's begin: a frame asks which strips hold
        #: a changed id with one gather and one reduction, not a look-up per strip.
        self._strip_ids = np.concatenate(held)
        self._strip_starts = np.cumsum([0] + [h.size for h in held[:-1]])
        self._lut: np.ndarray | None = None
        self._pixels: np.ndarray | None = None

    def colour(self, lut: np.ndarray) -> np.ndarray:
        """The packed pixels ``lut[ids]`` (height x width uint32), looking up only the strips whose colours changed.

        The array returned is the raster's own and is overwritten by the next call; the raster keeps ``lut``
        to compare the next one with, so the caller hands over a fresh table each time.
        """
        lut = np.asarray(lut, dtype=np.uint32)
        if lut.shape != (self.id_count,):
            raise ValueError(f"a look-up table of {self.id_count} colours is needed, got shape {lut.shape}")
        if self._pixels is None:
            self._pixels = np.take(lut, self.ids)
        else:
            changed = lut != self._lut
            if changed.any():
                strips = np.logical_or.reduceat(changed[self._strip_ids], self._strip_starts)
                if np.count_nonzero(strips) * FULL_LOOK_UP_SHARE > strips.size:
                    # Most of the picture changed (a reset, a new pass): one look-up of it all is about three
                    # times as fast as strip by strip (each a strided slice). Into the pixels already held, with
                    # no temporary ("clip": every id is in range): a new array of a few MB would be fresh
                    # memory, a page fault per 4 KB.
                    np.take(lut, self.ids, out=self._pixels, mode="clip")
                else:
                    # Neighbouring strips that changed are looked up together.
                    edges = np.flatnonzero(np.diff(np.concatenate(([False], strips, [False])).astype(np.int8)))
                    for first, end in zip(edges[::2].tolist(), edges[1::2].tolist()):
                        columns = slice(first * STRIP_PX, end * STRIP_PX)
                        self._pixels[:, columns] = np.take(lut, self.ids[:, columns])
        self._lut = lut
        return self._pixels

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
