"""What a pass produces, as frozen records whose arrays are read-only.

A record may be partial: while the stepper is part-way through a pass, the layers it has not reached yet
hold ``None`` in place of their arrays. Views draw what is there and leave the rest neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


def frozen_array(values) -> np.ndarray:
    """A read-only float64 copy of ``values`` (no copy when it already is one)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.flags.writeable:
        arr = arr.copy()
        arr.flags.writeable = False
    return arr


def freeze(arr: np.ndarray) -> np.ndarray:
    """Make a float64 array the caller has just computed, and owns, read-only in place (no copy)."""
    if arr.dtype != np.float64:
        return frozen_array(arr)
    arr.flags.writeable = False
    return arr


class Phase(str, Enum):
    """Where a pass stands after its latest micro-step."""

    READY = "ready"
    FORWARD = "forward"
    LOSS = "loss"
    BACKWARD = "backward"
    UPDATE = "update"


@dataclass(frozen=True)
class LayerRecord:
    """One weight layer's share of a pass (layers are numbered 1..L; layer 0 is the input).

    ``z`` and ``a`` (samples x units) exist once the forward pass has computed the layer; ``delta``
    (dL_s/dz of each sample's own loss), ``grad_w`` (shape of W) and ``grad_b`` (gradients of the batch
    loss, i.e. averaged over samples) once the backward pass has.
    """

    index: int
    activation: str
    residual: bool
    z: np.ndarray | None = None
    a: np.ndarray | None = None
    delta: np.ndarray | None = None
    grad_w: np.ndarray | None = None
    grad_b: np.ndarray | None = None

    @property
    def forward_done(self) -> bool:
        return self.z is not None

    @property
    def backward_done(self) -> bool:
        return self.grad_w is not None

    def __repr__(self):
        done = "backward" if self.backward_done else "forward" if self.forward_done else "pending"
        return f"LayerRecord(index={self.index}, activation={self.activation!r}, {done})"


@dataclass(frozen=True)
class PassRecord:
    """A forward-and-backward pass through a network, complete or as far as the stepper has gone.

    ``step`` counts the micro-steps done: forward layers 1..L, the loss, backward layers L..1, then the
    SGD update; ``phase`` and ``layer`` say which one was the latest.
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    inputs: np.ndarray
    targets: np.ndarray
    layers: tuple[LayerRecord, ...]
    loss_name: str
    step: int = 0
    loss: float | None = None
    sample_losses: np.ndarray | None = None
    #: After the SGD update micro-step: the weights the pass ran with (``weights`` then holds the updated
    #: ones). None before the update, and for records made without a stepper.
    weights_before_update: tuple[np.ndarray, ...] | None = None
    #: After the SGD update micro-step: the biases the pass ran with (``biases`` then holds the updated ones).
    biases_before_update: tuple[np.ndarray, ...] | None = None
    #: After the SGD update micro-step: the learning rate η it applied. None before the update.
    learning_rate: float | None = None

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def steps_per_pass(self) -> int:
        """Micro-steps in a whole pass: L forward, the loss, L backward and the update."""
        return 2 * self.depth + 2

    @property
    def phase(self) -> Phase:
        return phase_at(self.step, self.depth)[0]

    @property
    def layer(self) -> int | None:
        """The layer the latest micro-step computed, or None for the loss, the update and before any step."""
        return phase_at(self.step, self.depth)[1]

    @property
    def pass_weights(self) -> tuple[np.ndarray, ...]:
        """The weights this pass's z, a, δ and gradients were computed with (before any update)."""
        return self.weights if self.weights_before_update is None else self.weights_before_update

    @property
    def pass_biases(self) -> tuple[np.ndarray, ...]:
        """The biases this pass's z, a, δ and gradients were computed with (before any update)."""
        return self.biases if self.biases_before_update is None else self.biases_before_update

    @property
    def update(self) -> "WeightUpdate | None":
        """The SGD update this record's latest micro-step applied, or None before the update step."""
        if self.phase is not Phase.UPDATE or self.weights_before_update is None or self.learning_rate is None:
            return None
        return WeightUpdate(
            self.learning_rate, self.weights_before_update, tuple(l.grad_w for l in self.layers), self.weights,
            self.pass_biases, tuple(l.grad_b for l in self.layers), self.biases,
        )  # fmt: skip

    @property
    def output(self) -> np.ndarray | None:
        return self.layers[-1].a

    @property
    def complete(self) -> bool:
        return self.layers[0].backward_done

    def activations(self, index: int) -> np.ndarray | None:
        """The activations a_index (0 = the input), or None when not computed yet."""
        return self.inputs if index == 0 else self.layers[index - 1].a

    def __repr__(self):
        return f"PassRecord(depth={self.depth}, step={self.step}, phase={self.phase.value}, loss={self.loss})"


@dataclass(frozen=True, eq=False)
class WeightUpdate:
    """One SGD update, w ← w − η·∂L/∂w and b ← b − η·∂L/∂b, for every weight layer (index 0 is layer 1).

    Attributes
    ----------
    learning_rate : η
    weights_before : the weights the pass ran with (the shape of each layer's W)
    gradients : ∂L/∂W of each layer, as the backward pass computed them (the gradients applied)
    weights_after : the weights after the update: ``weights_before[l] - learning_rate * gradients[l]``
    biases_before, bias_gradients, biases_after : the same for the biases

    Every array is the record's own, read-only.
    """

    learning_rate: float
    weights_before: tuple[np.ndarray, ...]
    gradients: tuple[np.ndarray, ...]
    weights_after: tuple[np.ndarray, ...]
    biases_before: tuple[np.ndarray, ...]
    bias_gradients: tuple[np.ndarray, ...]
    biases_after: tuple[np.ndarray, ...]

    @property
    def changes(self) -> tuple[np.ndarray, ...]:
        """Each layer's change of weights, ``weights_after - weights_before`` (= −η·∂L/∂W), read-only."""
        with np.errstate(over="ignore", invalid="ignore"):
            return tuple(freeze(after - before) for before, after in zip(self.weights_before, self.weights_after))

    def weight(self, layer: int, to_unit: int, from_unit: int) -> tuple[float, float, float, float]:
        """``(before, gradient, learning_rate, after)`` of weight ``W_layer[to_unit, from_unit]`` (layer 1..L)."""
        l = layer - 1
        return (
            float(self.weights_before[l][to_unit, from_unit]), float(self.gradients[l][to_unit, from_unit]),
            self.learning_rate, float(self.weights_after[l][to_unit, from_unit]),
        )  # fmt: skip

    def __repr__(self):
        return f"WeightUpdate(learning_rate={self.learning_rate!r}, layers={len(self.weights_before)})"


def phase_at(step: int, depth: int) -> tuple[Phase, int | None]:
    """The phase and layer of micro-step ``step`` (1-based) in a pass through ``depth`` layers."""
    if step <= 0:
        return Phase.READY, None
    if step <= depth:
        return Phase.FORWARD, step
    if step == depth + 1:
        return Phase.LOSS, None
    if step <= 2 * depth + 1:
        return Phase.BACKWARD, 2 * depth + 2 - step
    return Phase.UPDATE, None


def describe_step(step: int, depth: int) -> str:
    """Where a pass stands, in neutral words ("Ready", "Forward: layer 2 of 3", "Loss computed").

    No key or button is named here: the window adds its own hint (which key steps) to the sentence.
    """
    phase, layer = phase_at(step, depth)
    if phase is Phase.READY:
        return "Ready"
    if phase is Phase.FORWARD:
        return f"Forward: layer {layer} of {depth}"
    if phase is Phase.LOSS:
        return "Loss computed"
    if phase is Phase.BACKWARD:
        return f"Backward: layer {layer} of {depth}"
    return "SGD update applied"
