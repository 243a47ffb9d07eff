"""The multilayer perceptron: weights, biases, activations, and exact per-layer forward/backward."""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .budget import check_budget
from .losses import get_loss
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

    # The per-layer methods below are what the stepper and the training loop call; ``run`` does the same sums
    # in one loop under one error-state context. Each result is a fresh array the caller owns, so the sums
    # work in place: at 256 x 256 a temporary costs more than the arithmetic it holds.

    def forward_layer(self, index: int, a_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """z and a of layer ``index`` (1..L) from the previous layer's activations (samples x units)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._forward(index - 1, a_prev)

    def _forward(self, l: int, a_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = a_prev @ self.weights[l].T
        z += self.biases[l]
        a = self._act[l].f(z)
        if self._skip[l]:
            a = a + a_prev  # not in place: an activation may hand back z itself
        return z, a

    def hidden_delta(self, index: int, grad_a: np.ndarray, z: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
        """delta_index = dL_s/da_index * f'(z_index), for a layer below the output.

        Given the layer's activations ``a`` (= f(z) unless the layer is residual), f'(z) comes from them where
        the activation allows, the same numbers without computing f(z) again.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            return self._hidden_delta(index - 1, grad_a, z, a)

    def _hidden_delta(self, l: int, grad_a: np.ndarray, z: np.ndarray, a: np.ndarray | None) -> np.ndarray:
        activation = self._act[l]
        if a is not None and activation.df_from_output is not None and not self._skip[l]:
            slope = activation.df_from_output(a)
        else:
            slope = activation.df(z)
        slope *= grad_a
        return slope

    def backward_layer(self, index: int, delta: np.ndarray, a_prev: np.ndarray, grad_a: np.ndarray | None = None):
        """Gradients of layer ``index`` from its ``delta`` (samples x units).

        Returns ``(grad_w, grad_b, grad_a_prev)``: the weight gradients are of the batch loss (the mean
        over samples); ``grad_a_prev`` is dL_s/da_(index-1), which a residual layer adds ``grad_a`` to.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            grad_w, grad_b = self._parameter_gradients(delta, a_prev)
            return grad_w, grad_b, self._grad_a_prev(index - 1, delta, grad_a)

    @staticmethod
    def _parameter_gradients(delta: np.ndarray, a_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        samples = a_prev.shape[0]
        grad_w = delta.T @ a_prev
        grad_w /= samples
        grad_b = np.add.reduce(delta, axis=0)  # delta.mean(axis=0), the same sum and division, without the wrapper
        grad_b /= samples
        return grad_w, grad_b

    def _grad_a_prev(self, l: int, delta: np.ndarray, grad_a: np.ndarray | None) -> np.ndarray:
        grad_a_prev = delta @ self.weights[l]
        if self._skip[l]:
            grad_a_prev += grad_a
        return grad_a_prev

    def output_delta(self, loss_name: str, z, a, targets) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return get_loss(loss_name).output_delta(z, a, targets, self._act[-1])

    def loss_values(self, loss_name: str, z, a, targets) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return get_loss(loss_name).per_sample(z, a, targets)

    def run(self, inputs, targets, loss_name: str = "half_squared_error") -> PassRecord:
        """A complete forward and backward pass, recorded layer by layer.

        A pass that would need more memory than the work budget is refused first (``WorkBudgetError``).
        """
        inputs, targets = _frozen_samples(inputs), _frozen_samples(targets)
        check_budget(self.widths, inputs.shape[0])
        loss = get_loss(loss_name)
        depth = self.depth
        zs, activations = [None] * depth, [inputs]
        deltas, grads_w, grads_b = [None] * depth, [None] * depth, [None] * depth
        with np.errstate(over="ignore", invalid="ignore"):
            for l in range(depth):
                zs[l], a = self._forward(l, activations[l])
                activations.append(a)
            sample_losses = loss.per_sample(zs[-1], activations[-1], targets)
            grad_a = None
            for l in range(depth - 1, -1, -1):
                if l == depth - 1:
                    delta = loss.output_delta(zs[l], activations[l + 1], targets, self._act[l])
                else:
                    delta = self._hidden_delta(l, grad_a, zs[l], activations[l + 1])
                deltas[l] = delta
                grads_w[l], grads_b[l] = self._parameter_gradients(delta, activations[l])
                if l > 0:  # dL/d(input) is no record's business
                    grad_a = self._grad_a_prev(l, delta, grad_a)
            mean_loss = float(sample_losses.sum() / sample_losses.size)  # np.mean's sum and division
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
