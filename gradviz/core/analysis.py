"""Side-by-side analyses behind the panels: one network under two activations, chains of derivatives.

Pure NumPy: the gradient-bar, depth-chain and activation-curve panels and the exporter read these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .losses import get_loss
from .network import Network
from .records import frozen_array
from .stats import MEASURES, grad_stats

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
    """

    activations: tuple[str, str]
    measure: str
    values: np.ndarray
    kept_output: str | None = None
    blocked_at: tuple[int | None, int | None] = (None, None)

    @property
    def depth(self) -> int:
        return self.values.shape[1]

    def __repr__(self):
        return f"ActivationComparison({self.activations!r}, measure={self.measure!r}, depth={self.depth})"


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
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
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
    return ActivationComparison(names, measure, frozen_array(rows), kept, tuple(blocked))


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


def activation_curve(name: str, lo: float = -10.0, hi: float = 10.0, n: int = 801):
    """An activation and its derivative sampled on ``n`` evenly spaced points of [lo, hi].

    Returns
    -------
    z, f, df : read-only arrays of length ``n``
    """
    activation = get_activation(name)
    z = np.linspace(lo, hi, int(n))
    return frozen_array(z), frozen_array(activation(z)), frozen_array(activation.derivative(z))
