"""The multilayer perceptron: weights, biases, activations, and exact per-layer forward/backward."""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .budget import check_budget
from .passes import forward_backward
from .records import LayerRecord, PassRecord, freeze, frozen_array

MAX_WEIGHT_LAYERS = 64
MAX_WIDTH = 512


def _frozen_samples(values) -> np.ndarray:
    """Samples x values as a read-only float64 array; one that already is one is used as it is."""
    if isinstance(values, np.ndarray) and values.ndim == 2 and values.dtype == np.float64:
        if not values.flags.writeable:
            return values
    return frozen_array(np.atleast_2d(values))


class Network:
    """An MLP with ``z_l = W_l a_(l-1) + b_l`` and ``a_l = f_l(z_l)`` (``+ a_(l-1)`` where residual).

    Immutable: training and the SGD step return a new network, so a stepper can step back to any
    earlier one. ``weights[l-1]`` has shape ``(n_l, n_(l-1))``.
    """

    __slots__ = ("widths", "activations", "weights", "biases", "residual", "_act", "_skip")

    def __init__(self, widths, activations, weights, biases=None, residual: bool = False):
        widths = tuple(int(w) for w in widths)
        depth = len(widths) - 1
        if isinstance(activations, str):
            activations = (activations,) * depth
        if len(activations) != depth:
            raise ValueError(f"need {depth} activations (one per weight layer), got {len(activations)}")
        if biases is None:
            biases = [np.zeros(n) for n in widths[1:]]
        if len(weights) != depth or len(biases) != depth:
            raise ValueError(f"need {depth} weight matrices and bias vectors")
        for l in range(depth):
            if np.shape(weights[l]) != (widths[l + 1], widths[l]):
                raise ValueError(f"weights[{l}] must have shape {(widths[l + 1], widths[l])}")
            if np.shape(biases[l]) != (widths[l + 1],):
                raise ValueError(f"biases[{l}] must have shape {(widths[l + 1],)}")
        self.widths = widths
        self.activations = tuple(activations)
        self.weights = tuple(frozen_array(w) for w in weights)
        self.biases = tuple(frozen_array(b) for b in biases)
        self.residual = bool(residual)
        self._act = tuple(get_activation(name) for name in self.activations)
        self._skip = tuple(self.residual and l < depth - 1 and widths[l] == widths[l + 1] for l in range(depth))

    @property
    def depth(self) -> int:
        """Number of weight layers L."""
        return len(self.widths) - 1

    @property
    def edge_count(self) -> int:
        return sum(w.size for w in self.weights)

    @property
    def activation_functions(self) -> tuple:
        """The ``Activation`` of each weight layer (0-based), for the pass functions."""
        return self._act

    @property
    def skip_flags(self) -> tuple[bool, ...]:
        """Whether each weight layer (0-based) adds its input to its output."""
        return self._skip

    def has_skip(self, index: int) -> bool:
        """Whether layer ``index`` (1..L) adds its input to its output: hidden layers of equal widths only."""
        return self._skip[index - 1]

    def with_params(self, weights, biases) -> "Network":
        return Network(self.widths, self.activations, weights, biases, self.residual)

    def sharing_params(self, weights: list, biases: list) -> "Network":
        """A network that reads the given (writable) arrays without copying them: for the training loop."""
        view = object.__new__(Network)
        for name in ("widths", "activations", "residual", "_act", "_skip"):
            setattr(view, name, getattr(self, name))
        view.weights, view.biases = weights, biases
        return view

    def with_activation(self, name: str) -> "Network":
        """The same weights with ``name`` on every layer."""
        return Network(self.widths, name, self.weights, self.biases, self.residual)

    def sgd_step(self, grad_w, grad_b, learning_rate: float) -> "Network":
        return self.with_params(
            [w - learning_rate * g for w, g in zip(self.weights, grad_w)],
            [b - learning_rate * g for b, g in zip(self.biases, grad_b)],
        )

    def run(self, inputs, targets, loss_name: str = "half_squared_error") -> PassRecord:
        """A complete forward and backward pass, recorded layer by layer.

        A pass that would need more memory than the work budget is refused first (``WorkBudgetError``).
        """
        inputs, targets = _frozen_samples(inputs), _frozen_samples(targets)
        check_budget(self.widths, inputs.shape[0])
        depth = self.depth
        arrays = forward_backward(self, inputs, targets, loss_name)
        zs, activations, deltas = arrays.zs, arrays.activations, arrays.deltas
        grads_w, grads_b, sample_losses = arrays.grads_w, arrays.grads_b, arrays.sample_losses
        mean_loss = arrays.loss
        act_names, skips = self.activations, self._skip
        layers = tuple(
            LayerRecord(
                l + 1,
                act_names[l],
                skips[l],
                freeze(zs[l]),
                freeze(activations[l + 1]),
                freeze(deltas[l]),
                freeze(grads_w[l]),
                freeze(grads_b[l]),
            )
            for l in range(depth)
        )
        return PassRecord(
            self.weights,
            self.biases,
            inputs,
            targets,
            layers,
            loss_name,
            2 * depth + 1,
            mean_loss,
            freeze(sample_losses),
        )

    def __repr__(self):
        acts = self.activations[0] if len(set(self.activations)) == 1 else list(self.activations)
        return f"Network(widths={list(self.widths)}, activations={acts!r}, residual={self.residual})"
