"""What the diagram prints: the numbers on neurons and edges, the update, the output against its target, and
the hover texts. Pure (NumPy and the one number formatter); :mod:`.scene` puts them in a scene.
"""

from __future__ import annotations

import math

import numpy as np

from ...core.explain import edge_ends
from ...core.format import format_number
from ...core.records import PassRecord, WeightUpdate
from ...core.stats import skip_gradient
from ...names import edge_colouring

#: Most characters of a value printed on a neuron: three significant digits, two where three are longer.
NODE_TEXT_CHARS = 7
#: Diagrams with at most this many shown edges print each edge's value on it (∂L/∂w or w).
MAX_EDGE_LABELS = 32
#: Significant digits of a value printed on an edge (the tutorial's −0.000424, −0.00387, −0.0320).
EDGE_TEXT_DIGITS = 3
#: Most significant digits of an updated weight: enough to show a change of 10^-6 of the weight, no more.
MOST_UPDATE_DIGITS = 8


def _edge_source(record: PassRecord, layer: int, mode: str):
    """The array an edge colour of ``mode`` is read from, or None while it is not computed."""
    mode = edge_colouring(mode)
    if mode == "gradient":
        return record.layers[layer - 1].grad_w
    if mode == "weight":
        return record.weights[layer - 1]
    return record.activations(layer - 1)


def _labelled_edges(record: PassRecord, shown) -> int:
    return sum(len(shown[l]) * len(shown[l - 1]) for l in range(1, record.depth + 1))


def edge_value_texts(record: PassRecord, mode: str, shown) -> tuple[str, ...] | None:
    """The value printed on each shown edge (to-major per layer): ∂L/∂w in gradient mode, w in weight mode,
    both (two lines, the gradient once computed) in weight-and-gradient mode.

    "" for an edge whose gradient is not computed yet; None beyond :data:`MAX_EDGE_LABELS` shown edges or in
    activation mode.
    """
    if mode == "activation" or _labelled_edges(record, shown) > MAX_EDGE_LABELS:
        return None
    texts: list[str] = []
    for l in range(1, record.depth + 1):
        index = np.ix_(shown[l], shown[l - 1])
        count = len(shown[l]) * len(shown[l - 1])
        if mode == "weight-and-gradient":
            weights = np.asarray(record.weights[l - 1])[index].ravel()
            grad = record.layers[l - 1].grad_w
            grads = [None] * count if grad is None else np.asarray(grad)[index].ravel().tolist()
            texts += [
                f"w {format_number(float(w), EDGE_TEXT_DIGITS)}" + ("" if g is None else f"\n∂L/∂w {format_number(float(g), EDGE_TEXT_DIGITS)}")
                for w, g in zip(weights.tolist(), grads)
            ]
            continue
        source = _edge_source(record, l, mode)
        if source is None:
            texts += [""] * count
        else:
            texts += [format_number(float(v), EDGE_TEXT_DIGITS) for v in np.asarray(source)[index].ravel()]
    return tuple(texts)


def update_digits(before: float, after: float) -> int:
    """Significant digits that show ``after`` apart from ``before`` (at least :data:`EDGE_TEXT_DIGITS`)."""
    change = abs(after - before)
    if not (math.isfinite(change) and math.isfinite(after)) or change == 0 or after == 0:
        return EDGE_TEXT_DIGITS
    return int(min(MOST_UPDATE_DIGITS, max(EDGE_TEXT_DIGITS, math.ceil(math.log10(abs(after) / change)) + 2)))


def update_texts(update: WeightUpdate, record: PassRecord, shown) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """At the update step, each shown edge's change in full ("0.5 − 0.5·(−0.000424)" over "= 0.500212") and in
    short (the new weight alone, "0.500212"), or None beyond :data:`MAX_EDGE_LABELS` shown edges."""
    if _labelled_edges(record, shown) > MAX_EDGE_LABELS:
        return None
    eta = format_number(update.learning_rate, 3, trailing_zeros=False)
    full: list[str] = []
    short: list[str] = []
    for l in range(1, record.depth + 1):
        index = np.ix_(shown[l], shown[l - 1])
        rows = zip(*(np.asarray(a[l - 1])[index].ravel().tolist() for a in (update.weights_before, update.gradients, update.weights_after)))
        for before, grad, after in rows:
            new = format_number(after, update_digits(before, after), trailing_zeros=False)
            grad_text = format_number(grad, EDGE_TEXT_DIGITS)
            grad_text = f"({grad_text})" if grad < 0 else grad_text
            full.append(f"{format_number(before, EDGE_TEXT_DIGITS, trailing_zeros=False)} − {eta}·{grad_text}\n= {new}")
            short.append(new)
    return tuple(full), tuple(short)


def output_texts(record: PassRecord, shown_outputs) -> tuple[str, ...] | None:
    """What each shown output neuron prints beside it: its prediction against its target ("ŷ 0.627 · target
    0.8", means over the samples where there are several) and, for a single output, the loss under it."""
    targets = np.asarray(record.targets, dtype=np.float64)
    if targets.ndim != 2:
        return None
    output = record.output
    with np.errstate(invalid="ignore", over="ignore"):
        target_means = targets.mean(axis=0)
        predictions = None if output is None else np.asarray(output, dtype=np.float64).mean(axis=0)
    many = targets.shape[0] > 1
    texts = []
    for unit in shown_outputs:
        target = format_number(float(target_means[unit]), EDGE_TEXT_DIGITS, trailing_zeros=False)
        line = f"target {target}" + (" (mean)" if many else "")
        if predictions is not None:
            line = f"ŷ {format_number(float(predictions[unit]), EDGE_TEXT_DIGITS)}  ·  " + line
        texts.append(line)
    if len(texts) == 1 and record.loss is not None:
        texts[0] += f"\nloss {format_number(record.loss, EDGE_TEXT_DIGITS)}"
    return tuple(texts)


def edge_value_description(record: PassRecord, mode: str, layer: int, to_unit: int, from_unit: int) -> str:
    """The hover text of an edge: where it runs and its value in ``mode`` (and its gradient once computed)."""
    lines = [f"weight layer {layer}: {edge_ends(layer, to_unit, from_unit)}"]
    weights = record.weights[layer - 1]
    grad = record.layers[layer - 1].grad_w
    lines.append(f"w = {format_number(float(weights[to_unit, from_unit]), EDGE_TEXT_DIGITS)}")
    if grad is not None:
        lines.append(f"∂L/∂w = {format_number(float(grad[to_unit, from_unit]), EDGE_TEXT_DIGITS)}")
    elif edge_colouring(mode) == "gradient":
        lines.append("∂L/∂w: not computed yet")
    if mode == "activation":
        a = record.activations(layer - 1)
        if a is not None:
            with np.errstate(invalid="ignore", over="ignore"):
                mean = float(np.mean(np.abs(np.asarray(a)[:, from_unit])))
            lines.append(f"|a| of source = {format_number(mean, EDGE_TEXT_DIGITS)}{over_samples(a)}")
    return "\n".join(lines)


def over_samples(values) -> str:
    """The suffix " (mean over samples)" of a value averaged over several samples' ``values``; none for one sample's."""
    return " (mean over samples)" if np.shape(values)[0] > 1 else ""


def neuron_value_description(record: PassRecord, layer: int, unit: int) -> str:
    """The hover text of a neuron: its activation and, once computed, its δ (means over the samples)."""
    lines = [f"input {unit + 1}" if layer == 0 else f"neuron {unit + 1} of layer {layer}"]
    a = record.activations(layer)
    with np.errstate(invalid="ignore", over="ignore"):
        if a is None:
            lines.append("a: not computed yet")
        else:
            lines.append(f"a = {format_number(float(np.mean(np.asarray(a)[:, unit])), EDGE_TEXT_DIGITS)}{over_samples(a)}")
        delta = record.layers[layer - 1].delta if layer else None
        if delta is not None:
            lines.append(f"δ = ∂L/∂z = {format_number(float(np.mean(np.asarray(delta)[:, unit])), EDGE_TEXT_DIGITS)}{over_samples(delta)}")
    return "\n".join(lines)


def skip_value_description(record: PassRecord, layer: int) -> str:
    """The hover text of a skip arc: what it skips and its :func:`skip_gradient`."""
    value = skip_gradient(record, layer)
    text = f"skip connection over layer {layer}: a_{layer} = f(z_{layer}) + a_{layer - 1}"
    if value is None:
        return text + "\ngradient through it: not computed yet"
    return text + f"\ngradient through it, mean |δ_{layer}| = {format_number(value, EDGE_TEXT_DIGITS)}"


def node_value_texts(values) -> tuple[str, ...]:
    """The values printed on one layer's neurons: three significant digits, or two for the whole layer where
    three would take more than ``NODE_TEXT_CHARS`` characters on any of them (one precision per column)."""
    texts = tuple(format_number(float(v), 3) for v in values)
    if any(len(t) > NODE_TEXT_CHARS for t in texts):
        texts = tuple(format_number(float(v), 2) for v in values)
    return texts


def node_means(record: PassRecord, layer: int, units, backward: bool) -> np.ndarray | None:
    """The mean value of each shown neuron: δ during the backward pass where computed, else the activation."""
    if layer > 0 and backward and record.layers[layer - 1].delta is not None:
        values = record.layers[layer - 1].delta
    else:
        values = record.activations(layer)
    if values is None:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        return np.mean(np.asarray(values)[:, units], axis=0)
