"""The multilayer perceptron: weights, biases, activations, and exact per-layer forward/backward."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import get_activation
from .budget import check_budget
from .losses import get_loss
from .records import LayerRecord, PassRecord, freeze, frozen_array

MAX_WEIGHT_LAYERS = 64
MAX_WIDTH = 512


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

    def forward_layer(self, index: int, a_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """z and a of layer ``index`` (1..L) from the previous layer's activations (samples x units)."""
        l = index - 1
        with np.errstate(over="ignore", invalid="ignore"):
            z = a_prev @ self.weights[l].T + self.biases[l]
            a = self._act[l](z)
            if self._skip[l]:
                a = a + a_prev
        return z, a

    def hidden_delta(self, index: int, grad_a: np.ndarray, z: np.ndarray) -> np.ndarray:
        """delta_index = dL_s/da_index * f'(z_index), for a layer below the output."""
        with np.errstate(over="ignore", invalid="ignore"):
            return grad_a * self._act[index - 1].derivative(z)

    def backward_layer(self, index: int, delta: np.ndarray, a_prev: np.ndarray, grad_a: np.ndarray | None = None):
        """Gradients of layer ``index`` from its ``delta`` (samples x units).

        Returns ``(grad_w, grad_b, grad_a_prev)``: the weight gradients are of the batch loss (the mean
        over samples); ``grad_a_prev`` is dL_s/da_(index-1), which a residual layer adds ``grad_a`` to.
        """
        l = index - 1
        with np.errstate(over="ignore", invalid="ignore"):
            grad_w = delta.T @ a_prev / a_prev.shape[0]
            grad_b = delta.mean(axis=0)
            grad_a_prev = delta @ self.weights[l]
            if self._skip[l]:
                grad_a_prev = grad_a_prev + grad_a
        return grad_w, grad_b, grad_a_prev

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
        inputs = np.atleast_2d(np.asarray(inputs, dtype=np.float64))
        targets = np.atleast_2d(np.asarray(targets, dtype=np.float64))
        check_budget(self.widths, inputs.shape[0])
        zs, activations = [], [inputs]
        for index in range(1, self.depth + 1):
            z, a = self.forward_layer(index, activations[-1])
            zs.append(z)
            activations.append(a)
        sample_losses = self.loss_values(loss_name, zs[-1], activations[-1], targets)
        deltas, grads_w, grads_b = [None] * self.depth, [None] * self.depth, [None] * self.depth
        grad_a = None
        for index in range(self.depth, 0, -1):
            l = index - 1
            if index == self.depth:
                deltas[l] = self.output_delta(loss_name, zs[l], activations[index], targets)
            else:
                deltas[l] = self.hidden_delta(index, grad_a, zs[l])
            grads_w[l], grads_b[l], grad_a = self.backward_layer(index, deltas[l], activations[l], grad_a)
        layers = tuple(
            LayerRecord(
                index=l + 1,
                activation=self.activations[l],
                residual=self._skip[l],
                z=freeze(zs[l]),
                a=freeze(activations[l + 1]),
                delta=freeze(deltas[l]),
                grad_w=freeze(grads_w[l]),
                grad_b=freeze(grads_b[l]),
            )
            for l in range(self.depth)
        )
        return PassRecord(
            weights=self.weights,
            biases=self.biases,
            inputs=frozen_array(inputs),
            targets=frozen_array(targets),
            layers=layers,
            loss_name=loss_name,
            step=2 * self.depth + 1,
            loss=float(np.mean(sample_losses)),
            sample_losses=freeze(sample_losses),
        )

    def __repr__(self):
        acts = self.activations[0] if len(set(self.activations)) == 1 else list(self.activations)
        return f"Network(widths={list(self.widths)}, activations={acts!r}, residual={self.residual})"
