"""Side-by-side analyses behind the panels: one network under two activations, chains of derivatives.

Pure NumPy: the gradient-bar, depth-chain and activation-curve panels and the exporter read these.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .losses import get_loss
from .network import Network
from .records import frozen_array
from .stats import MEASURE_LABELS, check_measure, grad_stats

#: sigma'(z) = sigma(z)(1 - sigma(z)) is at most 1/4 (at z = 0), so a chain of k sigmoid layers
#: scales the gradient by at most 0.25**k times the weights along the way.
SIGMOID_DERIVATIVE_BOUND = 0.25

#: The activations the depth chain compares by default.
CHAIN_ACTIVATIONS = ("sigmoid", "tanh", "relu")


@dataclass(frozen=True)
class ActivationComparison:
    """One network's per-layer gradient magnitude under two activations, on identical parameters.

    Attributes
    ----------
    activations : the two activation names compared, in row order of ``values``
    measure : the magnitude, one of ``stats.MEASURES``
    values : 2 x L read-only array; ``values[i, l - 1]`` is layer l's magnitude under ``activations[i]``
    kept_output : the output activation both runs kept because the loss requires it
        (sigmoid for binary cross-entropy), or None when every layer used the compared activation
    blocked_at : per run, where no gradient gets through at all: the layer nearest the output whose
        f'(z) is 0 for every unit and sample (a dead layer of ReLUs), or None when some gradient flows
    revealed : the layers (1-based, ascending) whose values may be shown yet, or None for all of them:
        the bars grow as the backward pass reaches each layer (see ``reveal``)
    network_activation : the hidden activation label(s) of the network whose weights were used ("linear",
        "tanh / ReLU"), or None when unknown
    """

    activations: tuple[str, str]
    measure: str
    values: np.ndarray
    kept_output: str | None = None
    blocked_at: tuple[int | None, int | None] = (None, None)
    revealed: tuple[int, ...] | None = None
    network_activation: str | None = None

    def captions(self) -> tuple[str, str, str]:
        """The bars' caption, long, medium and short, naming exactly the activations compared.

        A kept output layer is named in each ("sigmoid vs ReLU, linear output"), and where the network the
        weights come from runs neither compared activation, the long caption says what it runs.
        """
        first, second = (ACTIVATIONS[name].label for name in self.activations)
        pair = f"{first} vs {second}"
        if self.kept_output is not None:
            pair += f", {ACTIVATIONS[self.kept_output].label} output"
        loaded = ""
        shown = {ACTIVATIONS[name].label for name in self.activations}
        if self.network_activation is not None and self.network_activation not in shown:
            loaded = f" (the network itself runs {self.network_activation})"
        return (
            f"Gradient size per layer: {pair}{loaded}",
            f"{MEASURE_LABELS[self.measure]} per layer: {pair}",
            pair,
        )

    @property
    def depth(self) -> int:
        return self.values.shape[1]

    @property
    def revealed_layers(self) -> tuple[int, ...]:
        """The layers whose bars are shown: ``revealed``, or every layer when it is None."""
        return tuple(range(1, self.depth + 1)) if self.revealed is None else self.revealed

    def reveal(self, layers) -> "ActivationComparison":
        """The same comparison with only ``layers`` (an iterable of 1-based layers, or None for all) shown."""
        if layers is None:
            return replace(self, revealed=None)
        shown = tuple(sorted({int(l) for l in layers}))
        if any(not 1 <= l <= self.depth for l in shown):
            raise ValueError(f"revealed layers must lie in 1..{self.depth}, got {shown}")
        return replace(self, revealed=shown)

    def __repr__(self):
        shown = "" if self.revealed is None else f", revealed={self.revealed!r}"
        return f"ActivationComparison({self.activations!r}, measure={self.measure!r}, depth={self.depth}{shown})"


def kept_output_activation(network: Network, loss_name: str) -> str | None:
    """The output activation a comparison keeps, or None when the output layer is switched too.

    A loss such as binary cross-entropy requires its own output (sigmoid: outputs in (0, 1)); a linear
    output layer is a regression head, not part of the activation under study, and switching it to ReLU
    would silence the whole network whenever its output is negative.
    """
    required = get_loss(loss_name).requires_output
    if required is not None:
        return required
    return "linear" if network.activations[-1] == "linear" and network.depth > 1 else None


def network_with_activation(network: Network, name: str, loss_name: str) -> Network:
    """``network``'s weights with ``name`` on every layer, the output excepted where it is kept.

    See ``kept_output_activation``: the output keeps a loss's required activation or a linear head.
    """
    get_activation(name)
    kept = kept_output_activation(network, loss_name)
    if kept is None or name == kept:
        return network.with_activation(name)
    acts = [name] * (network.depth - 1) + [kept]
    return Network(network.widths, acts, network.weights, network.biases, network.residual)


def compare_activations(
    network: Network,
    inputs,
    targets,
    loss: str,
    activations: tuple[str, str] = ("sigmoid", "relu"),
    measure: str = "mean_abs_grad_w",
) -> ActivationComparison:
    """Per-layer gradient magnitude of ``network`` run once under each of two activations.

    Both runs use the same weights, biases, inputs and targets, so the only difference between the two
    rows is the activation function.

    Parameters
    ----------
    network : weights, biases and widths to use (its own activations are ignored)
    inputs, targets : samples x units
    loss : a name from ``losses.LOSSES``. If it requires a particular output activation (binary
        cross-entropy needs sigmoid), or the output layer is linear (a regression head), the output
        layer keeps it in both runs; see ``kept_output``.
    activations : the two activation names to compare
    measure : one of ``stats.MEASURES``

    Returns
    -------
    ActivationComparison
    """
    check_measure(measure)
    names = tuple(activations)
    if len(names) != 2:
        raise ValueError(f"compare exactly two activations, got {len(names)}")
    required = kept_output_activation(network, loss)
    rows, blocked = [], []
    for name in names:
        record = network_with_activation(network, name, loss).run(inputs, targets, loss)
        rows.append([grad_stats(layer.grad_w).measure(measure) for layer in record.layers])
        blocked.append(_blocked_layer(record))
    kept = required if required is not None and any(name != required for name in names) else None
    return ActivationComparison(names, measure, frozen_array(rows), kept, tuple(blocked), None, hidden_activation_title(network))


def hidden_activation_title(network: Network) -> str:
    """The hidden layers' activation label(s) of ``network``: "sigmoid", "ReLU", "tanh / ReLU" (the output's
    own when it has no hidden layer)."""
    hidden = network.activations[:-1] if network.depth > 1 else network.activations
    return " / ".join(dict.fromkeys(ACTIVATIONS[name].label for name in hidden))


def _blocked_layer(record) -> int | None:
    """The layer nearest the output whose delta is exactly 0 everywhere, when no weight gets any gradient."""
    if any(np.any(layer.grad_w != 0) for layer in record.layers):
        return None
    for layer in reversed(record.layers):
        if np.all(layer.delta == 0):
            return layer.index
    return None


def derivative_chain(names=CHAIN_ACTIVATIONS, x: float = 5.0, depth: int = 10) -> dict[str, np.ndarray]:
    """The product of local derivatives ``f'(x)**k`` for k = 1..depth, per activation.

    This is how the gradient scales through k layers that all sit at pre-activation ``x`` (with unit
    weights). Products below the smallest float underflow quietly to 0; nothing warns.

    Parameters
    ----------
    names : activation names
    x : the pre-activation every layer sits at
    depth : number of layers k runs up to

    Returns
    -------
    dict
        name -> read-only array of length ``depth``
    """
    depth = int(depth)
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    k = np.arange(1, depth + 1, dtype=np.float64)
    chains = {}
    for name in names:
        slope = float(get_activation(name).derivative(x))
        with np.errstate(under="ignore", over="ignore", invalid="ignore"):
            chains[name] = frozen_array(np.power(slope, k))
    return chains


def sigmoid_bound_chain(depth: int = 10) -> np.ndarray:
    """The bound ``0.25**k`` (k = 1..depth) on a chain of sigmoid derivatives."""
    k = np.arange(1, int(depth) + 1, dtype=np.float64)
    with np.errstate(under="ignore"):
        return frozen_array(np.power(SIGMOID_DERIVATIVE_BOUND, k))


def network_slope_chain(record) -> np.ndarray:
    """This network's own gradient factor against depth, from the output back to the input.

    Entry k - 1 (k = 1..L) is the product of the mean local slope over the last k layers,

        m_L * m_(L-1) * ... * m_(L-k+1),  with m_l = mean over samples and units of f_l'(z_l),

    so entry 0 is layer L's mean slope alone and entry L - 1 runs back to layer 1. It is the
    part of the chain rule the activations contribute (weights and skip connections left out), the
    network's counterpart of ``derivative_chain``. Layers whose z is not computed yet give NaN, as do
    non-finite slopes; products under the smallest float underflow quietly to 0.

    Parameters
    ----------
    record : a ``PassRecord`` (its forward pass gives each layer's z)

    Returns
    -------
    read-only float64 array of length L
    """
    slopes = []
    for layer in record.layers:
        if layer.z is None:
            slopes.append(np.nan)
            continue
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            slopes.append(float(np.mean(get_activation(layer.activation).derivative(np.asarray(layer.z, dtype=np.float64)))))
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        chain = np.cumprod(np.asarray(slopes[::-1], dtype=np.float64))
    return frozen_array(chain)


def activation_curve(name: str, lo: float = -10.0, hi: float = 10.0, n: int = 801):
    """An activation and its derivative sampled on ``n`` evenly spaced points of [lo, hi].

    Returns
    -------
    z, f, df : read-only arrays of length ``n``
    """
    activation = get_activation(name)
    z = np.linspace(lo, hi, int(n))
    return frozen_array(z), frozen_array(activation(z)), frozen_array(activation.derivative(z))
