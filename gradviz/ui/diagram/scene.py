"""What one pass record draws as: :func:`build_scene` turns a record into a frozen :class:`DiagramScene`.

Pure: no widget and no painter (only the theme's colours and colour maps), so tests and exports can build a
scene without showing anything. A scene holds everything independent of the picture's size: the colour of
every *shown* edge and neuron, the texts, the highlighted layer and the colour-bar spec. The geometry lives in
:mod:`.layout`, the drawing in :mod:`.painters`.

Colours follow a :class:`ColourScale` (the decades of the gradient colours, or the largest |w| or |a|).
:func:`colour_scale` computes one over one or several records, so two diagrams can share one scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6 import QtGui

from ...core.activations import get_activation
from ...core.format import format_number, format_power_of_ten
from ...core.records import PassRecord, Phase, describe_step
from ...core.stats import decade_range, log_position, mean_relative_slope, skip_gradient
from ...names import check_color_mode, edge_colouring
from ..theme import Theme, gradient_colors
from .layout import MAX_LABELLED_UNITS, shown_units
from .raster import pack, pack_rgb
from .values import (  # noqa: F401  (the hover texts are read from here too)
    EDGE_TEXT_DIGITS,
    MAX_EDGE_LABELS,
    NODE_TEXT_CHARS,
    _edge_source,
    edge_value_description,
    edge_value_texts,
    neuron_value_description,
    node_means,
    node_value_texts,
    output_texts,
    over_samples,
    skip_value_description,
    update_texts,
)

#: Colour stops of the colour bar's gradient (and of the neuron-fill strip below it).
COLOUR_BAR_STOPS = 64
NEURON_FILL_STOPS = 16
#: Between the parts of a caption line ("Backward: layer 1 of 3", "loss 0.0263"); a narrow picture breaks there.
CAPTION_SEPARATOR = "   ·   "
#: What the caption says when the neurons are too small to carry their numbers legibly.
HIDDEN_VALUES_HINT = "hover or click a neuron for its value"


@dataclass(frozen=True)
class ColourScale:
    """What the edge colours of one mode are scaled on.

    ``decades`` (gradient mode): the powers of ten ``(lo, hi)`` the log colour map spans.
    ``largest`` (weight and activation modes): the largest finite |w| or |a|, mapped to the map's end.
    """

    mode: str
    decades: tuple[int, int] | None = None
    largest: float | None = None


@dataclass(frozen=True)
class Swatch:
    """One entry of the colour bar's key: a short line in ``argb`` (dashed, or an arc) and what it means."""

    argb: int
    label: str
    dashed: bool = False
    arc: bool = False


@dataclass(frozen=True)
class ColourBarSpec:
    """The colour bar beside the diagram: its title, gradient (packed colours, bottom to top), ticks and key."""

    title: str
    subtitle: str
    stops: tuple[int, ...]
    #: (position 0..1 from the bottom, label)
    ticks: tuple[tuple[float, str], ...]
    swatches: tuple[Swatch, ...]
    #: The neuron-fill strip, f'(z) / max f' from 0 to 1.
    fill_stops: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class DiagramScene:
    """Everything one record draws as, independent of the picture's size.

    Arrays are read-only and hold the *shown* edges and neurons in the order of
    :class:`~gradviz.ui.diagram.layout.DiagramLayout` (packed colours are opaque ``0xAARRGGBB``).
    """

    mode: str
    colour_scale: ColourScale
    widths: tuple[int, ...]
    edge_argb: np.ndarray
    edge_dashed: np.ndarray
    #: Drawing order of the edges: higher ranks are drawn on top (strong gradients, non-finite values).
    edge_rank: np.ndarray
    node_argb: np.ndarray
    #: Per layer, the values printed on its neurons, or None when the layer is too wide or not computed.
    node_text: tuple[tuple[str, ...] | None, ...]
    #: What the numbers on the neurons are, as the caption's parts (two during the backward pass, which prints
    #: δ where it has reached and the activations still left of that).
    node_note: tuple[str, ...]
    #: Per layer (0 = the input): "input", then each layer's activation ("sigmoid", "ReLU + skip").
    layer_names: tuple[str, ...]
    #: The layer whose band is highlighted (the one being computed, or the output at the loss), or None.
    highlight: int | None
    #: +1 forward, -1 backward.
    direction: int
    #: The layer whose edges carry the animation's pulse, or None.
    pulse_layer: int | None
    caption: str
    colour_bar: ColourBarSpec
    #: Per shown edge, its value as printed on it ("" while not computed), or None when the diagram has more
    #: than :data:`MAX_EDGE_LABELS` shown edges or the mode prints none (activation mode: the sources' values
    #: are already on the neurons).
    edge_text: tuple[str, ...] | None = None
    #: ``node_text`` at two significant digits, for circles too small for three at a legible size.
    node_text_short: tuple[tuple[str, ...] | None, ...] = ()
    #: What the numbers on the edges are, for the caption line ("" without edge numbers).
    edge_note: str = ""
    #: The layers (2..L-1) whose skip connection is drawn as an arc over them, their packed colours and values.
    skip_layers: tuple[int, ...] = ()
    skip_argb: tuple[int, ...] = ()
    #: A shorter form of ``edge_text`` for where the full one does not fit (the new weights alone at the update
    #: step, whose full form shows the change), with its own caption note; None when there is none.
    edge_text_short: tuple[str, ...] | None = None
    edge_note_short: str = ""
    #: Per shown output neuron, its prediction against its target (and the loss under a single one), or None.
    output_text: tuple[str, ...] | None = None
    skip_value: tuple[float | None, ...] = ()

    def __repr__(self):
        return f"DiagramScene(mode={self.mode!r}, widths={list(self.widths)}, caption={self.caption!r})"


def pack_color(color) -> np.uint32:
    """A colour name, ``#rrggbb`` or QColor, packed as opaque 0xAARRGGBB."""
    color = QtGui.QColor(color)
    return pack_rgb(color.red(), color.green(), color.blue())


def widths_of(record: PassRecord) -> tuple[int, ...]:
    """The layer widths (input first) of the network a record comes from."""
    return (record.weights[0].shape[1],) + tuple(w.shape[0] for w in record.weights)


def _largest_abs(arrays) -> float:
    """The largest finite |value| over all the arrays, or 1 when there is none above 0."""
    values = np.abs(np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays]))
    values = values[np.isfinite(values)]
    return float(values.max()) if values.size and values.max() > 0 else 1.0


def colour_scale(mode: str, records) -> ColourScale:
    """The colour scale of ``mode`` over all of ``records`` (one record, or several that share a scale).

    gradient: the decades bracketing every computed |∂L/∂w| (:func:`~gradviz.core.stats.decade_range`);
    weight: the largest finite |w|; activation: the largest finite |a|, inputs included.
    """
    mode = edge_colouring(mode)
    records = [records] if isinstance(records, PassRecord) else list(records)
    if mode == "gradient":
        grads = [l.grad_w.ravel() for r in records for l in r.layers if l.backward_done]
        return ColourScale(mode, decades=decade_range(np.concatenate(grads)) if grads else decade_range([]))
    if mode == "weight":
        return ColourScale(mode, largest=_largest_abs([w for r in records for w in r.weights]))
    arrays = [a for r in records for a in [r.inputs] + [l.a for l in r.layers if l.a is not None]]
    return ColourScale(mode, largest=_largest_abs(arrays))


def layer_edge_colours(record: PassRecord, layer: int, to_idx, from_idx, mode: str, theme: Theme, scale: ColourScale):
    """Packed colour, dashed flag and drawing rank of the edges ``to_idx x from_idx`` of weight layer ``layer``.

    The edges run to-major, as ``W[to, from]`` ravels.
    """
    mode = edge_colouring(mode)
    source = _edge_source(record, layer, mode)
    count = len(to_idx) * len(from_idx)
    dashed = np.zeros(count, dtype=bool)
    if source is None:
        argb = np.full(count, pack_color(theme.neutral_edge), dtype=np.uint32)
        rank = np.full(count, -1.0)
    elif mode == "gradient":
        magnitudes = np.abs(np.asarray(source)[np.ix_(to_idx, from_idx)].ravel())
        argb = pack(gradient_colors(magnitudes, scale.decades, theme))
        rank = log_position(magnitudes, scale.decades)
        dashed = magnitudes == 0
        rank[dashed] = -0.5
        rank[~np.isfinite(magnitudes)] = 2.0
    elif mode == "weight":
        weights = np.asarray(source)[np.ix_(to_idx, from_idx)].ravel()
        finite = np.isfinite(weights)
        position = np.clip(0.5 + 0.5 * np.where(finite, weights, 0.0) / scale.largest, 0.0, 1.0)
        argb = pack(theme.colormap("weight").map(position, mode="byte"))
        argb[~finite] = pack_color(theme.nonfinite)
        rank = np.where(finite, np.abs(position - 0.5), 2.0)
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            magnitude = np.mean(np.abs(np.asarray(source)[:, from_idx]), axis=0)
        finite = np.isfinite(magnitude)
        position = np.clip(np.where(finite, magnitude, 0.0) / scale.largest, 0.0, 1.0)
        per_source = pack(theme.colormap("activation").map(position, mode="byte"))
        per_source[~finite] = pack_color(theme.nonfinite)
        argb = np.tile(per_source, len(to_idx))
        rank = np.tile(np.where(finite, position, 2.0), len(to_idx))
    return argb, dashed, rank


def skip_colours(record: PassRecord, mode: str, theme: Theme, scale: ColourScale):
    """The layers with a skip connection, the packed colour of each arc and its :func:`skip_gradient`.

    Gradient mode colours an arc on the edges' log scale (grey until computed); the other modes draw it
    neutral, since an identity path has no weight and no source of its own.
    """
    mode = edge_colouring(mode)
    layers = tuple(l.index for l in record.layers if l.residual)
    values = tuple(skip_gradient(record, l) for l in layers)
    neutral = int(pack_color(theme.neutral_edge))
    if mode != "gradient":
        return layers, (neutral,) * len(layers), values
    computed = [v for v in values if v is not None]
    # One colour map call for every arc: a call costs far more than the handful of values it maps.
    coloured = iter(pack(gradient_colors(computed, scale.decades, theme)).tolist() if computed else ())
    argb = tuple(neutral if v is None else int(next(coloured)) for v in values)
    return layers, argb, values


def layer_node_colours(record: PassRecord, layer: int, units, theme: Theme) -> np.ndarray:
    """Neuron fill of ``units`` of ``layer``: mean f'(z) over the samples, relative to the activation's largest f'."""
    if layer == 0 or record.layers[layer - 1].z is None:
        return np.full(len(units), pack_color(theme.node_fill), dtype=np.uint32)
    slope = mean_relative_slope(record, layer, units)
    finite = np.isfinite(slope)
    argb = pack(theme.colormap("activation").map(np.clip(np.where(finite, slope, 0.0), 0, 1), mode="byte"))
    argb[~finite] = pack_color(theme.nonfinite)
    return argb


SKIP_SWATCH_LABEL = "skip connection"


def colour_bar_spec(mode: str, theme: Theme, scale: ColourScale, skips: bool = False) -> ColourBarSpec:
    """The colour bar of ``mode`` on ``scale``, with a "skip connection" swatch when ``skips`` are drawn."""
    spec = _colour_bar_spec(mode, theme, scale)
    if skips:
        swatch = Swatch(int(pack_color(theme.foreground)), SKIP_SWATCH_LABEL, arc=True)
        spec = ColourBarSpec(spec.title, spec.subtitle, spec.stops, spec.ticks, spec.swatches + (swatch,), spec.fill_stops)
    return spec


def _colour_bar_spec(mode: str, theme: Theme, scale: ColourScale) -> ColourBarSpec:
    mode = edge_colouring(mode)
    fills = tuple(pack(theme.colormap("activation").map(np.linspace(0, 1, NEURON_FILL_STOPS), mode="byte")).tolist())
    if mode == "gradient":
        lo, hi = scale.decades
        exponents = lo + (hi - lo) * np.linspace(0.0, 1.0, COLOUR_BAR_STOPS)
        stops = pack(gradient_colors(10.0**exponents, (lo, hi), theme))
        ticks = tuple(((e - lo) / (hi - lo), format_power_of_ten(e)) for e in range(lo, hi + 1))
        swatches = (
            Swatch(int(pack_color(theme.neutral_edge)), "not computed yet"),
            Swatch(int(pack_color(theme.zero_edge)), "exactly zero", dashed=True),
            Swatch(int(pack_color(theme.nonfinite)), "NaN or inf"),
        )
        return ColourBarSpec("|∂L/∂w|", "log scale", tuple(stops.tolist()), ticks, swatches, fills)
    stops = tuple(pack(theme.colormap(mode).map(np.linspace(0.0, 1.0, COLOUR_BAR_STOPS), mode="byte")).tolist())
    if mode == "weight":
        ticks = tuple(((v + 1) / 2, format_number(v * scale.largest)) for v in (-1.0, -0.5, 0.0, 0.5, 1.0))
        return ColourBarSpec("weight w", "by sign", stops, ticks, (Swatch(int(pack_color(theme.nonfinite)), "NaN or inf"),), fills)
    ticks = tuple((v, format_number(v * scale.largest)) for v in (0.0, 0.5, 1.0))
    swatches = (Swatch(int(pack_color(theme.neutral_edge)), "not computed yet"), Swatch(int(pack_color(theme.nonfinite)), "NaN or inf"))
    return ColourBarSpec("|a| of source", "mean over samples", stops, ticks, swatches, fills)


#: A memo recognises an array of at most this many values by its content, a larger one only as the very object
#: it was computed from. A pass stepped through again (after a reset) computes equal arrays anew, and a small
#: network's then find their colours and texts kept; reading a larger one's bytes would cost more than it saves.
CONTENT_KEYED_VALUES = 1024


def _same_objects(kept: tuple, sources: tuple) -> bool:
    return len(kept) == len(sources) and all(a is b for a, b in zip(kept, sources))


class SceneCache:
    """Memos that keep rebuilding a scene per micro-step cheap: pass one to :func:`build_scene` again and again.

    Everything is keyed on the (immutable) arrays and records it was computed from: small arrays by their
    content (:data:`CONTENT_KEYED_VALUES`), the rest by identity, checked with ``is``. A layer's colours are
    recomputed only when its array is new, a colour scale once a pass.
    """

    def __init__(self):
        self._edges: dict = {}
        self._nodes: dict = {}
        self._scales: dict = {}
        self._bars: dict = {}
        self._texts: dict = {}
        self._skips: dict = {}

    def __repr__(self):
        return f"SceneCache(edges={len(self._edges)}, nodes={len(self._nodes)}, scales={len(self._scales)})"

    def clear(self) -> None:
        for memo in (self._edges, self._nodes, self._scales, self._bars, self._texts, self._skips):
            memo.clear()

    @staticmethod
    def _kept(memo: dict, key, sources: tuple, most: int, compute):
        """``compute()``, kept in ``memo`` under ``key`` and ``sources``, the objects it was computed from;
        ``memo`` is emptied when it would hold more than ``most`` results.

        Sources that are all small arrays are recognised by their content (shape, type and bytes); any other
        sources only as the very same objects (checked with ``is``: an id alone may be a new object's at a
        freed one's address). First of all, the latest result under ``key`` is found again while ``sources``
        are the same objects as its own: a frame finds its unchanged layers without reading their bytes."""
        latest = memo.get(key)
        if latest is not None and _same_objects(latest[0], sources):
            return latest[1]
        by_content = bool(sources) and all(type(s) is np.ndarray and s.size <= CONTENT_KEYED_VALUES for s in sources)
        if by_content:
            slot = ("content", key, tuple((s.shape, s.dtype.str, s.tobytes()) for s in sources))
        else:
            slot = ("identity", key, tuple(id(s) for s in sources))
        hit = memo.get(slot)
        if hit is not None and (by_content or _same_objects(hit[0], sources)):
            result = hit[1]
        else:
            result = compute()
            if len(memo) > most:
                memo.clear()
            memo[slot] = ((), result) if by_content else (sources, result)
        memo[key] = (sources, result)
        return result

    def colour_scale(self, mode: str, records) -> ColourScale:
        """:func:`colour_scale`, computed once per set of records (of weights, in weight mode)."""
        records = [records] if isinstance(records, PassRecord) else list(records)
        # Every record of a pass shares one weights tuple (until the update makes new weights).
        sources = tuple(r.weights if mode == "weight" else r for r in records)
        return self._kept(self._scales, mode, sources, 16, lambda: colour_scale(mode, records))

    def edge_colours(self, record, layer, to_idx, from_idx, mode, theme, scale):
        source = _edge_source(record, layer, mode)
        key = (mode, theme.name, layer, scale, len(to_idx), len(from_idx))
        compute = lambda: layer_edge_colours(record, layer, to_idx, from_idx, mode, theme, scale)  # noqa: E731
        return self._kept(self._edges, key, (source,), 8 * (record.depth + 2), compute)

    def skip_colours(self, record, mode, theme, scale):
        """:func:`skip_colours`, recomputed only when a skipped layer's δ is new (once per backward step)."""
        deltas = tuple(l.delta for l in record.layers if l.residual)
        key = (mode, theme.name, scale, len(deltas))
        return self._kept(self._skips, key, deltas, 4 * (record.depth + 2), lambda: skip_colours(record, mode, theme, scale))

    def node_colours(self, record, layer, units, theme):
        z = record.layers[layer - 1].z if layer else None
        if z is None:  # the inputs, or a layer not reached yet: one fill, kept for the layer
            key = (theme.name, layer, "unfilled", len(units))
            return self._kept(self._nodes, key, (), 4 * (record.depth + 2), lambda: layer_node_colours(record, layer, units, theme))
        # The slope f'(z) depends on the layer's activation as well as on z.
        key = (theme.name, layer, record.layers[layer - 1].activation, len(units))
        return self._kept(self._nodes, key, (z,), 4 * (record.depth + 2), lambda: layer_node_colours(record, layer, units, theme))

    def node_texts(self, record, layer, units, backward):
        """:func:`layer_node_texts`, recomputed only when the array they print (δ or a) is new."""
        delta = record.layers[layer - 1].delta if layer and backward else None
        source = delta if delta is not None else record.activations(layer)
        if source is None:
            return None, None
        key = (layer, len(units))
        compute = lambda: layer_node_texts(record, layer, units, backward)  # noqa: E731
        return self._kept(self._texts, key, (source,), 4 * (record.depth + 2), compute)

    def output_texts(self, record, units):
        """:func:`output_texts`, recomputed only when the outputs, the targets or the loss are new."""
        sources = (record.targets, record.output)
        return self._kept(self._texts, ("outputs", len(units), record.loss), sources, 4 * (record.depth + 2), lambda: output_texts(record, units))

    def colour_bar(self, mode, theme, scale, skips: bool = False) -> ColourBarSpec:
        key = (mode, theme.name, scale, skips)
        return self._kept(self._bars, key, (), 16, lambda: colour_bar_spec(mode, theme, scale, skips))


def default_colour_scale(record: PassRecord, scale_record: PassRecord, mode: str, cache: SceneCache | None = None) -> ColourScale:
    """The scale a diagram uses on its own: ``scale_record``'s (see :func:`build_scene`)."""
    mode = edge_colouring(mode)
    if mode == "gradient":
        # Before any gradient of the scale record exists (it is not a complete pass), fall back on the record.
        if not any(l.backward_done for l in scale_record.layers):
            scale_record = record
    elif mode == "weight":
        # The record's own weights: the same tuple as the scale record's, except at the update step, which
        # shows the new weights.
        scale_record = record
    compute = cache.colour_scale if cache is not None else colour_scale
    return compute(mode, [scale_record])


#: What the numbers on the edges are, per label mode, for the caption line.
EDGE_NOTES = {
    "gradient": "numbers on edges: ∂L/∂w",
    "weight": "numbers on edges: weight w",
    "weight-and-gradient": "numbers on edges: weight w and ∂L/∂w",
}


def layer_node_texts(record: PassRecord, layer: int, units, backward: bool):
    """The numbers on ``layer``'s shown neurons (see :func:`node_value_texts`) and the same at two digits."""
    means = node_means(record, layer, units, backward)
    if means is None:
        return None, None
    return node_value_texts(means), tuple(format_number(float(v), 2) for v in means)


def build_scene(
    record: PassRecord,
    scale_record: PassRecord | None,
    mode: str,
    theme: Theme,
    colour_scale: ColourScale | None = None,
    cache: SceneCache | None = None,
) -> DiagramScene:
    """The scene ``record`` draws as in colour ``mode`` and ``theme``.

    Parameters
    ----------
    record : the pass as far as it has gone
    scale_record : the complete pass ``record`` is part of (``Stepper.complete_record``), so the colour scale
        does not jump from step to step; None scales ``record`` on its own values
    mode : one of :data:`gradviz.names.COLOR_MODES`
    theme : the screen or slide theme
    colour_scale : a scale of ``mode`` to use instead of ``scale_record``'s (two diagrams sharing one scale)
    cache : a :class:`SceneCache` kept from one call to the next, to recolour only what changed
    """
    check_color_mode(mode)
    colouring = edge_colouring(mode)
    scale_record = record if scale_record is None else scale_record
    if colour_scale is None:
        colour_scale = default_colour_scale(record, scale_record, colouring, cache)
    elif colour_scale.mode != colouring:
        raise ValueError(f"a colour scale of mode {colour_scale.mode!r} cannot colour mode {mode!r}")
    edge_colours = cache.edge_colours if cache is not None else layer_edge_colours
    node_colours = cache.node_colours if cache is not None else layer_node_colours
    node_texts = cache.node_texts if cache is not None else layer_node_texts

    widths = widths_of(record)
    shown = [shown_units(w)[0] for w in widths]
    parts = [edge_colours(record, l, shown[l], shown[l - 1], colouring, theme, colour_scale) for l in range(1, record.depth + 1)]
    edge_argb = _read_only(np.concatenate([p[0] for p in parts]))
    edge_dashed = _read_only(np.concatenate([p[1] for p in parts]))
    edge_rank = _read_only(np.concatenate([p[2] for p in parts]))
    node_argb = _read_only(np.concatenate([node_colours(record, l, shown[l], theme) for l in range(record.depth + 1)]))

    phase, layer = record.phase, record.layer
    backward = phase in (Phase.BACKWARD, Phase.UPDATE)
    texts = [node_texts(record, l, units, backward) if widths[l] <= MAX_LABELLED_UNITS else (None, None) for l, units in enumerate(shown)]
    node_text = tuple(t[0] for t in texts)
    node_text_short = tuple(t[1] for t in texts)
    mean = over_samples(record.inputs)
    node_note = _node_note(record, backward, mean)
    layer_names = ("input",) + tuple(
        get_activation(l.activation).label + (" + skip" if l.residual else "") for l in record.layers
    )
    caption = describe_step(record.step, record.depth)
    if record.loss is not None:
        caption += f"{CAPTION_SEPARATOR}loss {format_number(record.loss, 6, trailing_zeros=False)}"
    computing = phase in (Phase.FORWARD, Phase.BACKWARD)
    edge_text = edge_value_texts(record, mode, shown)
    edge_note = "" if edge_text is None else EDGE_NOTES[mode]
    edge_text_short, edge_note_short = None, ""
    update = record.update if mode != "activation" else None  # at the update step: w ← w − η·∂L/∂w
    changes = None if update is None else update_texts(update, record, shown)
    if changes is not None:
        eta = format_number(update.learning_rate, 3, trailing_zeros=False)
        edge_text, edge_text_short = changes
        edge_note = f"numbers on edges: the update w ← w − η·∂L/∂w, η = {eta}"
        edge_note_short = "numbers on edges: the new weight w"
    output_units = shown[-1] if widths[-1] <= MAX_LABELLED_UNITS else None
    outputs = cache.output_texts if cache is not None else output_texts
    output_text = None if output_units is None else outputs(record, output_units)
    skips = cache.skip_colours if cache is not None else skip_colours
    skip_layers, skip_argb, skip_value = skips(record, colouring, theme, colour_scale)
    bar = (
        cache.colour_bar(colouring, theme, colour_scale, bool(skip_layers))
        if cache is not None
        else colour_bar_spec(colouring, theme, colour_scale, bool(skip_layers))
    )
    return DiagramScene(
        mode=mode,
        colour_scale=colour_scale,
        widths=widths,
        edge_argb=edge_argb,
        edge_dashed=edge_dashed,
        edge_rank=edge_rank,
        node_argb=node_argb,
        node_text=node_text,
        node_text_short=node_text_short,
        node_note=node_note,
        layer_names=layer_names,
        highlight=layer if computing else record.depth if phase is Phase.LOSS else None,
        direction=-1 if phase is Phase.BACKWARD else 1,
        pulse_layer=layer if computing else None,
        caption=caption,
        colour_bar=bar,
        edge_text=edge_text,
        edge_note=edge_note,
        skip_layers=skip_layers,
        skip_argb=skip_argb,
        skip_value=skip_value,
        edge_text_short=edge_text_short,
        edge_note_short=edge_note_short,
        output_text=output_text,
    )


def _node_note(record: PassRecord, backward: bool, mean: str) -> tuple[str, ...]:
    """The caption's parts that say what the numbers on the neurons are: the activation a; during the backward
    pass δ = ∂L/∂z, and a still left of the layers it has reached (:func:`~.values.node_means`). Two parts,
    so a narrow caption puts them on two lines rather than cut the second."""
    if not backward:
        return (f"numbers on neurons: activation a{mean}",)
    reached = [l for l in range(1, record.depth + 1) if record.layers[l - 1].delta is not None]
    if not reached or reached[0] == 1:
        return (f"numbers on neurons: δ = ∂L/∂z{mean}",)
    return (f"numbers on neurons: δ = ∂L/∂z{mean}", f"left of layer {reached[0]}: a")


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array
