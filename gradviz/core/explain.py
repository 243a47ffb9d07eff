"""The inspector's text: a neuron's or a weight's numbers and its chain-rule formula, numbers filled in.

Kept out of Qt so the formulas are tested as plain strings. Where a batch has several samples, ``sample``
chooses what is shown: None shows the mean over the samples (a weight's gradient is that mean), a sample's
index (0-based) shows that sample's own numbers and its share of the gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .format import MINUS, format_number
from .records import PassRecord, Phase

#: Significant digits of every number the inspector prints.
INSPECTOR_DIGITS = 6


def fmt(value: float) -> str:
    """A number as the inspector prints it: the one formatter, 6 significant digits, no trailing zeros."""
    return format_number(value, INSPECTOR_DIGITS, trailing_zeros=False)


def _paren(value: float) -> str:
    text = fmt(value)
    return f"({text})" if text.startswith(MINUS) else text


def _derivative_symbol(activation: str) -> str:
    return {"sigmoid": "σ′", "tanh": "tanh′", "relu": "relu′", "linear": "id′"}.get(activation, f"{activation}′")


def _derivative(activation: str, z: float) -> float:
    return float(get_activation(activation).derivative(np.array([z]))[0])


def _weight_name(record: PassRecord, layer: int, to_unit: int, from_unit: int) -> str:
    return f"w{layer}[{to_unit + 1},{from_unit + 1}]" if record.weights[layer - 1].size > 1 else f"w{layer}"


def edge_ends(layer: int, to_unit: int, from_unit: int) -> str:
    """Where the weight ``layer[to_unit, from_unit]`` runs, neurons counted from 1: "from input 4 to neuron 8 of
    layer 1", "from neuron 8 of layer 10 to neuron 1 of layer 11" (the inspector's words and the hover's)."""
    source = f"input {from_unit + 1}" if layer == 1 else f"neuron {from_unit + 1} of layer {layer - 1}"
    return f"from {source} to neuron {to_unit + 1} of layer {layer}"


def _sample_count(record: PassRecord) -> int:
    return len(record.inputs)


def _check_sample(record: PassRecord, sample: int | None) -> None:
    if sample is not None and not 0 <= sample < _sample_count(record):
        raise ValueError(f"sample must be from 0 to {_sample_count(record) - 1} or None (the mean), got {sample}")


@dataclass(frozen=True)
class ChainFactor:
    """One factor of a chain-rule product: how it is written (``σ′(z2)``) and its value."""

    symbol: str
    value: float


def is_chain(record: PassRecord, layer: int) -> bool:
    """True when every layer from ``layer`` up to the output has one unit and no skip connection above it,
    so ∂L/∂w of a weight into ``layer`` is one product of factors, written out in full.
    """
    widths_one = all(record.weights[k - 1].shape[0] == 1 for k in range(layer, record.depth + 1))
    no_skip_above = not any(record.layers[k - 1].residual for k in range(layer + 1, record.depth + 1))
    return widths_one and no_skip_above


def weight_chain(record: PassRecord, layer: int, from_unit: int, sample: int) -> tuple[ChainFactor, ...]:
    """The factors of ∂L_s/∂w for the weight into the single unit of ``layer`` from ``from_unit``, for one
    sample: (y − t)·f′(z_L)·w_L·f′(z_(L−1))·…·w_(layer+1)·f′(z_layer)·a_(layer−1).

    Their product is that sample's δ_layer · a_(layer−1); the weight's gradient is its mean over samples.
    Needs ``is_chain(record, layer)`` and a record whose backward pass has reached ``layer``.
    """
    depth = record.depth
    weights = record.pass_weights
    output = record.layers[-1]
    y, t = float(output.a[sample, 0]), float(record.targets[sample, 0])
    factors = [ChainFactor("(y − t)", y - t)]
    if record.loss_name != "binary_cross_entropy":  # with a sigmoid output, BCE's δ_L is y − t itself
        factors.append(ChainFactor(f"{_derivative_symbol(output.activation)}(z{depth})",
                                   _derivative(output.activation, float(output.z[sample, 0]))))  # fmt: skip
    for k in range(depth, layer, -1):
        below = record.layers[k - 2]
        factors.append(ChainFactor(f"w{k}", float(weights[k - 1][0, 0])))
        factors.append(ChainFactor(f"{_derivative_symbol(below.activation)}(z{k - 1})",
                                   _derivative(below.activation, float(below.z[sample, 0]))))  # fmt: skip
    source = "x" if layer == 1 else f"a{layer - 1}"
    if record.activations(layer - 1).shape[1] > 1:
        source += f"[{from_unit + 1}]"
    factors.append(ChainFactor(source, float(record.activations(layer - 1)[sample, from_unit])))
    return tuple(factors)


def _chain_lines(record: PassRecord, layer: int, name: str, from_unit: int, sample: int | None) -> list[str]:
    n = _sample_count(record)
    shown = 0 if sample is None else sample
    factors = weight_chain(record, layer, from_unit, shown)
    symbols = "·".join(f.symbol for f in factors)
    if sample is None and n > 1:
        return [f"∂L/∂{name} = mean over {n} samples of {symbols}",
                "Pick a sample to see every factor's number."]  # fmt: skip
    product = float(np.prod([f.value for f in factors]))
    heading = f"∂L/∂{name} = {symbols}" if n == 1 else f"sample {shown + 1} of {n}: {symbols}"
    numbers = " × ".join(_paren(f.value) for f in factors)
    return [heading, f"= {numbers}", f"= {fmt(product)}"]


def _update_lines(record: PassRecord, layer: int, to_unit: int, from_unit: int, name: str,
                  learning_rate: float | None) -> list[str]:  # fmt: skip
    """The update step's lines: the old value, the gradient applied, η and the new value, then the formula."""
    update = record.update
    if update is None:
        if record.phase is not Phase.UPDATE or record.weights_before_update is None:
            return []
        before = record.weights_before_update[layer - 1][to_unit, from_unit]
        after = record.weights[layer - 1][to_unit, from_unit]
        if learning_rate is None:
            return [f"SGD update: {name} ← {name} − η·∂L/∂{name}: {fmt(before)} → {fmt(after)}"]
        grad = record.layers[layer - 1].grad_w[to_unit, from_unit]
    else:
        before, grad, learning_rate, after = update.weight(layer, to_unit, from_unit)
    with np.errstate(over="ignore", invalid="ignore"):
        change = after - before
    return [
        f"Update with η = {fmt(learning_rate)}: old {name} = {fmt(before)}, gradient applied ∂L/∂{name} = {fmt(grad)}",
        f"SGD update: {name} ← {name} − η·∂L/∂{name} = {fmt(before)} − {fmt(learning_rate)} × {_paren(grad)} = {fmt(after)}",
        f"new {name} = {fmt(after)} (changed by {'+' if change >= 0 else ''}{fmt(change)})",
    ]


def explain_edge(record: PassRecord, layer: int, to_unit: int, from_unit: int, sample: int | None = None,
                 learning_rate: float | None = None) -> list[str]:  # fmt: skip
    """Lines describing weight w[layer][to_unit, from_unit] (layer 1..L): its value and ∂L/∂w.

    Parameters
    ----------
    record : the pass, complete or partial
    layer, to_unit, from_unit : the weight (layer 1..L, units 0-based)
    sample : with several samples, which one's numbers to show (0-based); None shows the mean
    learning_rate : η, for the update step's w ← w − η·∂L/∂w with numbers

    Returns
    -------
    list[str]
        A title, the weight's value, ``∂L/∂w = δ · a`` with numbers and, for a weight of a chain (one unit
        per layer from it to the output), the whole product (y − t)·f′(z_L)·w_L·…·x with every factor's
        number. At the update step, the SGD update with numbers.
    """
    _check_sample(record, sample)
    n = _sample_count(record)
    weights = record.pass_weights
    w = weights[layer - 1][to_unit, from_unit]
    name = _weight_name(record, layer, to_unit, from_unit)
    lines = [f"Weight {name}: {edge_ends(layer, to_unit, from_unit)}", f"{name} = {fmt(w)}"]
    info = record.layers[layer - 1]
    a_prev = record.activations(layer - 1)
    if not info.backward_done:
        lines.append("∂L/∂w is computed when the backward pass reaches this layer.")
        return lines
    grad = info.grad_w[to_unit, from_unit]
    delta = info.delta[:, to_unit]
    a = a_prev[:, from_unit]
    d, a0 = f"δ{layer}", f"a{layer - 1}"
    if n == 1:
        lines.append(f"∂L/∂{name} = {d} · {a0} = {_paren(delta[0])} × {_paren(a[0])} = {fmt(grad)}")
    else:
        lines.append(f"∂L/∂{name} = mean over {n} samples of {d} · {a0} = {fmt(grad)}")
        if sample is not None:
            lines.append(f"sample {sample + 1} of {n}: {d} · {a0} = {_paren(delta[sample])} × {_paren(a[sample])} = "
                         f"{fmt(delta[sample] * a[sample])}")  # fmt: skip
    if is_chain(record, layer):
        lines.extend(_chain_lines(record, layer, name, from_unit, sample))
    lines.extend(_update_lines(record, layer, to_unit, from_unit, name, learning_rate))
    return lines


def explain_neuron(record: PassRecord, layer: int, unit: int, sample: int | None = None) -> list[str]:
    """Lines describing neuron ``unit`` of ``layer`` (0 = input): z, a, f′(z) and δ with its formula.

    With several samples, ``sample`` (0-based) chooses whose numbers are shown; None shows the mean of
    each quantity over the samples (the formulas hold per sample, so their numbers need one). At the update
    step, the update of the neuron's bias with numbers: b ← b − η·∂L/∂b (∂L/∂b is δ's mean over samples).
    """
    return _neuron_lines(record, layer, unit, sample) + _bias_update_lines(record, layer, unit)


def _bias_update_lines(record: PassRecord, layer: int, unit: int) -> list[str]:
    update = record.update
    if update is None or layer == 0:
        return []
    l = layer - 1
    before, grad, after = (float(a[l][unit]) for a in (update.biases_before, update.bias_gradients, update.biases_after))
    name = f"b{layer}" if update.biases_before[l].size == 1 else f"b{layer}[{unit + 1}]"
    eta = update.learning_rate
    return [f"SGD update: {name} ← {name} − η·∂L/∂{name} = {fmt(before)} − {fmt(eta)} × {_paren(grad)} = {fmt(after)}"]


def _neuron_lines(record: PassRecord, layer: int, unit: int, sample: int | None) -> list[str]:
    _check_sample(record, sample)
    n = _sample_count(record)
    if n > 1 and sample is None:
        return _neuron_means(record, layer, unit)
    sample = 0 if sample is None else sample
    if layer == 0:
        which = f", sample {sample + 1} of {n}" if n > 1 else ""
        return [f"Input {unit + 1}{which}", f"x = {fmt(record.inputs[sample, unit])}"]
    info = record.layers[layer - 1]
    depth = record.depth
    title = "Output neuron" if layer == depth else "Neuron"
    lines = [f"{title} {unit + 1} of layer {layer} ({info.activation})" + (f", sample {sample + 1} of {n}" if n > 1 else "")]
    if not info.forward_done:
        lines.append("Computed when the forward pass reaches this layer.")
        return lines
    z = info.z[sample, unit]
    df = _derivative(info.activation, z)
    sym = _derivative_symbol(info.activation)
    lines.append(f"z{layer} = Σ w · a{layer - 1} + b = {fmt(z)}")
    skip = f" + a{layer - 1}" if info.residual else ""
    lines.append(f"a{layer} = {info.activation}(z{layer}){skip} = {fmt(info.a[sample, unit])}")
    lines.append(f"{sym}(z{layer}) = {fmt(df)}")
    if not info.backward_done:
        lines.append(f"δ{layer} is computed when the backward pass reaches this layer.")
        return lines
    delta = info.delta[sample, unit]
    if layer == depth:
        y, t = info.a[sample, unit], record.targets[sample, unit]
        if record.loss_name == "binary_cross_entropy":
            lines.append(f"δ{layer} = y − t = {fmt(y)} − {_paren(t)} = {fmt(delta)}")
        else:
            lines.append(f"δ{layer} = (y − t) · {sym}(z{layer}) = ({fmt(y)} − {_paren(t)}) × {_paren(df)} = {fmt(delta)}")
        return lines
    above = record.layers[layer]
    w_col = record.pass_weights[layer][:, unit]
    upstream = float(w_col @ above.delta[sample])
    if len(w_col) == 1:
        weighted = f"w{layer + 1} · δ{layer + 1}"
        numbers = f"{_paren(w_col[0])} × {_paren(above.delta[sample, 0])}"
    else:
        weighted = f"Σₖ w{layer + 1}[k,{unit + 1}] · δ{layer + 1}[k]"
        numbers = _paren(upstream)
    if above.residual:
        # The skip connection of the layer above passes its own dL/da straight down.
        lines.append(f"δ{layer} = ({weighted} + ∂L/∂a{layer + 1}) · {sym}(z{layer}) = {fmt(delta)}")
    else:
        lines.append(f"δ{layer} = {weighted} · {sym}(z{layer}) = {numbers} × {_paren(df)} = {fmt(delta)}")
    return lines


def _mean(values: np.ndarray) -> float:
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.mean(values))


def _neuron_means(record: PassRecord, layer: int, unit: int) -> list[str]:
    """A neuron's quantities as means over the batch's samples."""
    n = _sample_count(record)
    mean = f"mean over {n} samples"
    if layer == 0:
        return [f"Input {unit + 1}, {mean}", f"x = {fmt(_mean(record.inputs[:, unit]))}",
                "Pick a sample to see its own numbers."]  # fmt: skip
    info = record.layers[layer - 1]
    title = "Output neuron" if layer == record.depth else "Neuron"
    lines = [f"{title} {unit + 1} of layer {layer} ({info.activation}), {mean}"]
    if not info.forward_done:
        lines.append("Computed when the forward pass reaches this layer.")
        return lines
    act = get_activation(info.activation)
    with np.errstate(over="ignore", invalid="ignore"):
        slopes = act.derivative(np.asarray(info.z[:, unit]))
    lines.append(f"z{layer} = {fmt(_mean(info.z[:, unit]))}")
    lines.append(f"a{layer} = {fmt(_mean(info.a[:, unit]))}")
    lines.append(f"{_derivative_symbol(info.activation)}(z{layer}) = {fmt(_mean(slopes))}")
    if info.backward_done:
        lines.append(f"δ{layer} = {fmt(_mean(info.delta[:, unit]))}")
    else:
        lines.append(f"δ{layer} is computed when the backward pass reaches this layer.")
    lines.append("Pick a sample to see the chain rule with its numbers.")
    return lines
