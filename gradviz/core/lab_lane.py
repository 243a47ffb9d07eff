"""One lane of the lab: its starting weights, its optimiser (SGD, momentum, Adam), its training loop over
mini-batches and its per-epoch measures; plus the output layer and targets the lab's loss implies.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from . import passes
from .data import Split
from .init import init_weights
from .lab_config import LaneSpec
from .lab_history import LaneHistory
from .network import Network

MOMENTUM = 0.9
ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8
#: A unit counts as saturated where f'(z) < SATURATION_LEVEL * (the activation's largest slope).
SATURATION_LEVEL = 0.01


def initial_parameters(widths, init: str, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The starting weights and biases of a lane: they depend on ``widths``, ``init`` and ``seed`` only."""
    rng = np.random.default_rng([seed, 0x1A2])
    weights, biases = [], []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        if init == "nielsen":
            weights.append(rng.normal(0.0, 1.0 / math.sqrt(n_in), size=(n_out, n_in)))
            biases.append(rng.normal(0.0, 1.0, size=n_out))
        else:
            weights.append(init_weights(init, (n_out, n_in), rng))
            biases.append(np.zeros(n_out))
    return weights, biases


def output_setup(loss: str, classes: int) -> tuple[int, str, str]:
    """(output units, output activation, loss name) for the lab's ``loss`` choice and ``classes``."""
    if loss == "mse":
        return (1 if classes == 2 else classes), "sigmoid", "half_squared_error"
    if classes == 2:
        return 1, "sigmoid", "binary_cross_entropy"
    return classes, "linear", "softmax_cross_entropy"


def encode_targets(labels: np.ndarray, outputs: int) -> np.ndarray:
    """Class labels as the output layer's targets: a column of 0/1 for one output, else one-hot rows."""
    if outputs == 1:
        return labels.astype(np.float64)[:, None]
    targets = np.zeros((len(labels), outputs))
    targets[np.arange(len(labels)), labels] = 1.0
    return targets


def predicted_classes(logits: np.ndarray) -> np.ndarray:
    """Each sample's class from the output layer's z: z >= 0 for one sigmoid output, else the largest z."""
    if logits.shape[1] == 1:
        return (logits[:, 0] >= 0).astype(np.int64)
    return np.argmax(logits, axis=1)


def _copy_or_none(array: np.ndarray | None) -> np.ndarray | None:
    return None if array is None else array.copy()


@dataclass(frozen=True)
class OptimizerState:
    """An optimiser's running averages: steps taken, momentum's velocity or Adam's m, and Adam's v."""

    kind: str
    steps: int
    velocity: np.ndarray | None
    second: np.ndarray | None


class Optimizer:
    """SGD, momentum or Adam, updating a flat parameter array in place from a flat gradient array."""

    def __init__(self, kind: str, learning_rate: float, size: int):
        self.kind, self.learning_rate, self.steps = kind, learning_rate, 0
        self._velocity = np.zeros(size) if kind in ("momentum", "adam") else None
        self._second = np.zeros(size) if kind == "adam" else None

    def state(self) -> OptimizerState:
        """A copy of the running averages."""
        return OptimizerState(self.kind, self.steps, _copy_or_none(self._velocity), _copy_or_none(self._second))

    def restore(self, state: OptimizerState) -> None:
        """Continue from ``state`` (of the same kind and size; averages given as None start at zero)."""
        if state.kind != self.kind:
            raise ValueError(f"optimizer state of {state.kind!r} given to {self.kind!r}")
        self.steps = int(state.steps)
        for mine, theirs in ((self._velocity, state.velocity), (self._second, state.second)):
            if mine is not None:
                mine[...] = 0.0 if theirs is None else theirs  # None: averages not kept (a version 1 file)

    def __repr__(self):
        return f"Optimizer({self.kind!r}, learning_rate={self.learning_rate:g}, steps={self.steps})"

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        lr = self.learning_rate
        if self.kind == "sgd":
            grads *= lr
            params -= grads
        elif self.kind == "momentum":
            velocity = self._velocity
            velocity *= MOMENTUM
            velocity += grads
            np.multiply(velocity, lr, out=grads)
            params -= grads
        else:
            self.steps += 1
            m, s = self._velocity, self._second
            m *= ADAM_BETA1
            m += (1.0 - ADAM_BETA1) * grads
            s *= ADAM_BETA2
            np.square(grads, out=grads)
            grads *= 1.0 - ADAM_BETA2
            s += grads
            # torch.optim.Adam's order of operations: m / (sqrt(s) / sqrt(1 - beta2^t) + eps), times lr / (1 - beta1^t).
            np.sqrt(s, out=grads)
            grads /= math.sqrt(1.0 - ADAM_BETA2**self.steps)
            grads += ADAM_EPSILON
            np.divide(m, grads, out=grads)
            grads *= lr / (1.0 - ADAM_BETA1**self.steps)
            params -= grads


def clip_by_global_norm(grads: np.ndarray, max_norm: float) -> float:
    """Scale the flat gradient ``grads`` in place so that its L2 norm is at most ``max_norm``; returns the norm before.

    The norm is of all weights and biases together (torch's ``clip_grad_norm_``, without its 1e-6).
    """
    total = math.sqrt(float(np.dot(grads, grads)))
    if total > max_norm:
        grads *= max_norm / total
    return total


class Lane:
    """One network in the lab: its working weights (updated in place), optimiser state and history."""

    def __init__(self, spec: LaneSpec, widths: tuple[int, ...], output_activation: str, loss_name: str, seed: int):
        self.spec = spec
        self.widths = widths
        self.loss_name = loss_name
        depth = len(widths) - 1
        self.activations = (spec.activation,) * (depth - 1) + (output_activation,)
        weights, biases = initial_parameters(widths, spec.init, seed)
        self._template = Network(widths, self.activations, weights, biases, spec.residual)
        self._params = passes.ParameterBuffer(widths)
        self._grads = passes.ParameterBuffer(widths)
        for target, source in zip(self._params.weights + self._params.biases, weights + biases):
            target[...] = source
        #: The working weights and biases, views of one flat array that each training step updates in place.
        self.weights, self.biases = self._params.weights, self._params.biases
        self._work = self._template.sharing_params(self.weights, self.biases)
        self.optimizer = Optimizer(spec.optimizer, spec.learning_rate, self._params.flat.size)
        #: dC/dw and dC/db of the last mini-batch trained (before clipping), shaped as the parameters.
        self.last_gradient = passes.ParameterBuffer(widths)
        self.has_gradient = False
        self.history = LaneHistory(depth - 1)
        self.epochs_done = 0
        self.stopped_at: int | None = None
        self.stop_reason = ""

    @property
    def name(self) -> str:
        return self.spec.name

    def retune(self, spec: LaneSpec) -> None:
        """Take ``spec``'s name, learning rate, clip and optimiser, keeping the weights and history.

        The same optimiser keeps its running averages; another one starts its own from zero.
        """
        if (spec.activation, spec.init, spec.residual) != (self.spec.activation, self.spec.init, self.spec.residual):
            raise ValueError("a lane's activation, initialiser and skips define its network; make a new lane")
        if spec.optimizer == self.spec.optimizer:
            self.optimizer.learning_rate = spec.learning_rate
        else:
            self.optimizer = Optimizer(spec.optimizer, spec.learning_rate, self._params.flat.size)
        self.spec = spec

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    @property
    def network(self) -> Network:
        """The lane's network now (an immutable copy)."""
        return self._template.with_params(self.weights, self.biases)

    @functools.cached_property
    def weight_slices(self) -> list[slice]:
        """Where each layer's weights lie in ``parameters``."""
        slices, start = [], 0
        for n_in, n_out in zip(self.widths[:-1], self.widths[1:]):
            slices.append(slice(start, start + n_in * n_out))
            start += n_in * n_out + n_out
        return slices

    @property
    def parameters(self) -> np.ndarray:
        """Every weight and bias, layer by layer (W_1, b_1, W_2, ...), as one flat array (the working one)."""
        return self._params.flat

    def batch_gradients(self, inputs: np.ndarray, targets: np.ndarray) -> passes.PassArrays:
        """One mini-batch's pass, exactly as the training loop computes it (with the loss too)."""
        return passes.forward_backward(self._work, inputs, targets, self.loss_name, gradients=self._grads)

    def train_batches(self, batches: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """One update per mini-batch, in the order given; keeps the last one's gradient (``last_gradient``)."""
        work, loss_name, clip = self._work, self.loss_name, self.spec.clip
        params, gradients = self._params.flat, self._grads
        grads = gradients.flat
        step = self.optimizer.step
        last = len(batches) - 1
        with passes.ignoring_overflow():
            for k, (inputs, targets) in enumerate(batches):
                passes.forward_backward(work, inputs, targets, loss_name, with_loss=False, gradients=gradients)
                if k == last:
                    np.copyto(self.last_gradient.flat, grads)
                    self.has_gradient = True
                if clip is not None:
                    clip_by_global_norm(grads, clip)
                step(params, grads)

    def probe_gradient(self, inputs: np.ndarray, targets: np.ndarray) -> None:
        """Set ``last_gradient`` to the gradient of one mini-batch at the weights now, without a step."""
        passes.forward_backward(self._work, inputs, targets, self.loss_name, with_loss=False, gradients=self.last_gradient)
        self.has_gradient = True

    def measure(self, split: Split, train_targets: np.ndarray) -> tuple | None:
        """(loss, train accuracy, test accuracy, speed, saturated) now, or None when the loss is not finite."""
        arrays = passes.forward_backward(self._work, split.train_x, train_targets, self.loss_name)
        loss = arrays.loss
        if not math.isfinite(loss):
            return None
        train_accuracy = np.count_nonzero(predicted_classes(arrays.zs[-1]) == split.train_y) / len(split.train_y)
        if len(split.test_y):
            test_logits = passes.forward(self._work, split.test_x)[0][-1]
            test_accuracy = np.count_nonzero(predicted_classes(test_logits) == split.test_y) / len(split.test_y)
        else:
            test_accuracy = math.nan
        hidden = len(self.widths) - 2
        speed = [float(np.sqrt(np.dot(g, g))) for g in arrays.grads_b[:hidden]]
        saturated = []
        with passes.ignoring_overflow():
            for l in range(hidden):
                activation = self._work.activation_functions[l]
                slope = passes.layer_slope(self._work, l, arrays.zs[l], arrays.activations[l + 1])
                saturated.append(float(np.count_nonzero(slope < SATURATION_LEVEL * activation.max_slope) / slope.size))
        return loss, train_accuracy, test_accuracy, speed, saturated

    def stop(self, epoch: int, why: str) -> None:
        self.stopped_at = epoch
        kept = "its starting network is kept" if epoch == 0 else f"its network after epoch {epoch - 1:,} is kept"
        self.stop_reason = f"lane {self.name} stopped at epoch {epoch:,}: {why}; {kept}"

    def __repr__(self):
        return f"Lane({self.name!r}, {self._template!r}, epochs={self.epochs_done})"
