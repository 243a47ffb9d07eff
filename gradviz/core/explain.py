"""The inspector's text: a neuron's or a weight's numbers and its chain-rule formula, numbers filled in.

Kept out of Qt so the formulas are tested as plain strings. Where a batch has several samples, a
neuron's numbers are those of one sample (``sample``) and a weight's gradient is the mean over samples.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import get_activation
from .records import PassRecord


def fmt(value: float) -> str:
    """A number as the inspector prints it: 6 significant digits, 'NaN'/'∞' for non-finite values."""
    value = float(value) + 0.0  # -0.0 + 0.0 is +0.0: a zero shows as "0", never "−0"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:.6g}"
    return text.replace("-", "−")


def _paren(value: float) -> str:
    text = fmt(value)
    return f"({text})" if text.startswith("−") else text


def _derivative_symbol(activation: str) -> str:
    return {"sigmoid": "σ′", "tanh": "tanh′", "relu": "relu′", "linear": "id′"}.get(activation, f"{activation}′")


def explain_edge(record: PassRecord, layer: int, to_unit: int, from_unit: int, sample: int = 0) -> list[str]:
    """Lines describing weight w[layer][to_unit, from_unit] (layer 1..L): its value and ∂L/∂w."""
    w = record.weights[layer - 1][to_unit, from_unit]
    name = f"w{layer}[{to_unit + 1},{from_unit + 1}]" if record.weights[layer - 1].size > 1 else f"w{layer}"
    lines = [f"Weight {name}: from neuron {from_unit + 1} of layer {layer - 1} to neuron {to_unit + 1} of layer {layer}",
             f"{name} = {fmt(w)}"]
    info = record.layers[layer - 1]
    a_prev = record.activations(layer - 1)
    if not info.backward_done:
        lines.append("∂L/∂w is computed when the backward pass reaches this layer.")
        return lines
    grad = info.grad_w[to_unit, from_unit]
    delta = info.delta[:, to_unit]
    a = a_prev[:, from_unit]
    d, a0 = f"δ{layer}", f"a{layer - 1}"
    if len(delta) == 1:
        lines.append(f"∂L/∂{name} = {d} · {a0} = {_paren(delta[0])} × {_paren(a[0])} = {fmt(grad)}")
    else:
        lines.append(f"∂L/∂{name} = mean over {len(delta)} samples of {d} · {a0} = {fmt(grad)}")
        lines.append(f"sample {sample + 1}: {d} · {a0} = {_paren(delta[sample])} × {_paren(a[sample])} = {fmt(delta[sample] * a[sample])}")
    return lines


def explain_neuron(record: PassRecord, layer: int, unit: int, sample: int = 0) -> list[str]:
    """Lines describing neuron ``unit`` of ``layer`` (0 = input): z, a, f′(z) and δ with its formula."""
    if layer == 0:
        return [f"Input {unit + 1}", f"x = {fmt(record.inputs[sample, unit])}"]
    info = record.layers[layer - 1]
    depth = record.depth
    title = "Output neuron" if layer == depth else "Neuron"
    lines = [f"{title} {unit + 1} of layer {layer} ({info.activation})" + (f", sample {sample + 1}" if len(record.inputs) > 1 else "")]
    if not info.forward_done:
        lines.append("Computed when the forward pass reaches this layer.")
        return lines
    z = info.z[sample, unit]
    act = get_activation(info.activation)
    df = float(act.derivative(np.array([z]))[0])
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
    w_col = record.weights[layer][:, unit]
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
